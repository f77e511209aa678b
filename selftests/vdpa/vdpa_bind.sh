#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Driver binding through sysfs, as users and scripts do it: bind/unbind
# under /sys/bus/vdpa/drivers/<drv>/, driver_override, drivers_probe, for
# virtio_vdpa (vdpax_virtio.ko) and vhost_vdpa (vhostx_vdpa.ko, when built).
. "$(dirname "$0")/lib.sh"

N=21
require_base $N
trap cleanup_devs EXIT
autoprobe_off
ktap_plan $N

D=vxtb
S=/sys/bus/vdpa
# wait_netdev DEV MAC: up to 5 s for DEV's netdev, which must have MAC.
wait_netdev() {
	local nd i
	for i in $(seq 1 50); do
		nd=$(vdpa_netdev "$1")
		[ -n "$nd" ] && [ "$(cat /sys/class/net/"$nd"/address 2> /dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
bound_to() { basename "$(readlink "$S/devices/$D/driver" 2> /dev/null)" 2> /dev/null; }
negotiated() { "$VDPA" -j dev config show $D | json_get '"negotiated_features" in j["config"]["'$D'"]'; }

"$VDPA" dev add name $D mgmtdev vdpasim_net mac 02:00:00:00:0b:01
check $? "dev add with autoprobe off"
[ -z "$(bound_to)" ] && [ -d $S/devices/$D ]
check $? "device unbound while drivers_autoprobe is 0"

V=(
	"bind to virtio_vdpa"
	"virtio device under the vDPA device"
	"virtio_net netdev with the device's MAC"
	"features negotiated without ACCESS_PLATFORM"
	"unbind from virtio_vdpa"
	"netdev and virtio device gone, device reset"
	"driver_override to another driver refuses virtio_vdpa"
	"driver_override cleared: bind works again"
	"drivers_probe binds to the overriding driver"
	"dev del while bound"
)
if ! have_driver virtio_vdpa; then
	for t in "${V[@]}"; do skip "$t" "vdpax_virtio.ko not loaded"; done
else
	modprobe virtio_net 2> /dev/null
	echo $D > $S/drivers/virtio_vdpa/bind && [ "$(bound_to)" = virtio_vdpa ]
	check $? "${V[0]}"
	vd=$(basename "$(ls -d $S/devices/$D/virtio* 2> /dev/null | head -n 1)")
	[ -n "$vd" ] && [ -d /sys/bus/virtio/devices/"$vd" ]
	check $? "${V[1]}"
	if have_module virtio_net; then
		nd=$(vdpa_netdev $D)
		[ -n "$nd" ] && [ "$(cat /sys/class/net/"$nd"/address)" = 02:00:00:00:0b:01 ]
		check $? "${V[2]}" "netdev '$nd'"
	else
		skip "${V[2]}" "virtio_net not available"
	fi
	"$VDPA" -j dev config show $D | json_get '1 if "VERSION_1" in j["config"]["'$D'"]["negotiated_features"]
		and "ACCESS_PLATFORM" not in j["config"]["'$D'"]["negotiated_features"] else 0' | grep -qx 1
	check $? "${V[3]}"
	echo $D > $S/drivers/virtio_vdpa/unbind && [ -z "$(bound_to)" ]
	check $? "${V[4]}"
	[ -z "$(vdpa_netdev $D)" ] && [ ! -e /sys/bus/virtio/devices/"$vd" ] && [ "$(negotiated)" = False ]
	check $? "${V[5]}"
	echo nosuchdriver > $S/devices/$D/driver_override
	! echo $D > $S/drivers/virtio_vdpa/bind 2> /dev/null && [ -z "$(bound_to)" ] &&
		[ "$(cat $S/devices/$D/driver_override)" = nosuchdriver ]
	check $? "${V[6]}"
	echo > $S/devices/$D/driver_override
	echo $D > $S/drivers/virtio_vdpa/bind && [ "$(bound_to)" = virtio_vdpa ] &&
		[ -z "$(cat $S/devices/$D/driver_override)" ]
	check $? "${V[7]}"
	echo $D > $S/drivers/virtio_vdpa/unbind
	echo virtio_vdpa > $S/devices/$D/driver_override
	echo $D > $S/drivers_probe && [ "$(bound_to)" = virtio_vdpa ]
	check $? "${V[8]}"
	nd=$(vdpa_netdev $D)
	"$VDPA" dev del $D && [ ! -d $S/devices/$D ] && { [ -z "$nd" ] || [ ! -e /sys/class/net/"$nd" ]; }
	check $? "${V[9]}"
	"$VDPA" dev add name $D mgmtdev vdpasim_net mac 02:00:00:00:0b:01
fi

H=(
	"bind to vhost_vdpa"
	"a /dev/vhost-vdpa-N node appears"
	"unbind from vhost_vdpa: node gone"
	"rebind from vhost_vdpa to virtio_vdpa"
	"rebound device gets its virtio_net netdev"
	"second device, rebound from vhost_vdpa to virtio_vdpa, gets its netdev"
	"deleted while /dev/vhost-vdpa-N is open: released at once, close is clean"
)
if ! have_driver vhost_vdpa; then
	for t in "${H[@]}"; do skip "$t" "vhostx_vdpa.ko not built or not loaded"; done
else
	nodes0=$(ls /dev/vhost-vdpa-* 2> /dev/null | wc -l)
	echo vhost_vdpa > $S/devices/$D/driver_override
	echo $D > $S/drivers/vhost_vdpa/bind && [ "$(bound_to)" = vhost_vdpa ]
	check $? "${H[0]}"
	sleep 0.2
	[ "$(ls /dev/vhost-vdpa-* 2> /dev/null | wc -l)" -gt "$nodes0" ] ||
		ls $S/devices/$D/ | grep -q '^vhost-vdpa-'
	check $? "${H[1]}"
	echo $D > $S/drivers/vhost_vdpa/unbind && [ -z "$(bound_to)" ] &&
		[ "$(ls /dev/vhost-vdpa-* 2> /dev/null | wc -l)" = "$nodes0" ]
	check $? "${H[2]}"
	if have_driver virtio_vdpa; then
		echo virtio_vdpa > $S/devices/$D/driver_override
		echo $D > $S/drivers/virtio_vdpa/bind && [ "$(bound_to)" = virtio_vdpa ]
		check $? "${H[3]}"
		if have_module virtio_net; then
			wait_netdev $D 02:00:00:00:0b:01
			check $? "${H[4]}" "netdev '$(vdpa_netdev $D)'"
			# The same with a second device while the first is bound.
			D2=vxtb2
			"$VDPA" dev add name $D2 mgmtdev vdpasim_net mac 02:00:00:00:0b:02 &&
				echo vhost_vdpa > $S/devices/$D2/driver_override &&
				echo $D2 > $S/drivers/vhost_vdpa/bind &&
				echo $D2 > $S/drivers/vhost_vdpa/unbind &&
				echo virtio_vdpa > $S/devices/$D2/driver_override &&
				echo $D2 > $S/drivers/virtio_vdpa/bind &&
				wait_netdev $D2 02:00:00:00:0b:02
			check $? "${H[5]}" "netdev '$(vdpa_netdev $D2)'"
			"$VDPA" dev del $D2
		else
			skip "${H[4]}" "virtio_net not available"
			skip "${H[5]}" "virtio_net not available"
		fi
	else
		for t in "${H[3]}" "${H[4]}" "${H[5]}"; do skip "$t" "vdpax_virtio.ko not loaded"; done
	fi
	# An open file keeps vhost_vdpa's char device, not the vDPA device:
	# deletion releases it at once (no pin left on vdpax_sim_net), and the
	# file is closed later without touching it.
	P=vxtp
	"$VDPA" dev add name $P mgmtdev vdpasim_net
	echo vhost_vdpa > $S/devices/$P/driver_override
	echo $P > $S/drivers/vhost_vdpa/bind
	node=/dev/$(ls $S/devices/$P/ | grep -m1 '^vhost-vdpa-')
	ref0=$(cat /sys/module/vdpax_sim_net/refcnt)
	if [ -c "$node" ] && exec 9<> "$node"; then
		"$VDPA" dev del $P
		ref1=$(cat /sys/module/vdpax_sim_net/refcnt)
		exec 9>&-
		sleep 0.2
		ref2=$(cat /sys/module/vdpax_sim_net/refcnt)
		[ ! -d $S/devices/$P ] && [ "$ref1" = "$ref0" ] && [ "$ref2" = "$ref0" ]
		check $? "${H[6]}" "refcnt $ref0 -> $ref1 open -> $ref2 closed"
	else
		fail "${H[6]}" "cannot open $node"
	fi
fi

"$VDPA" dev del $D
check $? "dev del at the end"
[ ! -d $S/devices/$D ]
check $? "device gone"

ktap_exit
