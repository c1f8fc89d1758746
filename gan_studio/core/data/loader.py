"""``load_dataset``: pick the reader for ``config.source`` and return an ImageDataset."""

from __future__ import annotations

import os
from pathlib import Path

from ..config import DataConfig
from ..errors import DataError
from ..jobs import NO_TASK, TaskState
from .arrays import read_numpy
from .builtin import PREFIX, read_builtin
from .convert import ArraySource, from_arrays
from .dataset import LOADING_CANCELLED, ImageDataset
from .folder import load_folder
from .idx import is_idx_name, looks_like_idx, read_idx
from .images import is_image_name
from .tutorial_csv import CSV_NAME, load_tutorial


def source_kind(source: str) -> str:
    """The report kind that ``load_dataset`` would use for ``source``; DataError when none fits.

    Cheap (no image is decoded), so the window can label a chosen path before loading it.
    """
    source = source.strip()
    if source.startswith(PREFIX):
        return "builtin"
    path = Path(os.path.expanduser(source))
    if not path.exists():
        raise DataError(f"{path} does not exist")
    if path.is_dir():
        return "tutorial-csv" if (path / CSV_NAME).is_file() else "folder"
    name = path.name.lower()
    if name.endswith(".csv"):
        return "tutorial-csv"
    if name.endswith(".npz"):
        return "npz"
    if name.endswith(".npy"):
        return "npy"
    if is_idx_name(name):
        return "idx"
    if is_image_name(name):
        raise DataError(f"{path} is a single image; choose the folder that holds the images instead")
    if path.is_file() and looks_like_idx(path):
        return "idx"
    raise DataError(
        f"{path} is not a data source GAN Studio can read: choose an image folder, a folder with "
        "train.csv, an IDX file (…-images-idx3-ubyte), or a .npz or .npy file"
    )


def load_dataset(config: DataConfig, task: TaskState = NO_TASK) -> ImageDataset:
    """Read ``config.source`` into uint8 images of config.image_size² × config.channels.

    ``task`` hears the progress while files are decoded (or images resized), and once it is
    cancelled loading stops with Cancelled("loading cancelled") at the next file. Files that
    cannot be read are skipped and listed in ``dataset.report``; a source with no usable image is
    a DataError naming the path and the reason.
    """
    task.check(LOADING_CANCELLED)
    kind = source_kind(config.source)
    shape = (config.channels, config.image_size, config.resample, config.limit)
    if kind == "builtin":
        return from_arrays(read_builtin(config.source.strip()), *shape, task)
    path = Path(os.path.expanduser(config.source.strip()))
    if kind == "folder":
        return load_folder(path, config.source, *shape, task)
    if kind == "tutorial-csv":
        return load_tutorial(path, config.source, *shape, task)
    arrays: ArraySource
    if kind in ("npz", "npy"):
        arrays = read_numpy(path, config.source)
    else:
        arrays = read_idx(path, config.source)
    task.check(LOADING_CANCELLED)
    return from_arrays(arrays, *shape, task)
