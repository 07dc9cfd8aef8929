#!/bin/sh
# Install (or with --uninstall, remove) the launcher, icons and AppStream file for the current
# user, so Stretch Desktop appears in the desktop's application menu.
#
#   sh packaging/linux/install-desktop.sh EXECUTABLE     # make install-desktop does this
#   sh packaging/linux/install-desktop.sh --uninstall
#
# EXECUTABLE is an absolute path (the venv's stretch-desktop script, or a bundle's executable):
# the launcher must work without a terminal or an activated virtual environment.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
id=org.stretchdesktop.StretchDesktop
data=${XDG_DATA_HOME:-$HOME/.local/share}
icons="$here/../../src/stretch_desktop/resources/icons"
svg="$icons/$id.svg"

refresh() {
  # Menus pick the change up by themselves on most desktops; these make it immediate elsewhere.
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
  # An icon cache only where one already exists: a new one would go stale when others add icons.
  if [ -f "$data/icons/hicolor/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
  fi
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$data/applications/$id.desktop" "$data/metainfo/$id.metainfo.xml" \
        "$data/icons/hicolor/scalable/apps/$id.svg" "$data"/icons/hicolor/*/apps/"$id.png"
  refresh
  echo "removed Stretch Desktop from $data"
  exit 0
fi

exe=${1:?usage: install-desktop.sh EXECUTABLE | --uninstall}
case "$exe" in /*) ;; *) echo "error: $exe is not an absolute path" >&2; exit 1 ;; esac
[ -x "$exe" ] || { echo "error: $exe is not an executable file" >&2; exit 1; }
command -v desktop-file-install >/dev/null 2>&1 || {
  echo "error: desktop-file-install is missing (Debian: apt-get install desktop-file-utils)" >&2; exit 1; }

mkdir -p "$data/applications" "$data/metainfo" "$data/icons/hicolor/scalable/apps"
desktop-file-install --dir="$data/applications" \
  --set-key=Exec --set-value="$exe" --set-key=TryExec --set-value="$exe" \
  "$here/$id.desktop"
cp "$here/$id.metainfo.xml" "$data/metainfo/"
cp "$svg" "$data/icons/hicolor/scalable/apps/"
for png in "$icons"/hicolor/*/apps/"$id.png"; do
  size=$(basename "$(dirname "$(dirname "$png")")")
  mkdir -p "$data/icons/hicolor/$size/apps"
  cp "$png" "$data/icons/hicolor/$size/apps/"
done
refresh
echo "installed Stretch Desktop for $(id -un): $data/applications/$id.desktop runs $exe"
