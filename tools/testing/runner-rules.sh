#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/testing/runner-rules.sh: the runner's judges on canned inputs
# (tools/testing/logs), so that each can be seen to fail: the early-panic
# rule behind tools/vm/run's one re-boot, and tools/doccheck.sh. KTAP out.
cd "$(dirname "$0")/../.." || exit 1
logs=tools/testing/logs
n=0 bad=0
expect() { # WANT_STATUS(0 or 1) name cmd...
	local want=$1 name=$2 got
	shift 2
	"$@" > /dev/null 2>&1
	got=$?
	[ "$got" != 0 ] && got=1
	n=$((n + 1))
	if [ "$got" = "$want" ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name # exit $got, want $want"
		bad=$((bad + 1))
	fi
}
echo "TAP version 13"
echo "1..6"
expect 0 "early-panic: a panic inside start_kernel is early" tools/vm/early-panic $logs/early-panic.log
expect 1 "early-panic: a panic from an interrupt in the idle loop is not" tools/vm/early-panic $logs/idle-irq-panic.log
expect 1 "early-panic: a panic in a module's init is not" tools/vm/early-panic $logs/module-panic.log
expect 1 "early-panic: no panic is not" tools/vm/early-panic $logs/clean.log
expect 1 "doccheck: an unclosed literal fails" tools/doccheck.sh $logs/broken.rst
expect 0 "doccheck: Documentation/ passes" tools/doccheck.sh
echo "# $((n - bad)) passed, $bad failed, 0 skipped"
[ "$bad" = 0 ]
