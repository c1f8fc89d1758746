#!/usr/bin/env bash
# Build the self-contained application folder dist/gan-studio/ with PyInstaller, then prove it
# starts: the built app opens its window offscreen, trains one short epoch and must exit 0.
#
#   packaging/build_bundle.sh                    # uses .venv/bin/python if it exists, else python3
#   PYTHON=/path/to/venv/bin/python packaging/build_bundle.sh
#   SKIP_BUILD=1 packaging/build_bundle.sh       # only self-test the bundle already in dist/
#
# The Python used needs GAN Studio's dependencies and PyInstaller (pip install -e '.[packaging]');
# install the CPU build of torch first (torch==2.13.0 here), or the bundle carries CUDA (~3+ GB).
# Takes several minutes of CPU. Output: dist/gan-studio/ (run dist/gan-studio/gan-studio).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
if ! "$PYTHON" -c "import PyInstaller, gan_studio, torch, PySide6, pyqtgraph" 2>/dev/null; then
    echo "build_bundle: $PYTHON lacks PyInstaller or GAN Studio; run: $PYTHON -m pip install -e '.[packaging]'" >&2
    exit 2
fi

if [ "${SKIP_BUILD:-0}" = 1 ]; then
    echo "SKIP_BUILD=1: self-testing the bundle already in dist/" >&2
else
    echo "building dist/gan-studio with $("$PYTHON" -m PyInstaller --version) ..." >&2
    "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath dist --workpath build/pyinstaller packaging/gan-studio.spec
fi

case "$(uname -s)" in
    Darwin) app="dist/GAN Studio.app/Contents/MacOS/gan-studio" ;;
    MINGW*|MSYS*|CYGWIN*) app="dist/gan-studio/gan-studio.exe" ;;
    *) app="dist/gan-studio/gan-studio" ;;
esac
app="$PWD/$app"
if [ "$(uname -s)" = Linux ]; then
    # So that a copy of the folder alone can put itself in the application menu.
    cp packaging/install_desktop_entry.sh packaging/gan-studio.desktop packaging/io.github.ganstudio.GanStudio.metainfo.xml \
        dist/gan-studio/
fi
echo "bundle: $(du -sh dist/gan-studio | cut -f1) in dist/gan-studio" >&2

# From an empty folder and with no Python environment: the bundle must need nothing of either.
# (The self-test gives up by itself after 300 s; `timeout` also catches a bundle that hangs
# before it gets that far. macOS has no `timeout` unless coreutils are installed.)
limit() { if command -v timeout >/dev/null; then timeout 600 "$@"; else "$@"; fi; }
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
self_test() {
    cd "$workdir"
    unset PYTHONPATH VIRTUAL_ENV
    export QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME="$workdir/config"
    echo "version: $("$app" --version)" >&2
    limit "$app" --self-test
}
if ! (self_test); then
    echo "build_bundle: the bundle's self-test FAILED" >&2
    exit 1
fi
echo "build_bundle: OK: dist/gan-studio is ready" >&2
