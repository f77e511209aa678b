#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# One interactive DPDK testpmd (22.11) on a /dev/vhost-vdpa-N node through
# its virtio-user PMD, driven command by command through a fifo, for the
# vhost_vdpa script tests. Source after vv_lib.sh.
#
#   tp_start NODE PEER_MAC   start it (EAL and app options as the tests need)
#                            and wait for its prompt: a KTAP result; when it
#                            did not start, the rest of the plan is skipped
#   tp_wait PATTERN SECONDS  until the log shows PATTERN after what was seen
#   tp CMD                   send a command
#   tp_stat NAME             last value of a counter in the log
#   tp_quit                  quit; its status (137 if it had to be killed)
#
# VV_TESTPMD_VDEV_ARGS: more virtio-user arguments, e.g. ",packed_vq=1".
# $tmp is the scratch directory (the log is $tmp/tp.log); everything is
# cleaned up at exit, vv_lib's devices included.

tmp=$(mktemp -d /tmp/vxtp.XXXXXX)
tp_pid=""
tp_cleanup() {
	[ -n "$tp_pid" ] && kill "$tp_pid" 2> /dev/null && sleep 1 && kill -9 "$tp_pid" 2> /dev/null
	exec 3>&- 2> /dev/null
	rm -rf "$tmp"
	vv_cleanup
}
trap tp_cleanup EXIT

tp_start() {
	local node=$1 mac=$2
	local eal=(-l 0-1 --no-huge -m "${VV_TESTPMD_MB:-256}" --no-pci --file-prefix=vxtp
		   --log-level=pmd.net.virtio.*:info
		   --vdev="net_virtio_user0,path=$node,queue_size=256${VV_TESTPMD_VDEV_ARGS:-}")
	# --no-flush-rx: "start" must not eat what the device queued for rxonly.
	local app=(--total-num-mbufs=8192 --no-mlockall --no-flush-rx "--eth-peer=0,$mac"
		   --rxd=256 --txd=256)

	# virtio-user pins all of DPDK's memory through the IOTLB.
	ulimit -l unlimited
	mkfifo "$tmp/in"
	# Unbuffered: the prompt is written directly, everything else with printf.
	stdbuf -o0 -e0 "$TESTPMD" "${eal[@]}" -- -i "${app[@]}" < "$tmp/in" > "$tmp/tp.log" 2>&1 &
	tp_pid=$!
	exec 3> "$tmp/in"
	tp_seen=0

	local t0=$SECONDS
	tp_wait "testpmd> " 600
	check $? "testpmd starts on the vhost-vdpa port (virtio-user, $((SECONDS - t0)) s)"
	if ! kill -0 "$tp_pid" 2> /dev/null; then
		sed 's/^/# /' "$tmp/tp.log" | tail -n 40
		skip_rest "testpmd did not start"
		ktap_exit
	fi
}

tp_wait() {
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ]; do
		if tail -c +$((tp_seen + 1)) "$tmp/tp.log" | grep -q -- "$1"; then
			tp_seen=$(stat -c %s "$tmp/tp.log")
			return 0
		fi
		kill -0 "$tp_pid" 2> /dev/null || return 1
		sleep 0.2
	done
	diag "testpmd: no \"$1\" after $2 s; last lines:"
	tail -n 8 "$tmp/tp.log" | sed 's/^/#   /'
	return 1
}

tp() { echo "$1" >&3; }

tp_stat() { grep -o "$1: *[0-9]*" "$tmp/tp.log" | tail -n 1 | grep -o '[0-9]*$'; }

tp_quit() {
	local end rc

	tp "quit"
	tp_wait "Bye" 60
	end=$((SECONDS + 30))
	while kill -0 "$tp_pid" 2> /dev/null && [ $SECONDS -lt $end ]; do sleep 1; done
	if kill -0 "$tp_pid" 2> /dev/null; then
		kill -9 "$tp_pid"
		rc=137
	else
		wait "$tp_pid"
		rc=$?
	fi
	tp_pid=""
	exec 3>&-
	grep -iE "error|fail" "$tmp/tp.log" | grep -v "RX-errors\|TX-errors\|Rx-bad\|TX-bad" |
		head -n 5 | sed 's/^/# /'
	return $rc
}
