#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DPDK testpmd's virtio-user with packed virtqueues (packed_vq=1) on
# $VHOST_NET_DEV (default /dev/vhost-net): txonly and rxonly as in
# testpmd_txonly.sh and testpmd_rxonly.sh, and our device must have acked
# VIRTIO_F_RING_PACKED (bit 34). A node that does not offer packed rings
# (the kernel's vhost_net) is a SKIP.
. "$(dirname "$0")/lib.sh"
. "$VX_TOP/tools/bench/lib.sh"

require_node
command -v "$TESTPMD" >/dev/null || ktap_skip_all "dpdk-testpmd missing (Debian dpdk-dev)"
[ "$(node_offers 34)" = 1 ] ||
	ktap_skip_all "$NODE does not offer VIRTIO_F_RING_PACKED ($(ours_status))"
trap 'pktgen_stop; tp_stop' EXIT
ktap_plan 10
echo "# node $NODE, $(ours_status)"
TP_VDEV_EXTRA=,packed_vq=1
testpmd_txonly_case testpmd_packed_txonly 34 ring_packed
testpmd_rxonly_case testpmd_packed_rxonly 34 ring_packed
ktap_exit
