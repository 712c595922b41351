#!/usr/bin/env bash
# Command one: install what is missing, build, start Activity Feed (the desktop app, or
# the headless server when there is no display). Extra arguments go to activityfeed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ $# -eq 0 ]; then
  echo "No display found: starting the headless server (activityfeed serve)."
  exec ./build/app/activityfeed serve
fi
exec ./build/app/activityfeed "$@"
