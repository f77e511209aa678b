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
# - and when vhostx_net serves the node, that it was ours (see lib.sh), and
#   that its device IOTLB really worked: misses were sent to QEMU and the
#   guest's unmaps reached it as invalidations (debugfs "iotlb_misses" of
#   the queues, "invalidations" of the device).
# The guest runs its IOMMU in strict mode (tools/nested/run --viommu): with
# lazy invalidation, QEMU 7.2 forwards none of the guest's unmaps to a vhost
# backend in some boots, the device keeps stale translations and reads the
# wrong pages once the guest reuses an IOVA; the kernel's vhost_net fails
# the same way (see Documentation/admin-guide.rst).
# About 150 s on an idle machine (the IOMMU makes the guest slower).
. "$(dirname "$0")/lib.sh"

[ "${VX_NESTED:-1}" = 1 ] ||
	ktap_skip_all "nested QEMU boots turned off (VX_NESTED=0)"
require_node
command -v qemu-system-x86_64 >/dev/null || ktap_skip_all "qemu-system-x86_64 missing"
# With device_iotlb=0 ours offers no device IOTLB and QEMU would serve the
# NIC in userspace: nothing of ours to test.
if [ "$(ours_status)" = ours ] &&
   [ "$(cat /sys/module/vhostx_net/parameters/device_iotlb 2>/dev/null)" != Y ]; then
	ktap_skip_all 7 "vhostx_net loaded with device_iotlb=0"
fi

tag=viommu
st=$(mktemp -d /tmp/qemu-test.XXXXXX)
ktap_plan 7
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
# The device IOTLB at work: misses answered, unmaps seen (ours only).
if [ "$(ours_status)" != ours ]; then
	skip "nested_${tag}_iotlb_misses_and_invalidations" "$(ours_status)"
elif [ "$snap_rc" != 0 ]; then
	fail "nested_${tag}_iotlb_misses_and_invalidations" "no debugfs snapshot"
else
	misses=$(awk -F: '$1 ~ /\/(rx|tx)$/ && $2 ~ /^iotlb_misses / { split($2, a, " "); n += a[2] }
		END { print n + 0 }' "$st/debugfs")
	invals=$(awk -F: '$1 ~ /\/iotlb$/ && $2 ~ /^invalidations / { split($2, a, " "); n += a[2] }
		END { print n + 0 }' "$st/debugfs")
	if [ "$misses" -gt 0 ] && [ "$invals" -gt 0 ]; then
		ok "nested_${tag}_iotlb_misses_and_invalidations"
	else
		fail "nested_${tag}_iotlb_misses_and_invalidations" \
			"IOTLB misses $misses, invalidations $invals (both must be > 0)"
	fi
fi
rm -rf "$st"
ktap_exit
