#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""virtio_vdpa end to end: a vdpasim_net device bound to virtio_vdpa becomes a
virtio_net netdev; frames sent on it with AF_PACKET come back through the
simulator's loopback, byte for byte; the per-queue vstats counters, the
netdev counters and what the test sent all agree; the control queue carries
MAC address and queue-pair changes; frames to a foreign MAC are dropped;
ethtool -G resizes the rings one queue at a time (VIRTIO_F_RING_RESET),
without a reset of the device."""

import os
import select
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vdpa_util as U  # noqa: E402

DEV = "vxtl"
MAC = "02:00:00:00:0c:01"
NEW_MAC = "02:00:00:00:0c:42"
FOREIGN = "02:00:00:00:99:99"
PROTO = 0x88B5          # IEEE local experimental ethertype
VQP = 2
COUNT = 64
PACKET_HOST, PACKET_BROADCAST = 0, 1

NAMES = [
    "bind to virtio_vdpa",
    "virtio_net netdev with the device's MAC and queue pairs",
    "netdev up with carrier",
    "every frame sent comes back, bytes equal",
    "sum of tx_packets/tx_bytes deltas over TX queues = frames sent",
    "sum of rx_packets/rx_bytes deltas over RX queues = frames sent",
    "received_desc = completed_desc on every queue",
    "netdev rx/tx packet counters agree with vstats",
    "frames to a foreign MAC are not delivered",
    "foreign frames counted as rx_drops",
    "broadcast frame delivered",
    "MAC change goes through the control queue (config show)",
    "frames to the new MAC come back",
    "queue-pair change through the control queue (cvq_ok)",
    "traffic still loops with one queue pair",
    "vstats queue index beyond the negotiated queues is refused",
    "ethtool -G rx 128 tx 64: rings resized (ethtool -g), device not reset",
    "traffic loops through the resized rings",
]


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


def frame(dst, src, seq, size):
    hdr = mac_bytes(dst) + mac_bytes(src) + struct.pack("!H", PROTO)
    body = struct.pack("!I", seq) + bytes((seq + i) & 0xFF for i in range(size - 18))
    return hdr + body


def all_stats(nq):
    return [U.vstats(DEV, q) for q in range(nq)]


def delta(after, before, key, queues):
    return sum(after[q].get(key, 0) - before[q].get(key, 0) for q in queues)


def netdev_stats(nd):
    base = f"/sys/class/net/{nd}/statistics"
    return {k: int(U.sysfs_read(f"{base}/{k}")) for k in ("rx_packets", "tx_packets")}


def exchange(sock, frames, want, timeout=10.0):
    """Send frames, collect what comes back as PACKET_HOST/BROADCAST."""
    got = []
    for f in frames:
        sock.send(f)
    end = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < end:
        r, _, _ = select.select([sock], [], [], max(0.0, end - time.monotonic()))
        if not r:
            break
        data, addr = sock.recvfrom(65536)
        if addr[2] in (PACKET_HOST, PACKET_BROADCAST):
            got.append(data)
    return got


def drain(sock):
    while select.select([sock], [], [], 0.2)[0]:
        sock.recvfrom(65536)


def main():
    if not U.have_mgmtdev() or not U.have_module("vdpax_sim_net"):
        U.skip_all(NAMES, "vdpax/vdpax_sim_net not loaded or vdpa tool missing")
    if not U.have_driver("virtio_vdpa"):
        U.skip_all(NAMES, "vdpax_virtio.ko not loaded")
    if U.run("modprobe", "virtio_net", check=False).returncode:
        U.skip_all(NAMES, "virtio_net not available")

    t = U.Ktap(NAMES)
    U.autoprobe_off()
    U.vdpa("dev", "add", "name", DEV, "mgmtdev", "vdpasim_net", "mac", MAC,
           "max_vqp", str(VQP))
    U.sysfs_write(f"{U.BUS}/devices/{DEV}/driver_override", "virtio_vdpa")
    U.sysfs_write(f"{U.BUS}/drivers/virtio_vdpa/bind", DEV)
    if not t.ok(os.path.basename(os.readlink(f"{U.BUS}/devices/{DEV}/driver")) == "virtio_vdpa"):
        t.exit()

    nd = U.netdev_of(DEV)
    nrx = len(os.listdir(f"/sys/class/net/{nd}/queues")) // 2 if nd else 0
    if not t.ok(nd is not None and U.sysfs_read(f"/sys/class/net/{nd}/address") == MAC
                and nrx == VQP, why=f"netdev {nd}, {nrx} rx queues"):
        t.exit()

    # Nothing but our frames: no IPv6 autoconfiguration chatter.
    U.sysfs_write(f"/proc/sys/net/ipv6/conf/{nd}/disable_ipv6", "1")
    U.run("ip", "link", "set", nd, "up")
    # operstate follows carrier through linkwatch, which may defer it by a
    # second or more on a busy TCG guest: wait for both.
    def link():
        try:
            return (U.sysfs_read(f"/sys/class/net/{nd}/operstate"),
                    U.sysfs_read(f"/sys/class/net/{nd}/carrier"))
        except OSError:  # carrier reads EINVAL while the device is down
            return (U.sysfs_read(f"/sys/class/net/{nd}/operstate"), "?")
    for _ in range(100):
        st, carrier = link()
        if st in ("up", "unknown") and carrier == "1":
            break
        time.sleep(0.1)
    t.ok(st in ("up", "unknown") and carrier == "1", why=f"operstate {st}, carrier {carrier}")

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(PROTO))
    sock.bind((nd, PROTO))
    time.sleep(0.5)
    drain(sock)

    nq = 2 * VQP
    rxq, txq = range(0, nq, 2), range(1, nq, 2)
    s0, n0 = all_stats(nq), netdev_stats(nd)
    frames = [frame(MAC, MAC, i, 60 + (i * 97) % 1455) for i in range(COUNT)]
    got = exchange(sock, frames, COUNT)
    time.sleep(0.3)
    s1, n1 = all_stats(nq), netdev_stats(nd)
    t.ok(sorted(got) == sorted(frames), why=f"{len(got)}/{COUNT} back")
    nbytes = sum(len(f) for f in frames)
    t.ok(delta(s1, s0, "tx_packets", txq) == COUNT and delta(s1, s0, "tx_bytes", txq) == nbytes,
         why=f"tx_packets {delta(s1, s0, 'tx_packets', txq)} tx_bytes "
             f"{delta(s1, s0, 'tx_bytes', txq)} want {COUNT}/{nbytes}")
    t.ok(delta(s1, s0, "rx_packets", rxq) == COUNT and delta(s1, s0, "rx_bytes", rxq) == nbytes,
         why=f"rx_packets {delta(s1, s0, 'rx_packets', rxq)} rx_bytes "
             f"{delta(s1, s0, 'rx_bytes', rxq)} want {COUNT}/{nbytes}")
    t.ok(all(s1[q]["received_desc"] == s1[q]["completed_desc"] for q in range(nq)),
         why=str(s1))
    t.ok(n1["tx_packets"] - n0["tx_packets"] == COUNT and
         n1["rx_packets"] - n0["rx_packets"] == COUNT, why=f"{n0} -> {n1}")

    # Foreign unicast: transmitted, filtered by the device, counted as drops.
    s0 = all_stats(nq)
    foreign = [frame(FOREIGN, MAC, 1000 + i, 100) for i in range(5)]
    got = exchange(sock, foreign, 1, timeout=1.5)
    s1 = all_stats(nq)
    t.ok(not got and delta(s1, s0, "tx_packets", txq) == 5, why=f"{len(got)} delivered")
    t.ok(delta(s1, s0, "rx_drops", rxq) == 5 and delta(s1, s0, "rx_packets", rxq) == 0,
         why=f"rx_drops {delta(s1, s0, 'rx_drops', rxq)}")
    bcast = frame("ff:ff:ff:ff:ff:ff", MAC, 2000, 64)
    t.ok(exchange(sock, [bcast], 1) == [bcast])

    # MAC change: virtio_net sends VIRTIO_NET_CTRL_MAC_ADDR_SET on the cvq.
    cvq = nq
    c0 = U.vstats(DEV, cvq)
    U.run("ip", "link", "set", nd, "address", NEW_MAC)
    cfg = U.vdpa_json("dev", "config", "show", DEV)["config"][DEV]
    c1 = U.vstats(DEV, cvq)
    t.ok(cfg["mac"] == NEW_MAC and c1["queue_type"] == "control_vq"
         and c1["cvq_ok"] == c0["cvq_ok"] + 1, why=f"mac {cfg['mac']} cvq {c0} -> {c1}")
    f = frame(NEW_MAC, NEW_MAC, 3000, 200)
    old = frame(MAC, NEW_MAC, 3001, 200)
    t.ok(exchange(sock, [old, f], 2, timeout=2) == [f])

    # One queue pair: VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET.
    c0 = U.vstats(DEV, cvq)
    r = U.run("ethtool", "-L", nd, "combined", "1", check=False)
    c1 = U.vstats(DEV, cvq)
    t.ok(r.returncode == 0 and c1["cvq_ok"] == c0["cvq_ok"] + 1 and c1["cvq_err"] == c0["cvq_err"],
         why=f"ethtool rc {r.returncode} {r.stderr.strip()} cvq {c0} -> {c1}")
    frames = [frame(NEW_MAC, NEW_MAC, 4000 + i, 300) for i in range(8)]
    got = exchange(sock, frames, len(frames))
    t.ok(sorted(got) == sorted(frames), why=f"{len(got)}/8 back")

    # iproute2 6.1's vdpa exits 0 on vstats errors: the message is the signal.
    r = U.vdpa("dev", "vstats", "show", DEV, "qidx", str(cvq + 1), check=False)
    t.ok("queue index out of range" in r.stderr and "queue_type" not in r.stdout,
         why=r.stderr.strip())

    # Ring resize: virtio_net resets each queue alone (RING_RESET). A reset
    # of the whole device would zero the counters and restore the MAC.
    def rings():
        out = U.run("ethtool", "-g", nd, check=False).stdout
        cur = out.split("Current hardware settings:")[-1]
        vals = {}
        for line in cur.splitlines():
            k, _, v = line.partition(":")
            if k.strip() in ("RX", "TX") and v.strip().isdigit():
                vals[k.strip()] = int(v)
        return vals
    s0 = all_stats(nq)
    r = U.run("ethtool", "-G", nd, "rx", "128", "tx", "64", check=False)
    s1 = all_stats(nq)
    mac = U.vdpa_json("dev", "config", "show", DEV)["config"][DEV]["mac"]
    t.ok(r.returncode == 0 and rings() == {"RX": 128, "TX": 64} and mac == NEW_MAC and
         s1[0]["received_desc"] >= s0[0]["received_desc"] > 0,
         why=f"ethtool rc {r.returncode} {r.stderr.strip()} rings {rings()} mac {mac} "
             f"rx received_desc {s0[0]['received_desc']} -> {s1[0]['received_desc']}")
    frames = [frame(NEW_MAC, NEW_MAC, 5000 + i, 60 + i * 7) for i in range(96)]
    got = exchange(sock, frames, len(frames))
    t.ok(sorted(got) == sorted(frames), why=f"{len(got)}/96 back")

    sock.close()
    t.exit()


if __name__ == "__main__":
    main()
