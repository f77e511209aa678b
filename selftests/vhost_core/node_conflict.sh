#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# vhostx_net and the kernel's vhost_net want the same node: with vhost_net
# loaded, vhostx_net must refuse to load and say who holds the node; with
# devname= it must load beside it on a dynamic minor. The module state is
# put back as it was (vhostx_net loaded with its parameters, vhost_net not).
top=$(cd "$(dirname "$0")/../.." && pwd)
ko=$top/drivers/vhost/vhostx_net.ko
n=0 fails=0

ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1${2:+ # $2}"; }

echo "TAP version 13"
skip_all() { echo "1..0 # SKIP $1"; exit 4; }
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -d /sys/module/vhostx_net ] || skip_all "vhostx_net is not loaded"
[ -f "$ko" ] || skip_all "$ko not built"
[ -d /sys/module/vhost_net ] && skip_all "the kernel's vhost_net is loaded already"
modprobe -n vhost_net 2>/dev/null || skip_all "no vhost_net module to compete with"
[ "$(cat /sys/module/vhostx_net/refcnt)" = 0 ] || skip_all "vhostx_net is in use"

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
echo "1..4"

rmmod vhostx_net || { nok unload_vhostx_net; exit 1; }
modprobe vhost_net || { nok load_vhost_net; exit 1; }
before=$(dmesg | wc -l)
if insmod "$ko" 2>/dev/null; then
	nok refused_when_node_taken "loaded over the kernel's vhost_net"
	rmmod vhostx_net
else
	ok refused_when_node_taken
fi
if dmesg | tail -n +"$((before + 1))" | grep -q "vhostx_net:.*vhost-net.*vhost_net"; then
	ok message_names_holder
else
	nok message_names_holder "$(dmesg | grep vhostx_net | tail -n 1)"
fi
if insmod "$ko" devname=vhostx-beside && [ -c /dev/vhostx-beside ] &&
   [ "$(cat /sys/class/misc/vhostx-beside/dev)" != "10:238" ]; then
	ok loads_beside_with_devname
else
	nok loads_beside_with_devname
fi
rmmod vhostx_net 2>/dev/null
rmmod vhost_net
trap - EXIT
restore
if [ -c "/dev/$devname" ] && [ -d /sys/module/vhostx_net ]; then
	ok state_restored
else
	nok state_restored
fi
[ $fails = 0 ]
