#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vdpax and another owner of the "vdpa" generic netlink family (a kernel
# vDPA core): vdpax must refuse to load and say so. The competitor is
# tools/testing/broken/vxbroken_vdpa_genl.ko (make broken). Our vDPA
# modules are unloaded for the test and put back afterwards the way
# tools/vm/modules loads them (build tree, VX_MODPARAMS), exactly the set
# that was loaded before.
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
rival=$top/tools/testing/broken/vxbroken_vdpa_genl.ko
NTESTS=8

[ "${VX_IN_VM:-0}" = 1 ] || ktap_skip_all $NTESTS "not in the test VM (VX_IN_VM unset)"
[ "$(id -u)" = 0 ] || ktap_skip_all $NTESTS "needs root"
[ -f "$rival" ] || ktap_skip_all $NTESTS "$rival not built (make broken)"
ko=$("$top/tools/vm/modules" list | grep '/vdpax\.ko$' | head -n 1)
if [ -z "$ko" ] || [ ! -f "$ko" ]; then ktap_skip_all $NTESTS "vdpax.ko not built"; fi
have_module vdpa && ktap_skip_all $NTESTS "a kernel vDPA core (vdpa.ko) is loaded"
have_module vxbroken_vdpa_genl && ktap_skip_all $NTESTS "vxbroken_vdpa_genl is loaded already"

ours_loaded() {
	local m
	for m in $("$top/tools/vm/modules" list); do
		m=$(basename "$m" .ko)
		[ -d "/sys/module/$m" ] && echo "$m"
	done | sort | tr '\n' ' '
}
set0=$(ours_loaded)

# Put back what was loaded, and nothing more (as selftests/teardown does).
restore() {
	local m
	rmmod vxbroken_vdpa_genl 2> /dev/null
	[ "$(ours_loaded)" = "$set0" ] && return 0
	"$top/tools/vm/modules" load > /dev/null 2>&1
	for m in $("$top/tools/vm/modules" list | tac); do
		m=$(basename "$m" .ko)
		case " $set0 " in *" $m "*) ;; *) [ -d "/sys/module/$m" ] && rmmod "$m" ;; esac
	done
	[ "$(ours_loaded)" = "$set0" ]
}
trap restore EXIT

ktap_plan $NTESTS
diag "loaded at the start: $set0"

# 1. Our vDPA stack goes (no device of a test left to hold it).
cleanup_devs
# Dependents first: whatever holds vdpax (the simulator, vdpax_pci,
# virtio_vdpa, vhostx_vdpa, and any we add later), each after its own.
unload_tree() {
	local m=$1 h
	have_module "$m" || return 0
	for h in /sys/module/"$m"/holders/*; do
		[ -e "$h" ] || continue
		unload_tree "$(basename "$h")" || return 1
	done
	rmmod "$m" || { diag "rmmod $m failed (refcnt $(cat "/sys/module/$m/refcnt"))"; return 1; }
}
unload_stack() {
	unload_tree vdpax && ! have_module vdpax && [ ! -d /sys/bus/vdpa ]
}
unload_stack
check $? "our vDPA stack unloads"

# 2. The competitor takes the family.
before=$(dmesg | wc -l)
insmod "$rival"
check $? "vxbroken_vdpa_genl loads and holds the \"vdpa\" family"

# 3. vdpax will not load over it (and leaves nothing behind).
params=()
for kv in ${VX_MODPARAMS:-}; do
	case "$kv" in vdpax:*) params+=("${kv#*:}") ;; esac
done
if insmod "$ko" "${params[@]}" 2> /dev/null; then
	fail "vdpax refuses to load" "it loaded over the other family"
	rmmod vdpax
else
	ok "vdpax refuses to load"
fi
check "$(! have_module vdpax && [ ! -d /sys/bus/vdpa ]; echo $?)" "no vdpa bus or vdpax module is left"

# 4. It says why.
msg='vdpax: the generic netlink family "vdpa" already exists'
if dmesg | tail -n +"$((before + 1))" | grep -qF "$msg"; then
	ok "the kernel log says the family is taken"
else
	fail "the kernel log says the family is taken" "no \"$msg\" in: $(dmesg | tail -n +"$((before + 1))" | tail -n 3 | tr '\n' '|')"
fi

# 5. The competitor goes; ours come back and work.
rmmod vxbroken_vdpa_genl
check $? "vxbroken_vdpa_genl unloads"
restore
check $? "the modules loaded at the start are loaded again" "now: $(ours_loaded)"
if have_module vdpax_sim_net; then
	have_mgmtdev
	check $? "vdpa mgmtdev show lists vdpasim_net again"
else
	skip "vdpa mgmtdev show lists vdpasim_net again" "vdpax_sim_net was not loaded"
fi
trap - EXIT
ktap_exit
