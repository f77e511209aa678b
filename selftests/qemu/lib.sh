#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for the real-client tests (nested QEMU, DPDK testpmd): KTAP
# output, which vhost-net implementation owns the node under test, and the
# proof that ours carried the packets.
#
# The node under test is $VHOST_NET_DEV, default /dev/vhost-net. "Ours" is
# vhostx_net: when it is loaded and owns that node, every test also asserts
# (a) the kernel's vhost_net is not what served the node: the worker threads
#     are named vhostx-<owner pid>, none vhost-<owner pid>, and with the
#     default node the kernel's vhost_net module is not loaded;
# (b) our debugfs counters under /sys/kernel/debug/vhostx/ moved. These are
#     a feature of vhostx_net: when the directory does not exist, this one
#     check is a SKIP (a missing feature), never a pass; when it exists and
#     no packet counter of the device moved, it fails.
# When vhostx_net is not loaded the tests run against whatever owns the node
# (the kernel's vhost_net) and (a)/(b) are SKIPs that say so.

QEMU_TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VX_TOP=$(cd "$QEMU_TESTS_DIR/../.." && pwd)
NODE=${VHOST_NET_DEV:-/dev/vhost-net}
. "$QEMU_TESTS_DIR/../lib/ktap.sh"

# require_node: skip everything when there is no vhost-net node to test.
require_node() {
	[ "$(id -u)" = 0 ] || ktap_skip_all "needs root"
	[ -c "$NODE" ] || ktap_skip_all "$NODE absent: no vhost-net module loaded"
}

# ours_status: prints "ours" when vhostx_net serves $NODE, otherwise a reason
# why the vhostx-specific checks do not apply.
ours_status() {
	if [ ! -d /sys/module/vhostx_net ]; then
		echo "vhostx_net not loaded: the kernel's vhost_net served $NODE"
	elif [ "$NODE" = /dev/vhost-net ] && [ -d /sys/module/vhost_net ]; then
		echo "the kernel's vhost_net is loaded and owns $NODE (set VHOST_NET_DEV to our node)"
	else
		echo ours
	fi
}

# check_workers NAME FILE QUEUES: FILE has "comm tid ns" lines of the worker
# threads that served the client; they must all be ours, QUEUES or more.
check_workers() {
	local name=$1 file=$2 queues=$3 st theirs mine

	st=$(ours_status)
	if [ "$st" != ours ]; then
		skip "$name" "$st"
		return
	fi
	if [ ! -s "$file" ]; then
		fail "$name" "no worker threads recorded: the client never ran"
		return
	fi
	mine=$(grep -c '^vhostx-' "$file")
	theirs=$(grep -c '^vhost-' "$file")
	if [ "$NODE" = /dev/vhost-net ] && [ -d /sys/module/vhost_net ]; then
		fail "$name" "the kernel's vhost_net is loaded"
	elif [ "$theirs" -gt 0 ]; then
		fail "$name" "$theirs vhost-<pid> worker(s) of the kernel's vhost_net served the client"
	elif [ "$mine" -lt "$queues" ]; then
		fail "$name" "$mine vhostx worker(s) for $queues queue pair(s)"
	elif awk '$1 ~ /^vhostx-/ && $3 == 0 { b = 1 } END { exit !b }' "$file"; then
		fail "$name" "a vhostx worker never ran"
	else
		ok "$name"
	fi
}

# debugfs_snapshot FILE: every line of our debugfs tree, as "path:line".
debugfs_snapshot() {
	[ -d /sys/kernel/debug/vhostx ] ||
		mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	if [ -d /sys/kernel/debug/vhostx ]; then
		grep -r . /sys/kernel/debug/vhostx/ > "$1" 2>/dev/null
		return 0
	fi
	return 1
}

# debugfs_packets FILE: "device packets" per top-level directory of the
# snapshot, summing every packet counter: a file whose name says packets/pkts
# holding a number, or "key: N" / "key=N" / "key N" pairs whose key does.
debugfs_packets() {
	awk '{
		line = $0
		p = index(line, ":")
		path = substr(line, 1, p - 1)
		val = substr(line, p + 1)
		rel = path
		sub("^/sys/kernel/debug/vhostx/", "", rel)
		dev = rel
		if (index(dev, "/")) dev = substr(dev, 1, index(dev, "/") - 1)
		else dev = "."
		n = split(path, parts, "/")
		base = parts[n]
		if (base ~ /(packets|pkts)/ && val ~ /^[ \t]*[0-9]+[ \t]*$/) {
			sum[dev] += val
			next
		}
		gsub(/[:=,]/, " ", val)
		m = split(val, t, /[ \t]+/)
		for (i = 1; i < m; i++)
			if (t[i] ~ /(packets|pkts)$/ && t[i + 1] ~ /^[0-9]+$/)
				sum[dev] += t[i + 1]
		if (!(dev in sum)) sum[dev] += 0
	} END { for (d in sum) print d, sum[d] }' "$1"
}

