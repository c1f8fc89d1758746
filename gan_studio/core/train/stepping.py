"""The trainer's step-by-step control, as phases the Trainer inherits: single steps, slow motion
and live edits of the loss and the D steps (the window's Training tab sends them).

A single step ("d", "g" or "both", TrainerCommands.step) trains the next batch of the epoch with
only those players, refreshes the fixed-noise grid (SamplesRefreshed), and pauses again: the
batch counts as a step, so epochs, checkpoints and resume stay exact. Slow motion
(TrainerCommands.set_speed) allows at most that many steps a second, each followed by a fresh
grid; commands are heard while it waits.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from ..events import Event, SamplesRefreshed, TrainingSettingsChanged
from ..models.sampling import render_grid
from .commands import Command


class SteppingPhases:
    """Mixed into Trainer: the state and phases of step-by-step control."""

    _single: str | None = None  # the players of the single step to take on the next batch
    _pause_after = False  # pause again once that step is done
    _speed = 0.0  # steps a second at most (0: full speed)

    def _apply_stepping(self, command: Command) -> Iterator[Event]:
        """Commands of step-by-step control; the others are the trainer's own (_apply)."""
        if command.name == "step":
            self._single, self._pause_after = str(command.value), True
        elif command.name == "speed":
            self._speed = float(command.value)
        elif command.name == "edit":
            values = dict(command.value)
            loss, d_steps = self._session.set_loss_and_d_steps(values.get("loss"), values.get("d_steps"))
            yield from self._emit(TrainingSettingsChanged(loss, d_steps))

    def _after_step(self) -> Iterator[Event]:
        """After a single step or a slow-motion step: the metrics at once, a fresh grid, the wait."""
        if self._single is None and self._speed <= 0:
            return
        started = time.perf_counter()
        self._single = None
        yield from self._report_metrics()
        session = self._session
        grid = render_grid(session.sampling_generator(), session.fixed_z, session.fixed_labels, self.config.train.grid_size)
        yield from self._emit(SamplesRefreshed(session.global_step, grid))
        while self._speed > 0 and not self._pause_after and not self.commands.stop_requested:
            remaining = 1.0 / self._speed - (time.perf_counter() - started)
            if remaining <= 0:
                break
            command = self.commands.wait(remaining)
            if command is None:
                break
            yield from self._apply(command)
            if command.name == "pause":
                self._pause_after = True
