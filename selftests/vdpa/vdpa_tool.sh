#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The iproute2 vdpa tool against vdpax + vdpax_sim_net: management device
# and device listings (JSON checked field by field), the device life cycle,
# and every bad request refused with the kernel's extended-ack message.
. "$(dirname "$0")/lib.sh"

N=27
require_base $N
trap cleanup_devs EXIT
autoprobe_off
ktap_plan $N

# 1-2: management device listing
j=$("$VDPA" -jp mgmtdev show)
echo "$j" | json_get '1 if j["mgmtdev"]["vdpasim_net"]["supported_classes"] == ["net"] and
	j["mgmtdev"]["vdpasim_net"]["max_supported_vqs"] == 9 and
	{"VERSION_1","MAC","MTU","STATUS","CTRL_VQ","MQ","CTRL_MAC_ADDR","ACCESS_PLATFORM"} <=
	set(j["mgmtdev"]["vdpasim_net"]["dev_features"]) else 0' | grep -qx 1
check $? "mgmtdev show -jp: classes, max vqs, features"
"$VDPA" -j mgmtdev show vdpasim_net | json_get 'list(j["mgmtdev"])' | grep -q vdpasim_net
check $? "mgmtdev show vdpasim_net (single get)"

# 3-9: create, list, inspect
"$VDPA" dev add name vxt0 mgmtdev vdpasim_net mac 02:11:22:33:44:55 mtu 1400 max_vqp 2
check $? "dev add with mac, mtu, max_vqp"
[ -d /sys/bus/vdpa/devices/vxt0 ] && [ "$(cat /sys/bus/vdpa/devices/vxt0/mgmtdev)" = vdpasim_net ]
check $? "sysfs: /sys/bus/vdpa/devices/vxt0 with its mgmtdev"
"$VDPA" -jp dev show vxt0 | json_get '1 if j["dev"]["vxt0"] == {"type": "network",
	"mgmtdev": "vdpasim_net", "vendor_id": 0, "max_vqs": 5, "max_vq_size": 256} else 0' |
	grep -qx 1
check $? "dev show -jp vxt0: type, mgmtdev, max_vqs, max_vq_size"
"$VDPA" -j dev show | json_get '"vxt0" in j["dev"]' | grep -qx True
check $? "dev show (dump) lists vxt0"
c=$("$VDPA" -jp dev config show vxt0)
echo "$c" | json_get '1 if (lambda d: d["mac"] == "02:11:22:33:44:55" and d["mtu"] == 1400 and
	d["max_vq_pairs"] == 2 and d["link "] == "up" and
	"negotiated_features" not in d)(j["config"]["vxt0"]) else 0' | grep -qx 1
check $? "dev config show -jp vxt0: mac, mtu, max_vq_pairs, link, no driver yet"
"$VDPA" dev add name vxt1 mgmtdev vdpasim_net
mac=$("$VDPA" -j dev config show vxt1 | json_get 'j["config"]["vxt1"]["mac"]')
first=$((0x${mac%%:*}))
[ -n "$mac" ] && [ $((first & 1)) = 0 ] && [ $((first & 2)) = 2 ]
check $? "dev add without mac: random locally administered unicast ($mac)"
"$VDPA" -j dev config show | json_get 'sorted(j["config"])' | grep -q "'vxt0', 'vxt1'"
check $? "dev config show (dump) lists both devices"

# 10-24: bad requests and their messages
expect_err "duplicate name" "a vDPA device with this name already exists" \
	dev add name vxt0 mgmtdev vdpasim_net
expect_err "unknown mgmtdev" "management device not found" \
	dev add name vxt2 mgmtdev nosuchmgmt
expect_err "unknown mgmtdev with bus" "management device not found" \
	dev add name vxt2 mgmtdev pci/vdpasim_net
expect_err "multicast mac" "MAC address must be unicast and not all zeros" \
	dev add name vxt2 mgmtdev vdpasim_net mac 01:00:5e:00:00:01
expect_err "zero mac" "MAC address must be unicast and not all zeros" \
	dev add name vxt2 mgmtdev vdpasim_net mac 00:00:00:00:00:00
expect_err "mtu below range" "MTU out of the management device's range" \
	dev add name vxt2 mgmtdev vdpasim_net mtu 67
expect_err "mtu above range" "MTU out of the management device's range" \
	dev add name vxt2 mgmtdev vdpasim_net mtu 9001
expect_err "max_vqp 0" "max_vqp out of the management device's range" \
	dev add name vxt2 mgmtdev vdpasim_net max_vqp 0
expect_err "max_vqp above range" "max_vqp out of the management device's range" \
	dev add name vxt2 mgmtdev vdpasim_net max_vqp 5
expect_err "bad name characters" "device name must be 1-31 characters" \
	dev add name 'vxt/2' mgmtdev vdpasim_net
expect_err "name too long" "Attribute failed policy validation" \
	dev add name vxt23456789012345678901234567890 mgmtdev vdpasim_net
expect_err "vstats before a driver negotiated" "feature negotiation not complete" \
	dev vstats show vxt0 qidx 0
expect_err "vstats without qidx" "queue index (qidx) is required" dev vstats show vxt0
expect_err "del unknown device" "vDPA device not found" dev del vxt9
expect_err "config show unknown device" "vDPA device not found" dev config show vxt9

# 25-27: nothing was created by the failures; deletion
[ "$(vdpa_devs | grep -c '^vxt')" = 2 ]
check $? "failed requests created no device"
"$VDPA" dev del vxt0 && "$VDPA" dev del vxt1
check $? "dev del"
[ -z "$(vdpa_devs | grep '^vxt')" ] && [ -z "$("$VDPA" -j dev show | json_get '[d for d in j["dev"] if d.startswith("vxt")] or ""')" ]
check $? "devices gone from sysfs and dev show"

ktap_exit
