#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A vdpax_pci device on virtio_vdpa: virtio_net drives NIC B's own rings
# from the host kernel (through the DMA API: behind the vIOMMU when the VM
# has one). The netdev it makes, in one namespace, and NIC A (virtio-pci),
# in another, ping each other both ways through QEMU's hub; what one side
# counts as sent the other counts as received, frame for frame.
. "$(dirname "$0")/lib.sh"

N=8
vpci_require $N
[ -d /sys/bus/vdpa/drivers/virtio_vdpa ] || ktap_skip_all $N "vdpax_virtio.ko not loaded"
ktap_plan $N
D=vxpv0
NS_B=vxpv-b NS_A=vxpv-a
BA=198.51.100.11 AA=198.51.100.12
vpci_test_cleanup() {
	ip netns del $NS_B 2> /dev/null
	ip netns del $NS_A 2> /dev/null
	echo 1 > /sys/bus/vdpa/drivers_autoprobe
}
echo 0 > /sys/bus/vdpa/drivers_autoprobe

vpci_take
check $? "NIC B ($PCI_B) bound to vdpax_pci"
"$VDPA" dev add name $D mgmtdev "pci/$PCI_B" && vpci_made $D &&
	echo $D > /sys/bus/vdpa/drivers/virtio_vdpa/bind
nd=$(vpci_wait_netdev $D)
[ -n "$nd" ] && [ "$(cat "/sys/class/net/$nd/address")" = "$MAC_B" ]
check $? "bound to virtio_vdpa: virtio_net netdev '$nd' with NIC B's MAC"
[ -n "$nd" ] || { skip_rest "no netdev"; ktap_exit; }
nf=$("$VDPA" -j dev config show $D | json_get "' '.join(j['config']['$D'].get('negotiated_features', []))")
diag "negotiated: $nf"
grep -qw VERSION_1 <<< "$nf"
check $? "config show: the driver negotiated VERSION_1 with the function"

ip netns add $NS_B && ip netns add $NS_A &&
	for ns in $NS_B $NS_A; do
		ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || break
	done &&
	ip link set "$nd" netns $NS_B && ip link set "$PEER_A" netns $NS_A &&
	ip -n $NS_B addr add $BA/24 dev "$nd" && ip -n $NS_B link set "$nd" up &&
	ip -n $NS_A addr add $AA/24 dev "$PEER_A" && ip -n $NS_A link set "$PEER_A" up
check $? "netdev of NIC B's rings and NIC A in two namespaces, $BA and $AA"

st() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }
btx0=$(st $NS_B "$nd" tx_packets) brx0=$(st $NS_B "$nd" rx_packets)
atx0=$(st $NS_A "$PEER_A" tx_packets) arx0=$(st $NS_A "$PEER_A" rx_packets)
ip netns exec $NS_B ping -c 5 -i 0.2 -W 5 $AA > /tmp/vxpv.ping1 2>&1
check $? "the vDPA netdev pings NIC A (5 of 5)"
ip netns exec $NS_A ping -c 5 -i 0.2 -W 5 $BA > /tmp/vxpv.ping2 2>&1
check $? "NIC A pings the vDPA netdev (5 of 5)"
grep -h "transmitted" /tmp/vxpv.ping1 /tmp/vxpv.ping2 | sed 's/^/# /'
rm -f /tmp/vxpv.ping1 /tmp/vxpv.ping2

for _ in $(seq 1 10); do
	btx=$(($(st $NS_B "$nd" tx_packets) - btx0)) brx=$(($(st $NS_B "$nd" rx_packets) - brx0))
	atx=$(($(st $NS_A "$PEER_A" tx_packets) - atx0)) arx=$(($(st $NS_A "$PEER_A" rx_packets) - arx0))
	[ "$btx" = "$arx" ] && [ "$atx" = "$brx" ] && break
	sleep 0.2
done
diag "vDPA netdev: tx $btx rx $brx; NIC A: rx $arx tx $atx"
[ "$btx" -ge 10 ] && [ "$btx" = "$arx" ] && [ "$brx" -ge 10 ] && [ "$brx" = "$atx" ]
check $? "frame for frame: vDPA tx $btx = NIC A rx $arx, NIC A tx $atx = vDPA rx $brx"

ip -n $NS_B link set "$nd" netns 1 2> /dev/null
echo $D > /sys/bus/vdpa/drivers/virtio_vdpa/unbind && "$VDPA" dev del $D &&
	[ ! -d /sys/bus/vdpa/devices/$D ]
check $? "unbind and dev del"
ktap_exit
