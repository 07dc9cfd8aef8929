#!/bin/sh
# Install the Debian packages named as arguments, if any are missing.
# As root it installs them; otherwise it says what is missing and how to add it, and carries on
# (the app still runs without speech; the tests will then fail loudly on what they lack).
set -u
command -v dpkg-query >/dev/null 2>&1 || { echo "note: not Debian-like; install the equivalents of: $*"; exit 0; }
missing=""
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "note: missing Debian packages:$missing"
  echo "      install them with: sudo apt-get install$missing"
  exit 0
fi
echo "installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || { echo "error: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
  echo "error: could not install:$missing" >&2; exit 1; }
