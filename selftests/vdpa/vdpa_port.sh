#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vdpasim_port: a software vDPA device whose wire ends in a host network
# interface (its "port", named after the device) instead of a loopback.
# With virtio_vdpa the device becomes a virtio_net netdev; that netdev in
# one namespace and the port in another ping each other both ways, and the
# device's per-queue counters, the port's counters and what was sent agree.
# Also: carrier follows the driver, the port goes with the device, and the
# refusals (name taken, two queue pairs) carry their extack messages.
. "$(dirname "$0")/lib.sh"

N=14
require_base $N
have_mgmtdev_port() { "$VDPA" mgmtdev show vdpasim_port > /dev/null 2>&1; }
have_mgmtdev_port || ktap_skip_all $N "management device vdpasim_port not listed"
have_driver virtio_vdpa || ktap_skip_all $N "vdpax_virtio.ko not loaded"
modprobe virtio_net 2> /dev/null
have_module virtio_net || ktap_skip_all $N "virtio_net not available"

D=vxtp0
MAC=02:00:00:00:0d:01
NS_G=vxtp-guest NS_H=vxtp-host
GA=198.51.100.1 HA=198.51.100.2
cleanup() {
	ip netns del $NS_G 2> /dev/null
	ip netns del $NS_H 2> /dev/null
	[ -d /sys/bus/vdpa/devices/lo ] && "$VDPA" dev del lo
	cleanup_devs
}
trap cleanup EXIT
autoprobe_off
ktap_plan $N

# A counter of the port, wherever it is: pstat NS NAME
pstat() { ip netns exec "$1" cat /sys/class/net/$D/statistics/"$2"; }
vstat() { vdpa_vstat $D "$1" "$2"; }

"$VDPA" dev add name $D mgmtdev vdpasim_port mac $MAC
check $? "dev add on vdpasim_port"
[ -d /sys/class/net/$D ] && [ "$(cat /sys/class/net/$D/carrier 2> /dev/null || echo 0)" = 0 ] &&
	ip link set $D up && [ "$(cat /sys/class/net/$D/carrier)" = 0 ]
check $? "the port $D exists, without carrier while no driver runs the device"

echo $D > /sys/bus/vdpa/drivers/virtio_vdpa/bind
nd=""
for _ in $(seq 1 50); do
	nd=$(vdpa_netdev $D)
	[ -n "$nd" ] && break
	sleep 0.1
done
[ -n "$nd" ] && [ "$(cat /sys/class/net/"$nd"/address)" = $MAC ]
check $? "bound to virtio_vdpa: virtio_net netdev '$nd' with the device's MAC"
ip link set "$nd" up 2> /dev/null
for _ in $(seq 1 50); do
	[ "$(cat /sys/class/net/$D/carrier 2> /dev/null)" = 1 ] && break
	sleep 0.1
done
[ "$(cat /sys/class/net/$D/carrier 2> /dev/null)" = 1 ]
check $? "the port has carrier once the driver runs the device"

# No IPv6: its background frames would race the counters compared below.
ip netns add $NS_G && ip netns add $NS_H &&
	for ns in $NS_G $NS_H; do
		ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || break
	done &&
	ip link set "$nd" netns $NS_G && ip link set $D netns $NS_H &&
	ip -n $NS_G addr add $GA/24 dev "$nd" && ip -n $NS_G link set "$nd" up &&
	ip -n $NS_H addr add $HA/24 dev $D && ip -n $NS_H link set $D up &&
	ip -n $NS_G link set lo up && ip -n $NS_H link set lo up
check $? "virtio netdev and port in two namespaces, $GA and $HA"

tx0=$(vstat 1 tx_packets) rx0=$(vstat 0 rx_packets)
prx0=$(pstat $NS_H rx_packets) ptx0=$(pstat $NS_H tx_packets)
ip netns exec $NS_G ping -c 5 -i 0.2 -W 5 $HA > /tmp/vxtp.ping1 2>&1
check $? "the virtio netdev pings the port (5 of 5)"
ip netns exec $NS_H ping -c 5 -i 0.2 -W 5 $GA > /tmp/vxtp.ping2 2>&1
check $? "the port pings the virtio netdev (5 of 5)"
sed 's/^/# /' /tmp/vxtp.ping1 /tmp/vxtp.ping2 | grep -E "transmitted|bytes from" | head -n 4
rm -f /tmp/vxtp.ping1 /tmp/vxtp.ping2

# 5 requests and 5 replies each way, plus ARP. A frame may still be on
# its way when the counters are read: read until both sides agree, or 2 s.
for _ in $(seq 1 10); do
	tx=$(($(vstat 1 tx_packets) - tx0)) rx=$(($(vstat 0 rx_packets) - rx0))
	prx=$(($(pstat $NS_H rx_packets) - prx0)) ptx=$(($(pstat $NS_H tx_packets) - ptx0))
	[ "$tx" = "$prx" ] && [ "$rx" = "$ptx" ] && break
	sleep 0.2
done
diag "device: tx $tx rx $rx; port: rx $prx tx $ptx"
[ "$tx" -ge 10 ] && [ "$tx" = "$prx" ]
check $? "every frame the driver sent reached the port (device tx $tx = port rx $prx)"
[ "$rx" -ge 10 ] && [ "$rx" = "$ptx" ]
check $? "every frame the port sent reached the driver (port tx $ptx = device rx $rx)"

# A frame for another MAC is dropped by the device and counted on the port.
d0=$(pstat $NS_H tx_dropped)
ip netns exec $NS_H python3 -S -c '
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("'$D'", 0))
for i in range(3):
    s.send(bytes.fromhex("020000009999") + bytes.fromhex("020000000d02") + b"\x88\xb5" + bytes(50))
'
sleep 1
d=$(($(pstat $NS_H tx_dropped) - d0))
[ "$d" = 3 ]
check $? "frames to a foreign MAC are dropped and counted (port tx_dropped +$d)"

# Every namespace has a "lo".
"$VDPA" dev add name lo mgmtdev vdpasim_port > /tmp/vxtp.err 2>&1
rc=$?
[ $rc != 0 ] && grep -q "network interface with the device's name exists" /tmp/vxtp.err &&
	[ ! -d /sys/bus/vdpa/devices/lo ]
check $? "a name an interface already has (lo) is refused, with the reason"
sed 's/^/# /' /tmp/vxtp.err
rm -f /tmp/vxtp.err
expect_err "max_vqp is refused: one queue pair" "attribute not supported by this management device" \
	dev add name vxtp1 mgmtdev vdpasim_port max_vqp 2

echo $D > /sys/bus/vdpa/drivers/virtio_vdpa/unbind
[ "$(ip netns exec $NS_H cat /sys/class/net/$D/carrier 2> /dev/null)" = 0 ]
check $? "unbinding the driver takes the port's carrier"
"$VDPA" dev del $D && ! ip netns exec $NS_H test -d /sys/class/net/$D &&
	[ ! -d /sys/bus/vdpa/devices/$D ]
check $? "dev del removes the device and its port"
ktap_exit
