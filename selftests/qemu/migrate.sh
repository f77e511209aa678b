#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# QEMU live migration of a guest on "-netdev tap,vhost=on" over
# $VHOST_NET_DEV (default /dev/vhost-net), there and back, with traffic
# both ways throughout. Two taps on one bridge (192.0.2.1/24): the source
# QEMU on tap A boots the nested guest (tools/nested/guest-init with
# nested.ticks=1: it pings the bridge once a second and prints running
# totals on its console); a destination QEMU on tap B with the same command
# line waits in -incoming; the VM pings the guest 20 times a second all
# along. Migrate A -> B, then B -> a fresh QEMU on A. Each leg proves:
#   - QMP query-migrate and HMP "info migrate" say completed, the
#     destination runs and the source is in postmigrate. QEMU refuses to
#     migrate a vhost=on guest whose vhost-net lacks VHOST_F_LOG_ALL, so
#     completion also proves dirty logging was negotiated;
#   - the vhost-net module really wrote the dirty log during the migration:
#     kprobe hit counts (tracefs kprobe_profile) on its log writers moved,
#     for RX buffers (ours: vhostx_vq_log_write; the kernel's:
#     vhost_log_write) and, for ours, the used ring (vhostx_vq_log_flush);
#   - the same guest (its tick counter goes on) runs on the destination, its
#     own pings keep being answered and the VM's echo requests reach it;
#     the VM's pings of the guest are answered; no echo reply came back with
#     wrong data (a buffer the destination got stale would show so);
#   - when vhostx_net serves the node: the destination's workers are ours
#     and our debugfs packet counters moved (lib.sh).
# One guest boot (about 110 s idle, more when loaded) plus two migrations.
. "$(dirname "$0")/lib.sh"

[ "${VX_NESTED:-1}" = 1 ] || ktap_skip_all "nested QEMU boots turned off (VX_NESTED=0)"
require_node
command -v qemu-system-x86_64 >/dev/null || ktap_skip_all "qemu-system-x86_64 missing"
command -v ping >/dev/null || ktap_skip_all "ping missing (make deps installs iputils-ping)"

nested=$VX_TOP/tools/nested
kver=$("$nested/guest-kver") || kver=${KVER:-$(uname -r)}
kernel=/boot/vmlinuz-$kver
[ -r "$kernel" ] || ktap_skip_all "$kernel missing"

# Within the area's 1800 s: the boot, then per leg at most 60 s for the
# destination to listen, $mig_timeout for the migration, 120 s for ticks.
timeout=${NESTED_TIMEOUT:-900}
mig_timeout=${MIGRATE_TIMEOUT:-240}
br=vxmbr0 tapa=vxmtapA tapb=vxmtapB
mac=52:54:00:c0:00:02
host_addr=192.0.2.1 guest_addr=192.0.2.2
st=$(mktemp -d /tmp/qemu-migrate.XXXXXX)
start=$(date +%s)
deadline=$((start + timeout))
declare -A qpid=()
bgping=""
kprobes=()
tr=/sys/kernel/tracing

cleanup() {
	local p

	[ -n "$bgping" ] && kill "$bgping" 2>/dev/null
	for p in "${qpid[@]}"; do
		kill "$p" 2>/dev/null
	done
	sleep 1
	for p in "${qpid[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	if [ ${#kprobes[@]} -gt 0 ]; then
		echo 0 2>/dev/null > "$tr/events/vxmig/enable"
		for p in "${kprobes[@]}"; do
			echo "-:vxmig/$p" >> "$tr/kprobe_events" 2>/dev/null
		done
	fi
	ip link del "$tapa" 2>/dev/null
	ip link del "$tapb" 2>/dev/null
	ip link del "$br" 2>/dev/null
	if [ -n "${MIGRATE_STATE:-}" ]; then
		mkdir -p "$MIGRATE_STATE" && cp -r "$st"/. "$MIGRATE_STATE"/
	fi
	rm -rf "$st"
}
trap cleanup EXIT

ktap_plan 14
status=$(ours_status)
echo "# node $NODE, $status"

qmp() { "$nested/qmp" "$@"; }

# Dirty-log writers to count with kprobes: name=symbol, RX buffers first.
if [ "$status" = ours ]; then
	probes=(rxlog=vhostx_vq_log_write usedlog=vhostx_vq_log_flush)
else
	probes=(rxlog=vhost_log_write)
