"""A folder of image files, searched recursively; class sub-folders become labels.

``faces/`` with images anywhere below it is unlabelled when any image sits directly in
``faces/``; when every image is inside a sub-folder (``digits/0/a.png``, ``digits/7/x/b.png``)
the immediate sub-folder names, sorted, are the classes.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..jobs import TaskState
from .cache import CacheSettings, folder_key, read_entry, write_entry
from .dataset import ImageDataset, LoadReport, map_labels
from .images import IMAGE_EXTENSIONS, decode_files, is_image_name


def find_images(root: Path, skipped: list[tuple[str, str]]) -> list[tuple[str, ...]]:
    """Relative paths (as tuples of parts) of every image file under ``root``, sorted.

    Hidden files and folders (a leading '.') are left out; folders that cannot be listed are
    added to ``skipped``. Symbolic links to folders are not followed (no loops).
    """

    def unreadable(error: OSError) -> None:
        skipped.append((str(error.filename or root), f"unreadable folder ({error.strerror or error})"))

    found: list[tuple[str, ...]] = []
    for folder, dirs, files in os.walk(root, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        relative = Path(folder).relative_to(root).parts
        found.extend((*relative, name) for name in files if not name.startswith(".") and is_image_name(name))
    found.sort()
    return found


def load_folder(
    root: Path, source: str, channels: int, size: int, resample: str, limit: int, task: TaskState
) -> ImageDataset:
    report = LoadReport(source, "folder", 0)
    found = find_images(root, report.skipped)
    if not found:
        searched = ", ".join(IMAGE_EXTENSIONS)
        unreadable = f"; {report.skipped[0][0]} could not be read" if report.skipped else ""
        raise DataError(f"no images found in {root} (searched its sub-folders for {searched}){unreadable}")
    cache = CacheSettings.from_environment()
    key = folder_key(root, found, (channels, size, resample, limit)) if cache.enabled else None
    if key is not None:
        cached = read_entry(cache, key, source)
        if cached is not None:
            task.set_progress(len(found), len(found))
            return cached
    labels, names = None, []
    if all(len(parts) > 1 for parts in found):
        names = sorted({parts[0] for parts in found})
        number = {name: i for i, name in enumerate(names)}
        labels, names = map_labels(np.array([number[parts[0]] for parts in found], dtype=np.int64), names)
    paths = [str(root.joinpath(*parts)) for parts in found]
    images, kept_labels = decode_files(paths, labels, channels, size, resample, limit, report, task)
    if len(images) == 0:
        files = [entry for entry in report.skipped if not entry[1].startswith("unreadable folder")]
        first_path, first_reason = (files or report.skipped)[0]
        raise DataError(
            f"none of the {len(found)} image files in {root} could be read: "
            f"{os.path.relpath(first_path, root)}: {first_reason}"
        )
    report.loaded = len(images)
    if limit > 0 and len(images) < len(found):
        report.notes.append(f"kept {len(images)} of {len(found)} image files (data.limit)")
    dataset = ImageDataset(images, kept_labels, names, report)
    if key is not None:
        write_entry(cache, key, dataset)
    return dataset
