#!/usr/bin/env bash
# Renders the desktop window over canned data at 1280x800 and 800x600 (offscreen) and
# saves PNGs: scripts/screenshots.sh [OUT_DIR]   (default: build-ui/screenshots)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${AF_BUILD_DIR:-$root/build-ui}
out=${1:-$build/screenshots}
cmake -S "$root" -B "$build" >/dev/null
make -C "$build" -j2 afmodel afmodelplugin afui afuiplugin >/dev/null
make -C "$build" mainqml_test_autogen/fast mainqml_test/fast >/dev/null
QT_QPA_PLATFORM=offscreen AF_SCREENSHOT_DIR="$out" "$build/tests/mainqml_test" >/dev/null
ls "$out"/*.png
