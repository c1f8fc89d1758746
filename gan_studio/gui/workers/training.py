"""Runs the trainer in a worker thread and re-emits its events as typed Qt signals.

The worker iterates the core trainer's event generator; the GUI thread only sends commands
(thread-safe, read by the trainer between steps) and receives values (dataclasses with numpy
payloads). torch is imported in the worker thread, never here, so the window paints before
torch is loaded and the GUI thread never runs a torch operation.
"""

from __future__ import annotations

import enum
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from ...core.train.commands import TrainerCommands
from ...core.config import RunConfig
from ...core.events import (
    CheckpointSaved,
    EpochEnd,
    Finished,
    HealthWarning,
    LearningRatesChanged,
    Paused,
    QualityMeasured,
    Resumed,
    RunStarted,
    StepMetrics,
)
from ...core.jobs import user_message


class TrainingState(enum.Enum):
    IDLE = "idle"  # nothing running: set up, train, open runs
    STARTING = "starting"  # loading data and building models in the worker
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"  # asked to stop; saving a checkpoint

    @property
    def busy(self) -> bool:
        return self is not TrainingState.IDLE


# Which user actions make sense in each state; the window enables its controls from this table.
ALLOWED_ACTIONS: dict[TrainingState, frozenset[str]] = {
    TrainingState.IDLE: frozenset({"train", "open", "edit"}),
    TrainingState.STARTING: frozenset({"stop"}),
    TrainingState.RUNNING: frozenset({"pause", "stop", "save", "steer"}),
    TrainingState.PAUSED: frozenset({"resume", "stop", "save", "steer"}),
    TrainingState.STOPPING: frozenset(),
}


class _Worker(QObject):
    """Lives in the worker thread; runs one trainer from start to end."""

    event = Signal(object)
    failed = Signal(str, str)  # message, details (traceback)
    done = Signal()

    def __init__(self, make_trainer) -> None:
        super().__init__()
        self._make_trainer = make_trainer

    @Slot()
    def run(self) -> None:
        try:
            for item in self._make_trainer().events():
                self.event.emit(item)
        except Exception as error:  # noqa: BLE001 - every failure must reach the window as a message
            self.failed.emit(user_message(error, "Training"), traceback.format_exc())
        finally:
            self.done.emit()


