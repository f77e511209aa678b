#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# selftests/vhost_net/vs_kernel.sh [TEST...]   (on the host, from anywhere)
#
# Run the vhost_net tests in the test VM against the kernel's own vhost_net
# (our modules are not loaded), the reference every test is checked against
# first. Default: every test program of this area. Exit status: the number
# of failed programs (0 when all passed).
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
make -s -C selftests/vhost_net || exit 2
tests=${*:-$(make -s --no-print-directory -C selftests/vhost_net list-tests)}
# One line, no tabs: the VM's /bin/sh is dash, which cannot read the $'..'
# quoting bash's printf %q uses for those.
cmd="modprobe vhost_net && modprobe tun && modprobe tap || exit 2;"
cmd="$cmd modprobe -q macvtap; modprobe -q veth;"
cmd="$cmd if [ -d /sys/module/vhostx_net ]; then echo vhostx_net is loaded >&2; exit 2; fi;"
cmd="$cmd cd selftests/vhost_net || exit 2; fails=0;"
cmd="$cmd for t in $tests; do ./\$t || fails=\$((fails + 1)); done; exit \$fails"
exec tools/vm/run --timeout "${VX_TIMEOUT:-1500}" --log build/vm/vhost_net-kernel.log -- sh -c "$cmd"
