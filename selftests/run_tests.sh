#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# selftests/run_tests.sh [AREA...]   (inside the test VM, from the repo root)
#
# Loads every vhostx module, runs each area's tests (all areas when none are
# named, or those in VX_ONLY), unloads every module, and prints KTAP with one
# top-level result per test case. Results are tallied from each program's own
# KTAP lines (kselftest_harness prints one per TEST); a program that prints
# none counts once by its exit status (0 pass, 4 skip, anything else fail).
# The tally "PASS FAIL SKIP" goes to $VX_OUT/counts.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
out=${VX_OUT:-/tmp}
mkdir -p "$out/logs"

pass=0 fail=0 skip=0 n=0
result() { # status name [reason]
	n=$((n + 1))
	case "$1" in
	pass) pass=$((pass + 1)); echo "ok $n $2" ;;
	skip) skip=$((skip + 1)); echo "ok $n $2 # SKIP ${3:-}" ;;
	*) fail=$((fail + 1)); echo "not ok $n $2${3:+ # $3}" ;;
	esac
}

areas=("$@")
[ ${#areas[@]} -gt 0 ] || read -r -a areas <<< "${VX_ONLY:-}"
if [ ${#areas[@]} -eq 0 ]; then
	for mk in selftests/*/Makefile; do areas+=("$(basename "$(dirname "$mk")")"); done
fi

echo "TAP version 13"
echo "# kernel $(uname -r), areas: ${areas[*]}"

if tools/vm/modules load > "$out/logs/load.log" 2>&1; then
	result pass "modules: load"
else
	sed 's/^/# /' "$out/logs/load.log"
	result fail "modules: load"
fi
for m in $(tools/vm/modules list); do echo "# loaded $(basename "$m" .ko): $([ -d /sys/module/$(basename "$m" .ko) ] && echo yes || echo no)"; done

for area in "${areas[@]}"; do
	dir=selftests/$area
	[ -f "$dir/Makefile" ] || { result fail "$area: no such area"; continue; }
	tmo=$(sed -n 's/^timeout=//p' "$dir/settings" 2>/dev/null)
	tmo=${tmo:-45}
	for t in $(make -s --no-print-directory -C "$dir" list-tests); do
		log=$out/logs/$area.$(basename "$t").log
		if [ ! -x "$dir/$t" ]; then
			result fail "$area:$t" "not built"
			continue
		fi
		echo "# running $area:$t (timeout ${tmo}s)"
		(cd "$dir" && timeout -k 5 "$tmo" "./$t") > "$log" 2>&1
		rc=$?
		sed 's/^/# /' "$log"
		if [ $rc = 124 ] || [ $rc = 137 ]; then
			echo "# $area:$t: timed out after ${tmo}s"
		fi
		read -r tp tf tsk <<< "$(tools/ktap-tally "$log" "$rc")"
		grep -E '^(not )?ok [0-9]+' "$log" | sed "s/^/#   $area:$t: /"
		pass=$((pass + tp)) skip=$((skip + tsk)) fail=$((fail + tf))
		echo "# $area:$t: $tp passed, $tf failed, $tsk skipped (exit $rc)"
	done
done

if tools/vm/modules unload > "$out/logs/unload.log" 2>&1; then
	result pass "modules: unload"
else
	sed 's/^/# /' "$out/logs/unload.log"
	result fail "modules: unload"
fi

echo "1..$n"
echo "$pass $fail $skip" > "$out/counts"
echo "# vm: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
