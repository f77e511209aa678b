#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Slab leak checks shared by the tests (selftests/vdpa, selftests/teardown):
write back, drop the reclaimable slab caches (drop_caches 2), shrink every
slab cache, let RCU callbacks run, then read SUnreclaim from /proc/meminfo,
where a leaked kmalloc or kmem_cache object stays.

Shrinking (/sys/kernel/slab/*/shrink) gives back empty slabs and, on a
KASAN kernel, the freed objects its quarantine still holds: without it the
debug kernel's quarantine (up to 1/32 of RAM) reads as megabytes of leak.

SUnreclaim moves by whole slabs as per-CPU and partial slabs come and go,
so a reading can be a little high for a moment; the lowest of a few
settled readings is the one to compare. From a shell:
"selftests/lib/slab.py" prints that lowest SUnreclaim, in kB."""

import os
import sys
import time


def meminfo(key):
    """A /proc/meminfo field, in kB (0 if absent)."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def shrink_caches():
    """Ask every slab cache to give back what it can (see above)."""
    base = "/sys/kernel/slab"
    try:
        names = os.listdir(base)
    except OSError:
        return
    for name in names:
        if os.path.islink(os.path.join(base, name)):
            continue    # an alias of a merged cache
        try:
            with open(os.path.join(base, name, "shrink"), "w") as f:
                f.write("1")
        except OSError:
            pass


def settle(level="2"):
    """Write back and drop caches (2: slab; 3: slab and page cache), then
    shrink every slab cache."""
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write(level)
    time.sleep(0.3)     # kfree_rcu and call_rcu frees
    shrink_caches()
    time.sleep(0.1)


def unreclaimable_kb(reads=3):
    """The lowest SUnreclaim of @reads settled readings, in kB."""
    best = None
    for _ in range(reads):
        settle()
        kb = meminfo("SUnreclaim")
        best = kb if best is None else min(best, kb)
    return best


def check_growth(before_kb, limit_kb, reads=3):
    """SUnreclaim growth since @before_kb: (grew_kb, ok). Re-read settled
    up to @reads times while it is over @limit_kb, so that a passing blip
    does not fail; a leak stays."""
    grew = None
    for _ in range(reads):
        grew = unreclaimable_kb(1) - before_kb
        if grew < limit_kb:
            return grew, True
        time.sleep(1)
    return grew, False


if __name__ == "__main__":
    print(unreclaimable_kb(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
