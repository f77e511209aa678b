#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Run the kernel's checkpatch.pl (from Debian's linux-source tarball, extracted
# once into build/) on every kernel source file we ship. Any ERROR or WARNING
# fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
cp_dir=$top/build/checkpatch
chk=$cp_dir/scripts/checkpatch.pl
if [ ! -f "$chk" ]; then
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	[ -n "$tarball" ] || { echo "checkpatch: linux-source missing (make deps)" >&2; exit 1; }
	mkdir -p "$cp_dir"
	tar -xJf "$tarball" -C "$cp_dir" --strip-components=1 --wildcards \
		'linux-source-*/scripts/checkpatch.pl' 'linux-source-*/scripts/spelling.txt' \
		'linux-source-*/scripts/const_structs.checkpatch'
fi
mapfile -t files < <(git ls-files 'drivers/*.c' 'drivers/*.h' 'include/*.h' 'tools/testing/broken/*.c')
[ ${#files[@]} -gt 0 ] || { echo "checkpatch: no files"; exit 0; }
out=$(perl "$chk" --no-tree --terse --show-types -f "${files[@]}" 2>&1 |
	grep -E 'ERROR|WARNING' || true)
if [ -n "$out" ]; then
	echo "$out"
	exit 1
fi
echo "checkpatch: ${#files[@]} files clean"