fi
kprobe_setup() {
	local p

	[ -d "$tr/events" ] || mount -t tracefs nodev "$tr" 2>/dev/null
	[ -w "$tr/kprobe_events" ] || return 1
	echo 0 2>/dev/null > "$tr/events/vxmig/enable"
	for p in "${probes[@]}"; do
		echo "-:vxmig/${p%%=*}" >> "$tr/kprobe_events" 2>/dev/null
	done
	for p in "${probes[@]}"; do
		echo "p:vxmig/${p%%=*} ${p#*=}" >> "$tr/kprobe_events" 2>/dev/null || return 1
		kprobes+=("${p%%=*}")
	done
	echo 1 > "$tr/events/vxmig/enable"
}
# kprobe_hits: "rxlog=N usedlog=M" from kprobe_profile.
kprobe_hits() {
	local p n out=""

	for p in "${probes[@]}"; do
		n=$(awk -v e="${p%%=*}" '$1 == e || $1 == "vxmig/" e { print $2 }' "$tr/kprobe_profile")
		out="$out ${p%%=*}=${n:-0}"
	done
	echo "${out# }"
}
kp_rc=1
kp_why="kprobe events unavailable (tracefs kprobe_events)"
if kprobe_setup; then
	kp_rc=0
else
	kp_why="cannot probe ${probes[*]} (tracefs kprobe_events)"
fi

initrd=$("$nested/build-initramfs" --kver "$kver") ||
	{ fail mig_src_guest_up "cannot build the initramfs"; skip_rest "no guest"; ktap_exit; }

[ -e /dev/net/tun ] || modprobe tun 2>/dev/null
[ -d /sys/module/bridge ] || modprobe bridge 2>/dev/null
ip link del "$br" 2>/dev/null
ip link add "$br" type bridge forward_delay 0 stp_state 0 &&
	ip addr add "$host_addr/24" dev "$br" && ip link set "$br" up ||
	{ fail mig_src_guest_up "cannot create bridge $br"; skip_rest "no bridge"; ktap_exit; }
for t in "$tapa" "$tapb"; do
	ip link del "$t" 2>/dev/null
	ip tuntap add dev "$t" mode tap vnet_hdr && ip link set "$t" master "$br" &&
		ip link set "$t" up ||
		{ fail mig_src_guest_up "cannot create $t"; skip_rest "no tap"; ktap_exit; }
done

# qemu_start NAME TAP [INCOMING_URI]: the same machine on every side; only
# the tap, the monitor socket and -incoming differ.
qemu_start() {
	local name=$1 tap=$2 netdev launch=() extra=()

	netdev="tap,id=n0,vhost=on"
	if [ "$NODE" = /dev/vhost-net ]; then
		netdev="$netdev,ifname=$tap,script=no,downscript=no"
	else
		netdev="$netdev,fd=@TAPFDS@,vhostfd=@VHOSTFDS@"
		launch=("$nested/tapfds" --tap "$tap" --queues 1 --vhost-dev "$NODE" --)
	fi
	[ $# -ge 3 ] && extra=(-incoming "$3")
	"${launch[@]}" qemu-system-x86_64 -accel tcg -cpu max -m 256 -smp 1 \
		-nographic -nodefaults -serial stdio -no-reboot -nic none \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 quiet tsc=reliable no_timer_check mitigations=off panic=-1 nested.mac=$mac nested.addr=$guest_addr/24 nested.peer=$host_addr nested.queues=1 nested.wait=1800 nested.ticks=1" \
		-netdev "$netdev" -device "virtio-net-pci,netdev=n0,mac=$mac,romfile=" \
		-qmp "unix:$st/$name.qmp,server=on,wait=off" "${extra[@]}" \
		< /dev/null > "$st/$name.console" 2>&1 &
	qpid[$name]=$!
	echo "# $name: pid ${qpid[$name]} on $tap${3:+, incoming $3}, netdev $netdev"
}

# qemu_state NAME: the run state QMP reports, or "none".
qemu_state() {
	qmp "$st/$1.qmp" query-status 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])' 2>/dev/null ||
		echo none
}

# wait_ticks NAME AFTER: until NAME's console has two ticks with n > AFTER
# whose own-ping and echo counts both grew between them (or time runs out).
# Prints "first_n last_n ok_growth echo_growth".
wait_ticks() {
	local name=$1 after=$2 until=$(($(date +%s) + ${3:-180})) r

	while :; do
		r=$(tr -d '\r' < "$st/$name.console" |
			sed -n 's/^NESTED-TICK: n=\([0-9]*\) ok=\([0-9]*\) echos=\([0-9]*\)$/\1 \2 \3/p' |
			awk -v a="$after" '$1 > a { if (!f) { f = $1; o = $2; e = $3 } l = $1; lo = $2; le = $3 }
				END { if (f) print f, l, lo - o, le - e; else print 0, 0, 0, 0 }')
		set -- $r
		[ "$3" -gt 0 ] && [ "$4" -gt 0 ] && break
		[ "$(date +%s)" -ge "$until" ] && break
		kill -0 "${qpid[$name]}" 2>/dev/null || break
		sleep 2
	done
	echo "$r"
}

last_tick() {
	tr -d '\r' < "$st/$1.console" | sed -n 's/^NESTED-TICK: n=\([0-9]*\) .*/\1/p' | tail -n 1
}

snap_workers() { # PID FILE
	local t c ns

	: > "$2"
	for t in /proc/[0-9]*; do
		read -r c < "$t/comm" 2>/dev/null || continue
		case "$c" in
		"vhost-$1"|"vhostx-$1")
			read -r ns _ < "$t/schedstat" 2>/dev/null
			echo "$c ${t#/proc/} ${ns:-0}" >> "$2"
			;;
		esac
	done
}

