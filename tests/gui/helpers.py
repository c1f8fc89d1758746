"""What the layout tests look at: the pixels a view drew, and where a plot's legend sits."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def drawn_pixels(view) -> np.ndarray:
    """The target rectangle of a grab of an ImageView as a uint8 H x W x 3 array."""
    rect = view.target_rect()
    shot = view.grab().toImage().copy(rect).convertToFormat(QImage.Format.Format_RGB888)
    row = shot.bytesPerLine()
    data = np.frombuffer(shot.constBits(), np.uint8, count=row * shot.height()).reshape(shot.height(), row)
    return data[:, : shot.width() * 3].reshape(shot.height(), shot.width(), 3).copy()  # before shot is freed


def legend_clear_of_the_data(plot) -> bool:
    """A MetricsPlot's legend overlaps neither the view box (where the curves are) nor the title."""
    item = plot.getPlotItem()
    legend = plot.legend.sceneBoundingRect()
    return not legend.intersects(item.vb.sceneBoundingRect()) and not legend.intersects(
        item.titleLabel.item.sceneBoundingRect())
