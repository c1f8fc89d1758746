"""Trains a judge for the user's labelled data off the GUI thread, and says whether one exists.

Two jobs, each in plain Python threads that touch no widget (the pattern of dataset_loader.py):

- ``inspect(dataset)``: is the data labelled, and is a judge saved for it? That needs the
  dataset's fingerprint, a hash of every pixel (~0.1 s per 50 MB), so it is not computed on the
  GUI thread. The newest request wins.
- ``train(dataset, threads)``: ``core.judge_training.train_judge`` (torch is imported in the
  thread, never on the GUI thread), with progress, cooperative cancel and a plain-dict result.

Results reach the GUI thread through private signals queued to this object's thread, carrying a
request id; stale ones are dropped there. ``shutdown`` cancels and joins every thread.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from ...core.errors import GanStudioError
from ...core.jobs import TaskState
from ...core.quality.judges import choose_judge
from .background import WorkerThreads, emit_from_worker

THREAD_PREFIX = "judge-worker"  # thread names start with this (tests look for them)


def judge_info(dataset: Any, root: Path | None = None) -> tuple[bool, bool, str]:
    """(a judge could be trained for it (labelled), has a judge, summary) of an ImageDataset.
    May hash the data: call it off the GUI thread."""
    choice = choose_judge(dataset.report.source, dataset, root=root)
    return choice.trainable, choice.scores, dataset.summary()


class JudgeWorker(QObject):
    """Background judge training (one at a time) and judge look-ups (newest wins)."""

    inspected = Signal(bool, bool, str)  # labelled, has_judge, summary: the newest inspected dataset
    progress = Signal(int, int)  # batches done, total
    finished = Signal(object)  # dict: accuracy, path, fingerprint, epochs, heldout, num_classes, summary
    failed = Signal(str)  # one sentence
    cancelled = Signal()

    _worker_inspected = Signal(int, bool, bool, str)
    _worker_progress = Signal(int, int, int)
    _worker_finished = Signal(int, object)
    _worker_failed = Signal(int, str)
    _worker_cancelled = Signal(int)

    def __init__(self, parent: QObject | None = None, root: Path | None = None, epochs: int | None = None) -> None:
        super().__init__(parent)
        self.root = root  # judges folder; None = default_judges_dir() (tests pass a temporary one)
        self.epochs = epochs  # None = chosen from the data's size (tests pass a small count)
        self._next_id = 0
        self._inspect_id = 0  # the newest inspection, whose answer is still wanted
        self._train_id = 0  # the training in flight, 0 when none
        self._cancel = threading.Event()
        self._threads = WorkerThreads(THREAD_PREFIX)
        queued = Qt.ConnectionType.QueuedConnection
        self._worker_inspected.connect(self._on_inspected, queued)
        self._worker_progress.connect(self._on_progress, queued)
        self._worker_finished.connect(self._on_finished, queued)
        self._worker_failed.connect(self._on_failed, queued)
        self._worker_cancelled.connect(self._on_cancelled, queued)

    # -- GUI thread: requests ------------------------------------------------------------------
    def inspect(self, dataset: Any) -> None:
        """Find out (in a thread) whether ``dataset`` is labelled and has a judge; emits ``inspected``."""
        if dataset is None:
            return
        self._inspect_id = self._new_id()
        self._threads.start(self._inspect_id, self._run_inspect, self._inspect_id, dataset)

    def train(self, dataset: Any, threads: int = 0) -> bool:
        """Train a judge for ``dataset`` with ``threads`` CPU threads (0 = all cores but one).

        False (and nothing happens) while another training runs; emits ``failed`` when there is
        no dataset. Later: ``progress``..., then one of ``finished``, ``failed``, ``cancelled``.
        """
        if self.is_training():
            return False
        if dataset is None:
            self.failed.emit("No data is loaded yet: wait for the data to load, then try again.")
            return False
        self._cancel = threading.Event()
        self._train_id = self._new_id()
        self._threads.start(self._train_id, self._run_train, self._train_id, dataset, int(threads), self._cancel)
        return True

    def cancel(self) -> None:
        """Ask the training in flight to stop at its next batch; it then emits ``cancelled``."""
        self._cancel.set()

    def is_training(self) -> bool:
        return self._train_id != 0

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel and wait for every thread; True when none is left running."""
        self._cancel.set()
        self._inspect_id = 0
        finished = self._threads.join(timeout_ms)
        self._train_id = 0
        return finished

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    # -- worker threads ------------------------------------------------------------------------
    def _run_inspect(self, request_id: int, dataset: Any) -> None:
        try:
            labelled, has_judge, summary = judge_info(dataset, self.root)
        except Exception:  # noqa: BLE001 - a look-up must never take the window down; say nothing
            return
        emit_from_worker(self._worker_inspected, request_id, labelled, has_judge, summary)

    def _run_train(self, request_id: int, dataset: Any, threads: int, cancel: threading.Event) -> None:
        try:
            from ...core.device import configure_cpu_threads
            from ...core.quality.judge_training import train_judge  # torch: imported here, never on the GUI thread

            configure_cpu_threads(threads)

            def progress(done: int, total: int) -> None:
                emit_from_worker(self._worker_progress, request_id, done, total)

            judge = train_judge(dataset, self.epochs, TaskState(progress, cancel=cancel), root=self.root)
        except Exception as error:  # noqa: BLE001 - reported, never raised into Qt
            if cancel.is_set():  # Cancelled, or whatever stopping mid-batch caused
                emit_from_worker(self._worker_cancelled, request_id)
            elif isinstance(error, GanStudioError):
                emit_from_worker(self._worker_failed, request_id, str(error))
            else:
                emit_from_worker(self._worker_failed, request_id, f"training the judge failed: {type(error).__name__}: {error}")
            return
        result = {
            "accuracy": float(judge.accuracy),
            "path": str(judge.path),
            "fingerprint": judge.fingerprint,
            "epochs": int(judge.epochs),
            "heldout": int(judge.info.get("heldout_count", 0)),
            "num_classes": int(judge.num_classes),
            "summary": dataset.summary(),
        }
        emit_from_worker(self._worker_finished, request_id, result)

    # -- GUI thread: results -------------------------------------------------------------------
    @Slot(int, bool, bool, str)
    def _on_inspected(self, request_id: int, labelled: bool, has_judge: bool, summary: str) -> None:
        if request_id == self._inspect_id:
            self.inspected.emit(labelled, has_judge, summary)

    @Slot(int, int, int)
    def _on_progress(self, request_id: int, done: int, total: int) -> None:
        if request_id == self._train_id:
            self.progress.emit(done, total)

    @Slot(int, object)
    def _on_finished(self, request_id: int, result: object) -> None:
        if request_id == self._train_id:
            self._train_id = 0
            self.finished.emit(result)

    @Slot(int, str)
    def _on_failed(self, request_id: int, message: str) -> None:
        if request_id == self._train_id:
            self._train_id = 0
            self.failed.emit(message)

    @Slot(int)
    def _on_cancelled(self, request_id: int) -> None:
        if request_id == self._train_id:
            self._train_id = 0
            self.cancelled.emit()
