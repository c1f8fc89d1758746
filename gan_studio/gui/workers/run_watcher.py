"""Opening a run folder, and following it while another process (``gan-studio train``) writes it.

All file reading happens in a job (jobs.py), a generator that reads the run's history, then,
when following, polls for what is appended; the window receives plain values. Opening another
run (or closing this one) cancels the job: the newest request wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from ...core.config import RunConfig
from ...core.images import load_png
from ...core.runs.folder import MetricsReader, RunFolder
from .jobs import Jobs, JobState, Latest

POLL_MS = 1000


@dataclass
class RunHistory:
    """Everything the window shows of a run, read from its folder."""

    path: Path
    config: RunConfig
    info: dict
    metrics: dict[str, np.ndarray]
    grids: list[tuple[int, np.ndarray]]
    epochs: list[dict[str, float]] = field(default_factory=list)
    has_checkpoint: bool = False
    quality: list[dict] = field(default_factory=list)  # quality.csv rows
    health: list[dict] = field(default_factory=list)  # health.jsonl warnings

    @property
    def epochs_done(self) -> int:
        return int(self.epochs[-1]["epoch"]) if self.epochs else 0

    @property
    def complete(self) -> bool:
        return self.epochs_done >= self.config.train.epochs


def _readable_grids(paths: list[tuple[int, Path]]) -> list[tuple[int, np.ndarray]]:
    """The epoch grids that can be read: a damaged or foreign file is left out, not the whole run."""
    grids = []
    for epoch, path in paths:
        try:
            grids.append((epoch, load_png(path)))
        except OSError:
            continue
    return grids


def _watch(path: Path, follow: bool, task: JobState):
    """The job: ("history", RunHistory), then, following, ("metrics", columns) and ("epoch", (n, grid))."""
    run = RunFolder.open(path)
    reader = MetricsReader(run.metrics_path)
    metrics = reader.read_new() or run.read_metrics()
    grids = _readable_grids(run.sample_paths())
    yield "history", RunHistory(
        path=run.path,
        config=run.config,
        info=run.info,
        metrics=metrics,
        grids=grids,
        epochs=run.read_epochs(),
        has_checkpoint=run.last_checkpoint() is not None,
        quality=run.read_quality(),
        health=run.read_health(),
    )
    known_epochs = {epoch for epoch, _ in grids}
    while follow and not task.wait_cancelled(POLL_MS / 1000):
        try:
            new = reader.read_new()
            samples = run.sample_paths()
        except OSError:
            continue  # the writer is replacing a file right now: next poll
        if new is not None:
            yield "metrics", new
        for epoch, png in samples:
            if epoch not in known_epochs:
                try:
                    grid = load_png(png)
                except OSError:
                    continue  # being written right now: next poll
                known_epochs.add(epoch)
                yield "epoch", (epoch, grid)


class RunWatcher(QObject):
    """Reads a run folder in a job; with ``follow`` keeps reporting what is appended."""

    historyLoaded = Signal(object)  # RunHistory
    metricsAppended = Signal(object)  # dict of column arrays, new rows only
    epochAdded = Signal(int, object)  # epoch, grid
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = Jobs(self)
        self._latest = Latest(self._jobs)

    def open(self, path: Path, follow: bool = True) -> None:
        job = self._latest.start(partial(_watch, Path(path), follow), name="run-watcher")
        job.yielded.connect(self._on_read)
        job.failed.connect(self._on_failed)

    def close_run(self) -> None:
        self._latest.cancel()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        self.close_run()
        return self._jobs.shutdown(timeout_ms)

    def _on_read(self, item: tuple[str, object]) -> None:
        kind, value = item
        if kind == "history":
            self.historyLoaded.emit(value)
        elif kind == "metrics":
            self.metricsAppended.emit(value)
        else:
            self.epochAdded.emit(*value)

    def _on_failed(self, message: str, _details: str) -> None:
        self.failed.emit(message)