class TrainingController(QObject):
    """Owns the worker thread; start/pause/resume/stop; re-emits the trainer's events."""

    stateChanged = Signal(object)  # TrainingState
    runStarted = Signal(object)  # RunStarted
    metricsReceived = Signal(object)  # StepMetrics
    epochEnded = Signal(object)  # EpochEnd
    checkpointSaved = Signal(object)  # CheckpointSaved
    learningRatesChanged = Signal(object)  # LearningRatesChanged
    qualityMeasured = Signal(object)  # QualityMeasured
    healthWarning = Signal(object)  # HealthWarning
    finished = Signal(object)  # Finished
    failed = Signal(str, str)  # message, details

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = TrainingState.IDLE
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        # Made here, not by the trainer: a stop pressed while the worker is still loading data
        # must not be lost.
        self._commands = TrainerCommands()
        self.run_dir: Path | None = None

    # -- state -----------------------------------------------------------------------------------
    @property
    def state(self) -> TrainingState:
        return self._state

    def allows(self, action: str) -> bool:
        return action in ALLOWED_ACTIONS[self._state]

    def _set_state(self, state: TrainingState) -> None:
        if state is not self._state:
            self._state = state
            self.stateChanged.emit(state)

    # -- commands --------------------------------------------------------------------------------
    def start_new(self, config: RunConfig, run_dir: Path, dataset=None) -> None:
        """Train a new run in ``run_dir``; ``dataset`` (already loaded) saves loading it twice."""
        config = config.copy()
        commands = self._fresh_commands()

        def make():
            from ...core.train.trainer import Trainer  # imports torch: in the worker thread

            return Trainer.new(config, run_dir, dataset=dataset, commands=commands)

        self._start(make, Path(run_dir))

    def start_resume(self, run_dir: Path, extra_epochs: int | None = None) -> None:
        commands = self._fresh_commands()

        def make():
            from ...core.train.trainer import Trainer

            return Trainer.resume(run_dir, extra_epochs=extra_epochs, commands=commands)

        self._start(make, Path(run_dir))

    def pause(self) -> None:
        if self.allows("pause"):
            self._commands.pause()

    def resume(self) -> None:
        if self.allows("resume"):
            self._commands.resume()

    def save_checkpoint(self) -> None:
        if self.allows("save"):
            self._commands.save_checkpoint()

    def set_learning_rates(self, lr_g: float, lr_d: float) -> None:
        if self.allows("steer"):
            self._commands.set_learning_rates(lr_g, lr_d)

    def stop(self) -> None:
        """Ask the trainer to stop at the next step; it saves a checkpoint, then finishes."""
        if not self._state.busy or self._state is TrainingState.STOPPING:
            return
        self._commands.stop()
        self._set_state(TrainingState.STOPPING)

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Stop and join the worker (window close, test teardown). True when no thread is left."""
        self.stop()
        thread = self._thread
        if thread is None:
            return True
        finished = thread.wait(timeout_ms)
        if finished:
            self._cleanup()
        return finished

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    # -- internals -------------------------------------------------------------------------------
    def _fresh_commands(self) -> TrainerCommands:
        if self._state.busy or self._thread is not None:
            raise RuntimeError("training is already running")
        self._commands = TrainerCommands()
        return self._commands

    def _start(self, make_trainer, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._thread = QThread()
        self._thread.setObjectName("training")
        self._worker = _Worker(make_trainer)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.event.connect(self._on_event)
        self._worker.failed.connect(self._on_failed)
        # Direct: the thread's event loop must end even when the GUI loop no longer runs (at exit).
        self._worker.done.connect(self._thread.quit, Qt.ConnectionType.DirectConnection)
        self._thread.finished.connect(self._on_thread_finished)
        self._set_state(TrainingState.STARTING)
        self._thread.start()

    @Slot(object)
    def _on_event(self, event) -> None:
        if isinstance(event, StepMetrics):
            self.metricsReceived.emit(event)
        elif isinstance(event, EpochEnd):
            self.epochEnded.emit(event)
        elif isinstance(event, RunStarted):
            if self._state is TrainingState.STARTING:
                self._set_state(TrainingState.RUNNING)
            self.runStarted.emit(event)
        elif isinstance(event, CheckpointSaved):
            self.checkpointSaved.emit(event)
        elif isinstance(event, Paused):
            if self._state is not TrainingState.STOPPING:
                self._set_state(TrainingState.PAUSED)
        elif isinstance(event, Resumed):
            if self._state is not TrainingState.STOPPING:
                self._set_state(TrainingState.RUNNING)
        elif isinstance(event, LearningRatesChanged):
            self.learningRatesChanged.emit(event)
        elif isinstance(event, QualityMeasured):
            self.qualityMeasured.emit(event)
        elif isinstance(event, HealthWarning):
            self.healthWarning.emit(event)
        elif isinstance(event, Finished):
            self._last_finished = event

    @Slot(str, str)
    def _on_failed(self, message: str, details: str) -> None:
        self._failure = (message, details)

    @Slot()
    def _on_thread_finished(self) -> None:
        # Emitted once the worker has returned: the thread is done, so it is safe to delete.
        finished = self.__dict__.pop("_last_finished", None)
        failure = self.__dict__.pop("_failure", None)
        self._cleanup()
        self._set_state(TrainingState.IDLE)
        if failure is not None:
            self.failed.emit(*failure)
        elif finished is not None:
            self.finished.emit(finished)

    def _cleanup(self) -> None:
        if self._thread is not None:
            # `finished` is emitted just before the thread ends: wait (briefly) until it has,
            # because destroying a running QThread aborts the process.
            self._thread.wait()
            self._thread.deleteLater()
        if self._worker is not None:
            self._worker.deleteLater()
        self._thread = None
        self._worker = None
