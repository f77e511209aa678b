#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/doccheck.sh [FILE.rst...]: every Documentation/*.rst (or the files
# given) must parse with docutils
# without a warning (a broken table or literal renders as garbage). Prints
# each problem as docutils reports it; exits non-zero if there is any.
set -euo pipefail
[ $# -gt 0 ] || { cd "$(dirname "$0")/.." && set -- Documentation/*.rst; }
python3 - "$@" <<'PY'
import io
import re
import sys
import docutils.core

bad = 0
for path in sys.argv[1:]:
    with open(path) as f:
        text = f.read()
    out = io.StringIO()
    docutils.core.publish_doctree(text, source_path=path, settings_overrides={
        'warning_stream': out, 'report_level': 2, 'halt_level': 5})
    for line in out.getvalue().splitlines():
        if re.search(r'\((WARNING|ERROR|SEVERE)/[234]\)', line):
            print(line)
            bad += 1
print('doccheck: %d file(s), %d problem(s)' % (len(sys.argv) - 1, bad))
sys.exit(1 if bad else 0)
PY
