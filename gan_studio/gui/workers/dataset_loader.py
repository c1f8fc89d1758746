"""Loads a dataset off the GUI thread; the newest request wins.

Each request runs ``load_dataset`` in its own plain Python thread. A new request cancels the
previous one cooperatively (the TaskState, holding the request's cancel flag, that the core's
loaders check between files); nothing is ever killed. Workers touch no widget: they emit private signals carrying the
request id, queued to the loader's (GUI) thread, where the id decides whether the result is
still wanted. Deciding there, not in the worker, closes the race in which a load finishes just
as a newer one starts: its result is already queued, but no longer current, so it is dropped.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Qt, Signal, Slot

from ...core.config import DataConfig
from ...core.data import load_dataset
from ...core.errors import GanStudioError
from ...core.jobs import TaskState
from .background import WorkerThreads, emit_from_worker

THREAD_PREFIX = "dataset-loader"  # worker thread names start with this (tests look for them)


@dataclass
class _Request:
    id: int
    config: DataConfig
    cancel: threading.Event


class DatasetLoader(QObject):
    """Latest-wins background loading of a :class:`DataConfig` into an ``ImageDataset``."""

    progress = Signal(int, int)  # done, total: newest request only
    loaded = Signal(object)  # ImageDataset: newest request only
    failed = Signal(str)  # one sentence: newest request only; cancelled loads emit nothing

    # Emitted from worker threads, always queued to this object's thread.
    _worker_progress = Signal(int, int, int)  # request id, done, total
    _worker_loaded = Signal(int, object)  # request id, ImageDataset
    _worker_failed = Signal(int, str)  # request id, message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._next_id = 0
        self._current: _Request | None = None  # the request whose result is still wanted
        self._threads = WorkerThreads(THREAD_PREFIX)
        queued = Qt.ConnectionType.QueuedConnection
        self._worker_progress.connect(self._on_progress, queued)
        self._worker_loaded.connect(self._on_loaded, queued)
        self._worker_failed.connect(self._on_failed, queued)

    def load(self, config: DataConfig) -> int:
        """Start loading ``config`` (cancelling any load in flight); returns the request id."""
        self.cancel()
        self._next_id += 1
        # A copy: the caller may change its config while the worker reads this one.
        request = _Request(self._next_id, replace(config), threading.Event())
        self._current = request
        self._threads.start(request.id, self._run, request)
        return request.id

    def cancel(self) -> None:
        """Ask the load in flight to stop; it will emit nothing."""
        if self._current is not None:
            self._current.cancel.set()
            self._current = None

    def is_loading(self) -> bool:
        """True from ``load`` until its result is delivered or it is cancelled."""
        return self._current is not None

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel and wait for every worker; True when none is left running."""
        self.cancel()
        return self._threads.join(timeout_ms)

    # -- worker thread -------------------------------------------------------------------------

    def _run(self, request: _Request) -> None:
        cancel = request.cancel

        def progress(done: int, total: int) -> None:
            if not cancel.is_set():
                emit_from_worker(self._worker_progress, request.id, done, total)

        try:
            dataset = load_dataset(request.config, TaskState(progress, cancel=cancel))
        except GanStudioError as error:
            # Cancelled("loading cancelled") is a GanStudioError too: the is_set check keeps it silent.
            if not cancel.is_set():
                emit_from_worker(self._worker_failed, request.id, str(error))
        except Exception as error:  # a bug in a reader: say so, but never kill the window
            if not cancel.is_set():
                message = f"could not load {request.config.source}: {type(error).__name__}: {error}"
                emit_from_worker(self._worker_failed, request.id, message)
        else:
            if not cancel.is_set():
                emit_from_worker(self._worker_loaded, request.id, dataset)

    # -- GUI thread ----------------------------------------------------------------------------

    def _wanted(self, request_id: int) -> bool:
        return self._current is not None and self._current.id == request_id

    @Slot(int, int, int)
    def _on_progress(self, request_id: int, done: int, total: int) -> None:
        if self._wanted(request_id):
            self.progress.emit(done, total)

    @Slot(int, object)
    def _on_loaded(self, request_id: int, dataset: object) -> None:
        if self._wanted(request_id):
            self._current = None
            self.loaded.emit(dataset)

    @Slot(int, str)
    def _on_failed(self, request_id: int, message: str) -> None:
        if self._wanted(request_id):
            self._current = None
            self.failed.emit(message)
