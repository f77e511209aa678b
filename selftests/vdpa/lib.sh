#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Shared helpers for the vdpa script tests: KTAP output, requirements, and
# cleanup of the devices a test creates (all named vxt*).

VDPA=${VDPA:-$(command -v vdpa || echo /sbin/vdpa)}
. "$(dirname "${BASH_SOURCE[0]}")/../lib/ktap.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../lib/vdpa.sh"

have_mgmtdev() { "$VDPA" mgmtdev show vdpasim_net > /dev/null 2>&1; }
have_driver() { [ -d "/sys/bus/vdpa/drivers/$1" ]; }

# Requirements shared by every test: the tool, the bus and the sim.
require_base() { # count
	[ -x "$VDPA" ] || ktap_skip_all "$1" "iproute2 vdpa tool missing"
	have_module vdpax || ktap_skip_all "$1" "vdpax.ko not loaded"
	have_module vdpax_sim_net || ktap_skip_all "$1" "vdpax_sim_net.ko not loaded"
	have_mgmtdev || ktap_skip_all "$1" "management device vdpasim_net not listed"
}

vdpa_devs() { ls /sys/bus/vdpa/devices 2>/dev/null; }

cleanup_devs() {
	local d
	for d in $(vdpa_devs); do
		case "$d" in vxt*) "$VDPA" dev del "$d" 2>/dev/null ;; esac
	done
	[ -n "${_saved_autoprobe:-}" ] && echo "$_saved_autoprobe" > /sys/bus/vdpa/drivers_autoprobe
}

# Bind nothing automatically until cleanup (tests bind explicitly).
autoprobe_off() {
	_saved_autoprobe=$(cat /sys/bus/vdpa/drivers_autoprobe)
	echo 0 > /sys/bus/vdpa/drivers_autoprobe
}

# Run a vdpa command that must fail; check its exit status and that stderr
# carries the kernel's extack message.  expect_err "name" "message" args...
expect_err() {
	local name=$1 msg=$2 out rc
	shift 2
	out=$("$VDPA" "$@" 2>&1 > /dev/null)
	rc=$?
	# iproute2 6.1's vdpa exits 0 when "dev vstats" fails: then the message
	# and an empty stdout are what count.
	[ "$1 $2" = "dev vstats" ] && [ $rc = 0 ] && [ -z "$("$VDPA" "$@" 2> /dev/null)" ] && rc=255
	if [ $rc = 0 ]; then
		fail "$name" "command succeeded"
	elif ! grep -qF -- "$msg" <<< "$out"; then
		diag "output: $out"
		fail "$name" "message \"$msg\" missing"
	else
		ok "$name"
	fi
}

# The netdev virtio_net made for vDPA device $1 (empty if none).
vdpa_netdev() {
	local d
	for d in /sys/bus/vdpa/devices/"$1"/virtio*/net/*; do
		[ -e "$d" ] && basename "$d"
	done
}

