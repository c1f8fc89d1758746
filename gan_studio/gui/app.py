"""Starting the application: QApplication, settings identity, the main window."""

from __future__ import annotations

import os
import sys


def run_app(self_test: bool = False) -> int:
    # numpy's OpenBLAS on the GUI thread slows training 3-13x on small machines: one thread here.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("GAN Studio")
    app.setApplicationName("GAN Studio")
    window = MainWindow()
    window.show()
    return app.exec()
