# SPDX-License-Identifier: GPL-2.0-only
#
# The part of the kernel's kselftest lib.mk that our areas use. An area's
# Makefile sets TEST_GEN_PROGS (C programs built from <name>.c), TEST_PROGS
# (scripts), optionally EXTRA_SRCS, EXTRA_HDRS, LDLIBS, EXTRA_CLEAN, then
# includes this file.

VX_SELFTESTS := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
KSFT_DIR ?= $(VX_SELFTESTS)/../build/ksft
CC ?= gcc
CFLAGS += -O2 -g -Wall -Werror -D_GNU_SOURCE -I$(KSFT_DIR) -I$(VX_SELFTESTS)/../include -I.

all: $(TEST_GEN_PROGS)

$(TEST_GEN_PROGS): %: %.c $(EXTRA_SRCS) $(EXTRA_HDRS) $(KSFT_DIR)/kselftest_harness.h
	$(CC) $(CFLAGS) -o $@ $< $(EXTRA_SRCS) $(LDLIBS)

$(KSFT_DIR)/kselftest_harness.h:
	$(MAKE) -C $(VX_SELFTESTS)/.. ksft

list-tests:
	@echo $(TEST_PROGS) $(TEST_GEN_PROGS)

clean:
	rm -f $(TEST_GEN_PROGS) $(EXTRA_CLEAN)

.PHONY: all list-tests clean
