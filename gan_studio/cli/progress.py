"""Progress in a terminal: the command line's one progress bar, and training's events as lines.

:class:`ProgressBar` is a line redrawn in place on a TTY and nothing on a pipe or with --quiet;
the lines written through it (``bar.line``) go out unless quiet, the bar cleared first. Training
(:class:`TerminalProgress`), ``gan-studio judge`` and ``gan-studio export`` all draw with it.
"""

from __future__ import annotations

import math
import sys
import time
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
from ..core.formatting import format_duration, format_speed

SKIPPED_SHOWN = 5  # skipped data files named one per line; the rest are counted in the load report
BAR_WIDTH = 24  # characters between the brackets


class ProgressBar:
    """One live progress line on a terminal: ``label [#####...]  42% 12/30  ETA 00:10``.

    Call it with ``(done, total)`` (it is a TaskState progress callback) or use :meth:`show` for
    more detail. On a TTY it redraws in place; on a pipe, or quiet, it draws nothing. ``delay_s``:
    draw only once the job has run that long, so a quick one never flashes a bar.
    """

    def __init__(self, stream: TextIO | None = None, quiet: bool = False, label: str = "", delay_s: float = 0.0) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.live = self.stream.isatty() and not quiet
        self.delay_s = delay_s
        self.label = label
        self.started = time.monotonic()
        self._width = 0  # characters the bar takes on screen now (0: none shown)

    def start(self, label: str) -> None:
        """A new job: its label, and the clock its ETA and delay count from."""
        self.label, self.started = label, time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        self.show(done, total)

    def show(self, done: int, total: int, *, label: str | None = None, unit: str = "", detail: str = "", eta_s: float | None = None) -> None:
        """Draw ``done`` of ``total``; ``unit`` goes before the count ("step "), ``detail`` after
        it; ``eta_s`` replaces the estimate from the time elapsed."""
        elapsed = time.monotonic() - self.started
        if not self.live or total <= 0 or elapsed < self.delay_s:
            return
        share = min(1.0, done / total)
        filled = int(share * BAR_WIDTH)
        if eta_s is None:
            eta_s = elapsed * (1 - share) / share if share > 0 else math.inf
        text = (
            f"\r{self.label if label is None else label} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%} "
            f"{unit}{done}/{total}{detail}  ETA {format_duration(eta_s)}"
        )
        self._width = max(self._width, len(text))
        self.stream.write(text.ljust(self._width))
        self.stream.flush()

    def clear(self) -> None:
        """Erase the bar, if one is shown."""
        if self.live and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def line(self, text: str) -> None:
        """Write one line (nothing when quiet), clearing the bar first; the bar comes back on the next show."""
        if self.quiet:
            return
        self.clear()
        self.stream.write(text + "\n")
        self.stream.flush()


def describe_quality(metrics: dict[str, float], num_classes: int = 10) -> str:
    """One line of the sample-quality numbers that were measured (judge or pixel metrics);
    ``num_classes``: how many classes the judge knows (10 digits, or a user's judge's count)."""
    if "fcd" in metrics and "modes_covered" not in metrics:  # the encoder of unlabelled data: no classes
        return (
            f"FD {metrics['fcd']:.2f} (real images {metrics.get('fcd_floor', math.nan):.2f})  "
            f"precision {metrics.get('precision', math.nan):.2f}  recall {metrics.get('recall', math.nan):.2f}"
        )
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
        self.bar = ProgressBar(stream, quiet)
        self.stream = self.bar.stream
        self.live = self.bar.live
        self.quiet = quiet
        self.total_steps = 0
        self.last: StepMetrics | None = None

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
        losses = event.values[-1]
        detail = f"  D {losses[0]:.3f} G {losses[1]:.3f}  {format_speed(event.images_per_s)}"
        self.bar.show(event.global_step, self.total_steps, label=f"epoch {event.epoch}", unit="step ", detail=detail, eta_s=event.eta_s)

    def _line(self, text: str) -> None:
        self.bar.line(text)
