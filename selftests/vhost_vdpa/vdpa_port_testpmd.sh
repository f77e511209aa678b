#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# DPDK testpmd (22.11, virtio-user, unmodified) on /dev/vhost-vdpa-N of a
# vdpasim_port device: what testpmd transmits leaves through the device's
# host-side port, and frames sent into the port from a peer namespace reach
# testpmd. Counted three ways each: testpmd, the device (vdpa dev vstats)
# and the port (its interface counters).
. "$(dirname "$0")/vv_lib.sh"

N=7
D=vxvpt0
MAC=02:00:00:74:71:01
NS=vxvpt-peer
K=200
why=$(vv_missing)
[ -n "$why" ] && ktap_skip_all $N "$why"
"$VDPA" mgmtdev show vdpasim_port > /dev/null 2>&1 ||
	ktap_skip_all $N "no vdpasim_port management device"
TESTPMD=$(command -v dpdk-testpmd)
[ -n "$TESTPMD" ] || ktap_skip_all $N "dpdk-testpmd missing (package dpdk)"

ktap_plan $N
VV_MGMTDEV=vdpasim_port vv_device $D "$MAC"
check $? "vdpasim_port device bound to vhost_vdpa ($VV_NODE)"
node=$VV_NODE
[ -c "$node" ] || { skip_rest "no vhost-vdpa node"; ktap_exit; }

. "$(dirname "$0")/tp_lib.sh"
trap 'ip netns del $NS 2> /dev/null; tp_cleanup' EXIT
# The peer: the port alone in a namespace, without IPv6 (nothing of its own
# to send while the counters are compared).
ip netns add $NS &&
	ip netns exec $NS sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 &&
	ip link set $D netns $NS && ip -n $NS link set $D up
check $? "the port $D in the peer namespace"
pstat() { ip netns exec $NS cat /sys/class/net/$D/statistics/"$1"; }

tp_start "$node" "$MAC"

prx0=$(pstat rx_packets) vtx0=$(vv_vstat $D 1 tx_packets)
tp "set fwd txonly"; tp_wait "txonly packet forwarding" 30
tp "start"; tp_wait "testpmd> " 30
sleep 5
tp "stop"; tp_wait "Done." 60
tx=$(tp_stat "TX-packets")
for _ in $(seq 1 10); do
	prx=$(($(pstat rx_packets) - prx0)) vtx=$(($(vv_vstat $D 1 tx_packets) - vtx0))
	[ "$prx" = "${tx:-0}" ] && break
	sleep 0.2
done
diag "txonly: testpmd TX-packets ${tx:-?}, device tx_packets $vtx, port rx_packets $prx"
[ "${tx:-0}" -gt 256 ] && [ "$vtx" = "$tx" ] && [ "$prx" = "$tx" ]
check $? "everything testpmd sent left through the port (${tx:-0} = $vtx = $prx, past the ring size)"

ptx0=$(pstat tx_packets) vrx0=$(vv_vstat $D 0 rx_packets)
mark=$(stat -c %s "$tmp/tp.log")
tp "set fwd rxonly"; tp_wait "rxonly packet forwarding" 30
tp "start"; tp_wait "testpmd> " 30
ip netns exec $NS python3 -S -c '
import socket, struct, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("'$D'", 0))
dst = bytes.fromhex("'${MAC//:/}'")
for i in range('$K'):
    s.send(dst + bytes.fromhex("020000007402") + b"\x88\xb5" + struct.pack("!I", i) + bytes(56))
    if i % 32 == 31:
        time.sleep(0.05)
'
check $? "the peer sent $K frames to the device's MAC through the port"
sleep 2
tp "stop"; tp_wait "Done." 60
rx=$(tail -c +$((mark + 1)) "$tmp/tp.log" | grep -o "RX-packets: *[0-9]*" | tail -n 1 | grep -o '[0-9]*$')
ptx=$(($(pstat tx_packets) - ptx0)) vrx=$(($(vv_vstat $D 0 rx_packets) - vrx0))
diag "rxonly: testpmd RX-packets ${rx:-?}, device rx_packets $vrx, port tx_packets $ptx, port tx_dropped $(pstat tx_dropped)"
[ "${rx:-0}" = $K ] && [ "$vrx" = $K ] && [ "$ptx" = $K ]
check $? "every frame the peer sent reached testpmd ($K = ${rx:-0} = $vrx = $ptx)"

tp_quit
check $? "testpmd quits cleanly"
ktap_exit
