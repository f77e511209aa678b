#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The physical NIC path: a nested QEMU guest on vhost=on whose backend is a
# macvtap (mode bridge, the guest's MAC) on NIC A of this VM, handed to QEMU
# as fd=N,vhostfd=M. NIC A's only wire goes to NIC B (tools/vm/run --nics 2:
# a QEMU hub with nothing else on it), which sits in its own network
# namespace as the peer, 198.51.100.1. The guest (198.51.100.2) pings the
# peer and the peer pings the guest; the frames can only have gone through
# the macvtap, NIC A, the hub and NIC B, and the NICs' counters must show
# them. When vhostx_net serves the node, the packets are shown to be ours
# (see lib.sh). SKIP when the VM has no NIC pair. About 110 s.
. "$(dirname "$0")/lib.sh"

NTESTS=6
NS=vxnicpeer
PEER=198.51.100.1 GUEST=198.51.100.2
MVT=vxmvt0

[ "${VX_NESTED:-1}" = 1 ] ||
	ktap_skip_all "$NTESTS" "nested QEMU boots turned off (VX_NESTED=0)"
require_node
command -v qemu-system-x86_64 >/dev/null || ktap_skip_all "$NTESTS" "qemu-system-x86_64 missing"
nic_pair "$NTESTS"

# Put NIC B back where it was, whatever happened.
cleanup() {
	ip -n "$NS" link set "$NIC_B" down 2>/dev/null
	ip -n "$NS" link set "$NIC_B" netns 1 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip link set "$NIC_A" down 2>/dev/null
	rm -rf "${st:-}"
}
trap cleanup EXIT

ktap_plan "$NTESTS"
diag "node $NODE, $(ours_status); NIC A $NIC_A, NIC B $NIC_B (peer netns $NS)"
ip netns del "$NS" 2>/dev/null
# IPv6 off on both: no router solicitations or DAD in the counters.
if ! { ip netns add "$NS" && ip -n "$NS" link set lo up &&
       sysctl -qw "net.ipv6.conf.$NIC_A.disable_ipv6=1" &&
       ip link set "$NIC_A" up &&
       ip link set "$NIC_B" netns "$NS" &&
       ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$NIC_B.disable_ipv6=1" &&
       ip -n "$NS" addr add "$PEER/24" dev "$NIC_B" &&
       ip -n "$NS" link set "$NIC_B" up; }; then
	fail "nic_macvtap_setup" "cannot put $NIC_B into netns $NS as $PEER"
	skip_rest "no peer"
	ktap_exit
fi

a_tx0=$(nic_stat "" "$NIC_A" tx_packets) a_rx0=$(nic_stat "" "$NIC_A" rx_packets)
b_tx0=$(nic_stat "$NS" "$NIC_B" tx_packets) b_rx0=$(nic_stat "$NS" "$NIC_B" rx_packets)

st=$(mktemp -d /tmp/qemu-test.XXXXXX)
# The snapshot must be taken while QEMU still holds its vhost fds: the
# launcher copies the debugfs tree before it lets the guest power off.
"$VX_TOP/tools/nested/run" --dev "$NODE" --macvtap "$NIC_A" --tap "$MVT" \
	--peer-ns "$NS" --peer-addr "$PEER" --guest-addr "$GUEST" \
	--timeout "${NESTED_TIMEOUT:-1500}" --state "$st" > "$st/out" 2>&1
rc=$?
sed 's/^/# /' "$st/out"
case $rc in
0)
	# The launcher's PASS needs both; say what each direction got.
	diag "guest -> peer: $(sed -n 's/^nested: guest_ping=//p' "$st/out"), peer -> guest: $(sed -n 's/^nested: vm_ping=//p' "$st/out")"
	ok "nic_macvtap_ping_both_ways"
	;;
4) skip "nic_macvtap_ping_both_ways" "launcher skipped"; skip_rest "launcher skipped"; ktap_exit ;;
*) fail "nic_macvtap_ping_both_ways" "$(grep 'result=' "$st/out" | tail -n1)" ;;
esac
if [ -s "$st/workers" ] && awk 'NF == 3 && $3 > 0 { n++ } END { exit !n }' "$st/workers"; then
	ok "nic_macvtap_vhost_workers_ran"
else
	fail "nic_macvtap_vhost_workers_ran" "$(tr '\n' ';' < "$st/workers" 2>/dev/null)"
fi
check_workers "nic_macvtap_carried_by_vhostx" "$st/workers" 1
snap_rc=1
[ -f "$st/debugfs" ] && snap_rc=0
check_counters "nic_macvtap_vhostx_counters" "$snap_rc" "$st/debugfs" 1

# Both directions crossed both NICs: at least the launcher's 10 pings
# (and as many replies) each way.
a_tx=$(($(nic_stat "" "$NIC_A" tx_packets) - a_tx0)) a_rx=$(($(nic_stat "" "$NIC_A" rx_packets) - a_rx0))
b_tx=$(($(nic_stat "$NS" "$NIC_B" tx_packets) - b_tx0)) b_rx=$(($(nic_stat "$NS" "$NIC_B" rx_packets) - b_rx0))
diag "NIC A $NIC_A: tx +$a_tx rx +$a_rx; NIC B $NIC_B: tx +$b_tx rx +$b_rx"
[ "$a_tx" -ge 10 ] && [ "$a_rx" -ge 10 ]
check $? "nic_macvtap_nic_a_counters" "tx +$a_tx rx +$a_rx, want 10 or more each"
[ "$b_tx" -ge 10 ] && [ "$b_rx" -ge 10 ]
check $? "nic_macvtap_nic_b_counters" "tx +$b_tx rx +$b_rx, want 10 or more each"
ktap_exit
