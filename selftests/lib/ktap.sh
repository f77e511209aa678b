# SPDX-License-Identifier: GPL-2.0-only
#
# KTAP output for the shell tests: source it, then ktap_plan, ok/fail/skip
# or check, and ktap_exit. Exit status as kselftest expects: 1 if anything
# failed, 4 (skip) if nothing passed but something was skipped, else 0.

KSFT_PASS=0 KSFT_FAIL=1 KSFT_SKIP=4
_n=0 _fail=0 _skip=0 _pass=0 _plan=0

ktap_plan() { # count
	_plan=$1
	echo "TAP version 13"
	echo "1..$1"
}

ok() { # name
	_n=$((_n + 1)) _pass=$((_pass + 1))
	echo "ok $_n $1"
}

fail() { # name [why]
	_n=$((_n + 1)) _fail=$((_fail + 1))
	echo "not ok $_n $1${2:+ # $2}"
}

skip() { # name why
	_n=$((_n + 1)) _skip=$((_skip + 1))
	echo "ok $_n $1 # SKIP $2"
}

check() { # status name [why]
	if [ "$1" = 0 ]; then ok "$2"; else fail "$2" "${3:-}"; fi
}

diag() { echo "# $*"; }

# One result from a command: check_cmd wants it to succeed, refute_cmd to
# fail. Its output is kept and, on a miss, its last lines become diagnostics.
_ktap_cmd() { # want(0|1) name cmd...
	local want=$1 name=$2 out got
	shift 2
	out=$(mktemp)
	"$@" > "$out" 2>&1
	got=$?
	[ "$got" != 0 ] && got=1
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		fail "$name" "$([ "$want" = 0 ] && echo "it failed" || echo "it succeeded")"
		tail -n 5 "$out" | sed 's/^/# /'
	fi
	rm -f "$out"
}
check_cmd() { _ktap_cmd 0 "$@"; }
refute_cmd() { _ktap_cmd 1 "$@"; }

# Skip what is left of the plan.
skip_rest() { # why
	while [ $_n -lt $_plan ]; do skip "test $((_n + 1))" "$1"; done
}

ktap_exit() {
	diag "$_pass passed, $_fail failed, $_skip skipped"
	[ $_fail -gt 0 ] && exit $KSFT_FAIL
	[ $_pass -eq 0 ] && [ $_skip -gt 0 ] && exit $KSFT_SKIP
	exit $KSFT_PASS
}

# The whole program skipped before its plan: ktap_skip_all [count] why.
# With a count, that many skipped results; without, an empty plan.
ktap_skip_all() {
	if [ $# -ge 2 ]; then
		ktap_plan "$1"
		skip_rest "$2"
		ktap_exit
	fi
	echo "TAP version 13"
	echo "1..0 # SKIP $1"
	exit $KSFT_SKIP
}