# check_counters NAME SNAPSHOT_RC SNAPSHOT QUEUES: QUEUES or more devices
# counted packets.
check_counters() {
	local name=$1 rc=$2 file=$3 queues=$4 st moved

	st=$(ours_status)
	if [ "$st" != ours ]; then
		skip "$name" "$st"
		return
	fi
	if [ "$rc" != 0 ] || [ ! -s "$file" ]; then
		fail "$name" "no snapshot of /sys/kernel/debug/vhostx while the client ran"
		return
	fi
	moved=$(debugfs_packets "$file" | awk '$2 > 0' | wc -l)
	if [ "$moved" -ge "$queues" ]; then
		ok "$name"
	else
		debugfs_packets "$file" | sed 's/^/# counters: /'
		fail "$name" "packet counters moved on $moved device(s), expected $queues"
	fi
}

# nested_test QUEUES [--fds]: the nested-QEMU test with QUEUES queue pairs;
# --fds hands QEMU pre-opened tap and vhost fds (vhostfd=, as libvirt does)
# instead of letting it open the node itself.
nested_test() {
	local queues=$1 st rc snap_rc tag launch=()

	# A nested TCG boot takes about 2 minutes on an idle host, 6-9 on a
	# loaded one: VX_NESTED=0 leaves these out.
	[ "${VX_NESTED:-1}" = 1 ] ||
		ktap_skip_all "nested QEMU boots turned off (VX_NESTED=0)"
	require_node
	command -v qemu-system-x86_64 >/dev/null || ktap_skip_all "qemu-system-x86_64 missing"
	tag=q$queues
	if [ "${2:-}" = --fds ]; then
		launch=(--fds)
		tag=${tag}_vhostfd
	fi
	st=$(mktemp -d /tmp/qemu-test.XXXXXX)
	ktap_plan 4
	echo "# node $NODE, $(ours_status)"
	# The snapshot must be taken while QEMU still holds its vhost fds: the
	# launcher copies the debugfs tree before it lets the guest power off.
	"$VX_TOP/tools/nested/run" --dev "$NODE" --queues "$queues" "${launch[@]}" \
		--timeout "${NESTED_TIMEOUT:-1500}" --state "$st" > "$st/out" 2>&1
	rc=$?
	sed 's/^/# /' "$st/out"
	case $rc in
	0) ok "nested_${tag}_ping_both_ways" ;;
	4) rm -rf "$st"; skip "nested_${tag}_ping_both_ways" "launcher skipped"; ktap_exit ;;
	*) fail "nested_${tag}_ping_both_ways" "$(grep 'result=' "$st/out" | tail -n1)" ;;
	esac
	if [ -s "$st/workers" ]; then
		if awk -v q="$queues" 'NF == 3 && $3 > 0 { n++ } END { exit !(n >= q) }' "$st/workers"; then
			ok "nested_${tag}_vhost_workers_ran"
		else
			fail "nested_${tag}_vhost_workers_ran" "$(tr '\n' ';' < "$st/workers")"
		fi
	else
		fail "nested_${tag}_vhost_workers_ran" "no vhost worker thread found"
	fi
	check_workers "nested_${tag}_carried_by_vhostx" "$st/workers" "$queues"
	snap_rc=1
	[ -f "$st/debugfs" ] && snap_rc=0
	check_counters "nested_${tag}_vhostx_counters" "$snap_rc" "$st/debugfs" "$queues"
	rm -rf "$st"
	ktap_exit
}

# testpmd_prepare IFACE: a fresh persistent tap for testpmd to attach to, so
# that its counters outlive testpmd and can be compared with its totals.
testpmd_prepare() {
	ip link del "$1" 2>/dev/null
	[ -e /dev/net/tun ] || modprobe tun 2>/dev/null
	ip tuntap add dev "$1" mode tap vnet_hdr && ip link set "$1" up
}

# worker_snapshot OWNER_PID FILE: "comm tid ns" of the owner's vhost workers.
worker_snapshot() {
	local c tid

	: > "$2"
	workers "$1" | while read -r c tid; do
		echo "$c $tid $(sched_ns "$tid")" >> "$2"
	done
}

