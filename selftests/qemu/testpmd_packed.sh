#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DPDK testpmd's virtio-user on $VHOST_NET_DEV (default /dev/vhost-net)
# with the ring features the kernel's vhost_net lacks: packed virtqueues
# (packed_vq=1, VIRTIO_F_RING_PACKED, bit 34), in-order use (in_order=1,
# VIRTIO_F_IN_ORDER, bit 35) on split rings, and both together. Each runs
# txonly and rxonly as testpmd_txonly.sh and testpmd_rxonly.sh do, and our
# device must have acked the feature. A node that offers neither (the
# kernel's vhost_net) is a SKIP; one feature missing skips its cases.
. "$(dirname "$0")/lib.sh"
. "$VX_TOP/tools/bench/lib.sh"

require_node
command -v "$TESTPMD" >/dev/null || ktap_skip_all "dpdk-testpmd missing (Debian dpdk-dev)"
packed=$(node_offers 34)
inorder=$(node_offers 35)
[ "$packed" = 1 ] || [ "$inorder" = 1 ] ||
	ktap_skip_all "$NODE offers neither VIRTIO_F_RING_PACKED nor VIRTIO_F_IN_ORDER ($(ours_status))"
trap 'pktgen_stop; tp_stop' EXIT
ktap_plan 30
echo "# node $NODE, $(ours_status)"

# both TAG EXTRA BIT WHAT OFFERED: txonly and rxonly with EXTRA devargs.
both() {
	local i

	if [ "$5" != 1 ]; then
		for i in $(seq 1 10); do
			skip "${1}_$i" "$NODE does not offer $4"
		done
		return
	fi
	TP_VDEV_EXTRA=$2
	testpmd_txonly_case "${1}_txonly" "$3" "$4"
	testpmd_rxonly_case "${1}_rxonly" "$3" "$4"
}
both testpmd_packed ,packed_vq=1 34 ring_packed "$packed"
both testpmd_inorder ,in_order=1 35 in_order "$inorder"
both testpmd_packed_inorder ,packed_vq=1,in_order=1 35 in_order \
	"$([ "$packed$inorder" = 11 ] && echo 1)"
ktap_exit
