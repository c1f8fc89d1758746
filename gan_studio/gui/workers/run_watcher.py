"""Opening a run folder, and following it while another process (``gan-studio train``) writes it.

All file reading happens in a worker thread; the window receives plain values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot

from ...core.config import RunConfig
from ...core.errors import GanStudioError
from ...core.images import load_png
from ...core.runs.folder import MetricsReader, RunFolder

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


class _Reader(QObject):
    history = Signal(object)
    metrics = Signal(object)
    epoch = Signal(int, object)
    failed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._run: RunFolder | None = None
        self._reader: MetricsReader | None = None
        self._known_epochs: set[int] = set()
        self._timer: QTimer | None = None

    @Slot(str, bool)
    def open(self, path: str, follow: bool) -> None:
        self._stop_timer()
        try:
            run = RunFolder.open(Path(path))
            reader = MetricsReader(run.metrics_path)
            metrics = reader.read_new() or run.read_metrics()
            grids = _readable_grids(run.sample_paths())
            history = RunHistory(
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
        except GanStudioError as error:
            self.failed.emit(str(error))
            return
        except OSError as error:
            self.failed.emit(f"cannot read the run at {path}: {error.strerror or error}")
            return
        self._run, self._reader = run, reader
        self._known_epochs = {epoch for epoch, _ in grids}
        self.history.emit(history)
        if follow:
            self._timer = QTimer(self)
            self._timer.timeout.connect(self._poll)
            self._timer.start(POLL_MS)

    @Slot()
    def close(self) -> None:
        self._stop_timer()
        self._run = self._reader = None

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None

    @Slot()
    def _poll(self) -> None:
        if self._run is None or self._reader is None:
            return
        new = self._reader.read_new()
        if new is not None:
            self.metrics.emit(new)
        for epoch, path in self._run.sample_paths():
            if epoch not in self._known_epochs:
                try:
                    grid = load_png(path)
                except OSError:
                    continue  # being written right now: next poll
                self._known_epochs.add(epoch)
                self.epoch.emit(epoch, grid)


class RunWatcher(QObject):
    """Reads a run folder in a worker thread; with ``follow`` keeps reporting what is appended."""

    historyLoaded = Signal(object)  # RunHistory
    metricsAppended = Signal(object)  # dict of column arrays, new rows only
    epochAdded = Signal(int, object)  # epoch, grid
    failed = Signal(str)
    _open = Signal(str, bool)
    _close = Signal()
    _close_and_wait = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("run-watcher")
        self._reader = _Reader()
        self._reader.moveToThread(self._thread)
        self._open.connect(self._reader.open)
        self._close.connect(self._reader.close)
        # On shutdown the reader must stop its poll timer in its own thread before that thread
        # ends (a timer cannot be stopped from another thread): block until it has.
        self._close_and_wait.connect(self._reader.close, Qt.ConnectionType.BlockingQueuedConnection)
        self._reader.history.connect(self.historyLoaded)
        self._reader.metrics.connect(self.metricsAppended)
        self._reader.epoch.connect(self.epochAdded)
        self._reader.failed.connect(self.failed)
        self._thread.start()

    def open(self, path: Path, follow: bool = True) -> None:
        self._open.emit(str(path), follow)

    def close_run(self) -> None:
        self._close.emit()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        if not self._thread.isRunning():
            return True
        self._close_and_wait.emit()
        self._thread.quit()
        return self._thread.wait(timeout_ms)
