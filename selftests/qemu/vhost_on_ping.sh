#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Nested QEMU (TCG) with "-netdev tap,vhost=on" on $VHOST_NET_DEV (default
# /dev/vhost-net) and one virtio-net-pci queue pair: the guest pings this VM,
# this VM pings the guest, and when vhostx_net serves the node the packets
# are shown to be ours (see lib.sh). About 110 s on an idle machine.
. "$(dirname "$0")/lib.sh"
nested_test 1