# --- boot on the source -------------------------------------------------
qemu_start a1 "$tapa"
beat=$(($(date +%s) + 60))
up=1
while :; do
	if [ -n "$(last_tick a1)" ]; then up=0; break; fi
	grep -qa '^NESTED-RESULT' "$st/a1.console" && break
	kill -0 "${qpid[a1]}" 2>/dev/null || break
	[ "$(date +%s)" -ge "$deadline" ] && break
	if [ "$(date +%s)" -ge "$beat" ]; then
		echo "# $(($(date +%s) - start))s, console: $(tail -c 200 "$st/a1.console" | tr -d '\r' | tr '\n' ' ' | tail -c 100)"
		beat=$((beat + 60))
	fi
	sleep 1
done
if [ $up != 0 ]; then
	tail -n 25 "$st/a1.console" | sed 's/^/# a1: /'
	fail mig_src_guest_up "no tick from the guest after $(($(date +%s) - start))s"
	skip_rest "the guest did not come up"
	ktap_exit
fi
echo "# guest up after $(($(date +%s) - start))s: $(grep -a '^NESTED-PING' "$st/a1.console" | tr -d '\r')"
ok mig_src_guest_up

# The VM's traffic toward the guest, all along (iputils ping checks the
# reply's payload and says "wrong data byte" when it differs).
ping -i 0.05 -W 2 "$guest_addr" > "$st/bgping.log" 2>&1 &
bgping=$!

