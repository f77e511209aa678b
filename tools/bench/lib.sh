# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers shared by tools/bench/inner and selftests/qemu: DPDK testpmd as a
# virtio-user guest driver on a vhost-net node, pktgen as the RX source, tap
# counters and vhost worker CPU time. Source it from bash, inside the VM.

TESTPMD=${TESTPMD:-dpdk-testpmd}
TP_PID=
TP_LOG=

# tp_start MODE NODE IFACE [QUEUES [TXLEN [LOG]]]: start testpmd in forwarding
# mode MODE (txonly, rxonly, icmpecho, ...) with a virtio-user port on NODE
# whose backend is the tap IFACE (testpmd creates it). Sets TP_PID and TP_LOG.
# TP_VDEV_EXTRA is appended to the virtio-user arguments (",packed_vq=1").
# Returns once forwarding runs and the tap is up, non-zero on failure.
tp_start() {
	local mode=$1 node=$2 iface=$3 queues=${4:-1} txlen=${5:-64}

	TP_LOG=${6:-/tmp/testpmd.$iface.log}
	"$TESTPMD" -l 0,1 --no-huge -m 1024 --no-pci --no-shconf \
		--vdev="net_virtio_user0,path=$node,queue_size=1024,queues=$queues,iface=$iface${TP_VDEV_EXTRA:-}" \
		-- --total-num-mbufs=8192 --no-mlockall --stats-period 1 -a \
		--forward-mode="$mode" --txpkts="$txlen" --rxq="$queues" --txq="$queues" \
		--nb-cores=1 < /dev/null > "$TP_LOG" 2>&1 &
	TP_PID=$!
	for _ in $(seq 1 600); do
		if ! kill -0 "$TP_PID" 2>/dev/null; then
			TP_PID=
			return 1
		fi
		if [ -e "/sys/class/net/$iface" ] && grep -q 'packet forwarding - ports=' "$TP_LOG"; then
			ip link set "$iface" up || return 1
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# tp_stop: stop testpmd (SIGINT makes it print its final statistics).
tp_stop() {
	[ -n "$TP_PID" ] || return 0
	kill -INT "$TP_PID" 2>/dev/null
	for _ in $(seq 1 150); do
		kill -0 "$TP_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$TP_PID" 2>/dev/null
	wait "$TP_PID" 2>/dev/null
	TP_PID=
}

# tp_totals [LOG]: "RX TX" packets from testpmd's final accumulated statistics.
tp_totals() {
	awk '/Accumulated forward statistics for all ports/ { f = 1 }
	     f && /RX-packets:/ { rx = $2 }
	     f && /TX-packets:/ { tx = $2 }
	     END { printf "%d %d\n", rx, tx }' "${1:-$TP_LOG}"
}

# netstat IFACE COUNTER: one counter of /sys/class/net/IFACE/statistics.
netstat() {
	local v

	read -r v < "/sys/class/net/$1/statistics/$2" 2>/dev/null || v=0
	echo "${v:-0}"
}

# workers OWNER_PID: "comm tid" of every vhost worker thread serving OWNER_PID
# (the kernel's vhost-<pid> and our vhostx-<pid>). Builtins only: forks are
# expensive under TCG.
workers() {
	local t c

	for t in /proc/[0-9]*; do
		read -r c < "$t/comm" 2>/dev/null || continue
		case "$c" in
		"vhost-$1"|"vhostx-$1") echo "$c ${t#/proc/}" ;;
		esac
	done
}

# sched_ns TID: nanoseconds TID spent on a CPU (first field of schedstat).
sched_ns() {
	local ns rest

	read -r ns rest < "/proc/$1/schedstat" 2>/dev/null || ns=0
	echo "${ns:-0}"
}

# worker_ns OWNER_PID: nanoseconds on CPU of all workers serving OWNER_PID.
worker_ns() {
	local sum=0 c tid ns

	while read -r c tid; do
		[ -n "$tid" ] || continue
		ns=$(sched_ns "$tid")
		sum=$((sum + ns))
	done <<< "$(workers "$1")"
	echo "$sum"
}

# pktgen_setup IFACE SIZE: pktgen on CPU 0 sends SIZE-byte frames out of IFACE
# (into the tap's queue toward the guest) until pktgen_stop.
pktgen_setup() {
	local iface=$1 size=$2 pg=/proc/net/pktgen

	[ -d $pg ] || modprobe pktgen || return 1
	echo rem_device_all > $pg/kpktgend_0 || return 1
	echo "add_device $iface" > $pg/kpktgend_0 || return 1
	{
		echo "count 0"
		echo "clone_skb 0"
		echo "pkt_size $size"
		echo "delay 0"
		echo "dst 198.51.100.2"
		echo "dst_mac 02:00:00:00:00:02"
	} | while read -r cmd; do
		echo "$cmd" > "$pg/$iface" || return 1
	done
}

PG_PID=
pktgen_start() {
	echo start > /proc/net/pktgen/pgctrl 2>/dev/null &
	PG_PID=$!
}

pktgen_stop() {
	[ -d /proc/net/pktgen ] || return 0
	echo stop > /proc/net/pktgen/pgctrl 2>/dev/null
	[ -n "$PG_PID" ] && wait "$PG_PID" 2>/dev/null
	PG_PID=
	echo rem_device_all > /proc/net/pktgen/kpktgend_0 2>/dev/null
	return 0
}
