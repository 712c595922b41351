#!/usr/bin/env bash
# Installs what Activity Feed needs to build, run and test, and nothing when all of it
# is already there. Debian 12 package names; run as root or with sudo available.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  qt6-base-dev qt6-declarative-dev qt6-declarative-dev-tools
  qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts
  qml6-module-qtquick-window qml6-module-qtquick-templates qml6-module-qtqml-workerscript
  qml6-module-qt-labs-settings qt6-qpa-plugins
  libpqxx-dev postgresql-15 libgtest-dev qtkeychain-qt6-dev
  fonts-noto-color-emoji xvfb xauth
)
if [ "${1:-}" = "--test" ]; then
  # The browser test drives Debian's Chromium; the fuzz test needs clang; the metrics
  # test checks /metrics with promtool; the package test runs lintian, systemd-analyze
  # and dpkg-deb on the built .deb; the notification test starts its own dbus-daemon.
  packages+=(chromium clang prometheus lintian systemd dpkg-dev fakeroot bash-completion dbus)
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
