#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DPDK testpmd (virtio-user on $VHOST_NET_DEV, default /dev/vhost-net, tap
# backend) in rxonly mode while pktgen sends a fixed number of frames out of
# the tap: every frame the tap queued toward the guest (tap tx_packets) must
# reach testpmd.
. "$(dirname "$0")/lib.sh"
. "$VX_TOP/tools/bench/lib.sh"

require_node
command -v "$TESTPMD" >/dev/null || ktap_skip_all "dpdk-testpmd missing (Debian dpdk-dev)"
iface=vxtpr0
count=${PKTGEN_COUNT:-20000}
dir=$(mktemp -d /tmp/testpmd-rx.XXXXXX)
cleanup() { pktgen_stop; tp_stop; ip link del "$iface" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

ktap_plan 4
echo "# node $NODE, $(ours_status)"
testpmd_prepare "$iface" || { fail testpmd_rxonly_started "cannot create $iface"; ktap_exit; }
if ! tp_start rxonly "$NODE" "$iface" 1 64 "$dir/testpmd.log"; then
	grep -v '^ *-' "$dir/testpmd.log" | tail -n 20 | sed 's/^/# /'
	fail testpmd_rxonly_started "testpmd did not start forwarding"
	ktap_exit
fi
if ! pktgen_setup "$iface" 64; then
	fail testpmd_rxonly_started "pktgen unavailable"
	ktap_exit
fi
ok testpmd_rxonly_started
echo "count $count" > "/proc/net/pktgen/$iface"
timeout 120 sh -c 'echo start > /proc/net/pktgen/pgctrl'
sleep 2
worker_snapshot "$TP_PID" "$dir/workers"
snap_rc=1
debugfs_snapshot "$dir/debugfs" && snap_rc=0
tp_stop
pktgen_stop
read -r rx _ <<< "$(tp_totals "$dir/testpmd.log")"
queued=$(netstat "$iface" tx_packets)
echo "# pktgen sent $count, tap queued $queued (dropped $(netstat "$iface" tx_dropped)), testpmd RX-packets $rx"
sed 's/^/# worker: /' "$dir/workers"
if [ "$rx" -gt 0 ] && [ "$rx" -le "$queued" ] && [ "$rx" -ge $((queued - queued / 100)) ]; then
	ok testpmd_rxonly_frames_reach_testpmd
else
	tail -n 30 "$dir/testpmd.log" | sed 's/^/# /'
	fail testpmd_rxonly_frames_reach_testpmd "tap queued $queued, testpmd received $rx"
fi
check_workers testpmd_rxonly_carried_by_vhostx "$dir/workers" 1
check_counters testpmd_rxonly_vhostx_counters "$snap_rc" "$dir/debugfs" 1
ktap_exit
