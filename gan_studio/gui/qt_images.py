"""numpy uint8 images -> Qt images, on the GUI thread (QPixmap may not be made elsewhere)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def to_qimage(image: np.ndarray) -> QImage:
    """uint8 H x W x C (C = 1 or 3) to a QImage that owns its pixels (safe after ``image`` dies)."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] not in (1, 3):
        raise ValueError(f"expected uint8 H x W x 1 or 3, got {image.dtype} {image.shape}")
    height, width, channels = image.shape
    data = np.ascontiguousarray(image)
    fmt = QImage.Format.Format_Grayscale8 if channels == 1 else QImage.Format.Format_RGB888
    # QImage borrows the buffer: copy() detaches it before `data` can be freed.
    return QImage(data.data, width, height, width * channels, fmt).copy()
