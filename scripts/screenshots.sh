#!/usr/bin/env bash
# The README's screenshots, from the real app with demo data: builds, fills a throwaway
# managed database, runs the desktop window under Xvfb through a short tour (feed, an
# opened tile, comments, admin, 800×600) and saves the PNGs.
#   scripts/screenshots.sh [OUT_DIR]      (default: docs/screenshots)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/docs/screenshots}
bash "$root/scripts/deps.sh"
bash "$root/scripts/build.sh"
bin="$root/build/app/activityfeed"
data=$(mktemp -d /tmp/afshots-XXXXXX)
chmod 755 "$data"
trap 'rm -rf "$data"' EXIT
"$bin" demo-data --events 3000 --data-dir "$data" >/dev/null 2>&1
mkdir -p "$out"
AF_SCREENSHOT_DIR="$out" QT_LOGGING_RULES="activityfeed.*.info=false" \
  xvfb-run -a -s "-screen 0 1400x900x24" "$bin" --data-dir "$data" --listen 127.0.0.1:0
ls "$out"/*.png
