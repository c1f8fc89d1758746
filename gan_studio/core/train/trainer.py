"""The training loop, as a generator of events that can be paused, stopped and steered.

    trainer = Trainer.new(config, run_dir)        # or Trainer.resume(run_dir)
    for event in trainer.events():                # StepMetrics, EpochEnd, CheckpointSaved, Finished...
        ...
    trainer.commands.stop()                       # from any thread; read between steps

The command line iterates it in its main thread; the window in a worker thread. Everything heavy
(loading data, building models) happens inside ``events()``, on the consuming thread.

Two watchers ride along: after some epochs a QualityMonitor scores samples (QualityMeasured,
quality.csv, checkpoints/best.pt; see monitor.py), and a HealthMonitor turns the metrics into
plain-language HealthWarning events (health.jsonl; see health.py).
"""

from __future__ import annotations

import dataclasses
import math
import platform
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from .commands import Command, TrainerCommands
from ..config import RunConfig
from ..data import ImageDataset, load_dataset
from ..device import release_device_memory
from ..errors import CheckpointError, DataError, GanStudioError, is_out_of_memory, out_of_memory_message
from ..events import (
    STEP_METRICS,
    CheckpointSaved,
    EpochEnd,
    Event,
    Finished,
    FinishReason,
    HealthWarning,
    LearningRatesChanged,
    Paused,
    Resumed,
    RunStarted,
    StepMetrics,
)
from ..quality.health import HealthMonitor
from ..quality.monitor import QualityMonitor
from ..runs.folder import METRICS_COLUMNS, CsvAppender, RunFolder
from .session import TrainingSession

EVENTS_PER_SECOND = 10  # StepMetrics cadence: smooth curves, negligible cost


