"""Loads a dataset off the GUI thread; the newest request wins.

Each request is a job (jobs.py) that runs ``load_dataset``. A new request cancels the previous
one cooperatively (its TaskState, which the core's loaders check between files); nothing is ever
killed. Whether a result is still wanted is decided on the GUI thread, where it arrives: that
closes the race in which a load finishes just as a newer one starts (its result is already
queued, but no longer current, so it is dropped). Cancelled loads emit nothing.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from PySide6.QtCore import QObject, Signal

from ...core.config import DataConfig
from ...core.data import ImageDataset, load_dataset
from ...core.errors import GanStudioError
from ...core.jobs import TaskState, user_message
from .jobs import Jobs, Latest

THREAD_PREFIX = "dataset-loader"  # worker thread names start with this (tests look for them)


def _load(config: DataConfig, task: TaskState) -> ImageDataset:
    """The call into the core, in the job's thread: it checks ``task`` between files."""
    return load_dataset(config, task)


def _failure(source: str, error: BaseException) -> str:
    """A user's mistake is the loader's own sentence; anything else names the source too."""
    if isinstance(error, GanStudioError):
        return user_message(error)
    return f"could not load {source}: {user_message(error)}"


class DatasetLoader(QObject):
    """Latest-wins background loading of a :class:`DataConfig` into an ``ImageDataset``."""

    progress = Signal(int, int)  # done, total: newest request only
    loaded = Signal(object)  # ImageDataset: newest request only
    failed = Signal(str)  # one sentence: newest request only; cancelled loads emit nothing

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._next_id = 0
        self._jobs = Jobs(self)
        self._latest = Latest(self._jobs)

    def load(self, config: DataConfig) -> int:
        """Start loading ``config`` (cancelling any load in flight); returns the request id."""
        self._next_id += 1
        # A copy: the caller may change its config while the job reads this one.
        config = replace(config)
        job = self._latest.start(partial(_load, config), name=f"{THREAD_PREFIX}-{self._next_id}",
                                 describe=partial(_failure, config.source))
        job.progress.connect(self.progress)
        job.returned.connect(self.loaded)
        job.failed.connect(self._on_failed)
        return self._next_id

    def cancel(self) -> None:
        """Ask the load in flight to stop; it will emit nothing."""
        self._latest.cancel()

    def is_loading(self) -> bool:
        """True from ``load`` until its result is delivered or it is cancelled."""
        return self._latest.pending()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel and wait for every load; True when none is left running."""
        self.cancel()
        return self._jobs.shutdown(timeout_ms)

    def _on_failed(self, message: str, _details: str) -> None:
        self.failed.emit(message)
