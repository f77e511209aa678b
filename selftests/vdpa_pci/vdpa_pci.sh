#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vdpax_pci with unmodified iproute2 vdpa, on NIC B of the test VM:
#  - loading the module takes no NIC; driver_override hands NIC B over and
#    "vdpa mgmtdev show" lists pci/<BDF> with the function's queues;
#  - dev add/show/config show: NIC B's MAC comes from the function's config
#    space; refusals carry their message (second device, mac, no VERSION_1);
#  - 20 add/del cycles leave no interrupt, MSI-X vector, vDPA device or
#    module reference behind;
#  - unbinding the function, and rmmod, with a device bound to virtio_vdpa
#    take the device and its netdev away cleanly;
#  - NIC B goes back to virtio-pci and virtio_net at the end.
. "$(dirname "$0")/lib.sh"

N=16
vpci_require $N
ktap_plan $N
D=vxpm0
M=pci/$PCI_B
P=/sys/bus/pci/devices/$PCI_B

drv_of() { basename "$(readlink "$P/driver" 2> /dev/null)" 2> /dev/null; }
irqs() { grep -c "vdpax_pci\[$PCI_B\]" /proc/interrupts; }
msix() { ls "$P/msi_irqs" 2> /dev/null | wc -l; }
refcnt() { cat /sys/module/vdpax_pci/refcnt; }

[ "$(drv_of)" != vdpax_pci ] && [ ! -e /sys/bus/pci/drivers/vdpax_pci/"$PCI_B" ]
check $? "vdpax_pci loaded: NIC B stays with $(drv_of) (no NIC taken by itself)"

vpci_take && [ "$(drv_of)" = vdpax_pci ]
check $? "driver_override: NIC B ($PCI_B) bound to vdpax_pci"
js=$("$VDPA" -j mgmtdev show "$M")
classes=$(json_get "' '.join(j['mgmtdev']['$M']['supported_classes'])" <<< "$js")
vqs=$(json_get "j['mgmtdev']['$M']['max_supported_vqs']" <<< "$js")
feats=$(json_get "' '.join(j['mgmtdev']['$M']['dev_features'])" <<< "$js")
diag "mgmtdev $M: classes $classes, max_supported_vqs $vqs, features $feats"
[ "$classes" = net ] && [ "${vqs:-0}" -ge 2 ] && grep -qw VERSION_1 <<< "$feats" &&
	grep -qw MAC <<< "$feats" && "$VDPA" mgmtdev show | grep -q "^$M:"
check $? "mgmtdev show lists $M: class net, $vqs queues, VERSION_1 and MAC"

base_ref=$(refcnt) base_irqs=$(irqs) base_msix=$(msix)
diag "at rest: vdpax_pci refcnt $base_ref, $base_irqs IRQs, $base_msix MSI-X vectors"
echo 0 > /sys/bus/vdpa/drivers_autoprobe
vpci_test_cleanup() { echo 1 > /sys/bus/vdpa/drivers_autoprobe; }

"$VDPA" dev add name $D mgmtdev "$M" && vpci_made $D
check $? "dev add name $D mgmtdev $M"
js=$("$VDPA" -j dev show $D)
diag "$("$VDPA" dev show $D)"
[ "$(json_get "j['dev']['$D']['mgmtdev']" <<< "$js")" = "$M" ] &&
	[ "$(json_get "j['dev']['$D']['vendor_id']" <<< "$js")" = 6900 ] &&
	[ "$(json_get "j['dev']['$D']['max_vqs']" <<< "$js")" = "$vqs" ] &&
	[ "$(json_get "j['dev']['$D']['max_vq_size']" <<< "$js")" -ge 64 ]
check $? "dev show: mgmtdev $M, vendor 0x1af4, $vqs queues"
mac=$("$VDPA" -j dev config show $D | json_get "j['config']['$D']['mac']")
diag "config show: $("$VDPA" dev config show $D | head -n 1)"
[ "$mac" = "$MAC_B" ]
check $? "dev config show: mac $mac is NIC B's ($MAC_B)"
[ "$(irqs)" -gt "$base_irqs" ] && [ "$(msix)" -gt "$base_msix" ]
check $? "the device holds the function's MSI-X interrupts ($(irqs) IRQs)"

out=$("$VDPA" dev add name vxpm1 mgmtdev "$M" 2>&1)
rc=$?
[ $rc != 0 ] && grep -q "already backs a vDPA device" <<< "$out" && grep -q "busy" <<< "$out" &&
	[ ! -d /sys/bus/vdpa/devices/vxpm1 ]
