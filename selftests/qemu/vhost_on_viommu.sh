#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Nested QEMU (TCG) as a q35 machine whose virtio-net-pci device sits behind
# an emulated Intel IOMMU with a device IOTLB ("-device intel-iommu,
# device-iotlb=on", "iommu_platform=on,ats=on,disable-legacy=on"), on
# "-netdev tap,vhost=on" with $VHOST_NET_DEV (default /dev/vhost-net); the
# guest boots with intel_iommu=on (no iommu=pt). It proves:
# - pings both ways: every buffer address the vhost device sees is an IOVA
#   that QEMU translates through the vhost IOTLB (misses and updates over
#   the vhost-net file), so traffic at all means the device IOTLB works;
# - the guest negotiated VIRTIO_F_ACCESS_PLATFORM (bit 33 of its features):
#   QEMU refuses iommu_platform=on with a vhost backend that does not offer
#   it, so this also shows the backend had it;
# - the guest's DMA is translated: the device's IOMMU group has a DMA
#   domain, not identity (pass-through would bypass the IOTLB);
# - and when vhostx_net serves the node, that it was ours (see lib.sh).
# About 150 s on an idle machine (the IOMMU makes the guest slower).
. "$(dirname "$0")/lib.sh"

[ "${VX_NESTED:-1}" = 1 ] ||
	ktap_skip_all "nested QEMU boots turned off (VX_NESTED=0)"
require_node
command -v qemu-system-x86_64 >/dev/null || ktap_skip_all "qemu-system-x86_64 missing"
# Ours offers the device IOTLB only with device_iotlb=1 (experimental: see
# the admin guide); without it QEMU would serve the NIC in userspace.
if [ "$(ours_status)" = ours ] &&
   [ "$(cat /sys/module/vhostx_net/parameters/device_iotlb 2>/dev/null)" != Y ]; then
	ktap_skip_all 6 "vhostx_net device_iotlb is off (experimental, off by default)"
fi

tag=viommu
st=$(mktemp -d /tmp/qemu-test.XXXXXX)
ktap_plan 6
echo "# node $NODE, $(ours_status)"
"$VX_TOP/tools/nested/run" --dev "$NODE" --viommu \
	--timeout "${NESTED_TIMEOUT:-1500}" --state "$st" > "$st/out" 2>&1
rc=$?
sed 's/^/# /' "$st/out"
case $rc in
0) ok "nested_${tag}_ping_both_ways" ;;
4) rm -rf "$st"; skip_rest "launcher skipped"; ktap_exit ;;
*) fail "nested_${tag}_ping_both_ways" "$(grep 'result=' "$st/out" | tail -n1)" ;;
esac

# The guest's report, from its console (kept even when it failed).
virtio=$(grep -a -m1 '^NESTED-VIRTIO: features=' "$st/console.log" 2>/dev/null | tr -d '\r')
field() { echo "$virtio" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
if [ -z "$virtio" ]; then
	fail "nested_${tag}_access_platform" "the guest reported no virtio features"
elif [ "$(field access_platform)" = 1 ]; then
	ok "nested_${tag}_access_platform"
else
	fail "nested_${tag}_access_platform" "features $(field features): bit 33 clear"
fi
case "$(field iommu_type)" in
DMA|DMA-FQ) ok "nested_${tag}_dma_translated" ;;
*) fail "nested_${tag}_dma_translated" \
	"iommu group '$(field iommu_group)' type '$(field iommu_type)'" ;;
esac

if [ -s "$st/workers" ]; then
	if awk 'NF == 3 && $3 > 0 { n++ } END { exit !(n >= 1) }' "$st/workers"; then
		ok "nested_${tag}_vhost_workers_ran"
	else
		fail "nested_${tag}_vhost_workers_ran" "$(tr '\n' ';' < "$st/workers")"
	fi
else
	fail "nested_${tag}_vhost_workers_ran" "no vhost worker thread found"
fi
check_workers "nested_${tag}_carried_by_vhostx" "$st/workers" 1
snap_rc=1
[ -f "$st/debugfs" ] && snap_rc=0
check_counters "nested_${tag}_vhostx_counters" "$snap_rc" "$st/debugfs" 1
rm -rf "$st"
ktap_exit
