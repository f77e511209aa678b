#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# DPDK testpmd (22.11) on /dev/vhost-vdpa-N through its virtio-user PMD,
# unmodified: the device is a vdpasim_net whose loopback brings every frame
# testpmd transmits back to its receive queue.
#  1. interactive: txonly for a while (it never refills its receive ring:
#     TX must go on past the ring size, the device dropping and counting
#     what finds no buffer), then rxonly: what the ring held comes back, and
#     testpmd's port counters agree with each other and with the
#     simulator's per-queue counters (vdpa dev vstats);
#  2. io forwarding started with tx_first: a burst circulates through the
#     device for several seconds.
# One testpmd process does it all (starting one takes minutes under TCG).
. "$(dirname "$0")/vv_lib.sh"

N=9
MAC=02:00:00:74:70:01
why=$(vv_missing)
[ -n "$why" ] && ktap_skip_all $N "$why"
TESTPMD=$(command -v dpdk-testpmd)
[ -n "$TESTPMD" ] || ktap_skip_all $N "dpdk-testpmd missing (package dpdk)"

ktap_plan $N
vv_device vxvtp0 "$MAC"
check $? "vdpasim_net device bound to vhost_vdpa ($VV_NODE)"
node=$VV_NODE
[ -c "$node" ] || { skip_rest "no vhost-vdpa node"; ktap_exit; }

# virtio-user pins all of DPDK's memory through the IOTLB.
ulimit -l unlimited
tmp=$(mktemp -d /tmp/vxtp.XXXXXX)
tp_pid=""
cleanup_tp() {
	[ -n "$tp_pid" ] && kill "$tp_pid" 2> /dev/null && sleep 1 && kill -9 "$tp_pid" 2> /dev/null
	exec 3>&- 2> /dev/null
	rm -rf "$tmp"
	vv_cleanup
}
trap cleanup_tp EXIT

EAL=(-l 0-1 --no-huge -m "${VV_TESTPMD_MB:-256}" --no-pci --file-prefix=vxtp --log-level=pmd.net.virtio.*:info
     --vdev="net_virtio_user0,path=$node,queue_size=256")
# --no-flush-rx: "start" must not eat what the loopback queued for rxonly.
APP=(--total-num-mbufs=8192 --no-mlockall --no-flush-rx "--eth-peer=0,$MAC" --rxd=256 --txd=256)

# Interactive testpmd fed through a fifo; its output goes to $tmp/tp.log.
mkfifo "$tmp/in"
# Unbuffered: the prompt is written directly, everything else with printf.
t0=$SECONDS
stdbuf -o0 -e0 "$TESTPMD" "${EAL[@]}" -- -i "${APP[@]}" < "$tmp/in" > "$tmp/tp.log" 2>&1 &
tp_pid=$!
exec 3> "$tmp/in"

# tp_wait PATTERN SECONDS: until the log has PATTERN (after what was seen).
seen=0
tp_wait() {
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ]; do
		if tail -c +$((seen + 1)) "$tmp/tp.log" | grep -q -- "$1"; then
			seen=$(stat -c %s "$tmp/tp.log")
			return 0
		fi
		kill -0 "$tp_pid" 2> /dev/null || return 1
		sleep 0.2
	done
	diag "testpmd: no \"$1\" after $2 s; last lines:"
	tail -n 8 "$tmp/tp.log" | sed 's/^/#   /'
	return 1
}
tp() { echo "$1" >&3; }
# Last value of a counter in the log: tp_stat "RX-packets"
tp_stat() { grep -o "$1: *[0-9]*" "$tmp/tp.log" | tail -n 1 | grep -o '[0-9]*$'; }

tp_wait "testpmd> " 600
check $? "testpmd starts on the vhost-vdpa port (virtio-user, $((SECONDS - t0)) s)"
if ! kill -0 "$tp_pid" 2> /dev/null; then
	sed 's/^/# /' "$tmp/tp.log" | tail -n 40
	skip_rest "testpmd did not start"
	ktap_exit
fi

tp "set fwd txonly"; tp_wait "txonly packet forwarding" 30
tp "start"; tp_wait "testpmd> " 30
sleep 5
tp "stop"; tp_wait "Done." 60
tx=$(tp_stat "TX-packets")
diag "txonly: TX-packets ${tx:-?}"
[ "${tx:-0}" -gt 256 ]
check $? "txonly transmits past the ring size without RX refills (TX-packets ${tx:-0} > 256)"