check $? "a second device on the function is refused (EBUSY, with the reason)"
out=$("$VDPA" dev add name vxpm1 mgmtdev "$M" mac 02:00:00:00:00:09 2>&1)
[ $? != 0 ] && grep -q "attribute not supported" <<< "$out"
check $? "mac is refused: the function's MAC is its own"
"$VDPA" dev del $D
# Debian's vdpa tool cannot send device_features: raw netlink.
out=$(python3 - "$(dirname "$0")/../vdpa" "$PCI_B" <<'PY'
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import vdpa_util as U
g = U.Genl()
fam, _ = U.vdpa_family(g)
attrs = (U.a_str(U.A_MGMT_BUS, "pci") + U.a_str(U.A_MGMT_DEV, sys.argv[2]) +
         U.a_str(U.A_DEV_NAME, "vxpm1") + U.a_u64(U.A_FEATURES, 1 << 5))
err, msg, _ = g.request(fam, U.CMD_DEV_NEW, attrs)
print(err, msg)
PY
)
diag "device_features MAC only: errno/message: $out"
[ "${out%% *}" = 22 ] && grep -q "VERSION_1" <<< "$out" && [ ! -d /sys/bus/vdpa/devices/vxpm1 ]
check $? "device_features without VERSION_1 is refused (EINVAL, with the reason)"

bad=0
for i in $(seq 1 20); do
	"$VDPA" dev add name $D mgmtdev "$M" || { bad=$i; break; }
	"$VDPA" dev config show $D > /dev/null || { bad=$i; break; }
	"$VDPA" dev del $D || { bad=$i; break; }
done
[ $bad = 0 ] && [ "$(irqs)" = "$base_irqs" ] && [ "$(msix)" = "$base_msix" ] &&
	[ "$(refcnt)" = "$base_ref" ] && [ -z "$(ls /sys/bus/vdpa/devices | grep '^vxpm')" ]
check $? "20 add/del cycles: no IRQ, MSI-X vector, device or module reference left (irqs $(irqs), msix $(msix), refcnt $(refcnt))"

# Unbinding the function takes the device, bound to virtio_vdpa, with it.
"$VDPA" dev add name $D mgmtdev "$M" && echo $D > /sys/bus/vdpa/drivers/virtio_vdpa/bind
nd=$(vpci_wait_netdev $D)
[ -n "$nd" ] && [ "$(cat "/sys/class/net/$nd/address")" = "$MAC_B" ]
check $? "bound to virtio_vdpa: netdev '$nd' with NIC B's MAC"
echo "$PCI_B" > "$P/driver/unbind" && [ ! -d /sys/bus/vdpa/devices/$D ] &&
	[ ! -e "/sys/class/net/$nd" ] && ! "$VDPA" mgmtdev show "$M" > /dev/null 2>&1 &&
	[ "$(irqs)" = 0 ] && [ "$(msix)" = 0 ]
check $? "unbinding NIC B from vdpax_pci removes the device, its netdev and $M"

# rmmod likewise (then loaded again, as the runner left it).
ko=$("$(dirname "$0")/../../tools/vm/modules" list | grep '/vdpax_pci\.ko$')
echo "$PCI_B" > /sys/bus/pci/drivers/vdpax_pci/bind && "$VDPA" dev add name $D mgmtdev "$M" &&
	echo $D > /sys/bus/vdpa/drivers/virtio_vdpa/bind && nd=$(vpci_wait_netdev $D) && [ -n "$nd" ] &&
	rmmod vdpax_pci && [ ! -d /sys/bus/vdpa/devices/$D ] && [ ! -e "/sys/class/net/$nd" ] &&
	[ "$(msix)" = 0 ]
check $? "rmmod vdpax_pci with a device bound to virtio_vdpa removes both ($nd)"
[ -d /sys/module/vdpax_pci ] || insmod "$ko"
[ -d /sys/module/vdpax_pci ]
check $? "vdpax_pci loaded again"

vpci_give_back
for _ in $(seq 1 50); do
	nb=$(netdev_by_mac $MAC_B) && break
	sleep 0.1
done
[ "$(drv_of)" = virtio-pci ] && [ -n "$nb" ]
check $? "NIC B back with virtio-pci and virtio_net (${nb:-no netdev})"
ktap_exit
