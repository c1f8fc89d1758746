"""Starting the application: the environment, QApplication, identity, icon and the main window.

``prepare_environment`` and ``create_application`` are public: the benchmarks start the window
the same way. The self-test is in self_test.py.
"""

from __future__ import annotations

import os
import sys


def prepare_environment() -> None:
    """Call before numpy or Qt is imported."""
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
    prepare_environment()
    app = create_application()
    from .garbage_collection import GuiThreadCollector

    GuiThreadCollector(app)  # cyclic garbage dies on the GUI thread only
    if self_test:
        from .self_test import quiet_harmless_qt_messages, self_test_window

        quiet_harmless_qt_messages()
        return self_test_window(app)
    from .main_window import MainWindow

    window = MainWindow()
    from . import startup_probe

    # GAN_STUDIO_STARTUP_PROBE=1: `gan-studio bench` times the start-up, then the window quits.
    probe = startup_probe.StartupProbe(app, window) if startup_probe.requested() else None  # noqa: F841
    window.show()
    return app.exec()
