"""What every export shares: refusing to overwrite, progress with cancellation, upscaling."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import GanStudioError
from ..jobs import TaskState

CANCELLED_BEFORE_START = "export cancelled before it started"  # a single render or write: nothing kept


def check_writable(path: Path, force: bool) -> None:
    """Refuse, before any work, to overwrite a file without ``force`` or to write where one cannot."""
    path = Path(path)
    if path.is_dir():
        raise GanStudioError(f"{path} is a folder; name a file to write")
    if path.exists() and not force:
        raise GanStudioError(f"{path} already exists; use --force to overwrite")
    parent = path.parent
    if not parent.is_dir():
        raise GanStudioError(f"cannot write {path.name}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise GanStudioError(f"cannot write {path.name}: folder {parent} is not writable")


def step(task: TaskState, done: int, total: int) -> None:
    """Report progress, then honour a cancellation asked for meanwhile (Cancelled; the files
    written before that stay). After the last item there is nothing left to cancel."""
    task.set_progress(done, total)
    if done < total:
        task.check(f"export cancelled after {done} of {total}")


def _scale_checked(scale: int) -> int:
    if scale < 1:
        raise GanStudioError(f"the scale must be at least 1 (got {scale})")
    return scale


def _upscale(image: np.ndarray, scale: int) -> np.ndarray:
    """(..., H, W, C) enlarged by pixel repetition: small samples stay crisp."""
    return image if _scale_checked(scale) == 1 else image.repeat(scale, axis=-3).repeat(scale, axis=-2)