# nic_pair COUNT: set NIC_A and NIC_B to the VM's two NICs that are joined
# only to each other (tools/vm/run --nics 2, which exports their MACs in
# VX_NIC_MACS), loading the stock kernel's virtio_net for them. A VM booted
# without them skips all COUNT tests; a VM that was given them and shows no
# interfaces with those MACs fails.
nic_pair() {
	local count=$1 macs i d found

	read -r -a macs <<< "${VX_NIC_MACS:-}"
	[ ${#macs[@]} -ge 2 ] ||
		ktap_skip_all "$count" "no NIC pair in this VM (boot it with tools/vm/run --nics 2 or VX_NICS=2)"
	modprobe -q virtio_net 2>/dev/null
	for i in 0 1; do
		found=""
		for _ in $(seq 1 50); do
			for d in /sys/class/net/*; do
				[ "$(cat "$d/address" 2>/dev/null)" = "${macs[$i]}" ] && found=${d##*/}
			done
			[ -n "$found" ] && break
			sleep 0.1
		done
		if [ -z "$found" ]; then
			ktap_plan "$count"
			fail "nic_pair" "no interface with MAC ${macs[$i]} (VX_NIC_MACS=$VX_NIC_MACS; virtio_net loaded: $([ -d /sys/module/virtio_net ] && echo yes || echo no))"
			skip_rest "no NIC pair"
			ktap_exit
		fi
		# shellcheck disable=SC2034 # for the sourcing test
		if [ "$i" = 0 ]; then NIC_A=$found; else NIC_B=$found; fi
	done
}

# nic_stat NS IFACE COUNTER: /sys/class/net/IFACE/statistics/COUNTER as seen
# in network namespace NS ("" for this one).
nic_stat() {
	if [ -n "$1" ]; then
		ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
	else
		cat "/sys/class/net/$2/statistics/$3"
	fi
}

# acked_bit SNAPSHOT BIT: "1" when every vhostx device in the debugfs
# snapshot acked feature BIT (its "features" file), "0" when one did not,
# "" when the snapshot has no features line.
acked_bit() {
	local n=0 y=0 v

	while read -r v; do
		n=$((n + 1))
		(( (v >> $2) & 1 )) && y=$((y + 1))
	done < <(sed -n 's|^.*/features:acked \(0x[0-9a-f]*\)$|\1|p' "$1")
	[ "$n" -gt 0 ] || return 0
	[ "$y" = "$n" ] && echo 1 || echo 0
}

# check_acked NAME SNAPSHOT_RC SNAPSHOT BIT WHAT: our devices acked BIT.
check_acked() {
	local name=$1 rc=$2 file=$3 bit=$4 what=$5 v st

	st=$(ours_status)
	if [ "$st" != ours ]; then
		skip "$name" "$st"
		return
	fi
	[ "$rc" = 0 ] && v=$(acked_bit "$file" "$bit")
	case ${v:-} in
	1) ok "$name" ;;
	0) fail "$name" "$what (feature bit $bit) was not acked" ;;
	*) fail "$name" "no features in the debugfs snapshot" ;;
	esac
}

# testpmd_txonly_case TAG [BIT WHAT]: testpmd (virtio-user on $NODE with
# $TP_VDEV_EXTRA) in txonly mode: the frames testpmd put on its TX ring must
# come out of the tap (tap RX, or RX dropped by the host stack), all of them
# but what was still in the ring when testpmd stopped. With BIT, ours must
# have acked that feature. 4 test points, 5 with BIT.
testpmd_txonly_case() {
	local tag=$1 bit=${2:-} what=${3:-} iface=vxtpt0 dir tx tap snap_rc

	dir=$(mktemp -d /tmp/testpmd-tx.XXXXXX)
	testpmd_prepare "$iface" || { fail "${tag}_started" "cannot create $iface"; return; }
	if ! tp_start txonly "$NODE" "$iface" 1 64 "$dir/testpmd.log"; then
		grep -v '^ *-' "$dir/testpmd.log" | tail -n 20 | sed 's/^/# /'
		fail "${tag}_started" "testpmd did not start forwarding"
		ip link del "$iface" 2>/dev/null
		rm -rf "$dir"
		return
	fi
	ok "${tag}_started"
	sleep "${TESTPMD_SECS:-5}"
	worker_snapshot "$TP_PID" "$dir/workers"
	snap_rc=1
	debugfs_snapshot "$dir/debugfs" && snap_rc=0
	tp_stop
	read -r _ tx <<< "$(tp_totals "$dir/testpmd.log")"
	tap=$(( $(netstat "$iface" rx_packets) + $(netstat "$iface" rx_dropped) ))
	echo "# testpmd TX-packets $tx, tap rx_packets+rx_dropped $tap"
	sed 's/^/# worker: /' "$dir/workers"
	# Up to a ring's worth (1024) plus a burst may still be unprocessed at stop.
	if [ "$tx" -gt 0 ] && [ "$tap" -gt 0 ] && [ "$tap" -le "$tx" ] &&
	   [ "$tap" -ge $((tx - 1100)) ]; then
		ok "${tag}_frames_reach_tap"
	else
		tail -n 30 "$dir/testpmd.log" | sed 's/^/# /'
		fail "${tag}_frames_reach_tap" "testpmd sent $tx, the tap got $tap"
	fi
	check_workers "${tag}_carried_by_vhostx" "$dir/workers" 1
	check_counters "${tag}_vhostx_counters" "$snap_rc" "$dir/debugfs" 1
	[ -n "$bit" ] && check_acked "${tag}_${what}_acked" "$snap_rc" "$dir/debugfs" "$bit" "$what"
	ip link del "$iface" 2>/dev/null
	rm -rf "$dir"
}

