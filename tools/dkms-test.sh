#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the tree with DKMS, the way a user's host would, without touching
# the system's DKMS tree: a private --sourcetree and --dkmstree under build/.
# Fails if dkms.conf's module list differs from what Kbuild builds.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
kdir=${KDIR:-$(ls -d /usr/src/linux-headers-*-amd64 | sort -V | tail -n 1)}
kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")

want=$(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"/\1/p' dkms.conf | sort)
have=$(find drivers -name Kbuild -exec cat {} + | sed -n 's/^obj-m[[:space:]]*+=[[:space:]]*//p' | tr ' ' '\n' | sed -n 's/\.o$//p' | sort)
if [ "$want" != "$have" ]; then
	echo "dkms: dkms.conf lists [$(echo $want)] but Kbuild builds [$(echo $have)]" >&2
	exit 1
fi

work=$top/build/dkms
rm -rf "$work"
mkdir -p "$work/src/vhostx-$ver" "$work/tree"
git ls-files -z --cached --others --exclude-standard | grep -zv '^build/' |
	xargs -0 cp --parents -t "$work/src/vhostx-$ver"
dkms add -m vhostx -v "$ver" --sourcetree "$work/src" --dkmstree "$work/tree" >/dev/null
dkms build -m vhostx -v "$ver" -k "$kver" --sourcetree "$work/src" --dkmstree "$work/tree" \
	--kernelsourcedir "$kdir" > "$work/build.log" 2>&1 || { cat "$work/build.log"; cat "$work/tree/vhostx/$ver/build/make.log" 2>/dev/null | tail -n 30; exit 1; }
for m in $want; do
	f=$(find "$work/tree/vhostx/$ver/$kver" -name "$m.ko*" | head -n 1)
	[ -n "$f" ] || { echo "dkms: $m.ko was not built" >&2; exit 1; }
done
echo "dkms: built $(echo $want) for $kver"
