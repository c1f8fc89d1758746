"""Writing files so that a crash, a kill or a full disk leaves the old file or the new one.

Every file GAN Studio writes (checkpoints, PNGs, JSON, CSV rewrites, animations, weights) goes
through here: written to a temporary file beside the target, then renamed over it. An OSError
names the target, never the temporary the user never heard of.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from .errors import naming


@contextmanager
def atomic_path(path: Path | str, durable: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block succeeds, rename it over ``path``.

    ``durable`` also fsyncs the folder, so the rename survives a power cut (checkpoints).
    Whatever happens, the temporary file does not outlive the block.
    """
    path = Path(path)
    with naming(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(descriptor)
        temporary = Path(name)
        try:
            yield temporary
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    if durable:
        _fsync_directory(path.parent)


@contextmanager
def atomic_file(path: Path | str, durable: bool = False) -> Iterator[BinaryIO]:
    """A binary handle whose bytes replace ``path`` in one rename once the block succeeds."""
    with atomic_path(path, durable) as temporary, naming(path), open(temporary, "wb") as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


def write_text_atomic(path: Path | str, text: str) -> None:
    with atomic_file(path) as handle:
        handle.write(text.encode("utf-8"))


def link_or_copy(source: Path, target: Path) -> None:
    """Make ``target`` a copy of ``source`` in one rename: a hard link where allowed (free), else a copy."""
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        os.link(source, temporary)
    except OSError:
        shutil.copyfile(source, temporary)
    os.replace(temporary, target)


def _fsync_directory(folder: Path) -> None:
    # Makes a rename durable; not possible on every platform, and never worth failing for.
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
