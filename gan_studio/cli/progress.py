"""Showing training progress in a terminal: a live bar on a TTY, one line per epoch otherwise."""

from __future__ import annotations

import math
import sys
from typing import TextIO

from ..core.events import (
    CheckpointSaved,
    EpochEnd,
    Event,
    Finished,
    FinishReason,
    HealthWarning,
    LearningRatesChanged,
    Paused,
    QualityMeasured,
    RunStarted,
    StepMetrics,
)

SKIPPED_SHOWN = 5  # skipped data files named one per line; the rest are counted in the load report


def format_duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "--:--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


def describe_quality(metrics: dict[str, float], num_classes: int = 10) -> str:
    """One line of the sample-quality numbers that were measured (judge or pixel metrics);
    ``num_classes``: how many classes the judge knows (10 digits, or a user's judge's count)."""
    if "fcd" in metrics:
        kind = "digits" if num_classes == 10 else "classes"
        return (
            f"FCD {metrics['fcd']:.2f} (real {'digits' if num_classes == 10 else 'images'} {metrics.get('fcd_floor', math.nan):.2f})  "
            f"precision {metrics.get('precision', math.nan):.2f}  recall {metrics.get('recall', math.nan):.2f}  "
            f"{kind} {int(metrics.get('modes_covered', 0))}/{num_classes}"
        )
    return f"diversity {metrics.get('diversity', math.nan):.3f}  memorisation {metrics.get('memorisation', math.nan):.3f}"


class TerminalProgress:
    """Consumes trainer events and writes progress to ``stream`` (stderr by default)."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() and not quiet
        self.quiet = quiet
        self.total_steps = 0
        self.last: StepMetrics | None = None
        self._bar_width = 0

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.total_steps = event.total_epochs * event.steps_per_epoch
            start = f" from epoch {event.start_epoch + 1}" if event.start_step else ""
            self._line(f"training {event.dataset_summary} on {event.device}{start} -> {event.run_dir}")
            if event.skipped:  # files the user may want to fix: each named, with the reason
                self._line(f"data: {event.load_report}")
                for path, reason in event.skipped[:SKIPPED_SHOWN]:
                    self._line(f"  skipped {path}: {reason}")
                if len(event.skipped) > SKIPPED_SHOWN:
                    self._line(f"  ... and more (the load report is in {event.run_dir / 'run.json'})")
        elif isinstance(event, StepMetrics):
            self.last = event
            if self.live:
                self._bar(event)
        elif isinstance(event, EpochEnd):
            means = event.means
            self._line(
                f"epoch {event.epoch}: D loss {means.get('d_loss', math.nan):.3f}  G loss {means.get('g_loss', math.nan):.3f}  "
                f"D(x) {means.get('d_real', math.nan):.2f}  D(G(z)) {means.get('d_fake', math.nan):.2f}  "
                f"{event.epoch_time_s:.1f} s" + (f"  ETA {format_duration(self.last.eta_s)}" if self.last else "")
            )
        elif isinstance(event, CheckpointSaved) and event.reason != "epoch":
            self._line(f"checkpoint saved: {event.path}")
        elif isinstance(event, QualityMeasured):
            self._line(f"quality after epoch {event.epoch}: {describe_quality(event.metrics, len(event.class_histogram or ()) or 10)}" + ("  (best so far)" if event.is_best else ""))
        elif isinstance(event, HealthWarning):
            self._line(f"warning: {event.title}: {event.message} Try: {event.suggestion}")
        elif isinstance(event, Paused):
            self._line("paused")
        elif isinstance(event, LearningRatesChanged):
            self._line(f"learning rates: G {event.lr_g:g}, D {event.lr_d:g}")
        elif isinstance(event, Finished):
            failed = event.reason in (FinishReason.DIVERGED, FinishReason.OUT_OF_MEMORY)
            self._line(f"error: {event.message}" if failed else event.message)

    def _bar(self, event: StepMetrics) -> None:
        done = event.global_step / self.total_steps if self.total_steps else 0.0
        width = 24
        filled = int(done * width)
        losses = event.values[-1]
        text = (
            f"\repoch {event.epoch} [{'#' * filled}{'.' * (width - filled)}] {done:4.0%} "
            f"step {event.global_step}/{self.total_steps}  D {losses[0]:.3f} G {losses[1]:.3f}  "
            f"{event.images_per_s:,.0f} img/s  ETA {format_duration(event.eta_s)}"
        )
        self._bar_width = max(self._bar_width, len(text))
        self.stream.write(text.ljust(self._bar_width))
        self.stream.flush()

    def _line(self, text: str) -> None:
        if self.quiet:
            return
        if self.live and self._bar_width:
            self.stream.write("\r" + " " * self._bar_width + "\r")
            self._bar_width = 0
        self.stream.write(text + "\n")
        self.stream.flush()
