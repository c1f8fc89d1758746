"""A picture scaled to fill its area, crisp when enlarged (nearest neighbour at any scale), centred,
with a message when empty."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..qt_images import to_qimage


class ImageView(QWidget):
    """Shows a uint8 H x W x C array; call :meth:`set_image` from the GUI thread."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._array: np.ndarray | None = None
        self._qimage: QImage | None = None
        self._placeholder = placeholder
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(64, 64)
        self.setBackgroundRole(QPalette.ColorRole.Base)

    def set_image(self, image: np.ndarray | None) -> None:
        self._array = None if image is None else np.array(image, dtype=np.uint8, copy=True)
        self._qimage = None if image is None else to_qimage(self._array)
        self.update()

    def image(self) -> np.ndarray | None:
        """The array on show (a copy of what was set), or None."""
        return self._array

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(320, 320)

    def target_rect(self) -> QRect:
        """Where the picture is drawn: the largest aspect-preserving fit, at any scale.

        Whole-pixel steps only (2x, 3x) left a 242 px grid at 1x in a 420 x 600 area, a third of
        the room; nearest-neighbour at a fractional scale keeps the pixels crisp (some source
        pixels become one screen pixel more than others, which no one sees at 1.7x)."""
        if self._qimage is None:
            return QRect()
        width, height = self._qimage.width(), self._qimage.height()
        scale = min(self.width() / width, self.height() / height)
        w, h = max(1, round(width * scale)), max(1, round(height * scale))
        return QRect((self.width() - w) // 2, (self.height() - h) // 2, w, h)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window))
        if self._qimage is None:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder)
            return
        target = self.target_rect()
        # Enlarged: nearest neighbour, crisp. Shrunk: smooth, since nearest neighbour would drop
        # whole rows and columns of pixels (a thin stroke of a digit vanishes).
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, target.width() < self._qimage.width())
        painter.drawImage(target, self._qimage)
