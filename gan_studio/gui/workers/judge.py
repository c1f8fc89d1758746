"""Trains a judge for the user's data off the GUI thread, and says whether one exists.

Two kinds of job (jobs.py), neither touching a widget:

- ``inspect(dataset)``: can a judge be trained for it, and is one saved for it? That needs the
  dataset's fingerprint, a hash of every pixel (~0.1 s per 50 MB), so it is not computed on the
  GUI thread. The newest request wins.
- ``train(dataset, threads)``: ``core.quality.judges.train_judge_for`` (a classifier for
  labelled data, a contrastive encoder for unlabelled data; torch is imported in the job's
  thread, never on the GUI thread), with progress, cooperative cancel and a plain-dict result;
  one at a time.

``shutdown`` cancels and joins every job.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from ...core.jobs import TaskState
from ...core.quality.judges import choose_judge
from .jobs import Jobs, Latest

THREAD_PREFIX = "judge-worker"  # thread names start with this (tests look for them)


def judge_info(dataset: Any, root: Path | None = None) -> tuple[bool, bool, str]:
    """(a judge could be trained for it, has a judge, summary) of an ImageDataset.
    May hash the data: call it off the GUI thread."""
    choice = choose_judge(dataset.report.source, dataset, root=root)
    return choice.trainable, choice.scores, dataset.summary()


def _inspect(dataset: Any, root: Path | None, task: TaskState) -> tuple[bool, bool, str]:
    return judge_info(dataset, root)


def _train(dataset: Any, epochs: int | None, threads: int, root: Path | None, task: TaskState) -> dict:
    """The call into the core, in the job's thread; the judge comes back as plain values."""
    from ...core.device import configure_cpu_threads
    from ...core.quality.judges import train_judge_for  # torch: imported in this thread, never on the GUI thread

    configure_cpu_threads(threads)
    judge = train_judge_for(dataset, epochs, task, root=root)
    return {
        "kind": judge.kind,
        "accuracy": float(getattr(judge, "accuracy", float("nan"))),  # a classifier's; NaN for an encoder
        "path": str(judge.path),
        "fingerprint": judge.fingerprint,
        "heldout": int(judge.info.get("heldout_count", 0)),
        "num_classes": int(judge.num_classes),
        "message": judge.summary(),
        "summary": dataset.summary(),
    }


class JudgeWorker(QObject):
    """Background judge training (one at a time) and judge look-ups (newest wins)."""

    inspected = Signal(bool, bool, str)  # trainable, has_judge, summary: the newest inspected dataset
    progress = Signal(int, int)  # batches done, total
    finished = Signal(object)  # dict: kind, accuracy, path, fingerprint, heldout, num_classes, message, summary
    failed = Signal(str)  # one sentence
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None, root: Path | None = None, epochs: int | None = None) -> None:
        super().__init__(parent)
        self.root = root  # judges folder; None = default_judges_dir() (tests pass a temporary one)
        self.epochs = epochs  # None = chosen from the data's size (tests pass a small count)
        self._next_id = 0
        self._jobs = Jobs(self)
        self._inspection = Latest(self._jobs)
        self._training = Latest(self._jobs)  # one at a time: train() refuses while it is pending

    # -- GUI thread: requests ------------------------------------------------------------------
    def inspect(self, dataset: Any) -> None:
        """Find out (in a thread) whether ``dataset`` is labelled and has a judge; emits ``inspected``."""
        if dataset is None:
            return
        # A look-up must never take the window down: a failure says nothing.
        job = self._inspection.start(partial(_inspect, dataset, self.root), name=self._new_name())
        job.returned.connect(lambda answer: self.inspected.emit(*answer))

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
        job = self._training.start(partial(_train, dataset, self.epochs, int(threads), self.root),
                                   name=self._new_name(), doing="training the judge")
        job.progress.connect(self.progress)
        job.returned.connect(self.finished)
        job.failed.connect(lambda message, _details: self.failed.emit(message))
        job.cancelled.connect(self.cancelled)
        return True

    def cancel(self) -> None:
        """Ask the training in flight to stop at its next batch; it then emits ``cancelled``."""
        if self._training.job is not None:
            self._training.job.stop()

    def is_training(self) -> bool:
        return self._training.pending()

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel and wait for every job; True when none is left running."""
        self._inspection.cancel()
        self._training.cancel()
        return self._jobs.shutdown(timeout_ms)

    def _new_name(self) -> str:
        self._next_id += 1
        return f"{THREAD_PREFIX}-{self._next_id}"
