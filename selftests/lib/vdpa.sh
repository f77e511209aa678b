# SPDX-License-Identifier: GPL-2.0-only
#
# vdpa tool helpers shared by the vdpa and vhost_vdpa script tests. Needs
# $VDPA (the iproute2 vdpa binary).

have_module() { [ -d "/sys/module/$1" ]; }

# A value out of JSON on stdin: json_get 'j["dev"]["vdpa0"]["mtu"]'.
json_get() { python3 -S -c 'import json,sys; j=json.load(sys.stdin); print('"$1"')'; }

# One vendor counter of a queue, -1 if absent: vdpa_vstat DEV QIDX NAME.
# iproute2 prints "vendor" as a flat list of name, value, name, value...
vdpa_vstat() {
	"$VDPA" -j dev vstats show "$1" qidx "$2" 2> /dev/null | python3 -c '
import json, sys
def walk(o):
    if isinstance(o, dict):
        if o.get("name") == sys.argv[1] and "value" in o:
            print(o["value"]); sys.exit(0)
        if sys.argv[1] in o and not isinstance(o[sys.argv[1]], (dict, list)):
            print(o[sys.argv[1]]); sys.exit(0)
        for v in o.values(): walk(v)
    elif isinstance(o, list):
        for i, v in enumerate(o):
            if v == sys.argv[1] and i + 1 < len(o):
                print(o[i + 1]); sys.exit(0)
            walk(v)
walk(json.load(sys.stdin))
print(-1)' "$3"
}