# leg N SRC DST DST_TAP: migrate SRC's guest into a new QEMU DST on DST_TAP.
leg() {
	local n=$1 src=$2 dst=$3 dtap=$4 uri="unix:$st/mig$1.sock" s
	local before after mst info t0 rx ticks f l og eg from_tick p a b bad snap_rc

	qemu_start "$dst" "$dtap" "$uri"
	for _ in $(seq 1 60); do
		s=$(qemu_state "$dst")
		[ "$s" = inmigrate ] && break
		sleep 1
	done
	if [ "$s" != inmigrate ]; then
		tail -n 20 "$st/$dst.console" | sed "s/^/# $dst: /"
		fail "mig${n}_completed" "destination $dst not waiting for the migration (state $s)"
		skip_rest "leg $n did not start"
		ktap_exit
	fi
	qmp "$st/$src.qmp" migrate-set-parameters \
		'{"max-bandwidth": 4294967296, "downtime-limit": 2000}' >/dev/null ||
		echo "# cannot set migration parameters"
	[ $kp_rc = 0 ] && before=$(kprobe_hits)
	t0=$(date +%s)
	qmp "$st/$src.qmp" migrate "{\"uri\": \"$uri\"}" >/dev/null
	mst=none
	while [ $(($(date +%s) - t0)) -lt "$mig_timeout" ]; do
		mst=$(qmp "$st/$src.qmp" query-migrate 2>/dev/null |
			python3 -c 'import json, sys; print(json.load(sys.stdin).get("status", "none"))' 2>/dev/null)
		case "$mst" in completed|failed|cancelled) break ;; esac
		sleep 1
	done
	info=$(qmp "$st/$src.qmp" hmp "info migrate" 2>&1)
	echo "$info" | tr -d '\r' | grep -E 'status|total time|downtime|transferred ram|dirty sync|throughput' |
		sed "s/^/# leg $n info migrate: /"
	[ $kp_rc = 0 ] && after=$(kprobe_hits)
	# The last tick the guest printed before it stopped on the source.
	from_tick=$(last_tick "$src")
	s=$(qemu_state "$dst")
	echo "# leg $n: $src -> $dst: $mst after $(($(date +%s) - t0))s, source $(qemu_state "$src"), destination $s"
	if [ "$mst" = completed ] && echo "$info" | grep -q 'Migration status: completed' &&
	   [ "$s" = running ]; then
		ok "mig${n}_completed"
	else
		tail -n 10 "$st/$dst.console" | sed "s/^/# $dst: /"
		fail "mig${n}_completed" "query-migrate $mst, destination $s"
		skip_rest "leg $n did not complete"
		ktap_exit
	fi

	if [ $kp_rc != 0 ]; then
		skip "mig${n}_dirty_log_written" "$kp_why"
	else
		echo "# leg $n dirty-log writer hits: before $before, after $after"
		bad=""
		for p in "${probes[@]}"; do
			p=${p%%=*}
			b=$(echo "$before" | tr ' ' '\n' | sed -n "s/^$p=//p")
			a=$(echo "$after" | tr ' ' '\n' | sed -n "s/^$p=//p")
			[ "${a:-0}" -gt "${b:-0}" ] || bad="$bad $p did not run;"
		done
		# Ours says so when it stopped a queue over a log it could not write;
		# only lines since this test began count (earlier tests, the ioctl
		# fuzzer and log_test, provoke them on purpose).
		[ "$(dmesg | grep -c 'cannot write the dirty log')" -gt "$dlog0" ] &&
			bad="$bad a dirty log write failed (dmesg);"
		if [ -z "$bad" ]; then
			ok "mig${n}_dirty_log_written"
		else
			fail "mig${n}_dirty_log_written" "${bad% ;}"
		fi
	fi

	# The source is done: stop it, as a management tool would.
	qmp "$st/$src.qmp" quit >/dev/null 2>&1
	for _ in $(seq 1 20); do
		kill -0 "${qpid[$src]}" 2>/dev/null || break
		sleep 1
	done
	kill "${qpid[$src]}" 2>/dev/null
	unset "qpid[$src]"

	ticks=$(wait_ticks "$dst" "${from_tick:-0}" 120)
	read -r f l og eg <<< "$ticks"
	echo "# leg $n: source's last tick n=${from_tick:-none}; on $dst: ticks n=$f..$l, own pings answered +$og, echo requests +$eg"
	if [ "$f" -gt 0 ] && [ "$og" -gt 0 ]; then
		ok "mig${n}_guest_pings_on_dst"
	else
		tail -n 10 "$st/$dst.console" | sed "s/^/# $dst: /"
		fail "mig${n}_guest_pings_on_dst" "ticks after n=${from_tick:-0}: $ticks"
	fi
	rx=$(ping -c 10 -i 0.2 -W 3 "$guest_addr" 2>&1 | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	echo "# leg $n: the VM's pings of the guest on $dst: ${rx:-0}/10"
	if [ "${rx:-0}" -ge 9 ] && [ "$eg" -gt 0 ]; then
		ok "mig${n}_vm_pings_guest"
	else
		fail "mig${n}_vm_pings_guest" "${rx:-0}/10 answered, echo requests seen by the guest +$eg"
	fi

	snap_workers "${qpid[$dst]}" "$st/$dst.workers"
	sed 's/^/# worker: /' "$st/$dst.workers"
	check_workers "mig${n}_carried_by_vhostx" "$st/$dst.workers" 1
	snap_rc=1
	debugfs_snapshot "$st/$dst.debugfs" && snap_rc=0
	if [ $snap_rc = 0 ]; then
		# Only the destination's device: its directory is <owner pid>-<id>.
		grep "^/sys/kernel/debug/vhostx/${qpid[$dst]}-" "$st/$dst.debugfs" > "$st/$dst.debugfs.own"
		mv "$st/$dst.debugfs.own" "$st/$dst.debugfs"
		grep -E '(broken|ring_errors|errors) [1-9]' "$st/$dst.debugfs" | sed 's/^/# debugfs: /'
	fi
	check_counters "mig${n}_vhostx_counters" "$snap_rc" "$st/$dst.debugfs" 1
}

dlog0=$(dmesg | grep -c 'cannot write the dirty log')
leg 1 a1 b1 "$tapb"
leg 2 b1 a2 "$tapa"

kill "$bgping" 2>/dev/null
wait "$bgping" 2>/dev/null
bgping=""
# Counted from its reply lines: a background ping ignores SIGINT and so
# prints no summary. The longest run of unanswered requests is only shown.
read -r sent rcvd gap <<< "$(sed -n 's/.*icmp_seq=\([0-9]*\) .*/\1/p' "$st/bgping.log" |
	sort -n | uniq | awk '{ if ($1 - p - 1 > g) g = $1 - p - 1; p = $1; n++ } END { print p + 0, n + 0, g + 0 }')"
wrong=$(grep -c 'wrong data' "$st/bgping.log")
echo "# the VM's pings during both migrations: $rcvd of about $sent answered (longest gap $gap requests, every 50 ms), $wrong with wrong data, $(grep -c DUP "$st/bgping.log") duplicates"
grep -m 5 'wrong data' -A 3 "$st/bgping.log" | sed 's/^/# bgping: /'
if [ "${rcvd:-0}" -gt 0 ] && [ "$wrong" = 0 ]; then
	ok mig_traffic_intact
else
	fail mig_traffic_intact "${rcvd:-0} replies, $wrong with wrong data"
fi
echo "# total $(($(date +%s) - start))s"
ktap_exit