# testpmd_rxonly_case TAG [BIT WHAT]: testpmd in rxonly mode while pktgen
# sends PKTGEN_COUNT frames out of the tap: every frame the tap queued toward
# the guest (tap tx_packets) must reach testpmd. Points as above.
testpmd_rxonly_case() {
	local tag=$1 bit=${2:-} what=${3:-} iface=vxtpr0 count=${PKTGEN_COUNT:-20000}
	local dir rx queued snap_rc

	dir=$(mktemp -d /tmp/testpmd-rx.XXXXXX)
	testpmd_prepare "$iface" || { fail "${tag}_started" "cannot create $iface"; return; }
	if ! tp_start rxonly "$NODE" "$iface" 1 64 "$dir/testpmd.log"; then
		grep -v '^ *-' "$dir/testpmd.log" | tail -n 20 | sed 's/^/# /'
		fail "${tag}_started" "testpmd did not start forwarding"
		ip link del "$iface" 2>/dev/null
		rm -rf "$dir"
		return
	fi
	if ! pktgen_setup "$iface" 64; then
		fail "${tag}_started" "pktgen unavailable"
		tp_stop
		ip link del "$iface" 2>/dev/null
		rm -rf "$dir"
		return
	fi
	ok "${tag}_started"
	echo "count $count" > "/proc/net/pktgen/$iface"
	timeout 120 sh -c 'echo start > /proc/net/pktgen/pgctrl'
	sleep 2
	worker_snapshot "$TP_PID" "$dir/workers"
	snap_rc=1
	debugfs_snapshot "$dir/debugfs" && snap_rc=0
	tp_stop
	pktgen_stop
	read -r rx _ <<< "$(tp_totals "$dir/testpmd.log")"
	queued=$(netstat "$iface" tx_packets)
	echo "# pktgen sent $count, tap queued $queued (dropped $(netstat "$iface" tx_dropped)), testpmd RX-packets $rx"
	sed 's/^/# worker: /' "$dir/workers"
	if [ "$rx" -gt 0 ] && [ "$rx" -le "$queued" ] && [ "$rx" -ge $((queued - queued / 100)) ]; then
		ok "${tag}_frames_reach_testpmd"
	else
		tail -n 30 "$dir/testpmd.log" | sed 's/^/# /'
		fail "${tag}_frames_reach_testpmd" "tap queued $queued, testpmd received $rx"
	fi
	check_workers "${tag}_carried_by_vhostx" "$dir/workers" 1
	check_counters "${tag}_vhostx_counters" "$snap_rc" "$dir/debugfs" 1
	[ -n "$bit" ] && check_acked "${tag}_${what}_acked" "$snap_rc" "$dir/debugfs" "$bit" "$what"
	ip link del "$iface" 2>/dev/null
	rm -rf "$dir"
}

# node_offers BIT: "1" when $NODE offers feature BIT (VHOST_GET_FEATURES).
node_offers() {
	python3 -c '
import fcntl, struct, sys
with open(sys.argv[1], "rb+", buffering=0) as f:
    b = bytearray(8)
    fcntl.ioctl(f, 0x8008af00, b)
    print(struct.unpack("<Q", b)[0] >> int(sys.argv[2]) & 1)' "$NODE" "$1"
}
