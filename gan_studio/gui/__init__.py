"""The desktop window (PySide6 + pyqtgraph). Views receive plain data; they never import torch."""

from __future__ import annotations


def __getattr__(name: str):
    # Lazy, so `import gan_studio.gui` stays cheap and `gan_studio.gui.MainWindow` still works.
    if name == "MainWindow":
        from .main_window import MainWindow

        return MainWindow
    raise AttributeError(name)
