#!/usr/bin/env bash
# Put GAN Studio in the desktop's application menu (Linux: freedesktop.org menus and icons).
#
#   packaging/install_desktop_entry.sh                  # for you: into ~/.local/share
#   packaging/install_desktop_entry.sh --prefix /usr/local/share     # for everyone (as root)
#   packaging/install_desktop_entry.sh --exec /opt/gan-studio/gan-studio
#   packaging/install_desktop_entry.sh --uninstall
#
# Installs the .desktop entry, the icon (hicolor PNG sizes and the scalable SVG) and the AppStream
# metainfo. The menu entry starts --exec, by default the bundle this script sits in or beside
# (dist/gan-studio/gan-studio after packaging/build_bundle.sh), else the gan-studio on PATH
# (pipx install). Works from a checkout (packaging/) and from inside a built bundle folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

prefix="${XDG_DATA_HOME:-$HOME/.local/share}"
exec_path=""
uninstall=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --exec) exec_path="$2"; shift 2 ;;
        --uninstall) uninstall=1; shift ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install_desktop_entry: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

# Where the files come from: a checkout (packaging/ beside resources/) or a bundle folder.
if [ -d "$here/../resources/icons" ]; then
    icons="$here/../resources/icons"; bundle="$here/../dist/gan-studio/gan-studio"
elif [ -d "$here/_internal/gan_studio/resources/icons" ]; then
    icons="$here/_internal/gan_studio/resources/icons"; bundle="$here/gan-studio"
else
    echo "install_desktop_entry: cannot find GAN Studio's icons beside $here" >&2; exit 1
fi
desktop_file="$here/gan-studio.desktop"
metainfo="$here/io.github.ganstudio.GanStudio.metainfo.xml"
sizes="16 24 32 48 64 128 256 512"

targets=("$prefix/applications/gan-studio.desktop" "$prefix/metainfo/io.github.ganstudio.GanStudio.metainfo.xml"
         "$prefix/icons/hicolor/scalable/apps/gan-studio.svg")
for size in $sizes; do targets+=("$prefix/icons/hicolor/${size}x${size}/apps/gan-studio.png"); done

refresh_caches() {
    # Menus and icon themes cache their contents; both tools are optional.
    if command -v update-desktop-database >/dev/null; then update-desktop-database -q "$prefix/applications" || true; fi
    if command -v gtk-update-icon-cache >/dev/null && [ -f "$prefix/icons/hicolor/index.theme" ]; then
        gtk-update-icon-cache -q -t -f "$prefix/icons/hicolor" || true
    fi
}

if [ "$uninstall" -eq 1 ]; then
    rm -f "${targets[@]}"
    refresh_caches
    echo "removed GAN Studio's menu entry and icons from $prefix"
    exit 0
fi

if [ -z "$exec_path" ]; then
    if [ -x "$bundle" ]; then
        exec_path="$bundle"
    elif command -v gan-studio >/dev/null; then
        exec_path="$(command -v gan-studio)"
    else
        echo "install_desktop_entry: no bundle at $bundle and no gan-studio on PATH; pass --exec PATH" >&2
        exit 1
    fi
fi
if [ ! -x "$exec_path" ]; then
    echo "install_desktop_entry: $exec_path is not an executable program" >&2; exit 1
fi
exec_path="$(cd "$(dirname "$exec_path")" && pwd)/$(basename "$exec_path")"  # menus need an absolute path
case "$exec_path" in
    *[\"\`\$\\%]*) echo "install_desktop_entry: $exec_path has a character a menu entry cannot hold (\" \` \$ \\ %)" >&2; exit 1 ;;
esac

mkdir -p "$prefix/applications" "$prefix/metainfo" "$prefix/icons/hicolor/scalable/apps"
# Exec takes a quoted path (spaces are fine inside quotes); TryExec takes it as it is.
sed -e "s|^Exec=.*|Exec=\"$exec_path\"|" -e "s|^TryExec=.*|TryExec=$exec_path|" "$desktop_file" \
    > "$prefix/applications/gan-studio.desktop"
cp "$metainfo" "$prefix/metainfo/"
cp "$icons/gan-studio.svg" "$prefix/icons/hicolor/scalable/apps/gan-studio.svg"
for size in $sizes; do
    mkdir -p "$prefix/icons/hicolor/${size}x${size}/apps"
    cp "$icons/gan-studio-$size.png" "$prefix/icons/hicolor/${size}x${size}/apps/gan-studio.png"
done
refresh_caches
echo "installed GAN Studio's menu entry in $prefix/applications (starts $exec_path)"
