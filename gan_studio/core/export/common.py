"""What every export shares: refusing to overwrite, progress with cancellation, upscaling."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import GanStudioError

Progress = Callable[[int, int], None] | None
Cancelled = Callable[[], bool] | None


class ExportCancelled(GanStudioError):
    """The export was cancelled; the files written before that stay."""


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


def step(progress: Progress, cancelled: Cancelled, done: int, total: int) -> None:
    """Report progress, then honour a cancellation asked for meanwhile."""
    if progress is not None:
        progress(done, total)
    if cancelled is not None and done < total and cancelled():
        raise ExportCancelled(f"export cancelled after {done} of {total}")


def _scale_checked(scale: int) -> int:
    if scale < 1:
        raise GanStudioError(f"the scale must be at least 1 (got {scale})")
    return scale


def _upscale(image: np.ndarray, scale: int) -> np.ndarray:
    """(..., H, W, C) enlarged by pixel repetition: small samples stay crisp."""
    return image if _scale_checked(scale) == 1 else image.repeat(scale, axis=-3).repeat(scale, axis=-2)
