#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vhostx_net and the kernel's vhost_net want the same node: with vhost_net
# loaded, vhostx_net must refuse to load and say who holds the node; with
# devname= it must load beside it on a dynamic minor. The module state is
# put back as it was (vhostx_net loaded with its parameters, vhost_net not).
top=$(cd "$(dirname "$0")/../.." && pwd)
ko=$top/drivers/vhost/net/vhostx_net.ko
# shellcheck source=../lib/ktap.sh
. "$top/selftests/lib/ktap.sh"

[ "$(id -u)" = 0 ] || ktap_skip_all "needs root"
[ -d /sys/module/vhostx_net ] || ktap_skip_all "vhostx_net is not loaded"
[ -f "$ko" ] || ktap_skip_all "$ko not built"
[ -d /sys/module/vhost_net ] && ktap_skip_all "the kernel's vhost_net is loaded already"
modprobe -n vhost_net 2>/dev/null || ktap_skip_all "no vhost_net module to compete with"
[ "$(cat /sys/module/vhostx_net/refcnt)" = 0 ] || ktap_skip_all "vhostx_net is in use"

devname=$(cat /sys/module/vhostx_net/parameters/devname)
params="devname=$devname"
for p in budget_packets budget_bytes tx_batch; do
	[ -r /sys/module/vhostx_net/parameters/$p ] &&
		params="$params $p=$(cat /sys/module/vhostx_net/parameters/$p)"
done
restore() {
	rmmod vhostx_net 2>/dev/null
	rmmod vhost_net 2>/dev/null
	# shellcheck disable=SC2086
	insmod "$ko" $params
}
trap restore EXIT
ktap_plan 4

rmmod vhostx_net || { fail unload_vhostx_net; skip_rest "vhostx_net stayed"; ktap_exit; }
modprobe vhost_net || { fail load_vhost_net; skip_rest "no vhost_net"; ktap_exit; }
before=$(dmesg | wc -l)
if insmod "$ko" 2>/dev/null; then
	fail refused_when_node_taken "loaded over the kernel's vhost_net"
	rmmod vhostx_net
else
	ok refused_when_node_taken
fi
if dmesg | tail -n +"$((before + 1))" | grep -q "vhostx_net:.*vhost-net.*vhost_net"; then
	ok message_names_holder
else
	fail message_names_holder "$(dmesg | grep vhostx_net | tail -n 1)"
fi
if insmod "$ko" devname=vhostx-beside && [ -c /dev/vhostx-beside ] &&
   [ "$(cat /sys/class/misc/vhostx-beside/dev)" != "10:238" ]; then
	ok loads_beside_with_devname
else
	fail loads_beside_with_devname
fi
rmmod vhostx_net 2>/dev/null
rmmod vhost_net
trap - EXIT
restore
if [ -c "/dev/$devname" ] && [ -d /sys/module/vhostx_net ]; then
	ok state_restored
else
	fail state_restored
fi
ktap_exit
