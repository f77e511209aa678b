#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A vdpax_pci device behind no IOMMU: vhostx_vdpa cannot confine the
# function's DMA to its owner's memory, so opening /dev/vhost-vdpa-N fails
# with EOPNOTSUPP and a message naming the function, every time, while the
# same device still works on virtio_vdpa afterwards. Skipped in a VM with
# an IOMMU (vdpa_pci_testpmd.sh covers that case).
. "$(dirname "$0")/lib.sh"

N=5
vpci_require $N
[ -d /sys/bus/vdpa/drivers/vhost_vdpa ] || ktap_skip_all $N "vhostx_vdpa.ko not loaded"
[ -d /sys/bus/vdpa/drivers/virtio_vdpa ] || ktap_skip_all $N "vdpax_virtio.ko not loaded"
[ -e "/sys/bus/pci/devices/$PCI_B/iommu_group" ] &&
	ktap_skip_all $N "NIC B is behind an IOMMU here (the case of vdpa_pci_testpmd.sh)"
ktap_plan $N
D=vxpn0
vpci_test_cleanup() { echo 1 > /sys/bus/vdpa/drivers_autoprobe; }
echo 0 > /sys/bus/vdpa/drivers_autoprobe

vpci_take && "$VDPA" dev add name $D mgmtdev "pci/$PCI_B" && vpci_made $D &&
	echo $D > /sys/bus/vdpa/drivers/vhost_vdpa/bind
node=$(ls -d /sys/bus/vdpa/devices/$D/vhost-vdpa-* 2> /dev/null | head -n 1)
node=/dev/$(basename "${node:-none}")
[ -c "$node" ]
check $? "device $D bound to vhost_vdpa: $node exists"

mark=$(dmesg | wc -l)
out=$(python3 -S -c '
import errno, os, sys
res = []
for i in range(2):
    try:
        os.close(os.open(sys.argv[1], os.O_RDWR))
        res.append("opened")
    except OSError as e:
        res.append("EOPNOTSUPP" if e.errno == errno.EOPNOTSUPP else str(e.errno))
print(" ".join(res))' "$node")
diag "open $node twice: $out"
[ "$out" = "EOPNOTSUPP EOPNOTSUPP" ]
check $? "open fails with EOPNOTSUPP, every time"
msg=$(dmesg | tail -n +$((mark + 1)) | grep "is behind no IOMMU")
diag "${msg:-no message}"
grep -q "$PCI_B" <<< "$msg"
check $? "the kernel log says why, naming the function"

echo $D > /sys/bus/vdpa/drivers/vhost_vdpa/unbind &&
	echo $D > /sys/bus/vdpa/drivers/virtio_vdpa/bind
nd=$(vpci_wait_netdev $D)
[ -n "$nd" ] && [ "$(cat "/sys/class/net/$nd/address")" = "$MAC_B" ]
check $? "the same device on virtio_vdpa: netdev '$nd'"
"$VDPA" dev del $D && [ ! -d /sys/bus/vdpa/devices/$D ]
check $? "dev del"
ktap_exit
