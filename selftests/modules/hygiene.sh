#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Every module we build: loaded by the runner, at rest with no references,
# licensed and described, every parameter documented in modinfo, and every
# exported symbol prefixed vhostx_/vdpax_ so it never collides with the
# kernel's own vhost or vdpa modules.
top=$(cd "$(dirname "$0")/../.." && pwd)
mods=$(VX_EXTRA_MODULES= "$top/tools/vm/modules" list)

# shellcheck source=../lib/ktap.sh
. "$top/selftests/lib/ktap.sh"

ktap_plan $(($(echo "$mods" | wc -l) * 4))

for p in $mods; do
	m=$(basename "$p" .ko)
	# At rest the only references are the modules that link against it.
	holders=$(ls /sys/module/$m/holders 2>/dev/null | wc -l)
	refcnt=$(cat /sys/module/$m/refcnt 2>/dev/null)
	[ -d /sys/module/$m ] && [ "$refcnt" = "$holders" ]
	check $? "$m: loaded, refcnt at rest equals its $holders holders (refcnt $refcnt)"

	[ "$(modinfo -F license "$p")" = GPL ] && [ -n "$(modinfo -F description "$p")" ]
	check $? "$m: license GPL and a description"

	bad=$(modinfo -F parm "$p" | awk -F: '$2 == "" || $2 ~ /^ *\(/ { print $1 }')
	[ -z "$bad" ] || diag "undocumented parameters: $bad"
	[ -z "$bad" ]
	check $? "$m: every parameter documented"

	syms=$(nm "$p" 2>/dev/null | sed -n 's/.* __ksymtab_//p')
	bad=$(echo "$syms" | grep -Ev '^(vhostx_|vdpax_|$)')
	[ -z "$bad" ] || diag "unprefixed exports: $bad"
	[ -z "$bad" ]
	check $? "$m: exported symbols prefixed vhostx_/vdpax_"
done
ktap_exit
