#!/usr/bin/env bash
# Set up a development environment and run GAN Studio or its tests.
#
#   packaging/dev.sh app     # install what is missing, then open the window on the built-in digits
#   packaging/dev.sh test    # install what is missing (test tools too), then run the test suite
#
# Works on a fresh Debian/Ubuntu machine with Python 3.11: system libraries that Qt needs come
# from apt (as root, or through sudo), Python packages go into .venv beside this repository.
# torch is installed first and pinned: an unpinned torch pulls a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH_PIN="${GAN_STUDIO_TORCH:-torch==2.13.0}"
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"

# Qt's shared-library needs, offscreen and on an X11 display.
QT_LIBS="libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0
  libxcb-shape0 libxcb-xinerama0 libxcb-xkb1"
# The packaging tests validate the .desktop entry and the AppStream metainfo with these.
TEST_TOOLS="desktop-file-utils appstream"

apt_install() {
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || { echo "note: not Debian/Ubuntu; make sure these are installed: ${missing[*]}" >&2; return 0; }
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing system packages: ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" python3-venv >/dev/null
}

setup() {
    local extras="$1"
    if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then apt_install python3-venv; fi
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$TORCH_PIN" 2>&1 | grep -v "^WARNING: Location" >&2 || true
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[$extras]" 2>&1 | grep -v "^WARNING: Location" >&2 || true
    "$VENV/bin/python" -c "import torch, PySide6, pyqtgraph, gan_studio" || { echo "setup failed" >&2; exit 1; }
}

case "${1:-}" in
    app)
        apt_install $QT_LIBS
        setup test
        shift
        exec "$VENV/bin/gan-studio" "$@"
        ;;
    test)
        apt_install $QT_LIBS $TEST_TOOLS
        setup test
        shift
        export QT_QPA_PLATFORM=offscreen
        exec "$VENV/bin/python" -m pytest "$@"
        ;;
    *)
        echo "usage: packaging/dev.sh app|test [arguments]" >&2
        exit 2
        ;;
esac
