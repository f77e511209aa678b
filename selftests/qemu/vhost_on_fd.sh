#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# As vhost_on_ping.sh, but QEMU is handed the tap and the vhost-net node as
# open fds ("-netdev tap,fd=N,vhost=on,vhostfd=M"), the way libvirt starts
# guests: the node is opened by tools/nested/tapfds, not by QEMU.
. "$(dirname "$0")/lib.sh"
nested_test 1 --fds
