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

# The one-step install (tools/dkms-install, make dkms-install) into a
# private root: the modules land where modprobe finds them, the node's
# alias resolves to vhostx_net and, with the modprobe.d file it writes, not
# to the kernel's vhost_net (copied into the root with what it needs).
root=$work/root
KDIR=$kdir tools/dkms-install -k "$kver" --root "$root" > "$work/install.log" 2>&1 ||
	{ cat "$work/install.log"; exit 1; }
for m in $want; do
	[ -f "$root/lib/modules/$kver/updates/dkms/$m.ko" ] ||
		{ echo "dkms-install: $m.ko not installed" >&2; exit 1; }
done
grep -qx 'blacklist vhost_net' "$root/etc/modprobe.d/vhostx.conf" ||
	{ echo "dkms-install: no modprobe.d blacklist written" >&2; exit 1; }
sys=/lib/modules/$kver/kernel
if [ -f "$sys/drivers/vhost/vhost_net.ko" ]; then
	for f in drivers/vhost/vhost_net.ko drivers/vhost/vhost.ko drivers/vhost/vhost_iotlb.ko \
		 drivers/net/tun.ko drivers/net/tap.ko; do
		[ -f "$sys/$f" ] && install -D -m 0644 "$sys/$f" "$root/lib/modules/$kver/kernel/$f"
	done
	depmod -b "$root" "$kver" 2> /dev/null
	# modprobe [-C DIR] --show-depends ALIAS: the .ko files it would load.
	resolve() {
		modprobe -d "$root" -S "$kver" "$@" --show-depends char-major-10-238 2>&1 |
			sed -n 's|^insmod .*/\([^/]*\)\.ko.*|\1|p' | sort | tr '\n' ' '
	}
	plain=$(resolve -C /dev/null)
	with=$(resolve -C "$root/etc/modprobe.d")
	case " $plain " in
	*" vhostx_net "*) ;;
	*) echo "dkms-install: char-major-10-238 does not resolve to vhostx_net: [$plain]" >&2; exit 1 ;;
	esac
	case " $with " in
	*" vhostx_net "*) ;;
	*) echo "dkms-install: with vhostx.conf, char-major-10-238 gives [$with]" >&2; exit 1 ;;
	esac
	case " $with " in
	*" vhost_net "*) echo "dkms-install: vhost_net still answers the alias: [$with]" >&2; exit 1 ;;
	esac
	echo "dkms-install: char-major-10-238 -> [$with] (without the blacklist: [$plain])"
fi
tools/dkms-install -k "$kver" --root "$root" --uninstall > "$work/uninstall.log" 2>&1 ||
	{ cat "$work/uninstall.log"; exit 1; }
left=$(find "$root/usr/src" "$root/lib/modules/$kver/updates" "$root/etc" -type f 2> /dev/null || true)
[ -z "$left" ] || { echo "dkms-install --uninstall left: $left" >&2; exit 1; }
echo "dkms-install: installed into and removed from a private root"
