#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DPDK testpmd (virtio-user on $VHOST_NET_DEV, default /dev/vhost-net, tap
# backend) in rxonly mode while pktgen sends a fixed number of frames out of
# the tap: every frame the tap queued toward the guest must reach testpmd
# (see testpmd_rxonly_case in lib.sh).
. "$(dirname "$0")/lib.sh"
. "$VX_TOP/tools/bench/lib.sh"

require_node
command -v "$TESTPMD" >/dev/null || ktap_skip_all "dpdk-testpmd missing (Debian dpdk-dev)"
trap 'pktgen_stop; tp_stop' EXIT
ktap_plan 4
echo "# node $NODE, $(ours_status)"
testpmd_rxonly_case testpmd_rxonly
ktap_exit
