#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/profile/selftest.sh: make profile's parts on the host, each able to
# fail: the plugin builds without a warning and QEMU 7.2 loads it (and
# refuses a bad argument), vxmark carries the two marker instructions, and
# the report turns canned windows into the numbers worked out by hand
# below. KTAP out.
cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../../selftests/lib/ktap.sh
. selftests/lib/ktap.sh
has() { grep -qF -- "$2" "$1" || { echo "missing: $2"; return 1; }; }

ktap_plan 10
check_cmd "plugin builds with -Werror" gcc -O2 -Wall -Wextra -Werror -shared -fPIC \
	-fvisibility=hidden -o "$tmp/vxprof.so" tools/profile/vxprof.c -lpthread
check_cmd "vxmark builds with -Werror" gcc -O2 -Wall -Wextra -Werror -o "$tmp/vxmark" \
	tools/profile/vxmark.c
objdump -d "$tmp/vxmark" > "$tmp/vxmark.dis" 2>&1
check_cmd "vxmark holds the start marker (66 87 db)" has "$tmp/vxmark.dis" "66 87 db"
check_cmd "vxmark holds the stop marker (66 87 c9)" has "$tmp/vxmark.dis" "66 87 c9"
# QEMU loads it (and then runs nothing until the timeout) or refuses it.
loads() { timeout 5 qemu-system-x86_64 -accel tcg -M none -display none -plugin "$1"; [ $? = 124 ]; }
check_cmd "QEMU loads the plugin (API version 1)" loads "$tmp/vxprof.so,out=$tmp"
refute_cmd "QEMU refuses the plugin with an unknown argument" loads "$tmp/vxprof.so,colour=blue"

# Canned windows: vhostx moved 100 packets in 30000 instructions, 25 runs
# (entries of its kick handler), 10 wake-ups, 100 stac; vhost_net moved
# 200 in 80000, 50 runs, 40 wake-ups, no stac.
d=$tmp/run
mkdir -p "$d"
cat > "$d/kallsyms" << 'EOF'
ffffffff81000000 T try_to_wake_up
ffffffff81000100 T clear_page_erms
ffffffff81000200 D some_data
ffffffffc0000000 t vhostx_net_handle_tx_kick	[vhostx_net]
ffffffffc0000100 t vhostx_ring_get_chain	[vhostx]
ffffffffc1000000 t handle_tx_kick	[vhost_net]
ffffffffc1000100 t handle_tx_copy	[vhost_net]
EOF
printf '0 tx64 vhostx 100\n1 tx64 vhost_net 200\n' > "$d/marks.txt"
cat > "$d/prof-000.txt" << 'EOF'
# vxprof window 0: kernel instructions 30000
ffffffff81000000 10
ffffffff81000105 5000
ffffffffc0000000 25
ffffffffc0000110 24865
ffffffffc0000120 100 S
EOF
cat > "$d/prof-001.txt" << 'EOF'
# vxprof window 1: kernel instructions 80000
ffffffff81000000 40
ffffffff81000100 39960
ffffffffc1000000 50
ffffffffc1000180 39950
EOF
python3 tools/profile/report "$d" > "$tmp/report" 2>&1
check_cmd "report: totals, packets per run, wake-ups and stac per packet" \
	has "$tmp/report" "| tx64 | 300 | 400 | 0.75 | 250 | 200 | 4.0 | 4.0 | 0.10 | 0.20 | 1.0 | 0.0 |"
check_cmd "report: a function both modules run" has "$tmp/report" "| clear_page_erms | 50 | 200 |"
check_cmd "report: a function only ours runs" has "$tmp/report" "| vhostx_ring_get_chain [vhostx] | 250 | - |"
rm "$d/marks.txt"
refute_cmd "report: no marked windows is an error" python3 tools/profile/report "$d"
ktap_exit
