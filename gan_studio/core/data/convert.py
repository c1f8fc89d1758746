"""Arrays from IDX, npz, npy and the built-in file to the dataset's uint8 N x H x W x C.

Arrays already in the configured size, channel count and dtype pass through untouched (the
built-in digits load without any per-image work); anything else is converted here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from ..errors import DataError
from ..jobs import TaskState
from .dataset import LOADING_CANCELLED, ImageDataset, LoadReport, limit_indices, map_labels, tick
from .images import fit_square, resample_filter, to_array

_CHUNK = 4096  # images converted at a time, to bound the temporary wide-integer copies


@dataclass
class ArraySource:
    """Arrays as a source read them, before any checking or conversion."""

    source: str  # config.source, for the report
    kind: str  # report kind
    where: str  # "file.npz, key 'x'": names the array in error messages
    images: np.ndarray
    labels: np.ndarray | None = None
    labels_where: str = ""
    class_names: list[str] | None = None
    notes: list[str] = field(default_factory=list)  # for the report, e.g. "no labels file found"


def to_nhwc(images: np.ndarray, where: str) -> np.ndarray:
    """N x H x W, N x H x W x C (C 1, 3, 4) or N x C x H x W (C 1, 3) to an N x H x W x C view."""
    shape = images.shape
    channels_last = images.ndim == 4 and shape[-1] in (1, 3, 4)
    channels_first = images.ndim == 4 and shape[1] in (1, 3)
    if channels_last and channels_first:
        # N x 1 x 4 x 4 fits both: take the reading whose images are larger on their short side.
        channels_last = min(shape[1], shape[2]) >= min(shape[2], shape[3])
        channels_first = not channels_last
    if images.ndim == 3:
        result = images[..., None]
    elif channels_last:
        result = images
    elif channels_first:
        result = images.transpose(0, 2, 3, 1)
    else:
        raise DataError(
            f"{where} has shape {shape}; expected images as N×H×W, N×H×W×C (C = 1, 3 or 4) or N×C×H×W (C = 1 or 3)"
        )
    if result.shape[0] == 0 or result.shape[1] == 0 or result.shape[2] == 0:
        raise DataError(f"{where} has shape {shape}, which holds no images")
    return result


def pixel_scale(images: np.ndarray, where: str) -> tuple[str, list[str]]:
    """How to bring values to 0..255: "uint8", "unit" (0..1), "signed" (-1..1), "byte", "16bit" or "clip"."""
    kind = images.dtype.kind
    if images.dtype == np.uint8:
        return "uint8", []
    if kind == "b":
        return "unit", []
    if kind not in "iuf":
        raise DataError(f"{where} holds {images.dtype} values; expected uint8 pixels or floats in [0, 1]")
    low, high = images.min().item(), images.max().item()
    if kind == "f":
        if not (np.isfinite(low) and np.isfinite(high)):
            raise DataError(f"{where} holds NaN or infinite values")
        if low >= 0 and high <= 1:
            return "unit", []
        if low >= -1 and high <= 1:
            return "signed", ["pixel values in [-1, 1] mapped to 0..255"]
        if low >= 0 and high <= 255:
            return "byte", ["float pixel values in 0..255 rounded"]
        raise DataError(f"{where} holds floats from {low:g} to {high:g}; expected [0, 1], [-1, 1] or 0..255")
    if low >= 0 and high <= 255:
        return "byte", []
    if images.dtype == np.uint16:
        return "16bit", ["16-bit pixel values scaled to 8 bits"]
    return "clip", [f"pixel values from {low} to {high} clipped to 0..255"]


def _to_uint8(chunk: np.ndarray, scale: str) -> np.ndarray:
    if scale == "uint8":
        return chunk
    if scale == "unit":
        return np.rint(chunk.astype(np.float32) * 255).astype(np.uint8)
    if scale == "signed":
        return np.rint((chunk.astype(np.float32) + 1) * 127.5).astype(np.uint8)
    if scale == "16bit":
        return ((chunk.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    values = np.rint(chunk) if chunk.dtype.kind == "f" else chunk
    return np.clip(values, 0, 255).astype(np.uint8)


def _channels(chunk: np.ndarray, channels: int) -> np.ndarray:
    """uint8 N x H x W x C (C 1, 3, 4) to C == channels; alpha is composited over black."""
    if chunk.shape[-1] == 4:
        alpha = chunk[..., 3:].astype(np.uint16)
        chunk = ((chunk[..., :3].astype(np.uint16) * alpha + 127) // 255).astype(np.uint8)
    if chunk.shape[-1] == channels:
        return chunk
    if channels == 3:
        return np.repeat(chunk, 3, axis=-1)
    # Pillow's own RGB -> L weights (ITU-R 601-2) in its 16-bit fixed point, so arrays and files agree.
    rgb = chunk.astype(np.uint32)
    grey = (rgb[..., 0] * 19595 + rgb[..., 1] * 38470 + rgb[..., 2] * 7471 + 0x8000) >> 16
    return grey.astype(np.uint8)[..., None]


def check_labels(labels: np.ndarray, count: int, where: str) -> np.ndarray:
    """Labels as int64 N, from shape (N,) or (N, 1), integer or whole-number float."""
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise DataError(f"{where} has shape {labels.shape}; expected one label per image, shape ({count},)")
    if len(labels) != count:
        raise DataError(f"{where} holds {len(labels)} labels but there are {count} images")
    if labels.dtype.kind in "iub":
        return labels.astype(np.int64)
    if labels.dtype.kind == "f" and np.all(np.isfinite(labels)) and np.all(labels == np.round(labels)):
        return labels.astype(np.int64)
    raise DataError(f"{where} holds {labels.dtype} values; expected whole-number class labels")


def from_arrays(
    arrays: ArraySource, channels: int, size: int, resample: str, limit: int, task: TaskState
) -> ImageDataset:
    """Check, limit and convert arrays into an ImageDataset."""
    images = to_nhwc(arrays.images, arrays.where)
    count = len(images)
    scale, scale_notes = pixel_scale(images, arrays.where)
    notes = [*arrays.notes, *scale_notes]
    labels, names = None, []
    if arrays.labels is not None:
        labels, names = map_labels(check_labels(arrays.labels, count, arrays.labels_where), arrays.class_names)
    keep = limit_indices(labels, count, limit)
    if len(keep) < count:
        notes.append(f"kept {len(keep)} of {count} images (data.limit)")
        images = images[keep]
        labels = None if labels is None else labels[keep]
    h, w = images.shape[1:3]
    needs_resize = (h, w) != (size, size)
    if scale == "uint8" and images.shape[-1] == channels and not needs_resize:
        result = np.ascontiguousarray(images)  # the fast path: no copy when nothing changes
        if not result.flags.writeable:  # IDX bytes; torch.from_numpy warns on read-only arrays
            result = result.copy()
    else:
        result = np.empty((len(images), size, size, channels), dtype=np.uint8)
        filter_ = resample_filter(resample)
        for start in range(0, len(images), _CHUNK):
            task.check(LOADING_CANCELLED)
            chunk = _channels(_to_uint8(images[start : start + _CHUNK], scale), channels)
            if needs_resize:
                for offset, pixels in enumerate(chunk):
                    image = Image.fromarray(pixels[..., 0] if channels == 1 else pixels, "L" if channels == 1 else "RGB")
                    result[start + offset] = to_array(fit_square(image, size, resample=filter_)[0])
                    tick(task, start + offset + 1, len(images))
            else:
                result[start : start + len(chunk)] = chunk
    report = LoadReport(
        arrays.source, arrays.kind, len(result), resized=len(result) if needs_resize else 0, notes=notes
    )
    return ImageDataset(result, labels, names, report)
