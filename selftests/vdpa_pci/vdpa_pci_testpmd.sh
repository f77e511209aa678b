#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# DPDK testpmd (22.11, virtio-user) on the /dev/vhost-vdpa-N of a vdpax_pci
# device: the rings testpmd writes are NIC B's own, reached by the function
# through vhostx_vdpa's IOMMU domain (tools/vm/run --viommu). Frames leave
# through the hub to NIC A:
#  - io forwarding started with "tx_first 16": the 512 frames of the first
#    bursts (twice the ring) all reach NIC A, and nothing else does;
#  - txonly: frames keep flowing past the ring size (QEMU's hub drops what
#    NIC A's guest driver cannot take at full speed: NIC A's count is a
#    lower bound of what was sent, never more);
#  - rxonly: frames NIC A sends to NIC B's MAC are what testpmd counts
#    as received;
#  - after testpmd quits, the function is back in its default domain and
#    the device can be deleted.
# Skipped without an IOMMU (vdpa_pci_noiommu.sh covers that case).
. "$(dirname "$0")/lib.sh"

N=10
vpci_require $N
[ -d /sys/bus/vdpa/drivers/vhost_vdpa ] || ktap_skip_all $N "vhostx_vdpa.ko not loaded"
[ -e "/sys/bus/pci/devices/$PCI_B/iommu_group" ] ||
	ktap_skip_all $N "NIC B is behind no IOMMU (tools/vm/run --viommu)"
TESTPMD=$(command -v dpdk-testpmd)
[ -n "$TESTPMD" ] || ktap_skip_all $N "dpdk-testpmd missing (package dpdk)"

D=vxpt0
NS=vxpt-peer
vpci_test_cleanup() { ip netns del $NS 2> /dev/null; }
ktap_plan $N

vpci_take
check $? "NIC B ($PCI_B) bound to vdpax_pci: pci/$PCI_B listed"
"$VDPA" dev add name $D mgmtdev "pci/$PCI_B" && vpci_made $D &&
	echo vhost_vdpa > /sys/bus/vdpa/devices/$D/driver_override && {
	drv=$(readlink /sys/bus/vdpa/devices/$D/driver)
	[ -z "$drv" ] || [ "$(basename "$drv")" = vhost_vdpa ] ||
		echo $D > "/sys/bus/vdpa/devices/$D/driver/unbind"
	[ -n "$drv" ] && [ "$(basename "$drv")" = vhost_vdpa ] ||
		echo $D > /sys/bus/vdpa/drivers/vhost_vdpa/bind
}
node=$(ls -d /sys/bus/vdpa/devices/$D/vhost-vdpa-* 2> /dev/null | head -n 1)
node=/dev/$(basename "${node:-none}")
[ -c "$node" ]
check $? "device $D bound to vhost_vdpa ($node)"
[ -c "$node" ] || { skip_rest "no vhost-vdpa node"; ktap_exit; }

# The peer: NIC A alone in a namespace, no IPv6 chatter.
ip netns add $NS && ip netns exec $NS sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1 &&
	ip link set "$PEER_A" netns $NS && ip -n $NS link set "$PEER_A" up
arx() { ip netns exec $NS cat "/sys/class/net/$PEER_A/statistics/rx_packets"; }

# tp_lib's exit handler calls vv_cleanup: ours, then the NIC back.
vv_cleanup() { ip netns exec $NS ip link set "$PEER_A" netns 1 2> /dev/null; vpci_cleanup; }
. "$(dirname "$0")/../vhost_vdpa/tp_lib.sh"
tp_start "$node" "$MAC_A"

grep -q "$MAC_B" "$tmp/tp.log" || { tp "show port info 0"; tp_wait "MAC address" 30; }
grep -qi "$MAC_B" "$tmp/tp.log"
check $? "testpmd's port has NIC B's MAC ($MAC_B), read from the function's config space"

# An exact count: 16 bursts of 32, then io forwarding of what NIC A sends
# (nothing: no addresses, no IPv6).
rx0=$(arx)
tp "set fwd io"; tp_wait "io packet forwarding" 30
tp "start tx_first 16"; tp_wait "testpmd> " 30
for _ in $(seq 1 25); do
	got=$(($(arx) - rx0))
	[ "$got" -ge 512 ] && break
	sleep 0.2
done
sleep 1
tp "stop"; tp_wait "Done." 60
got=$(($(arx) - rx0))
diag "io, tx_first 16: NIC A rx_packets +$got"
[ "$got" = 512 ]
check $? "io tx_first 16: NIC A receives exactly the 512 frames testpmd sent"

rx0=$(arx)
tp "set fwd txonly"; tp_wait "txonly packet forwarding" 30
tp "start"; tp_wait "testpmd> " 30
sleep 3
tp "stop"; tp_wait "Done." 60
tx=$(tp_stat "TX-packets")
sleep 1
got=$(($(arx) - rx0))
diag "txonly: testpmd TX-packets ${tx:-?}, NIC A rx_packets +$got"
[ "$got" -gt 256 ] && [ "$got" -le "${tx:-0}" ]
check $? "txonly: frames flow past the ring size (NIC A +$got > 256, at most the ${tx:-0} sent)"

mark=$(stat -c %s "$tmp/tp.log")
tp "set fwd rxonly"; tp_wait "rxonly packet forwarding" 30
tp "start"; tp_wait "testpmd> " 30
ip netns exec $NS python3 -S -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
dst = bytes.fromhex(sys.argv[2].replace(":", ""))
src = bytes.fromhex(sys.argv[3].replace(":", ""))
for i in range(100):
    s.send(dst + src + b"\x88\xb5" + i.to_bytes(2, "big") + bytes(58))
' "$PEER_A" "$MAC_B" "$MAC_A"
sleep 3
tp "stop"; tp_wait "Done." 60
rx=$(tail -c +$((mark + 1)) "$tmp/tp.log" | grep -o "RX-packets: *[0-9]*" | tail -n 1 | grep -o '[0-9]*$')
diag "rxonly: testpmd RX-packets ${rx:-?} of 100 sent by NIC A"
[ "${rx:-0}" = 100 ]
check $? "rxonly: testpmd receives the 100 frames NIC A sent to NIC B's MAC"

tp_quit
check $? "testpmd quits cleanly"
[ "$(grep -c . "$tmp/tp.log")" -gt 0 ] && ! grep -q "IOTLB\|dma_map.*fail\|DMA map fail" "$tmp/tp.log"
check $? "testpmd reports no DMA mapping failure"

"$VDPA" dev del $D && [ ! -d /sys/bus/vdpa/devices/$D ]
check $? "device deleted after testpmd"
ktap_exit
