"""Errors a user can act on.

Every failure caused by the user's input (a bad path, a wrong config, a checkpoint of another
model) is a :class:`GanStudioError` whose message is one sentence that names the thing and the
problem. The command line prints it as one line and the window shows it in a dialog; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path


class GanStudioError(Exception):
    """A problem the user can fix; ``str(error)`` is the whole message."""


class ConfigError(GanStudioError):
    """A configuration value is missing, of the wrong type or out of range."""


class DataError(GanStudioError):
    """A data source cannot be read or holds no usable images."""


class CheckpointError(GanStudioError):
    """A checkpoint or weights file is missing, corrupt, unsafe or made for another model."""


class RunFolderError(GanStudioError):
    """A run folder is missing, unreadable or not writable."""


def describe_os_error(error: OSError) -> str:
    """'PATH: reason' for a failed read or write, e.g. 'runs/a/run.json: No space left on device'.

    A rename names its target (filename2) rather than the temporary file it came from.
    """
    reason = error.strerror or str(error) or type(error).__name__
    name = error.filename2 or error.filename
    return f"{name}: {reason}" if name else reason


def is_out_of_memory(error: BaseException) -> bool:
    """torch.OutOfMemoryError (checked by name: this module imports no torch), or an allocator saying so."""
    if type(error).__name__ == "OutOfMemoryError" or isinstance(error, MemoryError):
        return True
    return isinstance(error, RuntimeError) and "out of memory" in str(error).lower()


def out_of_memory_message(error: BaseException, batch_size: int | None = None) -> str:
    """One sentence with the advice that usually works: a smaller batch, then a smaller model."""
    text = str(error).strip().splitlines()[0][:120] if str(error).strip() else type(error).__name__
    smaller = f" (e.g. {batch_size // 2} instead of {batch_size})" if batch_size and batch_size > 1 else ""
    return f"The device ran out of memory ({text}). Try a smaller batch size{smaller} or a smaller model width."


@contextlib.contextmanager
def naming(path: Path | str) -> Iterator[None]:
    """An OSError raised inside is raised again naming ``path``, the file the user asked for.

    A failed write() names no file, and a failed temporary file or rename names a temporary the
    user never heard of; the error type (FileNotFoundError, ...) and its reason are kept.
    """
    try:
        yield
    except OSError as error:
        if error.errno is None:
            raise
        raise OSError(error.errno, error.strerror or str(error), str(path)) from error
