"""The training loop, as a generator of events that can be paused, stopped and steered.

    trainer = Trainer.new(config, run_dir)        # or Trainer.resume(run_dir)
    for event in trainer.events():                # StepMetrics, EpochEnd, CheckpointSaved, Finished...
        ...
    trainer.commands.stop()                       # from any thread; read between steps

The command line iterates it in its main thread; the window in a worker thread. Everything heavy
(loading data, building models) happens inside ``events()``, on the consuming thread.

One flat loop (:meth:`Trainer._train`): each epoch is steps with the commands read between them,
then the epoch's end; each phase is a method that says whether the run ended. Observers ride
along (observers.py): the QualityMonitor scores samples after some epochs (QualityMeasured,
quality.csv, checkpoints/best.pt; see quality/monitor.py), the HealthMonitor turns the metrics
into plain-language HealthWarning events (health.jsonl; see quality/health.py), and a caller
may add its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import Machine, RunConfig
from ..data import ImageDataset
from ..device import release_device_memory
from ..errors import is_out_of_memory, out_of_memory_message
from ..events import (
    STEP_METRICS,
    CheckpointSaved,
    EpochEnd,
    Event,
    Finished,
    FinishReason,
    LearningRatesChanged,
    Paused,
    Resumed,
    StepMetrics,
)
from ..quality.health import HealthMonitor
from ..quality.monitor import QualityMonitor
from ..runs.folder import METRICS_COLUMNS
from .clock import TrainingClock
from .commands import Command, TrainerCommands
from ..observers import EpochDone, Observer
from ..runs.lineage import InitFrom
from .init_from import Parent, open_parent
from .opening import OpenedRun, open_new_run, open_run_to_resume, record_session, run_started
from .session import TrainingSession
from .stepping import SteppingPhases

EVENTS_PER_SECOND = 10  # StepMetrics cadence: smooth curves, negligible cost

# A phase of the loop: yields events, returns True once the run has ended (Finished was yielded).
Phase = Generator[Event, None, bool]


@dataclass(frozen=True)
class EpochWorkload:
    """What one epoch of the run in progress trains on, for tools that time it (the benchmark)."""

    images_per_epoch: int  # real images its steps use (a dropped last batch left out)
    steps_per_epoch: int
    batch_size: int
    threads: int  # the torch CPU threads the session set


@dataclass
class _LoopState:
    """What the loop carries from one phase to the next."""

    report_every_s: float  # StepMetrics cadence, from events_per_second when the loop starts
    steps_at_start: int  # global step when this session began (its pace sets the ETA)
    pending: list = field(default_factory=list)  # per-step metric tensors not yet read from the device
    images_since_report: int = 0
    last_report: float = field(default_factory=time.perf_counter)
    epoch_started: float = 0.0  # wall clock at the epoch's start: its epoch_time_s, pauses included
    epoch_clock: float = 0.0  # training time at the epoch's start, pauses left out
    epoch_values: list[np.ndarray] = field(default_factory=list)  # the epoch's metrics, for its means


class Trainer(SteppingPhases):
    """Trains one run folder. Build with :meth:`new` or :meth:`resume`, then iterate :meth:`events`.

    ``observers`` watch the run beside the built-in quality and health monitors (observers.py);
    ``now`` is the time source of the training clock (the time limit and the ETA read it)."""

    def __init__(
        self,
        run_dir: Path,
        config: RunConfig | None,
        resume: bool,
        extra_epochs: int | None = None,
        dataset: ImageDataset | None = None,
        commands: TrainerCommands | None = None,
        *,
        minutes: float | None = None,
        machine: Machine | None = None,
        observers: Sequence[Observer] = (),
        now: Callable[[], float] = time.perf_counter,
        init_from: InitFrom | Parent | None = None,
    ) -> None:
        self.run_dir = Path(run_dir).expanduser()
        self.machine = machine  # a resume's device and threads (a new run's are in its config)
        self.init_from = init_from  # a new run's starting weights: another run's checkpoint
        self.config = config
        self.resuming = resume
        self.extra_epochs = extra_epochs
        self.minutes = minutes
        self.dataset = dataset
        # Created by the caller when it must send commands before the trainer exists (the window).
        self.commands = commands or TrainerCommands()
        self.events_per_second = EVENTS_PER_SECOND
        self.extra_observers = tuple(observers)
        self.now = now
        # The run in progress, set while events() runs. The monitors are its first observers.
        self._session: TrainingSession | None = None
        self.monitor: QualityMonitor | None = None
        self.health: HealthMonitor | None = None
        self.observers: tuple[Observer, ...] = ()

    @classmethod
    def new(
        cls, config: RunConfig, run_dir: Path, dataset: ImageDataset | None = None, commands: TrainerCommands | None = None,
        *, observers: Sequence[Observer] = (), now: Callable[[], float] = time.perf_counter,
        init_from: InitFrom | Parent | None = None,
    ) -> Trainer:  # init_from: start from another run's G and D (and optimisers), see init_from.py
        return cls(run_dir, config.copy(), False, dataset=dataset, commands=commands, observers=observers, now=now, init_from=init_from)

    @classmethod
    def resume(
        cls, run_dir: Path, extra_epochs: int | None = None, dataset: ImageDataset | None = None,
        commands: TrainerCommands | None = None, *, minutes: float | None = None, machine: Machine | None = None,
        observers: Sequence[Observer] = (), now: Callable[[], float] = time.perf_counter,
    ) -> Trainer:
        """Continue from the run's last checkpoint: to its planned end, or ``extra_epochs`` more;
        ``minutes`` replaces its time limit (0: none); ``machine``: this process' (default: auto)."""
        return cls(
            run_dir, None, resume=True, extra_epochs=extra_epochs, dataset=dataset, commands=commands,
            minutes=minutes, machine=machine, observers=observers, now=now,
        )

    @property
    def session(self) -> TrainingSession | None:
        """The live session while events() runs (None before): its players, optimisers and
        counters, for tests and tools that must reach them. Only the loop changes it."""
        return self._session

    def workload(self) -> EpochWorkload:
        """What an epoch of the run in progress trains on; once events() has opened the run."""
        session = self._session
        if session is None:
            raise RuntimeError("the run has not started: iterate events() first")
        images = session.steps_per_epoch * session.batch_size if session.config.train.drop_last else len(session.images)
        return EpochWorkload(images, session.steps_per_epoch, session.batch_size, session.threads)

    # -- the run ---------------------------------------------------------------------------------
    def events(self) -> Iterator[Event]:
        # Holds the run's lock (RunLocked when another has it) until the run ends, however it ends.
        with self._open() as opened:
            self._start(opened)
            opened.started = True
            try:
                yield from self._emit(run_started(opened, self._session))
                yield from self._train()
            finally:
                self._metrics_file.close()
                for observer in self.observers:
                    observer.close()
                self._session.close()

    def _start(self, opened: OpenedRun) -> None:
        run = opened.run
        self.config = opened.config
        session = self._session = self._make_session(opened)
        if session.rank == 0:  # the run folder's one writer (distributed_session.py)
            record_session(opened, session)
        self._run = run
        self._metrics_file = session.open_table(run.metrics_path, METRICS_COLUMNS)
        self._clock = TrainingClock(self.config.train.minutes * 60.0, self.now)
        self.observers = self._make_observers(opened, session)

    def _make_session(self, opened: OpenedRun) -> TrainingSession:
        return TrainingSession(self.config, opened.dataset, opened.run, opened.state, opened.parent)

    def _make_observers(self, opened: OpenedRun, session: TrainingSession) -> tuple[Observer, ...]:
        run, dataset = opened.run, opened.dataset
        self.monitor = QualityMonitor(run, session, dataset.images, self.config.train.quality_every, labels=dataset.labels)
        self.health = HealthMonitor.for_run(run, self.config.train.loss, session.steps_per_epoch)
        return (self.monitor, self.health, *self.extra_observers)

    def _open(self) -> OpenedRun:
        if self.resuming:
            return open_run_to_resume(self.run_dir, self.extra_epochs, self.minutes, self.dataset, self.machine)
        parent = open_parent(self.init_from) if isinstance(self.init_from, InitFrom) else self.init_from
        return open_new_run(self.run_dir, self.config, self.dataset, parent)

    def _train(self) -> Iterator[Event]:
        session = self._session
        self._loop = _LoopState(1.0 / self.events_per_second, session.global_step)
        self._clock.start()
        while session.epoch < self.config.train.epochs:
            self._start_epoch()
            for real, labels in session.batches():
                if (yield from self._handle_commands()):
                    return
                if (yield from self._step(real, labels)):
                    return
            if (yield from self._end_epoch()):
                return
        yield from self._finish(
            FinishReason.COMPLETED, f"Finished {session.epoch} epochs ({session.global_step} steps).",
            self._run.last_checkpoint(),
        )

    # -- the phases ------------------------------------------------------------------------------
    def _start_epoch(self) -> None:
        self._loop.epoch_started = time.perf_counter()
        self._loop.epoch_clock = self._clock.elapsed()
        self._loop.epoch_values.clear()

    def _step(self, real, labels) -> Phase:
        session, loop = self._session, self._loop
        position = (session.global_step, session.step_in_epoch)
        advice = None
        try:
            loop.pending.append(session.step(real, labels, only=self._single))
        except Exception as error:  # noqa: BLE001 - only out-of-memory is handled here
            if not is_out_of_memory(error):
                raise
            advice = out_of_memory_message(error, self.config.train.batch_size)
        if advice is not None:  # outside the except: the failed step's tensors are freed
            yield from self._out_of_memory(advice, position)
            return True
        loop.images_since_report += real.shape[0]
        yield from self._after_step()
        # The session has the last word: the ranks of a distributed run report at the same step.
        if session.report_due(time.perf_counter() - loop.last_report >= loop.report_every_s):
            return (yield from self._report())
        return False

    def _end_epoch(self) -> Phase:
        session, loop, cfg = self._session, self._loop, self.config.train
        if (yield from self._report()):
            return True
        session.end_epoch()
        out_of_time = session.agree(self._clock.out_of_time())  # every rank ends at the same epoch
        grid, sample_path = session.write_epoch_grid()
        values = loop.epoch_values
        means = np.nanmean(np.concatenate(values), axis=0) if values else np.full(len(STEP_METRICS), np.nan)
        epoch_time = time.perf_counter() - loop.epoch_started
        session.append_epoch_summary(epoch_time, means, self._clock.elapsed())
        yield from self._emit(EpochEnd(
            epoch=session.epoch,
            global_step=session.global_step,
            grid=grid,
            sample_path=sample_path,
            epoch_time_s=epoch_time,
            means=dict(zip(STEP_METRICS, (float(v) for v in means))),
            generator_weights=session.generator_weights(),
        ))
        saved = self._save("epoch")
        done = EpochDone(
            session.epoch, session.global_step, cfg.epochs, final=out_of_time or session.epoch >= cfg.epochs,
            train_seconds=self._clock.elapsed() - loop.epoch_clock,
        )
        # Collected now, between the save and its event (the quality monitor scores the weights
        # just saved), and yielded after it.
        answers = [event for observer in self.observers for event in observer.on_epoch_saved(saved, done)]
        yield from self._emit(saved)
        for event in answers:
            yield from self._emit(event)
        if out_of_time and session.epoch < cfg.epochs:  # the time limit came first
            minutes = f"{cfg.minutes:g} minute{'' if cfg.minutes == 1 else 's'}"
            message = f"Trained for {minutes}: {session.epoch} epochs ({session.global_step} steps)."
            yield from self._finish(FinishReason.COMPLETED, message, self._run.last_checkpoint())
            return True
        return False

    def _handle_commands(self) -> Phase:
        for command in self.commands.pending():
            yield from self._apply(command)
            if command.name == "pause" and not self.commands.stop_requested:
                yield from self._pause()
        if self._pause_after and self._single is None and not self.commands.stop_requested:
            yield from self._pause()  # a single step is done: paused again, as before it
        if self.commands.stop_requested:
            yield from self._stop()
            return True
        return False

    def _apply(self, command: Command) -> Iterator[Event]:
        """Commands that act at once, whether running or paused."""
        if command.name == "save":
            yield from self._emit(self._save("requested"))
        elif command.name == "lr":
            lr_g, lr_d = self._session.set_learning_rates(command.lr_g, command.lr_d)
            yield from self._emit(LearningRatesChanged(lr_g, lr_d))
        else:
            yield from self._apply_stepping(command)

    def _pause(self) -> Iterator[Event]:
        """Blocks until resumed or stopped; checkpoints and learning rates still work meanwhile."""
        self._pause_after = False
        yield from self._report_metrics()
        self._clock.pause()
        yield from self._emit(Paused(self._session.global_step))
        command = self.commands.wait()
        while command.name not in ("resume", "stop") and not self.commands.stop_requested:
            yield from self._apply(command)
            if self._single is not None:  # a single step: taken on the next batch, then paused again
                break
            command = self.commands.wait()
        self._clock.start()
        self._loop.last_report = time.perf_counter()
        if not self.commands.stop_requested and self._single is None:
            yield from self._emit(Resumed(self._session.global_step))

    def _stop(self) -> Iterator[Event]:
        session = self._session
        if (yield from self._report()):
            return
        saved = self._save("stop")
        yield from self._emit(saved)
        message = f"Stopped at epoch {session.epoch + 1}, step {session.global_step}; saved a checkpoint."
        yield from self._finish(FinishReason.STOPPED, message, saved.path)

    def _out_of_memory(self, advice: str, position: tuple[int, int]) -> Iterator[Event]:
        # The failed step may have moved one player already; it is taken off the counters so
        # that a resume redoes its batch (exact but for that one batch). The step's memory
        # is released first, so the save itself fits.
        session = self._session
        session.global_step, session.step_in_epoch = position
        release_device_memory(session.device)
        yield from self._report_metrics()
        try:
            saved = self._save("out-of-memory")
        except Exception:  # noqa: BLE001 - the save did not fit either: the last checkpoint stays
            saved = None
        if saved is None:
            last = self._run.last_checkpoint()
            kept = " The last checkpoint is kept; the run can be resumed from it." if last else ""
            yield from self._finish(FinishReason.OUT_OF_MEMORY, advice + kept, last)
            return
        yield from self._emit(saved)
        message = f"{advice} Saved a checkpoint at step {session.global_step}; the run can be resumed."
        yield from self._finish(FinishReason.OUT_OF_MEMORY, message, saved.path)

    # -- reporting -------------------------------------------------------------------------------
    def _report(self) -> Phase:
        """The metrics since the last report, then the run's end if a loss became NaN or infinite."""
        yield from self._report_metrics()
        if not self._session.diverged():
            return False
        message = self._session.divergence_message()
        yield from self._finish(FinishReason.DIVERGED, message, self._run.last_checkpoint())
        return True

    def _report_metrics(self) -> Iterator[Event]:
        metrics = self._read_metrics()
        if metrics is not None:
            yield from self._emit(metrics)

    def _read_metrics(self) -> StepMetrics | None:
        """A StepMetrics of the steps since the last one, also written to metrics.csv."""
        session, loop = self._session, self._loop
        if not loop.pending:
            return None
        values = session.read_metrics(loop.pending)  # the one device sync of the interval
        steps = np.arange(session.global_step - len(loop.pending) + 1, session.global_step + 1, dtype=np.int64)
        loop.pending = []
        now = time.perf_counter()
        rate = loop.images_since_report / max(now - loop.last_report, 1e-9)
        loop.last_report, loop.images_since_report = now, 0
        loop.epoch_values.append(values)
        elapsed = self._clock.elapsed()
        self._metrics_file.write_rows(session.metric_rows(steps, values, elapsed))
        eta = self._clock.eta(
            elapsed, session.global_step - loop.steps_at_start,
            self.config.train.epochs * session.steps_per_epoch - session.global_step,
            session.steps_per_epoch, session.step_in_epoch,
        )
        return StepMetrics(
            epoch=session.epoch + 1,
            steps=steps,
            values=values,
            step_in_epoch=session.step_in_epoch,
            steps_per_epoch=session.steps_per_epoch,
            global_step=session.global_step,
            images_per_s=rate,
            eta_s=eta,
            elapsed_s=session.elapsed_before + elapsed,
        )

    def _save(self, reason: str) -> CheckpointSaved:
        session = self._session
        path = session.save_checkpoint(elapsed=self._clock.elapsed(), numbered=reason == "epoch")
        return CheckpointSaved(path, session.epoch, session.global_step, reason)

    def _finish(self, reason: FinishReason, message: str, checkpoint: Path | None) -> Iterator[Event]:
        """Every end of the run: what the observers have to say first, then Finished."""
        finished = Finished(reason, message, self._session.epoch, self._session.global_step, checkpoint)
        if self._session.rank == 0:  # the runs table's status; rank 0 is the folder's one writer
            self._run.record_end(reason.value, finished.epoch, finished.global_step)
        last_words = [event for observer in self.observers for event in observer.on_finishing(finished)]
        for event in last_words:
            yield from self._emit(event)
        yield from self._emit(finished)

    def _emit(self, event: Event) -> Iterator[Event]:
        """Yield ``event``, show it to every observer, then emit their answers in turn: so each
        observer sees every event, answers included, in the order they are yielded."""
        yield event
        answers = [answer for observer in self.observers for answer in observer.on_event(event)]
        for answer in answers:
            yield from self._emit(answer)


def warm_up() -> None:
    """Pay torch's one-time costs now, off the training path (the window's device probe calls it
    at start-up): the first optimizer built in a process imports torch's compiler stack (~1.5 s,
    much of it holding the GIL, which froze the window for up to ~150 ms at a time when it
    happened in the training thread), and the trainer's modules are imported (by importing this one)."""
    import torch

    parameter = torch.nn.Parameter(torch.zeros(1))
    torch.optim.Adam([parameter], fused=parameter.device.type in ("cpu", "cuda"))
