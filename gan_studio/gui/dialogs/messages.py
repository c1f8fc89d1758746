"""The window's message boxes: an error (one sentence, the details folded away) and About."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ... import __version__


def show_error(parent: QWidget, title: str, message: str, details: str = "") -> QMessageBox:
    """Window-modal and non-blocking (the event loop keeps running); deleted when closed."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorDialog")
    if details:
        box.setDetailedText(details)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def show_about(parent: QWidget) -> None:
    QMessageBox.about(
        parent, "About GAN Studio",
        f"<b>GAN Studio {__version__}</b><p>Train a GAN and watch it learn.</p>"
        "<p>Built-in digits: MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges, CC BY-SA 3.0.</p>",
    )
