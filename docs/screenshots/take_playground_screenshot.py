"""Take the README's playground screenshot: the real window trains the `plain` preset on a
distribution, pins it as "before", then trains the `remedy` preset and shoots mid-training.

    Xvfb :91 -screen 0 1280x800x24 -nolisten tcp &
    DISPLAY=:91 QT_QPA_PLATFORM=xcb python docs/screenshots/take_playground_screenshot.py --dist grid

It writes playground.png beside itself, with private settings and a temporary home folder for
the runs, never yours.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from gan_studio.gui.app import create_application, prepare_environment

prepare_environment()  # before numpy and Qt, as the app itself does

from PySide6.QtCore import QSettings, QTimer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from take_screenshots import SETTLE_MS, shoot  # noqa: E402

HERE = Path(__file__).resolve().parent
POLL_MS = 200


def main() -> int:
    from gan_studio.core.playground.config import preset_config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default="grid")
    parser.add_argument("--plain-steps", type=int, default=2000, help="G updates of `plain` before it is pinned")
    parser.add_argument("--remedy-steps", type=int, default=preset_config("remedy").steps // 2,
                        help="G updates of `remedy` before the shot (default: half its length, %(default)s)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "playground.png")
    args = parser.parse_args()

    app = create_application()
    from gan_studio.gui.main_window import MainWindow

    work = Path(tempfile.mkdtemp(prefix="gan-studio-shots-"))
    os.environ["HOME"] = str(work)
    os.environ.pop("XDG_DATA_HOME", None)
    window = MainWindow(settings=QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    window.confirm_stop_on_close = lambda: True
    window.move(0, 0)
    window.resize(app.primaryScreen().size())
    window.show()
    tab = window.playground
    window.tabs.setCurrentWidget(tab)

    def train(preset: str, g_updates: int, then) -> None:
        tab.controls.set_config(preset_config(preset, dist=args.dist, threads=args.threads))
        tab.reset()
        tab.play()

        def poll() -> None:
            frame = tab.canvas.frame
            if frame is None or frame.g_updates < g_updates:
                QTimer.singleShot(POLL_MS, poll)
                return
            then()
        poll()

    def shoot_remedy() -> None:
        tab.play(False)
        QTimer.singleShot(SETTLE_MS, lambda: (shoot(args.out), window.close()))

    def pin_plain() -> None:
        tab.play(False)
        QTimer.singleShot(SETTLE_MS, lambda: (tab.pin(), train("remedy", args.remedy_steps, shoot_remedy)))

    QTimer.singleShot(1000, lambda: train("plain", args.plain_steps, pin_plain))
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
