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
# With VV_TESTPMD_VDEV_ARGS=",packed_vq=1" (vdpa_testpmd_packed.sh) the
# rings are packed ones, and a tenth check reads the negotiated features
# back with the vdpa tool; with ",in_order=1" (vdpa_testpmd_inorder.sh)
# testpmd asks for VIRTIO_F_IN_ORDER, and a check reads that bit back.
. "$(dirname "$0")/vv_lib.sh"

N=9
packed=0
in_order=0
case ${VV_TESTPMD_VDEV_ARGS:-} in *packed_vq=1*) packed=1; N=$((N + 1)) ;; esac
case ${VV_TESTPMD_VDEV_ARGS:-} in *in_order=1*) in_order=1; N=$((N + 1)) ;; esac
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

. "$(dirname "$0")/tp_lib.sh"
tp_start "$node" "$MAC"

tp "set fwd txonly"; tp_wait "txonly packet forwarding" 30
tp "start"; tp_wait "testpmd> " 30
sleep 5
tp "stop"; tp_wait "Done." 60
tx=$(tp_stat "TX-packets")
diag "txonly: TX-packets ${tx:-?}"
[ "${tx:-0}" -gt 256 ]
check $? "txonly transmits past the ring size without RX refills (TX-packets ${tx:-0} > 256)"
if [ "$packed" = 1 ]; then
	neg=$("$VDPA" dev config show vxvtp0 2>&1)
	echo "$neg" | sed 's/^/#   /'
	echo "$neg" | grep -q 'negotiated_features.*RING_PACKED'
	check $? "the device negotiated VIRTIO_F_RING_PACKED with testpmd (vdpa dev config show)"
fi
if [ "$in_order" = 1 ]; then
	neg=$("$VDPA" dev config show vxvtp0 2>&1)
	echo "$neg" | sed 's/^/#   /'
	echo "$neg" | grep -q 'negotiated_features.*IN_ORDER'
	check $? "the device negotiated VIRTIO_F_IN_ORDER with testpmd (vdpa dev config show)"
fi

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

tp_quit
check $? "testpmd quits cleanly"

# The device can go once testpmd is gone.
[ ! -d "$S/devices/vxvtp0" ] || "$VDPA" dev del vxvtp0
_made=""
check $? "device deleted after testpmd"
ktap_exit
