"""Image arrays <-> grids and files (numpy and Pillow only; no torch, no Qt)."""

from __future__ import annotations

import errno
import math
from pathlib import Path

import numpy as np
from PIL import Image

from .atomic import atomic_file


def grid_shape(count: int, columns: int | None = None) -> tuple[int, int]:
    """(rows, columns) for ``count`` cells: as square as possible unless columns is given."""
    columns = columns or max(1, math.ceil(math.sqrt(count)))
    return max(1, math.ceil(count / columns)), columns


def make_grid(
    images: np.ndarray,
    rows: int | None = None,
    columns: int | None = None,
    padding: int = 2,
    background: int | tuple[int, ...] = 0,
    scale: int = 1,
) -> np.ndarray:
    """Tile uint8 images (N, H, W, C) into one uint8 (rows*H', cols*W', C) picture.

    Cells are separated (and framed) by ``padding`` pixels of ``background``; ``scale`` enlarges
    each image by pixel repetition first, which keeps small samples crisp.
    """
    if images.ndim != 4 or images.dtype != np.uint8:
        raise ValueError(f"make_grid wants uint8 N x H x W x C, got {images.dtype} {images.shape}")
    count, height, width, channels = images.shape
    if rows is None or columns is None:
        rows, columns = grid_shape(count, columns)
    if scale > 1:
        images = images.repeat(scale, axis=1).repeat(scale, axis=2)
        height, width = height * scale, width * scale
    cell_h, cell_w = height + padding, width + padding
    canvas = np.empty((rows * cell_h + padding, columns * cell_w + padding, channels), np.uint8)
    canvas[...] = np.broadcast_to(np.asarray(background, np.uint8), (channels,)) if np.ndim(background) else background
    for index in range(min(count, rows * columns)):
        top, left = divmod(index, columns)
        y, x = padding + top * cell_h, padding + left * cell_w
        canvas[y : y + height, x : x + width] = images[index]
    return canvas


def to_pil(image: np.ndarray) -> Image.Image:
    """uint8 H x W x C (C = 1 or 3) to a Pillow image."""
    # Pillow infers L from 2-D uint8 and RGB from H x W x 3 (its mode= argument is deprecated).
    return Image.fromarray(np.ascontiguousarray(image[..., 0] if image.shape[-1] == 1 else image))


def save_png_atomic(image: np.ndarray, path: Path) -> Path:
    """Write a PNG so that a crash leaves the old file or the new one, never half of one."""
    path = Path(path)
    with atomic_file(path) as handle:
        to_pil(image).save(handle, format="PNG")
    return path


def load_png(path: Path) -> np.ndarray:
    """A PNG written by save_png_atomic back as uint8 H x W x C.

    Only Pillow's PNG decoder runs, whatever the file holds: a run folder from elsewhere may hold
    anything under samples/. A file too large to be a sample grid is an OSError, like a bad one.
    """
    try:
        with Image.open(path, formats=("PNG",)) as image:
            array = np.asarray(image.convert("L" if image.mode in ("L", "1", "P", "I;16") else "RGB"))
    except Image.DecompressionBombError as error:
        raise OSError(errno.EFBIG, f"too large for a sample grid ({error})", str(path)) from None
    return array[..., None] if array.ndim == 2 else array