class Trainer:
    """Trains one run folder. Build with :meth:`new` or :meth:`resume`, then iterate :meth:`events`."""

    def __init__(
        self,
        run_dir: Path,
        config: RunConfig | None,
        resume: bool,
        extra_epochs: int | None = None,
        dataset: ImageDataset | None = None,
        commands: TrainerCommands | None = None,
    ) -> None:
        self.run_dir = Path(run_dir).expanduser()
        self.config = config
        self.resuming = resume
        self.extra_epochs = extra_epochs
        self.dataset = dataset
        # Created by the caller when it must send commands before the trainer exists (the window).
        self.commands = commands or TrainerCommands()
        self.events_per_second = EVENTS_PER_SECOND

    @classmethod
    def new(
        cls, config: RunConfig, run_dir: Path, dataset: ImageDataset | None = None, commands: TrainerCommands | None = None
    ) -> Trainer:
        return cls(run_dir, config.copy(), resume=False, dataset=dataset, commands=commands)

    @classmethod
    def resume(
        cls,
        run_dir: Path,
        extra_epochs: int | None = None,
        dataset: ImageDataset | None = None,
        commands: TrainerCommands | None = None,
    ) -> Trainer:
        """Continue from the run's last checkpoint: to its planned end, or ``extra_epochs`` more."""
        return cls(run_dir, None, resume=True, extra_epochs=extra_epochs, dataset=dataset, commands=commands)

    # -- setup -----------------------------------------------------------------------------------
    def _open_run(self) -> tuple[RunFolder, dict | None]:
        if not self.resuming:
            # Data first: a bad source or a batch larger than the data must not leave an empty run
            # folder behind, which would refuse the same command once the mistake is fixed.
            self.dataset = self._read_data()
            run = RunFolder.create(self.run_dir, self.config, extra={"versions": _versions()})
            return run, None
        run = RunFolder.open(self.run_dir)
        run.remove_stale_temporaries()
        checkpoint = run.last_checkpoint()
        if checkpoint is None:
            raise CheckpointError(f"{self.run_dir} has no checkpoint to resume from")
        from ..runs.checkpoint import checkpoint_config, load_checkpoint

        state = load_checkpoint(checkpoint)
        self.config = checkpoint_config(state, checkpoint, expected=run.config)
        done = int(state["epoch"])
        if self.extra_epochs is not None:
            self.config.train.epochs = done + self.extra_epochs + (1 if state["step_in_epoch"] else 0)
        elif done >= self.config.train.epochs:
            raise GanStudioError(
                f"{self.run_dir} already ran all {self.config.train.epochs} epochs; ask for more epochs to continue"
            )
        run.update_info(config=self.config.to_dict())
        run.truncate_metrics(after_step=int(state["global_step"]), after_epoch=done)
        return run, state

    def _read_data(self) -> ImageDataset:
        dataset = self.dataset if self.dataset is not None else load_dataset(self.config.data)
        count = len(dataset.images)
        if self.config.train.batch_size > count:
            raise DataError(
                f"the batch size ({self.config.train.batch_size}) is larger than the dataset "
                f"({count} images): choose a batch of at most {count}"
            )
        return dataset

    def _load_data(self, run: RunFolder) -> ImageDataset:
        dataset = self._read_data()
        count = len(dataset.images)
        recorded = run.info.get("dataset", {}).get("fingerprint")
        if recorded and recorded != dataset.fingerprint:
            raise DataError(
                f"the data at {self.config.data.source} has changed since this run started "
                f"(fingerprint {dataset.fingerprint}, run has {recorded}); resuming needs the same data"
            )
        if not recorded:
            run.update_info(
                dataset={
                    "source": self.config.data.source,
                    "fingerprint": dataset.fingerprint,
                    "summary": dataset.summary(),
                    "count": count,
                    "shape": list(dataset.images.shape[1:]),
                    "class_names": list(dataset.class_names),
                    "load_report": dataset.report.summary(),
                }
            )
        return dataset

    # -- the loop --------------------------------------------------------------------------------
    def events(self) -> Iterator[Event]:
        run, state = self._open_run()
        dataset = self._load_data(run)
        session = TrainingSession(self.config, dataset, run, state)
        metrics_file = CsvAppender(run.metrics_path, METRICS_COLUMNS)
        self.session = session
        self.monitor = QualityMonitor(run, session, dataset.images, self.config.train.quality_every, labels=dataset.labels)
        self.health = HealthMonitor(
            self.config.train.loss, session.steps_per_epoch, run.read_quality(), run.read_health()
        )
        try:
            yield RunStarted(
                run_dir=run.path,
                config_json=self.config.to_json(),
                device=session.device_description,
                dataset_summary=dataset.summary(),
                start_epoch=session.epoch,
                start_step=session.global_step,
                total_epochs=self.config.train.epochs,
                steps_per_epoch=session.steps_per_epoch,
                step_in_epoch=session.step_in_epoch,
                image_shape=session.image_shape,
                num_classes=session.num_classes,
                load_report=dataset.report.summary(),
                skipped=tuple(dataset.report.skipped[:20]),
            )
            yield from self._loop(session, run, metrics_file)
        finally:
            metrics_file.close()
            self.monitor.close()
            session.close()

    def _loop(self, session: TrainingSession, run: RunFolder, metrics_file: CsvAppender) -> Iterator[Event]:
        cfg = self.config.train
        interval = 1.0 / self.events_per_second
        pending: list = []  # per-step metric tensors not yet read from the device
        last_emit = time.perf_counter()
        images_since_emit = 0
        clock = _Clock()
        steps_total = cfg.epochs * session.steps_per_epoch
        steps_at_start = session.global_step
        epoch_means: list[np.ndarray] = []

        def flush() -> StepMetrics | None:
            nonlocal pending, last_emit, images_since_emit
            if not pending:
                return None
            values = session.read_metrics(pending)  # the one device sync of the interval
            steps = np.arange(session.global_step - len(pending) + 1, session.global_step + 1, dtype=np.int64)
            pending = []
            now = time.perf_counter()
            rate = images_since_emit / max(now - last_emit, 1e-9)
            last_emit, images_since_emit = now, 0
            epoch_means.append(values)
            metrics_file.write_rows(session.metric_rows(steps, values, clock.elapsed()))
            done = session.global_step - steps_at_start
            remaining = steps_total - session.global_step
            eta = clock.elapsed() / done * remaining if done else math.nan
            return StepMetrics(
                epoch=session.epoch + 1,
                steps=steps,
                values=values,
                step_in_epoch=session.step_in_epoch,
                steps_per_epoch=session.steps_per_epoch,
                global_step=session.global_step,
                images_per_s=rate,
                eta_s=eta,
                elapsed_s=session.elapsed_before + clock.elapsed(),
            )

        def warn(warnings: Iterable[HealthWarning]) -> Iterator[HealthWarning]:
            for warning in warnings:
                run.append_health(dataclasses.asdict(warning))  # an opened run shows them too
                yield warning

        def emit_metrics() -> Iterator[Event]:
            metrics = flush()
            if metrics:
                yield metrics
                yield from warn(self.health.observe_metrics(metrics))

        def diverged() -> Iterator[Event]:
            message = session.divergence_message()
            yield from warn([self.health.diverged(session.global_step, message)])
            yield finished(FinishReason.DIVERGED, message, run.last_checkpoint())

        def checkpoint(reason: str) -> CheckpointSaved:
            path = session.save_checkpoint(elapsed=clock.elapsed(), numbered=reason == "epoch")
            return CheckpointSaved(path, session.epoch, session.global_step, reason)

        def finished(reason: FinishReason, message: str, path: Path | None) -> Finished:
            return Finished(reason, message, session.epoch, session.global_step, path)

        def out_of_memory(advice: str, position: tuple[int, int]) -> Iterator[Event]:
            # The failed step may have moved one player already; it is taken off the counters so
            # that a resume redoes its batch (exact but for that one batch). The step's memory
            # is released first, so the save itself fits.
            session.global_step, session.step_in_epoch = position
            release_device_memory(session.device)
            yield from emit_metrics()
            try:
                saved = checkpoint("out-of-memory")
            except Exception:  # noqa: BLE001 - the save did not fit either: the last checkpoint stays
                last = run.last_checkpoint()
                kept = " The last checkpoint is kept; the run can be resumed from it." if last else ""
                yield finished(FinishReason.OUT_OF_MEMORY, advice + kept, last)
                return
            yield saved
            message = f"{advice} Saved a checkpoint at step {session.global_step}; the run can be resumed."
            yield finished(FinishReason.OUT_OF_MEMORY, message, saved.path)

        clock.start()
        while session.epoch < cfg.epochs:
            epoch_start = time.perf_counter()
            epoch_clock = clock.elapsed()  # training time of this epoch, pauses left out
            epoch_means.clear()
            for real, labels in session.batches():
                # -- commands, between steps ---------------------------------------------------
                for command in self.commands.pending():
                    yield from self._apply(command, session, checkpoint)
                    if command.name == "pause" and not self.commands.stop_requested:
                        yield from emit_metrics()
                        clock.pause()
                        yield Paused(session.global_step)
                        while True:  # blocked here until resumed or stopped; saves and rates still work
                            command = self.commands.wait()
                            if command.name in ("resume", "stop") or self.commands.stop_requested:
                                break
                            yield from self._apply(command, session, checkpoint)
                        clock.start()
                        last_emit = time.perf_counter()
                        if not self.commands.stop_requested:
                            yield Resumed(session.global_step)
                if self.commands.stop_requested:
                    yield from emit_metrics()
                    if session.diverged():
                        yield from diverged()
                        return
                    saved = checkpoint("stop")
                    yield saved
                    yield finished(FinishReason.STOPPED, f"Stopped at epoch {session.epoch + 1}, step {session.global_step}; saved a checkpoint.", saved.path)
                    return
                # -- the step ----------------------------------------------------------------------
                oom, position = None, (session.global_step, session.step_in_epoch)
                try:
                    pending.append(session.step(real, labels))
                except Exception as error:  # noqa: BLE001 - only out-of-memory is handled here
                    if not is_out_of_memory(error):
                        raise
                    oom = out_of_memory_message(error, cfg.batch_size)
                if oom is not None:  # outside the except: the failed step's tensors are freed
                    yield from out_of_memory(oom, position)
                    return
                images_since_emit += real.shape[0]
                if time.perf_counter() - last_emit >= interval:
                    yield from emit_metrics()
                    if session.diverged():
                        yield from diverged()
                        return
            # -- end of epoch ------------------------------------------------------------------------
            yield from emit_metrics()
            if session.diverged():
                yield from diverged()
                return
            session.end_epoch()
            grid, sample_path = session.write_epoch_grid()
            means = np.nanmean(np.concatenate(epoch_means), axis=0) if epoch_means else np.full(len(STEP_METRICS), np.nan)
            epoch_time = time.perf_counter() - epoch_start
            session.append_epoch_summary(epoch_time, means, clock.elapsed())
            yield EpochEnd(
                epoch=session.epoch,
                global_step=session.global_step,
                grid=grid,
                sample_path=sample_path,
                epoch_time_s=epoch_time,
                means=dict(zip(STEP_METRICS, (float(v) for v in means))),
                generator_weights=session.generator_weights(),
            )
            saved = checkpoint("epoch")
            # Measured after the save, so best.pt can be a link to this epoch's checkpoint, and
            # before CheckpointSaved is yielded, so the scores are of the weights just saved.
            quality = None
            if self.monitor.due(session.epoch, cfg.epochs, clock.elapsed() - epoch_clock):
                quality = self.monitor.measure(session.epoch, session.global_step)
            yield saved
            if quality is not None:
                yield quality
                yield from warn(self.health.observe_quality(quality))
        yield finished(
            FinishReason.COMPLETED,
            f"Finished {session.epoch} epochs ({session.global_step} steps).",
            run.last_checkpoint(),
        )

    @staticmethod
    def _apply(command: Command, session: TrainingSession, checkpoint) -> Iterator[Event]:
        """Commands that act at once, whether running or paused."""
        if command.name == "save":
            yield checkpoint("requested")
        elif command.name == "lr":
            lr_g, lr_d = session.set_learning_rates(command.lr_g, command.lr_d)
            yield LearningRatesChanged(lr_g, lr_d)


class _Clock:
    """Training time, with pauses left out (for ETA and the run's elapsed time)."""

    def __init__(self) -> None:
        self._total = 0.0
        self._since: float | None = None

    def start(self) -> None:
        self._since = time.perf_counter()

    def pause(self) -> None:
        if self._since is not None:
            self._total += time.perf_counter() - self._since
            self._since = None

    def elapsed(self) -> float:
        running = time.perf_counter() - self._since if self._since is not None else 0.0
        return self._total + running


def _versions() -> dict[str, str]:
    import torch

    from ... import __version__

    return {
        "gan_studio": __version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def warm_up() -> None:
    """Pay torch's one-time costs now, off the training path (the window's device probe calls it
    at start-up): the first optimizer built in a process imports torch's compiler stack (~1.5 s,
    much of it holding the GIL, which froze the window for up to ~150 ms at a time when it
    happened in the training thread), and the trainer's modules are imported (by importing this one)."""
    import torch

    parameter = torch.nn.Parameter(torch.zeros(1))
    torch.optim.Adam([parameter], fused=parameter.device.type in ("cpu", "cuda"))
