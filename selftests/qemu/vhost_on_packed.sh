#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Nested QEMU (TCG) with "-netdev tap,vhost=on" on $VHOST_NET_DEV (default
# /dev/vhost-net) and "virtio-net-pci,packed=on", with one and then two
# queue pairs. It proves:
# - the guest negotiated VIRTIO_F_RING_PACKED (bit 34 of its features): QEMU
#   offers it to the guest only when the vhost backend does, so every ring
#   the backend served was a packed one;
# - pings both ways over those rings, on every queue pair (tools/nested/run
#   checks each queue's counters with --queues 2);
# - and when vhostx_net serves the node, that it was ours (see lib.sh).
# The kernel's vhost_net has no packed rings: against it the whole test is
# a SKIP. About 2 x 110 s on an idle machine.
. "$(dirname "$0")/lib.sh"

[ "${VX_NESTED:-1}" = 1 ] ||
	ktap_skip_all "nested QEMU boots turned off (VX_NESTED=0)"
require_node
command -v qemu-system-x86_64 >/dev/null || ktap_skip_all "qemu-system-x86_64 missing"
offered=$(node_offers 34) || ktap_skip_all "VHOST_GET_FEATURES failed on $NODE"
[ "$offered" = 1 ] ||
	ktap_skip_all "$NODE does not offer VIRTIO_F_RING_PACKED ($(ours_status))"

ktap_plan 8
echo "# node $NODE, $(ours_status)"
for q in 1 2; do
	tag=packed_q$q
	st=$(mktemp -d /tmp/qemu-test.XXXXXX)
	"$VX_TOP/tools/nested/run" --dev "$NODE" --packed --queues "$q" \
		--timeout "${NESTED_TIMEOUT:-1500}" --state "$st" > "$st/out" 2>&1
	rc=$?
	sed 's/^/# /' "$st/out"
	case $rc in
	0) ok "nested_${tag}_ping_both_ways" ;;
	4) rm -rf "$st"; skip_rest "launcher skipped"; ktap_exit ;;
	*) fail "nested_${tag}_ping_both_ways" "$(grep 'result=' "$st/out" | tail -n1)" ;;
	esac
	virtio=$(grep -a -m1 '^NESTED-VIRTIO: features=' "$st/console.log" 2>/dev/null | tr -d '\r')
	packed=$(echo "$virtio" | tr ' ' '\n' | sed -n 's/^ring_packed=//p')
	if [ -z "$virtio" ]; then
		fail "nested_${tag}_ring_packed_negotiated" "the guest reported no virtio features"
	elif [ "$packed" = 1 ]; then
		ok "nested_${tag}_ring_packed_negotiated"
	else
		fail "nested_${tag}_ring_packed_negotiated" "guest features: $virtio"
	fi
	check_workers "nested_${tag}_carried_by_vhostx" "$st/workers" "$q"
	snap_rc=1
	[ -f "$st/debugfs" ] && snap_rc=0
	check_counters "nested_${tag}_vhostx_counters" "$snap_rc" "$st/debugfs" "$q"
	rm -rf "$st"
done
ktap_exit
