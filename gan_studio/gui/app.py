"""Starting the application: QApplication, identity, icon, the main window, and the self-test."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def _prepare_environment() -> None:
    # numpy's multi-threaded OpenBLAS on the GUI thread made training 3-13x slower on a 2-core
    # machine: the window's own numpy work stays on one thread.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def create_application():
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("GAN Studio")
    app.setApplicationName("GAN Studio")
    app.setDesktopFileName("gan-studio")
    try:
        from ..core.resources import resource_path

        app.setWindowIcon(QIcon(str(resource_path("icons/gan-studio.svg"))))
    except FileNotFoundError:
        pass
    return app


def run_app(self_test: bool = False) -> int:
    _prepare_environment()
    app = create_application()
    from .main_window import MainWindow

    if self_test:
        return _self_test(app)
    window = MainWindow()
    window.show()
    return app.exec()


def _self_test(app) -> int:
    """Open the window, train one short epoch of the built-in digits, exit 0 if it finished.

    Uses its own settings file and run folder, so it touches nothing of the user's.
    """
    from PySide6.QtCore import QSettings, QTimer

    from ..core.config import preset_config
    from ..core.events import FinishReason
    from .main_window import MainWindow

    workdir = Path(tempfile.mkdtemp(prefix="gan-studio-self-test-"))
    settings = QSettings(str(workdir / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    config = preset_config("tutorial")
    config.train.epochs = 1
    window.form.set_config(config)
    window.show()
    outcome = {"code": 1}

    def finished(event) -> None:
        ok = event.reason is FinishReason.COMPLETED and window.page.loss_plot.point_count() > 0
        ok = ok and window.page.sample_grid.image() is not None
        print(f"self-test: {event.message} {'OK' if ok else 'FAILED'}", file=sys.stderr)
        outcome["code"] = 0 if ok else 1
        window.close()
        app.quit()

    def failed(message: str) -> None:
        print(f"self-test: FAILED: {message}", file=sys.stderr)
        window.close()
        app.quit()

    window.trainingFinished.connect(finished)
    window.trainingFailed.connect(failed)
    QTimer.singleShot(0, lambda: window.start_training(workdir / "run"))
    QTimer.singleShot(300_000, lambda: (print("self-test: timed out", file=sys.stderr), app.quit()))
    app.exec()
    window.shutdown()
    return outcome["code"]
