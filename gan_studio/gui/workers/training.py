"""Runs the trainer in a job (jobs.py) and re-emits its events as typed Qt signals.

The job iterates the core trainer's event generator; the GUI thread only sends commands
(thread-safe, read by the trainer between steps: pause, stop, save, learning rates) and receives
values (dataclasses with numpy payloads). torch is imported in the job's thread, never here, so
the window paints before torch is loaded and the GUI thread never runs a torch operation.
"""

from __future__ import annotations

import enum
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from ...core.config import Machine, RunConfig
from ...core.jobs import TaskState
from ...core.train.commands import TrainerCommands
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
    SamplesRefreshed,
    StepMetrics,
    TrainingSettingsChanged,
)
from .jobs import Job, Jobs


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


def _train(make_trainer, task: TaskState):  # noqa: ANN001 - a callable returning a Trainer
    """The job: build the trainer (torch is imported here, in the job's thread) and run its events.

    It is stopped by the trainer's own commands, never between two events: a stop saves a
    checkpoint and then ends the generator. A failure is user_message(error, "Training").
    """
    return (yield from make_trainer().events())


class TrainingController(QObject):
    """Owns the training job; start/pause/resume/stop; re-emits the trainer's events."""

    stateChanged = Signal(object)  # TrainingState
    runStarted = Signal(object)  # RunStarted
    metricsReceived = Signal(object)  # StepMetrics
    epochEnded = Signal(object)  # EpochEnd
    checkpointSaved = Signal(object)  # CheckpointSaved
    learningRatesChanged = Signal(object)  # LearningRatesChanged
    qualityMeasured = Signal(object)  # QualityMeasured
    healthWarning = Signal(object)  # HealthWarning
    samplesRefreshed = Signal(object)  # SamplesRefreshed: the grid after a single or slow-motion step
    settingsChanged = Signal(object)  # TrainingSettingsChanged
    finished = Signal(object)  # Finished
    failed = Signal(str, str)  # message, details

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = TrainingState.IDLE
        self._jobs = Jobs(self)
        self._job: Job | None = None
        self._last_finished: Finished | None = None
        self._failure: tuple[str, str] | None = None
        # Made here, not by the trainer: a stop pressed while the worker is still loading data
        # must not be lost.
        self._commands = TrainerCommands()
        self._speed = 0.0  # slow motion's steps a second (0: full speed)
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
    def start_new(self, config: RunConfig, run_dir: Path, dataset=None, init_from=None) -> None:  # noqa: ANN001
        """Train a new run in ``run_dir``; ``dataset`` (already loaded) saves loading it twice;
        ``init_from`` (an InitFrom): start from another run's weights."""
        config = config.copy()
        commands = self._fresh_commands()

        def make():
            from ...core.train.trainer import Trainer  # imports torch: in the worker thread

            return Trainer.new(config, run_dir, dataset=dataset, commands=commands, init_from=init_from)

        self._start(make, Path(run_dir))

    def start_resume(self, run_dir: Path, extra_epochs: int | None = None, machine: Machine | None = None) -> None:
        """Continue ``run_dir`` on ``machine`` (the form's device and threads), not the run's own."""
        commands = self._fresh_commands()

        def make():
            from ...core.train.trainer import Trainer

            return Trainer.resume(run_dir, extra_epochs=extra_epochs, commands=commands, machine=machine)

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

    def step(self, player: str) -> None:
        """One step of ``player`` ("d", "g", "both") on the next batch, then paused."""
        if self.allows("steer"):
            self._commands.step(player)

    def set_speed(self, steps_per_s: float) -> None:
        self._speed = steps_per_s  # a new run starts at this speed too
        self._commands.set_speed(steps_per_s)

    def edit_settings(self, loss: str, d_steps: int) -> None:
        if self.allows("steer"):
            self._commands.edit(loss=loss, d_steps=d_steps)

    def stop(self) -> None:
        """Ask the trainer to stop at the next step; it saves a checkpoint, then finishes."""
        if not self._state.busy or self._state is TrainingState.STOPPING:
            return
        self._commands.stop()
        self._set_state(TrainingState.STOPPING)

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Stop and join the job (window close, test teardown). True when no thread is left."""
        self.stop()
        return self._jobs.join(timeout_ms)

    def is_running(self) -> bool:
        return self._job is not None and self._job.is_running()

    # -- internals -------------------------------------------------------------------------------
    def _fresh_commands(self) -> TrainerCommands:
        if self._state.busy or self._job is not None:
            raise RuntimeError("training is already running")
        self._commands = TrainerCommands()
        if self._speed:
            self._commands.set_speed(self._speed)
        return self._commands

    def _start(self, make_trainer, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._last_finished, self._failure = None, None
        self._set_state(TrainingState.STARTING)
        self._job = self._jobs.start(partial(_train, make_trainer), name="training", stop=self._commands.stop,
                                     doing="Training")
        self._job.yielded.connect(self._on_event)
        self._job.failed.connect(self._on_failed)
        self._job.finished.connect(self._on_job_finished)

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
        elif isinstance(event, SamplesRefreshed):
            self.samplesRefreshed.emit(event)
        elif isinstance(event, TrainingSettingsChanged):
            self.settingsChanged.emit(event)
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
    def _on_job_finished(self) -> None:
        # Delivered once the job's thread has ended.
        finished, failure = self._last_finished, self._failure
        self._job, self._last_finished, self._failure = None, None, None
        self._set_state(TrainingState.IDLE)
        if failure is not None:
            self.failed.emit(*failure)
        elif finished is not None:
            self.finished.emit(finished)
