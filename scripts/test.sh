#!/usr/bin/env bash
# Command two: install what is missing, build, run every test through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
bash scripts/build.sh
cd build
ctest --output-on-failure --timeout 900 -j2 "$@"
