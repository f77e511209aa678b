#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# QEMU (7.2, unmodified) on /dev/vhost-vdpa-N: a nested guest with
#   -netdev vhost-vdpa,vhostdev=/dev/vhost-vdpa-N -device virtio-net-pci
# boots the stock kernel with tools/nested's initramfs. Its NIC must have the
# MAC given to "vdpa dev add" (read from the device's config space through
# VHOST_VDPA_GET_CONFIG; no mac= on the QEMU command line), and the frames
# the guest sends when its link comes up (ARP, IPv6 neighbour discovery)
# must cross the device both ways: the simulator loops them back, and its
# per-queue counters show them while the guest runs.
#
# tools/nested/guest-init pings a peer that a loopback device cannot have,
# so its final verdict is a FAIL by design here; the test only uses its
# NESTED-MAC line, and powers the guest off when it is done with it.
#
# With VV_QEMU_PACKED=1 (vdpa_qemu_packed.sh) the NIC is packed=on, and one
# more check reads the negotiated features back: VIRTIO_F_RING_PACKED.
. "$(dirname "$0")/vv_lib.sh"

N=7
packed=${VV_QEMU_PACKED:-0}
[ "$packed" = 1 ] && N=8
MAC=02:00:00:71:65:01
top=$(cd "$(dirname "$0")/../.." && pwd)
# The stock kernel even when a debug kernel is under test (tools/nested/guest-kver).
kver=$("$top/tools/nested/guest-kver") || kver=${KVER:-$(uname -r)}
kernel=/boot/vmlinuz-$kver
[ "${VX_NESTED:-1}" = 1 ] || ktap_skip_all $N "nested QEMU boots turned off (VX_NESTED=0)"
why=$(vv_missing)
[ -n "$why" ] && ktap_skip_all $N "$why"
command -v qemu-system-x86_64 > /dev/null || ktap_skip_all $N "qemu-system-x86_64 missing"
[ -r "$kernel" ] || ktap_skip_all $N "$kernel missing"
[ -x "$top/tools/nested/build-initramfs" ] || ktap_skip_all $N "tools/nested/build-initramfs missing"

ktap_plan $N
initrd=$("$top/tools/nested/build-initramfs" --kver "$kver")
[ -s "$initrd" ]
check $? "nested guest initramfs ($initrd)"
[ -s "$initrd" ] || { skip_rest "no initramfs"; ktap_exit; }

vv_device vxvq0 "$MAC"
check $? "vdpasim_net device bound to vhost_vdpa ($VV_NODE)"
node=$VV_NODE
[ -c "$node" ] || { skip_rest "no vhost-vdpa node"; ktap_exit; }

# QEMU pins all guest memory through the IOTLB.
ulimit -l unlimited
tmp=$(mktemp -d /tmp/vxq.XXXXXX)
console=$tmp/console.log
qpid=""
cleanup_q() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2> /dev/null; then
		kill "$qpid"
		sleep 2
		kill -9 "$qpid" 2> /dev/null
	fi
	rm -rf "$tmp"
	vv_cleanup
}
trap cleanup_q EXIT

timeout=${VV_QEMU_TIMEOUT:-600}
qemu-system-x86_64 -accel tcg -cpu max -m 256 -smp 1 \
	-nographic -nodefaults -serial stdio -no-reboot -nic none \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 quiet panic=-1 nested.mac=$MAC nested.addr=192.0.2.2/24 nested.peer=192.0.2.1 nested.echos=1 nested.wait=60" \
	-netdev vhost-vdpa,vhostdev="$node",id=n0 \
	-device "virtio-net-pci,netdev=n0,romfile=$([ "$packed" = 1 ] && echo ,packed=on)" \
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

# Not anchored: the BIOS leaves escape codes on the line before it.
wait_console "NESTED-BOOT"
check $? "QEMU boots a guest with -netdev vhost-vdpa ($((SECONDS - start)) s)" \
	"$(grep -av '^\s*$' "$console" | tail -n 3 | tr '\n' ' ')"

wait_console "^NESTED-\(MAC\|RESULT\)"
got=$(grep -a '^NESTED-MAC:' "$console" | tr -d '\r' | awk '{print $2}')
res=$(grep -a '^NESTED-RESULT:' "$console" | tr -d '\r')
diag "guest: ${got:+MAC $got }${res}"
[ "$got" = "$MAC" ]
check $? "guest NIC has the MAC given to vdpa dev add ($MAC)" "${res:-no answer}"

# The features the guest's driver accepted, read while it still runs (its
# reset at power-off clears them): up to 60 s for the driver to set them.
if [ "$packed" = 1 ]; then
	ok_neg=1
	for _ in $(seq 1 60); do
		neg=$("$VDPA" dev config show vxvq0 2>&1)
		echo "$neg" | grep -q 'negotiated_features.*RING_PACKED' && { ok_neg=0; break; }
		kill -0 "$qpid" 2> /dev/null || break
		sleep 1
	done
	echo "$neg" | sed 's/^/#   /'
	check $ok_neg "the guest negotiated VIRTIO_F_RING_PACKED (vdpa dev config show)"
fi

# Frames through the device, while the guest is up (a reset clears them).
# The highest reading counts: a read that races with the guest's reset at
# power-off fails (-1) and must not hide what an earlier one saw.
# At least two minutes from here, however long the boot took (a loaded
# host can spend most of the timeout booting the guest).
tx=0 rx=0 until_s=$((SECONDS + 120))
[ $((start + timeout)) -gt "$until_s" ] && until_s=$((start + timeout))
while [ "$SECONDS" -lt "$until_s" ] && kill -0 "$qpid" 2> /dev/null; do
	t=$(vv_vstat vxvq0 1 tx_packets)
	[ "${t:--1}" -gt "$tx" ] && tx=$t
	t=$(vv_vstat vxvq0 0 rx_packets)
	[ "${t:--1}" -gt "$rx" ] && rx=$t
	[ "$tx" -gt 0 ] && [ "$rx" -gt 0 ] && break
	sleep 0.2
done
diag "device counters while the guest runs: tx_packets $tx rx_packets $rx"
[ "${tx:-0}" -gt 0 ]
check $? "the guest transmits through the device (tx_packets $tx)"
[ "${rx:-0}" -gt 0 ]
check $? "the guest receives through the device (rx_packets $rx)"

# Done: stop the guest, the device must be free again.
kill "$qpid" 2> /dev/null
for _ in $(seq 1 30); do kill -0 "$qpid" 2> /dev/null || break; sleep 1; done
kill -0 "$qpid" 2> /dev/null && kill -9 "$qpid"
wait "$qpid" 2> /dev/null
qpid=""
grep -a "vhost-vdpa\|vhost_vdpa\|qemu-system" "$console" | head -n 5 | sed 's/^/# qemu: /'
python3 -c 'import os, sys; os.close(os.open(sys.argv[1], os.O_RDWR))' "$node"
check $? "the node opens again after QEMU is gone"
ktap_exit
