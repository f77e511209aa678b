#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The "vdpa" generic netlink family spoken directly, for what Debian's vdpa
tool cannot send: device_features on dev add, malformed attributes, missing
handles, unprivileged callers. Every refusal is checked for its errno and
its extended-ack message."""

import errno
import os
import struct
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vdpa_util as U  # noqa: E402
from vdpa_util import *  # noqa: E402,F401,F403

F_MAC, F_STATUS, F_CTRL_VQ, F_MQ, F_VERSION_1 = 5, 16, 17, 22, 32


NAMES = [
    "family vdpa resolves, version 1",
    "mgmtdev dump: vdpasim_net with classes and supported features",
    "dev new: device_features beyond the management device refused",
    "dev new: device_features without VERSION_1 refused",
    "dev new: MQ without CTRL_VQ refused",
    "dev new: max_vqp 2 without MQ refused",
    "dev new: valid device_features accepted",
    "config get: the device offers exactly device_features",
    "config get: no MQ means max_vqp 1, no MAC attribute without the MAC feature",
    "dev new: 5-byte MAC refused by policy",
    "dev new: missing device name",
    "dev new: missing management device name",
    "dev new: bus name given for a bus-less management device",
    "dev new: unknown attribute type refused (strict)",
    "dev new: refused without CAP_NET_ADMIN",
    "dev del: unknown device",
    "dev del: removes the device",
    "dev get dump: empty of test devices at the end",
]


def main():
    if not U.have_module("vdpax") or not U.have_mgmtdev():
        U.skip_all(NAMES, "vdpax/vdpax_sim_net not loaded")
    t = U.Ktap(NAMES)
    U.autoprobe_off()
    g = Genl()

    fam, ver = vdpa_family(g)
    if not t.ok(fam and ver == 1, why=f"family {fam} version {ver}"):
        t.exit()

    err, _, r = g.request(fam, CMD_MGMTDEV_GET, flags=NLM_F_DUMP)
    sim = [a for a in r if a.get(A_MGMT_DEV) == b"vdpasim_net\0"]
    supported = u64(sim[0][A_MGMT_FEATURES]) if sim else 0
    t.ok(not err and sim and A_MGMT_BUS not in sim[0] and u64(sim[0][A_MGMT_CLASSES]) == 1 << 1
         and supported >> F_VERSION_1 & 1, why=f"err {err} {sim}")

    mgmt = a_str(A_MGMT_DEV, "vdpasim_net")

    def new(name, extra):
        return g.request(fam, CMD_DEV_NEW, mgmt + a_str(A_DEV_NAME, name) + extra)

    def refused(want_err, want_msg, res):
        err, msg, _ = res
        return t.ok(err == want_err and want_msg in msg, why=f"errno {err} msg '{msg}'")

    refused(errno.EOPNOTSUPP, "device_features has features the management device does not",
            new("vxtn0", a_u64(A_FEATURES, supported | 1 << 63)))
    refused(errno.EINVAL, "device_features must include VERSION_1",
            new("vxtn0", a_u64(A_FEATURES, 1 << F_MAC)))
    refused(errno.EINVAL, "MQ and CTRL_MAC_ADDR need CTRL_VQ",
            new("vxtn0", a_u64(A_FEATURES, 1 << F_VERSION_1 | 1 << F_MQ)))
    refused(errno.EINVAL, "max_vqp above 1 needs the MQ feature",
            new("vxtn0", a_u64(A_FEATURES, 1 << F_VERSION_1 | 1 << F_CTRL_VQ) +
                a_u16(A_MAX_VQP, 2)))

    feats = 1 << F_VERSION_1 | 1 << F_STATUS
    err, msg, _ = new("vxtn0", a_u64(A_FEATURES, feats))
    t.ok(err == 0, why=f"errno {err} {msg}")
    err, msg, r = g.request(fam, CMD_DEV_CONFIG_GET, a_str(A_DEV_NAME, "vxtn0"))
    cfg = r[0] if r else {}
    t.ok(not err and A_DEV_FEATURES in cfg and u64(cfg[A_DEV_FEATURES]) == feats,
         why=f"errno {err} {cfg}")
    t.ok(cfg.get(A_MAX_VQP) == struct.pack("=H", 1) and A_MAC not in cfg and A_STATUS in cfg
         and A_NEG_FEATURES not in cfg, why=str(cfg))

    err, msg, _ = new("vxtn1", attr(A_MAC, b"\x02\0\0\0\0"))
    t.ok(err in (errno.EINVAL, errno.ERANGE) and msg, why=f"errno {err} '{msg}'")
    refused(errno.EINVAL, "device name is required", g.request(fam, CMD_DEV_NEW, mgmt))
    refused(errno.EINVAL, "management device name is required",
            g.request(fam, CMD_DEV_NEW, a_str(A_DEV_NAME, "vxtn1")))
    refused(errno.ENODEV, "management device not found",
            new("vxtn1", a_str(A_MGMT_BUS, "pci")))
    err, msg, _ = new("vxtn1", a_u32(200, 1))
    t.ok(err == errno.EINVAL, why=f"errno {err} '{msg}'")

    pid = os.fork()
    if pid == 0:
        try:
            os.setgid(65534)
            os.setuid(65534)
            e, _, _ = Genl().request(fam, CMD_DEV_NEW, mgmt + a_str(A_DEV_NAME, "vxtn2"))
            os._exit(100 + e if e < 100 else 99)
        except Exception:
            os._exit(98)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    t.ok(code == 100 + errno.EPERM and not os.path.exists(f"{U.BUS}/devices/vxtn2"),
         why=f"child exit {code}")

    refused(errno.ENODEV, "vDPA device not found",
            g.request(fam, CMD_DEV_DEL, a_str(A_DEV_NAME, "vxtn9")))
    err, msg, _ = g.request(fam, CMD_DEV_DEL, a_str(A_DEV_NAME, "vxtn0"))
    t.ok(err == 0 and not os.path.exists(f"{U.BUS}/devices/vxtn0"), why=f"errno {err} {msg}")
    err, _, r = g.request(fam, CMD_DEV_GET, flags=NLM_F_DUMP)
    left = [a[A_DEV_NAME] for a in r if a.get(A_DEV_NAME, b"").startswith(b"vxt")]
    t.ok(err == 0 and not left, why=f"errno {err} left {left}")
    t.exit()


if __name__ == "__main__":
    main()
