#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DPDK testpmd as the guest driver (virtio-user on $VHOST_NET_DEV, default
# /dev/vhost-net, tap backend) in txonly mode: the frames testpmd put on its
# TX ring must come out of the tap (tap RX, or RX dropped by the host stack),
# all of them but what was still in the ring when testpmd stopped.
. "$(dirname "$0")/lib.sh"
. "$VX_TOP/tools/bench/lib.sh"

require_node
command -v "$TESTPMD" >/dev/null || ktap_skip_all "dpdk-testpmd missing (Debian dpdk-dev)"
iface=vxtpt0
dir=$(mktemp -d /tmp/testpmd-tx.XXXXXX)
cleanup() { tp_stop; ip link del "$iface" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

ktap_plan 4
echo "# node $NODE, $(ours_status)"
testpmd_prepare "$iface" || { fail testpmd_txonly_started "cannot create $iface"; ktap_exit; }
if ! tp_start txonly "$NODE" "$iface" 1 64 "$dir/testpmd.log"; then
	grep -v '^ *-' "$dir/testpmd.log" | tail -n 20 | sed 's/^/# /'
	fail testpmd_txonly_started "testpmd did not start forwarding"
	ktap_exit
fi
ok testpmd_txonly_started
sleep "${TESTPMD_SECS:-5}"
worker_snapshot "$TP_PID" "$dir/workers"
snap_rc=1
debugfs_snapshot "$dir/debugfs" && snap_rc=0
tp_stop
read -r _ tx <<< "$(tp_totals "$dir/testpmd.log")"
tap=$(( $(netstat "$iface" rx_packets) + $(netstat "$iface" rx_dropped) ))
echo "# testpmd TX-packets $tx, tap rx_packets+rx_dropped $tap"
sed 's/^/# worker: /' "$dir/workers"
# Up to a ring's worth (1024) plus a burst may still be unprocessed at stop.
if [ "$tx" -gt 0 ] && [ "$tap" -gt 0 ] && [ "$tap" -le "$tx" ] && [ "$tap" -ge $((tx - 1100)) ]; then
	ok testpmd_txonly_frames_reach_tap
else
	tail -n 30 "$dir/testpmd.log" | sed 's/^/# /'
	fail testpmd_txonly_frames_reach_tap "testpmd sent $tx, the tap got $tap"
fi
check_workers testpmd_txonly_carried_by_vhostx "$dir/workers" 1
check_counters testpmd_txonly_vhostx_counters "$snap_rc" "$dir/debugfs" 1
ktap_exit
