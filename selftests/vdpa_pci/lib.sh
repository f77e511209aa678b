#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers for the vdpax_pci tests. The "hardware" is NIC B of the test VM
# (tools/vm/run --nics 2, MAC 52:54:00:76:00:02), a virtio-net-pci function
# on a QEMU hub with NIC A (52:54:00:76:00:01), which stays with virtio-pci
# and virtio_net as the peer. With --viommu, NIC B is modern only and
# behind the emulated Intel IOMMU.
#
#   vpci_require N     skip all N results unless the tool, the modules and
#                      NIC B are there; sets PCI_B (BDF), PEER_A (netdev)
#   vpci_take          NIC B: unbind from its driver, driver_override
#                      vdpax_pci, bind; status 0 when pci/$PCI_B is listed
#   vpci_give_back     (also at exit) unbind from vdpax_pci, clear the
#                      override, let virtio-pci take it again
#   vpci_netdev DEV    the virtio_net netdev of vDPA device DEV, or empty

VDPA=${VDPA:-$(command -v vdpa || echo /sbin/vdpa)}
. "$(dirname "${BASH_SOURCE[0]}")/../lib/ktap.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../lib/vdpa.sh"

MAC_A=52:54:00:76:00:01
MAC_B=52:54:00:76:00:02
PCI_B="" PEER_A=""
_vpci_taken=0 _vpci_devs=""

# The netdev with MAC $1, if any.
netdev_by_mac() {
	local n
	for n in /sys/class/net/*; do
		[ "$(cat "$n/address" 2> /dev/null)" = "$1" ] && { basename "$n"; return 0; }
	done
	return 1
}

# The PCI function behind netdev $1 (its virtio device's parent).
netdev_bdf() { basename "$(readlink -f "/sys/class/net/$1/device/..")"; }

vpci_require() { # count
	[ -x "$VDPA" ] || ktap_skip_all "$1" "iproute2 vdpa tool missing"
	have_module vdpax || ktap_skip_all "$1" "vdpax.ko not loaded"
	have_module vdpax_pci || ktap_skip_all "$1" "vdpax_pci.ko not loaded"
	modprobe virtio_net 2> /dev/null
	have_module virtio_net || ktap_skip_all "$1" "virtio_net not available"
	udevadm settle 2> /dev/null
	local b
	if b=$(netdev_by_mac $MAC_B); then
		PCI_B=$(netdev_bdf "$b")
	else
		# Left with vdpax_pci by an earlier run?
		for b in /sys/bus/pci/drivers/vdpax_pci/0000:*; do
			[ -e "$b" ] && PCI_B=$(basename "$b")
		done
	fi
	PEER_A=$(netdev_by_mac $MAC_A)
	[ -n "$PCI_B" ] && [ -n "$PEER_A" ] ||
		ktap_skip_all "$1" "no NIC pair (tools/vm/run --nics 2): NIC B ${PCI_B:-missing}, NIC A ${PEER_A:-missing}"
	trap vpci_cleanup EXIT
}

vpci_take() {
	local d=/sys/bus/pci/devices/$PCI_B
	_vpci_taken=1
	if [ -e "$d/driver" ] && [ "$(basename "$(readlink "$d/driver")")" != vdpax_pci ]; then
		echo "$PCI_B" > "$d/driver/unbind" || return 1
	fi
	echo vdpax_pci > "$d/driver_override" || return 1
	[ -e "$d/driver" ] || echo "$PCI_B" > /sys/bus/pci/drivers/vdpax_pci/bind || return 1
	"$VDPA" mgmtdev show "pci/$PCI_B" > /dev/null 2>&1
}

vpci_give_back() {
	local d=/sys/bus/pci/devices/$PCI_B
	[ -e "$d/driver" ] && [ "$(basename "$(readlink "$d/driver")")" = vdpax_pci ] &&
		echo "$PCI_B" > "$d/driver/unbind"
	echo > "$d/driver_override"
	[ -e "$d/driver" ] || echo "$PCI_B" > /sys/bus/pci/drivers_probe
	_vpci_taken=0
}

# Remember a vDPA device to delete at exit.
vpci_made() { _vpci_devs="$_vpci_devs $1"; }

vpci_cleanup() {
	local d
	for d in $_vpci_devs; do
		[ -d "/sys/bus/vdpa/devices/$d" ] && "$VDPA" dev del "$d" 2> /dev/null
	done
	declare -F vpci_test_cleanup > /dev/null && vpci_test_cleanup
	[ "$_vpci_taken" = 1 ] && vpci_give_back
}

vpci_netdev() {
	local d
	for d in /sys/bus/vdpa/devices/"$1"/virtio*/net/* \
		 /sys/bus/pci/devices/"$PCI_B"/virtio*/net/*; do
		[ -e "$d" ] || continue
		# Under the PCI function: only the virtio device vdpa made.
		case "$(readlink -f "$d")" in */virtio*/net/*) ;; *) continue ;; esac
		basename "$d"
		return 0
	done
}

# Wait up to 5 s for the netdev of vDPA device $1.
vpci_wait_netdev() {
	local nd=""
	for _ in $(seq 1 50); do
		nd=$(vpci_netdev "$1")
		[ -n "$nd" ] && break
		sleep 0.1
	done
	echo "$nd"
}
