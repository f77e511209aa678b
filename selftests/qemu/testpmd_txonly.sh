#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DPDK testpmd as the guest driver (virtio-user on $VHOST_NET_DEV, default
# /dev/vhost-net, tap backend) in txonly mode: the frames testpmd put on its
# TX ring must come out of the tap (see testpmd_txonly_case in lib.sh).
. "$(dirname "$0")/lib.sh"
. "$VX_TOP/tools/bench/lib.sh"

require_node
command -v "$TESTPMD" >/dev/null || ktap_skip_all "dpdk-testpmd missing (Debian dpdk-dev)"
trap 'tp_stop' EXIT
ktap_plan 4
echo "# node $NODE, $(ours_status)"
testpmd_txonly_case testpmd_txonly
ktap_exit
