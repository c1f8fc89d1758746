"""Take the README's screenshots: the real window trains the default DCGAN on the built-in digits;
one shot mid-run, one at the end with the run's summary banner.

Run it on an X display of the size wanted (no window manager: the window fills the screen), e.g.

    Xvfb :91 -screen 0 1280x800x24 -nolisten tcp &
    DISPLAY=:91 QT_QPA_PLATFORM=xcb python docs/screenshots/take_screenshots.py --epochs 8 --mid 4

It writes window-WxH-training.png and window-WxH-finished.png beside itself (palette PNGs: a few
hundred KB at most), with private settings and a temporary home folder for the run, never yours.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from gan_studio.gui.app import create_application, prepare_environment

prepare_environment()  # before numpy and Qt, as the app itself does

from PIL import Image  # noqa: E402
from PySide6.QtCore import QSettings, QTimer  # noqa: E402

HERE = Path(__file__).resolve().parent
SETTLE_MS = 2500  # the plots redraw at most every 1 s under load; the epoch grid at once


def shoot(path: Path) -> None:
    """The whole X screen (the window fills it), as a 256-colour PNG."""
    raw = path.with_suffix(".raw.png")
    subprocess.run(["import", "-window", "root", str(raw)], check=True)
    with Image.open(raw) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            path, optimize=True)
    raw.unlink()
    print(f"wrote {path} ({path.stat().st_size // 1024} KB)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--mid", type=int, default=4, help="the mid-run shot is taken after this epoch")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()

    app = create_application()
    from gan_studio.core.config import preset_config
    from gan_studio.gui.main_window import MainWindow

    # A home of its own: the run goes where a user's would (~/.local/share/gan-studio/runs), and
    # the banner shows that path, but nothing of yours is read or written.
    work = Path(tempfile.mkdtemp(prefix="gan-studio-shots-"))
    os.environ["HOME"] = str(work)
    os.environ.pop("XDG_DATA_HOME", None)
    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    window.confirm_stop_on_close = lambda: True
    screen = app.primaryScreen().size()
    name = f"window-{screen.width()}x{screen.height()}"
    window.move(0, 0)
    window.resize(screen)
    window.show()

    config = preset_config("default")
    config.train.epochs, config.train.threads, config.train.device = args.epochs, args.threads, "cpu"
    window.form.set_config(config)

    def on_epoch(event) -> None:
        if event.epoch == args.mid:
            QTimer.singleShot(SETTLE_MS, lambda: shoot(args.out / f"{name}-training.png"))

    def on_finished(_event) -> None:
        def when_summed_up() -> None:
            if window.banner.isHidden():  # the run folder is still being read
                QTimer.singleShot(200, when_summed_up)
                return
            QTimer.singleShot(SETTLE_MS, lambda: (shoot(args.out / f"{name}-finished.png"), window.close()))
        when_summed_up()

    window.controller.epochEnded.connect(on_epoch)
    window.trainingFinished.connect(on_finished)
    window.trainingFailed.connect(lambda message: (print(message, file=sys.stderr), app.exit(1)))
    QTimer.singleShot(1000, window.start_training)  # once the digits are loaded
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
