#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# load_unload.sh (inside the test VM): unload and reload vhostx_net from the
# build tree TEARDOWN_LOADS times (default 100), opening its node each
# time, then all our modules, in dependency order, TEARDOWN_STACK_LOADS
# times (default 10). Afterwards the modules loaded at
# the start are loaded again (with their VX_MODPARAMS), the reference counts
# are back, no vhostx-* thread is left, and slab and vmalloc are within a
# tolerance of where they were. KTAP out; exit 0 pass, 1 fail, 4 skip.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
loads=${TEARDOWN_LOADS:-100}
stack=${TEARDOWN_STACK_LOADS:-10}
tol_kb=4096

# shellcheck source=../lib/ktap.sh
. selftests/lib/ktap.sh

[ "${VX_IN_VM:-0}" = 1 ] || ktap_skip_all "not in the test VM (VX_IN_VM unset)"
ko=$(tools/vm/modules list | grep '/vhostx_net\.ko$' | head -n 1)
if [ -z "$ko" ] || [ ! -f "$ko" ]; then
	ktap_skip_all "vhostx_net.ko is not built"
fi
[ -d /sys/module/vhost_net ] &&
	ktap_skip_all "the kernel's vhost_net is loaded (it holds the vhost-net minor)"

params=""
for kv in ${VX_MODPARAMS:-}; do
	case "$kv" in vhostx_net:*) params="$params ${kv#vhostx_net:}" ;; esac
done
devname=vhost-net
for p in $params; do
	case "$p" in devname=*) devname=${p#devname=} ;; esac
done
dev=/dev/$devname

meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
ours_loaded() {
	for m in $(tools/vm/modules list); do
		m=$(basename "$m" .ko)
		[ -d "/sys/module/$m" ] && echo "$m"
	done | sort | tr '\n' ' '
}
refcnts() {
	for m in $(tools/vm/modules list); do
		m=$(basename "$m" .ko)
		[ -d "/sys/module/$m" ] && echo "$m=$(cat "/sys/module/$m/refcnt")"
	done | tr '\n' ' '
}
workers() { grep -l '^vhostx-' /proc/[0-9]*/comm 2>/dev/null | wc -l; }

was_loaded=0
[ -d /sys/module/vhostx_net ] && was_loaded=1
if [ $was_loaded = 0 ]; then
	tools/vm/modules load > /tmp/load_unload.load 2>&1 ||
		ktap_skip_all "cannot load our modules: $(tail -n 1 /tmp/load_unload.load)"
fi
set0=$(ours_loaded)
ref0=$(refcnts)
sync
slab0=$(selftests/lib/slab.py)	# caches dropped and shrunk, lowest of 3
vm0=$(meminfo VmallocUsed)
ktap_plan $((7 + (was_loaded == 0)))
diag "start: loaded [$set0], refcnt [$ref0], SUnreclaim $slab0 kB, VmallocUsed $vm0 kB"

# kmod (insmod, modinfo) pulls libcrypto over 9p on every exec: seconds
# each under TCG. A static busybox copy in tmpfs takes well under one.
bb=/tmp/vx-load-unload/busybox
if ! { mkdir -p "${bb%/*}" && cp /bin/busybox "$bb"; }; then
	fail "busybox for insmod/rmmod"
	skip_rest "no busybox"
	ktap_exit
fi

# Our modules in dependency order, from their .modinfo (read once).
deps_of() { tr '\0' '\n' < "$1" | sed -n 's/^depends=//p' | tr ',' ' '; }
declare -A path_of=() done_=()
order=()
for p in $(tools/vm/modules list); do path_of[$(basename "$p" .ko)]=$p; done
visit() {
	local m=$1 d
	[ -n "${done_[$m]:-}" ] && return
	done_[$m]=1
	for d in $(deps_of "${path_of[$m]}"); do
		if [ -n "${path_of[$d]:-}" ]; then
			visit "$d"
		elif [ ! -d "/sys/module/$d" ]; then
			modprobe "$d"	# a kernel module: loaded once, never unloaded here
		fi
	done
	order+=("$m")
}
for m in "${!path_of[@]}"; do visit "$m"; done
params_of() {
	local kv
	for kv in ${VX_MODPARAMS:-}; do
		case "$kv" in "$1":*) echo "${kv#*:}" ;; esac
	done
}

# 1. vhostx_net alone, from the build tree, with its parameters.
cycle() {
	local i
	for i in $(seq 1 "$loads"); do
		"$bb" rmmod vhostx_net || { echo "# cycle $i: rmmod failed"; return 1; }
		[ ! -d /sys/class/misc/"$devname" ] ||
			{ echo "# cycle $i: $dev still registered after rmmod"; return 1; }
		# shellcheck disable=SC2086
		"$bb" insmod "$ko" $params || { echo "# cycle $i: insmod failed"; return 1; }
		# The node answers (an open takes a module reference, the close drops it).
		{ exec 3<> "$dev"; } 2>/dev/null || { echo "# cycle $i: cannot open $dev"; return 1; }
		exec 3>&-
		[ $((i % 25)) = 0 ] && echo "# $i cycles"
	done
	return 0
}
cycle
check $? "vhostx_net: $loads unload/load cycles from the build tree"

# 2. The whole stack: unload in reverse dependency order, load in order.
stack_cycle() {
	local i k m
	for i in $(seq 1 "$stack"); do
		for ((k = ${#order[@]} - 1; k >= 0; k--)); do
			m=${order[$k]}
			[ -d "/sys/module/$m" ] || continue
			"$bb" rmmod "$m" || { echo "# stack cycle $i: rmmod $m failed"; return 1; }
		done
		[ -z "$(ours_loaded | tr -d ' ')" ] || { echo "# stack cycle $i: still loaded: $(ours_loaded)"; return 1; }
		for m in "${order[@]}"; do
			# shellcheck disable=SC2046
			"$bb" insmod "${path_of[$m]}" $(params_of "$m") ||
				{ echo "# stack cycle $i: insmod $m failed"; return 1; }
		done
	done
	return 0
}
stack_cycle
check $? "all modules (${order[*]}): $stack unload/load cycles"

# Back to the state we found: what was loaded, and nothing more.
restore() {
	local m
	[ "$(ours_loaded)" = "$set0" ] && return
	tools/vm/modules load > /dev/null 2>&1
	for m in $(tools/vm/modules list | tac); do
		m=$(basename "$m" .ko)
		case " $set0 " in *" $m "*) ;; *) [ -d "/sys/module/$m" ] && rmmod "$m" ;; esac
	done
}
restore
check_cmd "the modules loaded at the start are loaded again" test "$(ours_loaded)" = "$set0"
check_cmd "module reference counts are back" test "$(refcnts)" = "$ref0"
check_cmd "no vhostx worker thread is left" test "$(workers)" = 0

sync
slab1=$(selftests/lib/slab.py)
vm1=$(meminfo VmallocUsed)
diag "end: SUnreclaim $slab1 kB, VmallocUsed $vm1 kB (tolerance $tol_kb kB)"
check_cmd "slab (SUnreclaim) back within ${tol_kb} kB" test $((slab1 - slab0)) -lt $tol_kb
check_cmd "vmalloc back within ${tol_kb} kB" test $((vm1 - vm0)) -lt $tol_kb

if [ $was_loaded = 0 ]; then
	tools/vm/modules unload > /dev/null 2>&1
	check $? "unload what we loaded"
fi
ktap_exit