mark=$(stat -c %s "$tmp/tp.log")
tp "set fwd rxonly"; tp_wait "rxonly packet forwarding" 30
tp "start"; tp_wait "testpmd> " 30
sleep 5
tp "stop"; tp_wait "Done." 60
tail -c +$((mark + 1)) "$tmp/tp.log" | grep -E "RX-|TX-" | sed 's/^/#   /'
rx=$(tp_stat "RX-packets")
diag "rxonly: RX-packets ${rx:-?}"
txonly_tx=$tx
drops=$(vv_vstat vxvtp0 0 rx_drops)
diag "vstats: rx_drops $drops rx_no_buffer $(vv_vstat vxvtp0 0 rx_no_buffer)"
[ "${rx:-0}" -gt 0 ] && [ "$rx" -le 256 ] && [ "$drops" -ge 0 ] &&
	[ $((rx + drops)) = "${txonly_tx:-0}" ]
check $? "rxonly receives what the ring held, rx_drops counts the rest (${rx:-0} + $drops of ${txonly_tx:-0})"

# The device's own view, while the port is still up.
sim_tx=$(vv_vstat vxvtp0 1 tx_packets)
sim_rx=$(vv_vstat vxvtp0 0 rx_packets)
diag "vstats: tx_packets $sim_tx rx_packets $sim_rx"

tp "show port stats 0"; tp_wait "TX-bytes" 30
prx=$(tp_stat "RX-packets") ptx=$(tp_stat "TX-packets")
prxb=$(tp_stat "RX-bytes") ptxb=$(tp_stat "TX-bytes")
diag "port 0: RX $prx packets $prxb bytes, TX $ptx packets $ptxb bytes"
[ "${prx:-0}" -gt 0 ] && [ "${ptx:-0}" = $((prx + drops)) ] && [ "${prxb:-0}" -gt 0 ] &&
	[ "$prxb" -le "${ptxb:-0}" ]
check $? "every frame sent came back or was counted dropped (port TX = RX + rx_drops)"
[ "$sim_tx" = "$ptx" ] && [ "$sim_rx" = "$prx" ]
check $? "simulator counters agree with testpmd (tx $sim_tx/$ptx rx $sim_rx/$prx)"

# Sustained traffic: a burst circulating through the loopback.
mark=$(stat -c %s "$tmp/tp.log")
tp "set fwd io"; tp_wait "io packet forwarding" 30
tp "start tx_first"; tp_wait "testpmd> " 30
sleep "${VV_TESTPMD_IO_SECONDS:-10}"
tp "stop"; tp_wait "Done." 60
acc=$(tail -c +$((mark + 1)) "$tmp/tp.log" | sed -n '/Forward statistics for port 0/,/-------$/p')
rx=$(echo "$acc" | grep -o "RX-packets: *[0-9]*" | grep -o '[0-9]*$')
tx=$(echo "$acc" | grep -o "TX-packets: *[0-9]*" | grep -o '[0-9]*$')
diag "io, start tx_first, ${VV_TESTPMD_IO_SECONDS:-10} s: RX-packets ${rx:-?} TX-packets ${tx:-?}"
[ "${rx:-0}" -ge 1000 ] && [ "${tx:-0}" -ge 1000 ]
check $? "io forwarding keeps a burst circulating (RX ${rx:-0}, TX ${tx:-0}, >= 1000 each)"

tp "quit"
tp_wait "Bye" 60
end=$((SECONDS + 30))
while kill -0 "$tp_pid" 2> /dev/null && [ $SECONDS -lt $end ]; do sleep 1; done
if kill -0 "$tp_pid" 2> /dev/null; then
	kill -9 "$tp_pid"
	rc=137
else
	wait "$tp_pid"
	rc=$?
fi
tp_pid=""
exec 3>&-
check $rc "testpmd quits cleanly"
grep -iE "error|fail" "$tmp/tp.log" | grep -v "RX-errors\|TX-errors\|Rx-bad\|TX-bad" | head -n 5 | sed 's/^/# /'

# The device can go once testpmd is gone.
[ ! -d "$S/devices/vxvtp0" ] || "$VDPA" dev del vxvtp0
_made=""
check $? "device deleted after testpmd"
ktap_exit
