"""Find the data files that ship inside the package (``gan_studio.resources``)."""

from __future__ import annotations

from importlib import resources as importlib_resources
from pathlib import Path

from .errors import GanStudioError


class MissingResourceError(GanStudioError, FileNotFoundError):
    """A file that should ship with GAN Studio is not there: a broken install, said plainly."""


def shipped_path(name: str) -> Path:
    """Where a shipped file such as ``digits.npz`` belongs, whether or not it is there."""
    return Path(str(importlib_resources.files("gan_studio.resources") / name))


def resource_path(name: str) -> Path:
    """Path of a shipped file such as ``digits.npz``; works from a checkout or an install."""
    path = shipped_path(name)
    if not path.exists():
        raise MissingResourceError(
            f"GAN Studio is missing its resource file {name} (looked in {path.parent}); reinstall GAN Studio"
        )
    return path
