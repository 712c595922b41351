#!/usr/bin/env bash
# Puts the Reliability table that the fault and abuse suite wrote (build/reliability.md,
# from `cd build && ctest -L faults`) into README.md, in place of the one there.
set -euo pipefail
cd "$(dirname "$0")/.."
table=build/reliability.md
[ -s "$table" ] || { echo "no $table: run 'cd build && ctest -L faults' first" >&2; exit 1; }
python3 - "$table" <<'PY'
import re, sys
table = open(sys.argv[1], encoding='utf-8').read().rstrip('\n') + '\n\n'
readme = open('README.md', encoding='utf-8').read()
start = readme.index('## Reliability\n')
end = readme.index('Regenerate with', start)
open('README.md', 'w', encoding='utf-8').write(readme[:start] + table + readme[end:])
PY
echo "README.md: Reliability table replaced from $table"
