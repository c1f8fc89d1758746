"""The playground's loop: a generator of events that reads the trainer's commands between updates.

    trainer = PlaygroundTrainer.new(config, run_dir, paused=True)   # or .resume(run_dir)
    for event in trainer.events():      # PlaygroundStarted, Frame, SettingsChanged, CheckpointSaved, ...
        ...
    trainer.commands.step("d")          # from any thread: pause, resume, step, set_speed, edit, save, stop

Like core/train/trainer.py: everything heavy happens inside ``events()``, on the consuming thread
(the command line's main thread, the window's job thread); the commands are TrainerCommands. While
paused it blocks on the command queue, so a single step is exactly one player's update. While
playing it runs rounds (``d_steps`` D updates, then one G update), each at most ``speed`` times a
second (slow motion), and yields a Frame at most ``frames_per_second`` times a second.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

from ..device import configure_cpu_threads
from ..errors import ConfigError
from ..events import CheckpointSaved, Finished, FinishReason, Paused, Resumed
from ..runs.checkpoint import load_checkpoint, save_checkpoint
from ..runs.folder import CsvAppender
from ..train.commands import Command, TrainerCommands
from .config import LIVE_FIELDS, PlaygroundConfig
from .distributions import make_distribution
from .events import PlaygroundStarted, SettingsChanged
from .run import METRICS_COLUMNS, RECORDED_SETTINGS, STEP_VALUES, PlaygroundRun
from .steps import PlaygroundSteps
from .views import ViewMaker

FRAMES_PER_SECOND = 25  # above the views' 20 a second, and a frame costs a few ms (views.py)


class PlaygroundTrainer:
    def __init__(self, run_dir: Path, config: PlaygroundConfig | None, *, resume: bool, steps: int | None,
                 paused: bool, frames: bool, commands: TrainerCommands | None) -> None:
        self.run_dir = Path(run_dir).expanduser()
        self.config = config
        self.resuming = resume
        self.target_steps = steps  # G updates to train in this session (None: until stopped)
        self.paused = paused
        self.frames = frames  # False: no Frame events (the command line, which draws nothing)
        self.commands = commands or TrainerCommands()
        self.speed = 0.0  # rounds a second; 0 = as fast as it goes
        self.frames_per_second = FRAMES_PER_SECOND
        self.steps: PlaygroundSteps | None = None

    @classmethod
    def new(cls, config: PlaygroundConfig, run_dir: Path, *, steps: int | None = None, paused: bool = False,
            frames: bool = True, commands: TrainerCommands | None = None) -> PlaygroundTrainer:
        """``steps``: G updates to train, then finish (None: until stopped)."""
        return cls(run_dir, config, resume=False, steps=steps, paused=paused, frames=frames, commands=commands)

    @classmethod
    def resume(cls, run_dir: Path, *, steps: int | None = None, paused: bool = False, frames: bool = True,
               commands: TrainerCommands | None = None) -> PlaygroundTrainer:
        """Continue from the run's last checkpoint, with the settings in force when it was saved."""
        return cls(run_dir, None, resume=True, steps=steps, paused=paused, frames=frames, commands=commands)

    # -- the run ---------------------------------------------------------------------------------
    def events(self) -> Iterator:
        run, state = self._open()
        self.run = run
        configure_cpu_threads(self.config.threads)
        steps = self.steps = PlaygroundSteps(self.config, make_distribution(self.config.dist, self.config.points_csv))
        if state is not None:
            steps.load_state(state)
        self.views = ViewMaker(steps, self.config.seed)
        self._metrics = CsvAppender(run.metrics_path, METRICS_COLUMNS)
        self._rows: list[list] = []
        self._started = time.perf_counter()
        self._last_frame = 0.0
        self._goal = None if self.target_steps is None else steps.g_updates + self.target_steps
        try:
            yield PlaygroundStarted(run.path, self.config.to_json(), steps.distribution.extent,
                                    steps.d_updates, steps.g_updates, self.paused)
            yield from self._frame(force=True)
            yield from self._loop()
        finally:
            self._flush()
            self._metrics.close()

    def _open(self) -> tuple[PlaygroundRun, dict | None]:
        if not self.resuming:
            return PlaygroundRun.create(self.run_dir, self.config), None
        run = PlaygroundRun.open(self.run_dir)
        path = run.last_checkpoint()
        if path is None:
            raise ConfigError(f"{self.run_dir} has no checkpoint to resume from")
        state = load_checkpoint(path)
        self.config = PlaygroundConfig.from_dict(json.loads(state["config"]))
        run.truncate_metrics(int(state["d_updates"]) + int(state["g_updates"]))
        return run, state

    def _loop(self) -> Iterator:
        steps = self.steps
        while True:
            if self._goal is not None and steps.g_updates >= self._goal:
                saved = yield from self._save("completed")
                yield from self._finish(FinishReason.COMPLETED, saved.path)
                return
            if self.paused:
                command = self.commands.wait()
                if (yield from self._handle(command)):
                    return
                continue
            for command in self.commands.pending():
                if (yield from self._handle(command)):
                    return
            if self.paused:
                continue
            round_started = time.perf_counter()
            yield from self._round(force_frame=self.speed > 0)  # slow motion shows every round
            if self.speed > 0:  # slow motion: wait out the round's share of a second, commands still heard
                remaining = 1.0 / self.speed - (time.perf_counter() - round_started)
                while remaining > 0 and not self.paused:
                    command = self.commands.wait(remaining)
                    if command is None:
                        break
                    if (yield from self._handle(command)):
                        return
                    remaining = 1.0 / self.speed - (time.perf_counter() - round_started) if self.speed > 0 else 0

    # -- the updates -----------------------------------------------------------------------------
    def _round(self, force_frame: bool = False) -> Iterator:
        for _ in range(self.steps.config.d_steps):
            self._update("d")
        self._update("g")
        yield from self._frame(force=force_frame)

    def _update(self, player: str) -> None:
        steps = self.steps
        values = steps.d_step() if player == "d" else steps.g_step()
        if player == "d":
            self.views.last_d_loss = values["d_loss"]
        else:
            self.views.last_g_loss = values["g_loss"]
        cfg = steps.config
        self._rows.append([
            steps.d_updates + steps.g_updates, player, steps.d_updates, steps.g_updates,
            round(time.perf_counter() - self._started, 4), *(values[k] for k in STEP_VALUES),
            *(getattr(cfg, k) for k in RECORDED_SETTINGS),
        ])

    def _frame(self, force: bool = False) -> Iterator:
        now = time.perf_counter()
        if not force and now - self._last_frame < 1.0 / self.frames_per_second:
            return
        self._last_frame = now
        self._flush()
        if self.frames:
            yield self.views.frame(summary=force)  # a step, a pause or an edit: its numbers too

    def _flush(self) -> None:
        if self._rows:
            self._metrics.write_rows(self._rows)
            self._rows = []

    # -- commands --------------------------------------------------------------------------------
    def _handle(self, command: Command) -> Iterator:
        """Act on one command; True when the run has ended."""
        name = command.name
        if name == "stop" or self.commands.stop_requested:
            saved = yield from self._save("stop")
            yield from self._finish(FinishReason.STOPPED, saved.path)
            return True
        if name == "pause" and not self.paused:
            self.paused = True
            self._flush()
            yield Paused(self.steps.g_updates)
            yield from self._frame(force=True)
        elif name == "resume" and self.paused:
            self.paused = False
            yield Resumed(self.steps.g_updates)
        elif name == "step":
            if command.value == "both":
                yield from self._round(force_frame=True)
            else:
                self._update(command.value)
                yield from self._frame(force=True)
        elif name == "speed":
            self.speed = float(command.value)
        elif name == "save":
            yield from self._save("requested")
        elif name in ("edit", "lr"):
            changes = dict(command.value) if name == "edit" else {
                k: v for k, v in (("lr_g", command.lr_g), ("lr_d", command.lr_d)) if v is not None}
            yield from self._edit(changes)
        return False

    def _edit(self, changes: dict) -> Iterator:
        frozen = sorted(set(changes) - set(LIVE_FIELDS))
        if frozen:
            raise ConfigError(f"{', '.join(frozen)} cannot change while the playground runs; reset it instead")
        old = self.steps.config
        new = old.copy(**changes)
        changed = tuple(k for k in LIVE_FIELDS if getattr(new, k) != getattr(old, k))
        if not changed:
            return
        self.steps.apply(new)
        self.config = new
        yield SettingsChanged(self.steps.d_updates + self.steps.g_updates, new.to_json(), changed)
        yield from self._frame(force=True)

    def _save(self, reason: str) -> Iterator:
        self._flush()
        steps = self.steps
        path = save_checkpoint(steps.state(), self.run.last_checkpoint_path)
        event = CheckpointSaved(path, 0, steps.g_updates, reason)
        yield event
        return event

    def _finish(self, reason: FinishReason, checkpoint: Path) -> Iterator:
        steps = self.steps
        done = f"{steps.g_updates} generator and {steps.d_updates} discriminator updates"
        message = f"Trained {done}." if reason is FinishReason.COMPLETED else f"Stopped after {done}; saved a checkpoint."
        yield from self._frame(force=True)
        yield Finished(reason, message, 0, steps.g_updates, checkpoint)


def load_players(run_dir: Path | str) -> PlaygroundSteps:
    """A saved playground's players, for sampling and rendering (``gan-studio playground sample``)."""
    run = PlaygroundRun.open(run_dir)
    path = run.last_checkpoint()
    if path is None:
        raise ConfigError(f"{run_dir} has no checkpoint yet (train at least one step)")
    state = load_checkpoint(path)
    config = PlaygroundConfig.from_dict(json.loads(state["config"]))
    steps = PlaygroundSteps(config, make_distribution(config.dist, config.points_csv))
    steps.load_state(state)
    return steps
