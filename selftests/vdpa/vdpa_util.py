# SPDX-License-Identifier: GPL-2.0-only
"""Shared helpers for the vdpa Python tests: KTAP output, the vdpa tool,
sysfs, and test devices (named vxt*) removed at exit."""

import atexit
import json
import os
import shutil
import socket
import struct
import subprocess
import sys

KSFT_SKIP = 4
VDPA = shutil.which("vdpa") or "/sbin/vdpa"
BUS = "/sys/bus/vdpa"


class Ktap:
    def __init__(self, names):
        self.names = list(names)
        self.n = 0
        self.passed = self.failed = self.skipped = 0
        print("TAP version 13")
        print(f"1..{len(self.names)}", flush=True)

    def _next(self, name):
        self.n += 1
        if name is None:
            name = self.names[self.n - 1]
        return name

    def ok(self, cond, name=None, why=""):
        name = self._next(name)
        if cond:
            self.passed += 1
            print(f"ok {self.n} {name}", flush=True)
        else:
            self.failed += 1
            print(f"not ok {self.n} {name}" + (f" # {why}" if why else ""), flush=True)
        return cond

    def skip(self, why, name=None):
        name = self._next(name)
        self.skipped += 1
        print(f"ok {self.n} {name} # SKIP {why}", flush=True)

    def skip_rest(self, why):
        while self.n < len(self.names):
            self.skip(why)

    def diag(self, msg):
        for line in str(msg).splitlines():
            print(f"# {line}", flush=True)

    def exit(self):
        self.skip_rest("not reached")
        self.diag(f"pass {self.passed} fail {self.failed} skip {self.skipped}")
        if self.failed:
            sys.exit(1)
        if not self.passed and self.skipped:
            sys.exit(KSFT_SKIP)
        sys.exit(0)


def skip_all(names, why):
    t = Ktap(names)
    t.skip_rest(why)
    sys.exit(KSFT_SKIP)


def run(*args, check=True):
    p = subprocess.run(args, capture_output=True, text=True)
    if check and p.returncode:
        raise RuntimeError(f"{' '.join(args)}: {p.returncode}: {p.stderr.strip()}")
    return p


def vdpa(*args, check=True):
    return run(VDPA, *args, check=check)


def vdpa_json(*args):
    return json.loads(vdpa("-j", *args).stdout)


def have_module(m):
    return os.path.isdir(f"/sys/module/{m}")


def have_driver(d):
    return os.path.isdir(f"{BUS}/drivers/{d}")


def have_mgmtdev():
    return os.access(VDPA, os.X_OK) and vdpa("mgmtdev", "show", "vdpasim_net",
                                               check=False).returncode == 0


def sysfs_write(path, val):
    with open(path, "w") as f:
        f.write(val)


def sysfs_read(path):
    with open(path) as f:
        return f.read().strip()


_saved_autoprobe = None


def _cleanup():
    for d in os.listdir(f"{BUS}/devices") if os.path.isdir(f"{BUS}/devices") else []:
        if d.startswith("vxt"):
            vdpa("dev", "del", d, check=False)
    if _saved_autoprobe is not None:
        sysfs_write(f"{BUS}/drivers_autoprobe", _saved_autoprobe)


def autoprobe_off():
    global _saved_autoprobe
    _saved_autoprobe = sysfs_read(f"{BUS}/drivers_autoprobe")
    sysfs_write(f"{BUS}/drivers_autoprobe", "0")


atexit.register(_cleanup)


def netdev_of(dev):
    base = f"{BUS}/devices/{dev}"
    for v in sorted(os.listdir(base)):
        if v.startswith("virtio") and os.path.isdir(f"{base}/{v}/net"):
            nets = os.listdir(f"{base}/{v}/net")
            if nets:
                return nets[0]
    return None


def vstats(dev, qidx):
    """Vendor counters of one queue, plus its queue_type."""
    return vdpa_json("dev", "vstats", "show", dev, "qidx", str(qidx))["vstats"][dev]


# --- raw generic netlink ---

NETLINK_GENERIC = 16
NETLINK_EXT_ACK = 11
NETLINK_CAP_ACK = 10
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLMSGERR_ATTR_MSG = 1
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_VERSION, CTRL_ATTR_MAXATTR = 1, 2, 3, 5



