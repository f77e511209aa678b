# SPDX-License-Identifier: GPL-2.0-only
#
# vhostx: out-of-tree vhost-net and vDPA for Linux.
#
#   make            build every module against KDIR
#   make deps       install what building and testing need (Debian, idempotent)
#   make check      deps, build (-Werror), host tests, then every selftest in a VM
#   make check KERNEL=debug   the same on a KASAN+lockdep+kmemleak kernel
#   make demo       boot a VM, load the modules, show them working
#   make bench      vhostx_net against the kernel's vhost_net, side by side
#   make profile    kernel instructions per packet per function, both modules
#   make fuzz       run the ring fuzzer (FUZZ_TIME seconds)
#   make install    modules_install + depmod on this host
#   make dkms-install    the one-step install: DKMS for every kernel, and
#                        /dev/vhost-net served by vhostx_net (dkms-uninstall)

VERSION := 0.1.0

ifeq ($(origin KDIR),undefined)
KDIR := $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1))
endif
export KDIR

# Warnings as errors when asked (make check and CI always ask).
ifeq ($(WERROR),1)
VX_KCFLAGS += -Werror
endif

TOP := $(CURDIR)
KSFT_DIR := $(TOP)/build/ksft
LINUX_SOURCE_TAR ?= $(lastword $(sort $(wildcard /usr/src/linux-source-*.tar.xz)))

.PHONY: all modules clean deps check demo bench fuzz install ksft selftests \
	selftests-clean checkpatch dkms-test kver help broken dkms-install profile \
	dkms-uninstall

all: modules

modules:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { echo "no kernel headers: run 'make deps' or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) KCFLAGS="$(VX_KCFLAGS) $(KCFLAGS)" modules

clean: selftests-clean
	@test -z "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(TOP) clean
	@test -z "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(TOP)/tools/testing/broken clean
	rm -rf build/vm build/check

kver:
	@sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h

deps:
	@tools/deps.sh

# kselftest headers come from Debian's linux-source tarball, never from git.
ksft: $(KSFT_DIR)/kselftest_harness.h

$(KSFT_DIR)/kselftest_harness.h:
	@test -f "$(LINUX_SOURCE_TAR)" || { echo "linux-source tarball missing: run 'make deps'" >&2; exit 1; }
	@mkdir -p $(KSFT_DIR)
	tar -xJf $(LINUX_SOURCE_TAR) -C $(KSFT_DIR) --strip-components=4 --wildcards \
		'linux-source-*/tools/testing/selftests/kselftest.h' \
		'linux-source-*/tools/testing/selftests/kselftest_harness.h'
	@touch $@

SELFTEST_DIRS = $(patsubst %/Makefile,%,$(wildcard selftests/*/Makefile))

selftests: ksft
	@set -e; for d in $(SELFTEST_DIRS); do $(MAKE) --no-print-directory -C $$d KSFT_DIR=$(KSFT_DIR); done

selftests-clean:
	@for d in $(SELFTEST_DIRS); do $(MAKE) --no-print-directory -C $$d clean || true; done

check:
	@tools/check $(CHECK_ARGS)

demo: modules
	@tools/demo

bench: modules
	@tools/bench/run

profile: modules
	@tools/profile/run

fuzz:
	$(MAKE) -C tools/ringtest fuzz FUZZ_TIME=$(or $(FUZZ_TIME),60)

checkpatch:
	@tools/checkpatch.sh

# Deliberately broken modules for the runner's self-test (never installed).
broken:
	$(MAKE) -C $(KDIR) M=$(TOP)/tools/testing/broken modules

dkms-test:
	@tools/dkms-test.sh

dkms-install:
	@tools/dkms-install

dkms-uninstall:
	@tools/dkms-install --uninstall

install: modules
	$(MAKE) -C $(KDIR) M=$(TOP) modules_install
	depmod -a $$($(MAKE) -s kver)

help:
	@sed -n '3,17p' Makefile
