"""NumPy files: ``.npy`` (images only) and ``.npz`` (images, optional labels and class names).

Files are read with ``allow_pickle=False``: an array file cannot run code.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ..errors import DataError
from .convert import ArraySource

IMAGE_KEYS = ("images", "x", "X", "x_train")
LABEL_KEYS = ("labels", "y", "Y", "y_train")
NAME_KEYS = ("class_names",)

_READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError)


def read_numpy(path: Path, source: str) -> ArraySource:
    """A .npy array or a .npz archive, whichever the file holds (its name does not decide)."""
    try:
        with open(path, "rb") as file:  # our own handle: np.load leaks its own on a corrupt file
            loaded = np.load(file, allow_pickle=False)
            if isinstance(loaded, np.ndarray):
                return ArraySource(source, "npy", str(path), loaded)
            with loaded:
                return _from_archive(path, source, loaded)
    except _READ_ERRORS as error:
        raise DataError(f"cannot read {path} as a NumPy file: {_why(error)}") from None


def _from_archive(path: Path, source: str, arrays: np.lib.npyio.NpzFile) -> ArraySource:
    keys = list(arrays.files)
    image_key = _pick(keys, IMAGE_KEYS)
    if image_key is None and len(keys) == 1:
        image_key = keys[0]
    if image_key is None:
        found = ", ".join(keys) or "none"
        raise DataError(f"{path} has no images array: name it one of {', '.join(IMAGE_KEYS)} (arrays found: {found})")
    label_key = _pick(keys, LABEL_KEYS)
    name_key = _pick(keys, NAME_KEYS)
    labels = arrays[label_key] if label_key else None
    names = [str(n) for n in np.atleast_1d(arrays[name_key])] if name_key and label_key else None
    return ArraySource(
        source, "npz", f"{path}, key {image_key!r}", arrays[image_key], labels, f"{path}, key {label_key!r}", names
    )


def _pick(keys: list[str], wanted: tuple[str, ...]) -> str | None:
    return next((key for key in wanted if key in keys), None)


def _why(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error).splitlines()[0] if str(error) else type(error).__name__