def uapi_enum(name, header="/usr/include/linux/vdpa.h"):
    """Values of a C enum in the system's uapi header (never copied here)."""
    text = open(header).read()
    body = text[text.index(f"enum {name} {{"):]
    body = body[body.index("{") + 1:body.index("};")]
    vals, nxt = {}, 0
    for line in body.splitlines():
        line = line.split("/*")[0].strip().rstrip(",")
        if not line.startswith("VDPA_"):
            continue
        if "=" in line:
            k, v = (x.strip() for x in line.split("="))
            nxt = vals[v] if v in vals else int(v, 0)
        else:
            k = line
        vals[k] = nxt
        nxt += 1
    return vals


C = uapi_enum("vdpa_command")
A = uapi_enum("vdpa_attr")
CMD_MGMTDEV_GET, CMD_DEV_NEW, CMD_DEV_DEL = (C["VDPA_CMD_MGMTDEV_GET"], C["VDPA_CMD_DEV_NEW"],
                                             C["VDPA_CMD_DEV_DEL"])
CMD_DEV_GET, CMD_DEV_CONFIG_GET = C["VDPA_CMD_DEV_GET"], C["VDPA_CMD_DEV_CONFIG_GET"]
A_MGMT_BUS, A_MGMT_DEV = A["VDPA_ATTR_MGMTDEV_BUS_NAME"], A["VDPA_ATTR_MGMTDEV_DEV_NAME"]
A_MGMT_CLASSES = A["VDPA_ATTR_MGMTDEV_SUPPORTED_CLASSES"]
A_DEV_NAME = A["VDPA_ATTR_DEV_NAME"]
A_MAC, A_STATUS = A["VDPA_ATTR_DEV_NET_CFG_MACADDR"], A["VDPA_ATTR_DEV_NET_STATUS"]
A_MAX_VQP = A["VDPA_ATTR_DEV_NET_CFG_MAX_VQP"]
A_NEG_FEATURES = A["VDPA_ATTR_DEV_NEGOTIATED_FEATURES"]
A_MGMT_FEATURES = A["VDPA_ATTR_DEV_SUPPORTED_FEATURES"]
A_FEATURES = A["VDPA_ATTR_DEV_FEATURES"]
A_DEV_FEATURES = A["VDPA_ATTR_VDPA_DEV_SUPPORTED_FEATURES"]



def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * ((4 - n % 4) % 4)


def a_str(t, s):
    return attr(t, s.encode() + b"\0")


def a_u16(t, v):
    return attr(t, struct.pack("=H", v))


def a_u32(t, v):
    return attr(t, struct.pack("=I", v))


def a_u64(t, v):
    return attr(t, struct.pack("=Q", v))


def parse_attrs(buf):
    out = {}
    while len(buf) >= 4:
        n, t = struct.unpack_from("=HH", buf)
        if n < 4:
            break
        out[t & 0x3FFF] = buf[4:n]
        buf = buf[(n + 3) & ~3:]
    return out


class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.s.setsockopt(270, NETLINK_EXT_ACK, 1)     # SOL_NETLINK
        self.s.setsockopt(270, NETLINK_CAP_ACK, 1)
        self.s.bind((0, 0))
        self.seq = 0

    def request(self, family, cmd, attrs=b"", flags=NLM_F_ACK, version=1):
        """Returns (errno, extack message, [attribute dicts])."""
        self.seq += 1
        body = struct.pack("=BBH", cmd, version, 0) + attrs
        msg = struct.pack("=IHHII", 16 + len(body), family, NLM_F_REQUEST | flags,
                          self.seq, 0) + body
        self.s.send(msg)
        replies = []
        while True:
            data = self.s.recv(65536)
            while len(data) >= 16:
                n, typ, fl, seq, _ = struct.unpack_from("=IHHII", data)
                payload = data[16:n]
                data = data[(n + 3) & ~3:]
                if seq != self.seq:
                    continue
                if typ == NLMSG_DONE:
                    return 0, "", replies
                if typ == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", payload)[0]
                    tlv = parse_attrs(payload[4 + 16:]) if fl & 0x200 else {}
                    m = tlv.get(NLMSGERR_ATTR_MSG, b"").rstrip(b"\0").decode()
                    return err, m, replies
                replies.append(parse_attrs(payload[4:]))


def u64(b):
    return struct.unpack("=Q", b)[0]


def vdpa_family(g):
    """Family id of "vdpa" and its version, or (0, 0)."""
    err, _, r = g.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, a_str(CTRL_ATTR_FAMILY_NAME, "vdpa"))
    if err or not r:
        return 0, 0
    return (struct.unpack("=H", r[0][CTRL_ATTR_FAMILY_ID])[0],
            struct.unpack("=I", r[0][CTRL_ATTR_VERSION])[0])
