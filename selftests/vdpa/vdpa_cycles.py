#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""200 add/del cycles through the vdpa netlink family leave nothing behind:
no device, module reference counts back where they were (vdpax pins the
module of a device's parent from unregistration until the device is
released, so a device or a child of it that is never freed shows up in
vdpax_sim_net's refcnt), memory back (one leaked simulated device costs about
80 KiB, 200 of them 16 MiB), and unreclaimable slab back within half a
KiB a cycle (selftests/lib/slab.py), so a leak of 1 KiB or more a cycle
fails. VDPA_CYCLES_INJECT_LEAK=1 proves that: each cycle then also leaves
an unread message (about 768 bytes of slab) in a socket. Then cycles with each device bound to
virtio_vdpa, a virtio_net netdev brought up, and the device deleted while
bound; a netdev up/down churns per-CPU page lists by a few MiB, so memory is
only a coarse check there and the refcounts are the precise one. Last,
cycles of vdpasim_port devices, whose host-side port (a network
interface) comes and goes with each device."""

import fcntl
import os
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vdpa_util as U  # noqa: E402
import slab  # noqa: E402

CYCLES = int(os.environ.get("CYCLES", 200))
BOUND_CYCLES = int(os.environ.get("BOUND_CYCLES", 30))
LEAK_KB = 8192
SLAB_LEAK_KB = max(CYCLES // 2, 16)    # half a KiB a cycle
INJECT_LEAK = os.environ.get("VDPA_CYCLES_INJECT_LEAK") == "1"
BOUND_LEAK_KB = 16384
PORT_CYCLES = int(os.environ.get("PORT_CYCLES", 100))

NAMES = [
    f"{CYCLES} add/del cycles succeed",
    "no device left on the bus or under the management device",
    "module refcounts unchanged",
    f"MemAvailable back within {LEAK_KB // 1024} MiB",
    f"slab (SUnreclaim) back within {SLAB_LEAK_KB} KiB",
    f"{BOUND_CYCLES} bound add/up/del cycles succeed",
    "bound: a netdev appears and goes each time",
    "bound: module refcounts unchanged",
    f"bound: MemAvailable back within {BOUND_LEAK_KB // 1024} MiB",
    f"{PORT_CYCLES} vdpasim_port add/up/bind/del cycles: the port and the netdev "
    "appear and go each time",
    "vdpasim_port: module refcounts unchanged",
    f"vdpasim_port: MemAvailable back within {BOUND_LEAK_KB // 1024} MiB",
]


def refcnts(mods):
    """Reference counts of the loadable ones (a built-in module, as virtio
    is on the debug kernel, has a /sys/module directory but no refcnt)."""
    def one(m):
        path = f"/sys/module/{m}/refcnt"
        return U.sysfs_read(path) if os.path.exists(path) else None
    return {m: one(m) for m in mods}


def mem_avail_kb():
    slab.settle("3")
    return slab.meminfo("MemAvailable")


def test_devs():
    return [d for d in os.listdir(f"{U.BUS}/devices") if d.startswith("vxt")]


def link_up(name):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
    ifr = struct.pack("16sH", name.encode(), 0)
    flags = struct.unpack("16sH", fcntl.ioctl(s, SIOCGIFFLAGS, ifr)[:18])[1]
    fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH", name.encode(), flags | IFF_UP))
    s.close()


def main():
    if not U.have_module("vdpax") or not U.have_mgmtdev():
        U.skip_all(NAMES, "vdpax/vdpax_sim_net not loaded")
    t = U.Ktap(NAMES)
    U.autoprobe_off()
    g = U.Genl()
    fam, _ = U.vdpa_family(g)
    mgmt = U.a_str(U.A_MGMT_DEV, "vdpasim_net")

    def add(name, extra=b""):
        return g.request(fam, U.CMD_DEV_NEW, mgmt + U.a_str(U.A_DEV_NAME, name) + extra)

    def delete(name):
        return g.request(fam, U.CMD_DEV_DEL, U.a_str(U.A_DEV_NAME, name))

    if INJECT_LEAK:
        t.diag("VDPA_CYCLES_INJECT_LEAK=1: each cycle leaves a message in a socket")
        leak = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        SO_SNDBUFFORCE = 32
        leak[0].setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 64 << 20)
        leak[0].setblocking(False)

    def cycle(i):
        if INJECT_LEAK:
            leak[0].send(b"x")
        name = f"vxtc{i % 7}"
        mac = bytes([2, 0, 0, 0, i % 256, 1])
        e, m, _ = add(name, U.attr(U.A_MAC, mac) + U.a_u16(U.A_MAX_VQP, i % 4 + 1))
        if e:
            return f"add: errno {e} {m}"
        e, m, _ = delete(name)
        return f"del: errno {e} {m}" if e else None

    # Warm the caches with every name and queue-count combination a cycle
    # uses (7 x 4), so the baseline holds what any cycle allocates once.
    warm = None
    for i in range(1000, 1028):
        warm = cycle(i)
        if warm:
            break
    mods = ["vdpax", "vdpax_sim_net", "vhost_iotlb"]
    before, mem0, slab0 = refcnts(mods), mem_avail_kb(), slab.unreclaimable_kb()
    bad = f"warm-up: {warm}" if warm else None
    i = 1
    while not bad and i <= CYCLES:
        bad = cycle(i)
        if bad:
            bad = f"cycle {i}: {bad}"
        i += 1
    t.ok(bad is None, why=bad)
    t.ok(not test_devs() and not [d for d in os.listdir("/sys/devices/vdpasim_net")
                                  if d.startswith("vxt")], why=str(test_devs()))
    after = refcnts(mods)
    t.ok(before == after, why=f"{before} -> {after}")
    mem1 = mem_avail_kb()
    grew, slab_ok = slab.check_growth(slab0, SLAB_LEAK_KB)
    t.diag(f"MemAvailable delta {mem0 - mem1} KiB, SUnreclaim {slab0} KiB, grew {grew} KiB "
           f"over {CYCLES} cycles (limit {SLAB_LEAK_KB} KiB)")
    t.ok(mem0 - mem1 < LEAK_KB, why=f"{mem0 - mem1} KiB")
    t.ok(slab_ok, why=f"grew {grew} KiB, {grew * 1024 // max(CYCLES, 1)} bytes a cycle")

    if not U.have_driver("virtio_vdpa"):
        t.skip_rest("vdpax_virtio.ko not loaded")
        t.exit()
    if U.run("modprobe", "virtio_net", check=False).returncode:
        t.skip_rest("virtio_net not available")
        t.exit()

    def bind_up_delete(name):
        """Bind to virtio_vdpa, bring the netdev up, delete while bound:
        (netdev or None, error or None)."""
        U.sysfs_write(f"{U.BUS}/devices/{name}/driver_override", "virtio_vdpa")
        U.sysfs_write(f"{U.BUS}/drivers/virtio_vdpa/bind", name)
        nd = U.netdev_of(name)
        if nd:
            link_up(nd)
        e, m, _ = delete(name)
        return nd, (f"del: errno {e} {m}" if e else None)

    def bound_cycle(i):
        name = f"vxtb{i % 3}"
        e, m, _ = add(name, U.a_u16(U.A_MAX_VQP, 2))
        if e:
            return "fail", f"add: errno {e} {m}"
        nd, err = bind_up_delete(name)
        if err:
            return "fail", err
        if not nd:
            return "netdev", "no netdev"
        if os.path.exists(f"/sys/class/net/{nd}"):
            return "netdev", f"{nd} still there"
        return None, None

    bound_cycle(0)
    mods = ["vdpax", "vdpax_sim_net", "vdpax_virtio", "virtio_net", "virtio_ring", "virtio"]
    before, mem0 = refcnts(mods), mem_avail_kb()
    kind = why = None
    for i in range(1, BOUND_CYCLES + 1):
        kind, why = bound_cycle(i)
        if kind:
            why = f"cycle {i}: {why}"
            break
    time.sleep(0.5)
    t.ok(kind != "fail", why=why)
    t.ok(kind is None, why=why)
    after = refcnts(mods)
    t.ok(before == after, why=f"{before} -> {after}")
    mem1 = mem_avail_kb()
    t.diag(f"bound: MemAvailable delta {mem0 - mem1} KiB")
    t.ok(mem0 - mem1 < BOUND_LEAK_KB, why=f"{mem0 - mem1} KiB")

    if U.vdpa("mgmtdev", "show", "vdpasim_port", check=False).returncode:
        t.skip_rest("no vdpasim_port management device")
        t.exit()
    port_mgmt = U.a_str(U.A_MGMT_DEV, "vdpasim_port")

    def port_cycle(i):
        name = f"vxtp{i % 3}"
        e, m, _ = g.request(fam, U.CMD_DEV_NEW, port_mgmt + U.a_str(U.A_DEV_NAME, name))
        if e:
            return f"add: errno {e} {m}"
        if not os.path.exists(f"/sys/class/net/{name}"):
            delete(name)
            return f"no port {name}"
        link_up(name)
        nd, err = bind_up_delete(name)
        if err:
            return err
        if not nd:
            return "no virtio netdev"
        for left in (name, nd):
            if os.path.exists(f"/sys/class/net/{left}"):
                return f"{left} still there"
        return None

    port_cycle(0)
    before, mem0 = refcnts(mods), mem_avail_kb()
    bad = None
    for i in range(1, PORT_CYCLES + 1):
        bad = port_cycle(i)
        if bad:
            bad = f"cycle {i}: {bad}"
            break
    time.sleep(0.5)
    t.ok(bad is None, why=bad)
    after = refcnts(mods)
    t.ok(before == after, why=f"{before} -> {after}")
    mem1 = mem_avail_kb()
    t.diag(f"vdpasim_port: MemAvailable delta {mem0 - mem1} KiB")
    t.ok(mem0 - mem1 < BOUND_LEAK_KB, why=f"{mem0 - mem1} KiB")
    t.exit()


if __name__ == "__main__":
    main()
