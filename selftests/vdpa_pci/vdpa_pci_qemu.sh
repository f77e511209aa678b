#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A nested QEMU (7.2, unmodified) guest on the /dev/vhost-vdpa-N of a
# vdpax_pci device: "-netdev vhost-vdpa -device virtio-net-pci". The
# guest's virtio_net writes NIC B's own rings (its memory mapped into the
# function's IOMMU domain by QEMU's IOTLB messages); its frames leave
# through QEMU's hub to NIC A, here in a namespace as the peer 192.0.2.1:
# the guest pings the peer, then the peer pings the guest, and NIC A counts
# both directions. The guest's MAC is NIC B's, read through the device. Skipped without an IOMMU (tools/vm/run --viommu).
. "$(dirname "$0")/lib.sh"

N=9
top=$(cd "$(dirname "$0")/../.." && pwd)
kver=$("$top/tools/nested/guest-kver") || kver=${KVER:-$(uname -r)}
kernel=/boot/vmlinuz-$kver
[ "${VX_NESTED:-1}" = 1 ] || ktap_skip_all $N "nested QEMU boots turned off (VX_NESTED=0)"
vpci_require $N
[ -d /sys/bus/vdpa/drivers/vhost_vdpa ] || ktap_skip_all $N "vhostx_vdpa.ko not loaded"
[ -e "/sys/bus/pci/devices/$PCI_B/iommu_group" ] ||
	ktap_skip_all $N "NIC B is behind no IOMMU (tools/vm/run --viommu)"
command -v qemu-system-x86_64 > /dev/null || ktap_skip_all $N "qemu-system-x86_64 missing"
[ -r "$kernel" ] || ktap_skip_all $N "$kernel missing"

D=vxpq0
NS=vxpq-peer
PEER=192.0.2.1 GUEST=192.0.2.2
tmp=$(mktemp -d /tmp/vxpq.XXXXXX)
console=$tmp/console.log
qpid=""
vpci_test_cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2> /dev/null; then
		kill "$qpid"
		sleep 2
		kill -9 "$qpid" 2> /dev/null
	fi
	ip netns del $NS 2> /dev/null
	rm -rf "$tmp"
}
ktap_plan $N

initrd=$("$top/tools/nested/build-initramfs" --kver "$kver")
vpci_take && [ -s "$initrd" ] && "$VDPA" dev add name $D mgmtdev "pci/$PCI_B" && vpci_made $D &&
	echo vhost_vdpa > /sys/bus/vdpa/devices/$D/driver_override && {
	drv=$(readlink /sys/bus/vdpa/devices/$D/driver)
	if [ -n "$drv" ] && [ "$(basename "$drv")" != vhost_vdpa ]; then
		echo $D > "/sys/bus/vdpa/devices/$D/driver/unbind"
		drv=""
	fi
	[ -n "$drv" ] || echo $D > /sys/bus/vdpa/drivers/vhost_vdpa/bind
}
node=$(ls -d /sys/bus/vdpa/devices/$D/vhost-vdpa-* 2> /dev/null | head -n 1)
node=/dev/$(basename "${node:-none}")
[ -c "$node" ]
check $? "NIC B's device $D on vhost_vdpa ($node), guest initramfs ready"
[ -c "$node" ] || { skip_rest "no vhost-vdpa node"; ktap_exit; }

ip netns add $NS && ip netns exec $NS sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
	ip link set "$PEER_A" netns $NS && ip -n $NS addr add $PEER/24 dev "$PEER_A" &&
	ip -n $NS link set "$PEER_A" up
st() { ip netns exec $NS cat "/sys/class/net/$PEER_A/statistics/$1"; }
arx0=$(st rx_packets) atx0=$(st tx_packets)

# QEMU pins all guest memory through the IOTLB.
ulimit -l unlimited
timeout=${VV_QEMU_TIMEOUT:-900}
qemu-system-x86_64 -accel tcg -cpu max -m 256 -smp 1 \
	-nographic -nodefaults -serial stdio -no-reboot -nic none \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 quiet panic=-1 nested.mac=$MAC_B nested.addr=$GUEST/24 nested.peer=$PEER nested.echos=3 nested.wait=120" \
	-netdev vhost-vdpa,vhostdev="$node",id=n0 \
	-device virtio-net-pci,netdev=n0,romfile= \
	< /dev/null > "$console" 2>&1 &
qpid=$!
start=$SECONDS

# until PATTERN shows on the console, QEMU exits, or time runs out
wait_console() {
	while ! grep -aq -- "$1" "$console"; do
		kill -0 "$qpid" 2> /dev/null || return 1
		[ $((SECONDS - start)) -ge "$timeout" ] && return 1
		sleep 1
	done
}

wait_console "NESTED-BOOT"
check $? "QEMU boots a guest with -netdev vhost-vdpa on NIC B ($((SECONDS - start)) s)" \
	"$(grep -av '^\s*$' "$console" | tail -n 3 | tr '\n' ' ')"
wait_console "^NESTED-\(MAC\|RESULT\)"
got=$(grep -a '^NESTED-MAC:' "$console" | tr -d '\r' | awk '{print $2}')
[ "$got" = "$MAC_B" ]
check $? "the guest's NIC has NIC B's MAC ($MAC_B), from the function's config space" "got '$got'"

wait_console "^NESTED-\(READY\|RESULT\)"
ping_line=$(grep -a '^NESTED-PING:' "$console" | tr -d '\r')
diag "guest: ${ping_line:-no ping line}"
grep -aq '^NESTED-READY' "$console"
check $? "the guest pings the peer behind NIC A through the function" \
	"$(grep -a '^NESTED-' "$console" | tr -d '\r' | tail -n 3 | tr '\n' ' ')"

ip netns exec $NS ping -c 3 -i 0.5 -W 5 $GUEST > "$tmp/ping" 2>&1
check $? "the peer pings the guest (3 of 3)"
grep "transmitted" "$tmp/ping" | sed 's/^/# /'
wait_console "^NESTED-RESULT"
res=$(grep -a '^NESTED-RESULT:' "$console" | tr -d '\r')
diag "guest: ${res:-no result}"
grep -q "PASS" <<< "$res"
check $? "the guest answered the peer's echo requests and powers off"
arx=$(($(st rx_packets) - arx0)) atx=$(($(st tx_packets) - atx0))
diag "NIC A: rx +$arx tx +$atx"
[ "$arx" -ge 6 ] && [ "$atx" -ge 6 ]
check $? "NIC A counts the guest's frames both ways (rx +$arx, tx +$atx, >= 6 each)"

# QEMU writes its own -device MAC into the config space at start-up: the
# device drops config writes, so the function keeps NIC B's.
mac=$("$VDPA" -j dev config show $D | json_get "j['config']['$D']['mac']")
[ "$mac" = "$MAC_B" ]
check $? "the function keeps its MAC while QEMU runs ($mac)"

for _ in $(seq 1 60); do kill -0 "$qpid" 2> /dev/null || break; sleep 1; done
kill -0 "$qpid" 2> /dev/null && kill "$qpid"
wait "$qpid" 2> /dev/null
qpid=""
grep -a "vhost\|qemu-system" "$console" | head -n 5 | sed 's/^/# qemu: /'
"$VDPA" dev del $D && [ ! -d /sys/bus/vdpa/devices/$D ]
check $? "device deleted after QEMU"
ktap_exit
