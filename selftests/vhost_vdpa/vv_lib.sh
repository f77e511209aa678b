#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Shared helpers of the vhost_vdpa script tests: KTAP output and a
# vdpasim_net device bound to vhost_vdpa (every name starts with vxv, and
# every device made here is deleted at exit).

VDPA=${VDPA:-$(command -v vdpa || echo /sbin/vdpa)}
S=/sys/bus/vdpa
_made=""
. "$(dirname "${BASH_SOURCE[0]}")/../lib/ktap.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../lib/vdpa.sh"

# Why the vDPA side cannot run here, or nothing.
vv_missing() {
	[ -x "$VDPA" ] || { echo "iproute2 vdpa tool missing"; return; }
	[ -d $S ] || { echo "no vdpa bus (vdpax.ko not loaded)"; return; }
	[ -d $S/drivers/vhost_vdpa ] || { echo "no vhost_vdpa driver (vhostx_vdpa.ko not loaded)"; return; }
	"$VDPA" mgmtdev show vdpasim_net > /dev/null 2>&1 ||
		{ echo "no vdpasim_net management device (vdpax_sim_net.ko not loaded)"; return; }
}

vv_cleanup() {
	local d
	for d in $_made; do "$VDPA" dev del "$d" 2> /dev/null; done
	_made=""
}
trap vv_cleanup EXIT

# vv_device NAME MAC [vdpa dev add args...]: make a device (on management
# device $VV_MGMTDEV, default vdpasim_net), bind it to
# vhost_vdpa and set VV_NODE to its /dev node. Not in a subshell: the
# device must be remembered for deletion at exit.
vv_device() {
	local name=$1 mac=$2 drv node
	shift 2
	VV_NODE=""
	"$VDPA" dev add name "$name" mgmtdev "${VV_MGMTDEV:-vdpasim_net}" mac "$mac" "$@" || return 1
	_made="$_made $name"
	echo vhost_vdpa > $S/devices/"$name"/driver_override || return 1
	drv=$(basename "$(readlink $S/devices/"$name"/driver 2> /dev/null)" 2> /dev/null)
	if [ -n "$drv" ] && [ "$drv" != vhost_vdpa ]; then
		echo "$name" > $S/drivers/"$drv"/unbind || return 1
	fi
	[ "$drv" = vhost_vdpa ] || echo "$name" > $S/drivers/vhost_vdpa/bind || return 1
	for _ in $(seq 1 50); do
		node=$(ls -d $S/devices/"$name"/vhost-vdpa-* 2> /dev/null | head -n 1)
		if [ -n "$node" ] && [ -c /dev/"$(basename "$node")" ]; then
			# shellcheck disable=SC2034 # read by the callers
			VV_NODE=/dev/$(basename "$node")
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# One vendor counter of a queue: vv_vstat DEV QIDX NAME
vv_vstat() { vdpa_vstat "$@"; }
