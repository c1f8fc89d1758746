"""Is training healthy? Plain-language warnings from the per-step metrics and the quality rows.

numpy only, no torch. A :class:`HealthMonitor` observes the trainer's events (see
core/observers.py): every StepMetrics and QualityMeasured, and the Finished of a run that
diverged, may be answered with :class:`~gan_studio.core.events.HealthWarning` s, which the trainer
yields right after (the "diverged" one right before Finished), once they are appended to the
run's health.jsonl.

- ``d_winning``: D(G(z)) stays near 0 while G's loss climbs (BCE losses, where it is a probability);
- ``mode_collapse``: the judge sees few digits, or fewer than before; or diversity halves (in
  pixels, or in the features of the encoder that judges unlabelled data);
- ``oscillation``: no quality progress over several evaluations while the losses swing;
- ``diverged``: a loss became NaN or infinite (the trainer stops the run right after).

A suggestion is an imperative sentence with no "Try" of its own: the faces put one before it
(the command line prints "Try: <suggestion>", the Quality tab "What to try: <suggestion>").

A kind stays quiet for a while after it fired, so a lasting condition is one warning, not fifty.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..events import STEP_METRICS, Event, Finished, FinishReason, HealthWarning, QualityMeasured, StepMetrics
from ..runs.folder import RunFolder
from ..observers import Observer

# -- thresholds: judgement calls, named so they can be tuned in one place ----------------------
# The discriminator overpowers G: it scores nearly every fake as fake...
D_WINNING_D_FAKE = 0.05  # ...D(G(z)) below this (a probability, for BCE losses)...
D_WINNING_SHARE = 0.9  # ...on at least this share of the window's steps (one lucky batch is noise)
D_WINNING_WINDOW = 200  # steps in the window, or one epoch if that is shorter
D_WINNING_MIN_WINDOW = 20  # never fewer steps: on tiny data an epoch is a handful of steps
PROBABILITY_LOSSES = ("minimax", "saturating", "ns")  # where D(G(z)) is a sigmoid output
# Mode collapse on the built-in digits (the judge's classes).
MODES_COLLAPSED = 3  # at most this many of the classes (10 digits) drawn...
COLLAPSE_MIN_EPOCH = 3  # ...from this epoch on: a DCGAN's first epochs are blobs read as 1-3 digits
MODES_DROP = 3  # or this many fewer than at the run's best evaluation
# Mode collapse elsewhere: pixel diversity below this share of min(its best, the real data's).
DIVERSITY_DROP = 0.5
# Oscillation without progress.
STALL_EVALUATIONS = 5  # look at the last this many evaluations...
STALL_MIN_IMPROVEMENT = 0.02  # ...for a best FCD at least 2 % below the best before them
DIVERSITY_STALL = 0.02  # other data: diversity spread (max - min) / mean below 2 %: no change
OSCILLATION_BLOCK = 50  # G loss is averaged over blocks of this many steps (per-step noise out)
OSCILLATION_SWING = 0.1  # the block means' std >= 10 % of their mean magnitude: swinging
OSCILLATION_MIN_BLOCKS = 3
# De-duplication: a kind is not repeated within max(these) steps of its last warning.
QUIET_STEPS = 500
QUIET_EPOCHS = 2

_D_FAKE = STEP_METRICS.index("d_fake")
_G_LOSS = STEP_METRICS.index("g_loss")


class HealthMonitor(Observer):
    """Watches one run. ``quality_history`` and ``warnings`` (dicts read back from the run folder)
    restore what a resumed run had seen, so it neither re-warns nor forgets its best; ``record``
    keeps each warning (as a dict) before it is handed on."""

    def __init__(
        self,
        loss: str,
        steps_per_epoch: int,
        quality_history: Iterable[dict[str, Any]] = (),
        warnings: Iterable[dict[str, Any]] = (),
        record: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.record = record
        self.probabilities = loss in PROBABILITY_LOSSES
        self.window = max(D_WINNING_MIN_WINDOW, min(D_WINNING_WINDOW, steps_per_epoch))
        self.quiet_steps = max(QUIET_STEPS, QUIET_EPOCHS * steps_per_epoch)
        self._recent = np.empty((0, 2))  # (d_fake, g_loss) of the last `window` steps
        self._block_sum, self._block_count, self._block_steps = 0.0, 0, 0
        self._blocks: list[tuple[int, float]] = []  # (last step, mean G loss) per block
        self._quality: list[tuple[int, dict[str, float]]] = []  # (step, metrics) per evaluation
        self._last_fired: dict[str, int] = {}
        self._classes = 10  # what the judge tells apart: the built-in one, ten digits
        for row in quality_history:
            metrics = {k: float(v) for k, v in row.items() if k not in ("epoch", "step", "seconds", "class_histogram")}
            self._quality.append((int(row.get("step", 0)), metrics))
        for record in warnings:
            kind, step = record.get("kind"), int(record.get("step", 0))
            if kind:
                self._last_fired[kind] = max(step, self._last_fired.get(kind, step))

    @classmethod
    def for_run(cls, run: RunFolder, loss: str, steps_per_epoch: int) -> HealthMonitor:
        """The monitor of a run being trained: its history from the folder, warnings into health.jsonl."""
        return cls(loss, steps_per_epoch, run.read_quality(), run.read_health(), record=run.append_health)

    # -- as an observer of the trainer ---------------------------------------------------------
    def on_event(self, event: Event) -> list[HealthWarning]:
        if isinstance(event, StepMetrics):
            return self._recorded(self.observe_metrics(event))
        if isinstance(event, QualityMeasured):
            return self._recorded(self.observe_quality(event))
        return []

    def on_finishing(self, finished: Finished) -> list[HealthWarning]:
        if finished.reason is FinishReason.DIVERGED:
            return self._recorded([self.diverged(finished.global_step, finished.message)])
        return []

    def _recorded(self, warnings: list[HealthWarning]) -> list[HealthWarning]:
        if self.record is not None:
            for warning in warnings:  # before they are yielded: an opened run shows them too
                self.record(dataclasses.asdict(warning))
        return warnings

    # -- inputs ----------------------------------------------------------------------------------
    def observe_metrics(self, event: StepMetrics) -> list[HealthWarning]:
        values = np.asarray(event.values, dtype=np.float64)
        if values.size == 0:
            return []
        self._recent = np.concatenate([self._recent, values[:, [_D_FAKE, _G_LOSS]]])[-self.window :]
        self._add_blocks(np.asarray(event.steps), values[:, _G_LOSS])
        return self._check_d_winning(int(event.global_step))

    def observe_quality(self, event: QualityMeasured) -> list[HealthWarning]:
        self._quality.append((int(event.global_step), dict(event.metrics)))
        if event.class_histogram:
            self._classes = len(event.class_histogram)
        return self._check_collapse(int(event.global_step), event.epoch) + self._check_stall(int(event.global_step))

    def diverged(self, step: int, message: str) -> HealthWarning:
        """The warning that goes before Finished(DIVERGED): never de-duplicated (it ends the run)."""
        self._last_fired["diverged"] = step
        return HealthWarning(
            "diverged", step, "Training diverged", message,
            "Lower the learning rates (halving both is a good start), or use the hinge or WGAN-GP "
            "loss, whose gradients stay bounded; then start a new run.",
        )

    # -- checks ----------------------------------------------------------------------------------
    def _check_d_winning(self, step: int) -> list[HealthWarning]:
        if not self.probabilities or len(self._recent) < self.window:
            return []
        d_fake, g_loss = self._recent[:, 0], self._recent[:, 1]
        d_fake = d_fake[np.isfinite(d_fake)]
        g_index = np.flatnonzero(np.isfinite(g_loss))  # NaN on steps where G did not move
        if len(d_fake) < D_WINNING_MIN_WINDOW // 2 or len(g_index) < 2:
            return []
        if np.mean(d_fake < D_WINNING_D_FAKE) < D_WINNING_SHARE:
            return []
        slope = np.polyfit(g_index.astype(np.float64), g_loss[g_index], 1)[0]
        if slope <= 0:
            return []
        return self._fire(
            "d_winning", step, "The discriminator is winning",
            f"For the last {len(self._recent)} steps the discriminator scored the fakes below "
            f"{D_WINNING_D_FAKE:g} (D(G(z)) = {float(np.median(d_fake)):.3f}) while the generator's loss "
            "kept rising: D tells every fake apart, so G gets little signal to learn from.",
            "Lower D's learning rate, add label smoothing (e.g. 0.1), or try the hinge or WGAN-GP loss.",
        )

    def _class_words(self) -> str:
        # A judge trained on the user's data tells its own classes apart.
        return "10 digits" if self._classes == 10 else f"{self._classes} classes"

    def _check_collapse(self, step: int, epoch: int) -> list[HealthWarning]:
        metrics = self._quality[-1][1]
        if "modes_covered" in metrics:
            modes = metrics["modes_covered"]
            best = max(m.get("modes_covered", 0.0) for _, m in self._quality)
            few = modes <= MODES_COLLAPSED and epoch >= COLLAPSE_MIN_EPOCH
            if not math.isfinite(modes) or not (few or best - modes >= MODES_DROP):
                return []
            was = f" (it drew {best:.0f} at its best)" if best > modes else ""
            return self._fire(
                "mode_collapse", step, "Mode collapse",
                f"The generator draws only {modes:.0f} of the {self._class_words()}{was}: it has settled on a few "
                "outputs that fool the discriminator and stopped exploring the rest.",
                "Switch to the default DCGAN preset, lower the learning rates, turn on an EMA of G, or use the "
                "WGAN-GP loss; a conditional model draws every digit by design.",
            )
        value = metrics.get("diversity", math.nan)
        history = [m.get("diversity", math.nan) for _, m in self._quality]
        best = max((v for v in history if math.isfinite(v)), default=math.nan)
        real = metrics.get("diversity_real", math.nan)
        reference = min(best, real) if math.isfinite(real) else best
        if not (math.isfinite(value) and math.isfinite(reference)) or value >= DIVERSITY_DROP * reference:
            return []
        return self._fire(
            "mode_collapse", step, "Samples are losing variety",
            f"The samples differ from each other {value / reference:.0%} as much as "
            f"{'real images do' if reference == real else 'they did at their best'}: the generator may "
            "be collapsing onto a few outputs.",
            "Lower the learning rates, turn on an EMA of G, or try the WGAN-GP loss.",
        )

    def _check_stall(self, step: int) -> list[HealthWarning]:
        if len(self._quality) <= STALL_EVALUATIONS:
            return []
        window = self._quality[-STALL_EVALUATIONS - 1 :]
        if "fcd" in window[-1][1]:
            before = min((m.get("fcd", math.inf) for _, m in self._quality[:-STALL_EVALUATIONS]), default=math.inf)
            recent = min(m.get("fcd", math.inf) for _, m in window[1:])
            if not math.isfinite(before) or recent < before * (1.0 - STALL_MIN_IMPROVEMENT):
                return []
            name = "FCD" if "modes_covered" in window[-1][1] else "FD"  # a classifier's, or an encoder's (no classes)
            what = f"the {name} has not improved over the last {STALL_EVALUATIONS} evaluations"
        else:
            values = np.array([m.get("diversity", math.nan) for _, m in window])
            if not np.isfinite(values).all() or np.ptp(values) >= DIVERSITY_STALL * abs(values.mean()):
                return []
            what = f"the samples' diversity has not changed over the last {STALL_EVALUATIONS} evaluations"
        since = window[0][0]
        blocks = np.array([mean for end, mean in self._blocks if end > since])
        if len(blocks) < OSCILLATION_MIN_BLOCKS or blocks.std() < OSCILLATION_SWING * np.abs(blocks).mean():
            return []
        return self._fire(
            "oscillation", step, "Oscillating without progress",
            f"The losses swing up and down but {what}: the two players chase each other instead of settling.",
            "Lower both learning rates (halve them), or turn on an EMA of G (e.g. 0.999) for sampling.",
        )

    # -- helpers ---------------------------------------------------------------------------------
    def _add_blocks(self, steps: np.ndarray, g_loss: np.ndarray) -> None:
        # Mean G loss per OSCILLATION_BLOCK steps; NaN rows (no G step that step) count as steps.
        for step, value in zip(steps, g_loss):
            self._block_steps += 1
            if math.isfinite(value):
                self._block_sum += float(value)
                self._block_count += 1
            if self._block_steps == OSCILLATION_BLOCK:
                if self._block_count:
                    self._blocks.append((int(step), self._block_sum / self._block_count))
                self._block_sum, self._block_count, self._block_steps = 0.0, 0, 0
        del self._blocks[:-10_000]  # 500k steps of history is plenty

    def _fire(self, kind: str, step: int, title: str, message: str, suggestion: str) -> list[HealthWarning]:
        last = self._last_fired.get(kind)
        if last is not None and step - last < self.quiet_steps:
            return []
        self._last_fired[kind] = step
        return [HealthWarning(kind, step, title, message, suggestion)]
