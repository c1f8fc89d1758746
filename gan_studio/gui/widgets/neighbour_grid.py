"""A small grid of images (the current point's neighbours) whose cells can be clicked."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QWidget

from ...core.images import make_grid
from .image_view import ImageView

PADDING = 2
BACKGROUND = 80  # grey gutters keep dark and white cells apart


class NeighbourGrid(ImageView):
    """Shows N same-sized images in ``columns`` columns; a click on one emits its index."""

    cellClicked = Signal(int)

    def __init__(self, placeholder: str = "", columns: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(placeholder, parent)
        self._columns = columns
        self._count = 0
        self._cell: tuple[int, int] = (0, 0)  # (height, width) of one image
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_cells(self, images: np.ndarray | None) -> None:
        """uint8 N x H x W x C, or None to clear."""
        if images is None or len(images) == 0:
            self._count = 0
            self.set_image(None)
            return
        images = np.asarray(images, dtype=np.uint8)
        self._count = len(images)
        self._cell = images.shape[1:3]
        columns = min(self._columns, self._count)
        rows = -(-self._count // columns)
        self.set_image(make_grid(images, rows, columns, padding=PADDING, background=BACKGROUND))

    def cell_count(self) -> int:
        return self._count

    def cell_at(self, x: float, y: float) -> int | None:
        """The index of the cell under widget position (x, y), or None (a gutter, or outside)."""
        rect = self.target_rect()
        if self._count == 0 or rect.isEmpty() or not rect.contains(int(x), int(y)):
            return None
        picture = self.image()
        scale = rect.width() / picture.shape[1]
        px, py = (x - rect.left()) / scale, (y - rect.top()) / scale
        cell_h, cell_w = self._cell[0] + PADDING, self._cell[1] + PADDING
        column, row = int((px - PADDING) // cell_w), int((py - PADDING) // cell_h)
        if px < PADDING or py < PADDING or (px - PADDING) % cell_w >= self._cell[1] or (py - PADDING) % cell_h >= self._cell[0]:
            return None
        index = row * min(self._columns, self._count) + column
        return index if 0 <= column < self._columns and 0 <= index < self._count else None

    def cell_center(self, index: int) -> tuple[int, int]:
        """Widget coordinates of the middle of cell ``index`` (for tests and accessibility)."""
        rect = self.target_rect()
        scale = rect.width() / self.image().shape[1]
        columns = min(self._columns, self._count)
        row, column = divmod(index, columns)
        x = PADDING + column * (self._cell[1] + PADDING) + self._cell[1] / 2
        y = PADDING + row * (self._cell[0] + PADDING) + self._cell[0] / 2
        return int(rect.left() + x * scale), int(rect.top() + y * scale)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            index = self.cell_at(event.position().x(), event.position().y())
            if index is not None:
                self.cellClicked.emit(index)
                event.accept()
                return
        super().mousePressEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(320, 90)
