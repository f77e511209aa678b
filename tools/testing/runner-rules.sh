#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/testing/runner-rules.sh: the runner's judges on canned inputs
# (tools/testing/logs), so that each can be seen to fail: the early-panic
# rule behind tools/vm/run's one re-boot, and tools/doccheck.sh. KTAP out.
cd "$(dirname "$0")/../.." || exit 1
logs=tools/testing/logs
# shellcheck source=../../selftests/lib/ktap.sh
. selftests/lib/ktap.sh
ktap_plan 6
check_cmd "early-panic: a panic inside start_kernel is early" tools/vm/early-panic $logs/early-panic.log
refute_cmd "early-panic: a panic from an interrupt in the idle loop is not" tools/vm/early-panic $logs/idle-irq-panic.log
refute_cmd "early-panic: a panic in a module's init is not" tools/vm/early-panic $logs/module-panic.log
refute_cmd "early-panic: no panic is not" tools/vm/early-panic $logs/clean.log
refute_cmd "doccheck: an unclosed literal fails" tools/doccheck.sh $logs/broken.rst
check_cmd "doccheck: Documentation/ passes" tools/doccheck.sh
ktap_exit
