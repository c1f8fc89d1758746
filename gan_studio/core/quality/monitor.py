"""Sample quality during training: when to measure, measuring, recording, and the best checkpoint.

The trainer's first observer (core/observers.py): once an epoch's checkpoint is saved, and
before CheckpointSaved is yielded, :meth:`QualityMonitor.on_epoch_saved` asks :meth:`due`; when it
is, :meth:`measure` draws N fakes from the sampling generator (the EMA
copy when on) with noise from a private, seeded torch.Generator, scores them (``evaluate.py``),
appends a row to quality.csv and, when a judge scores the data, points checkpoints/best.pt at the
epoch with the lowest FCD (the Fréchet distance in the judge's features). A judge scores the
built-in digits (the shipped one), a user's labelled data (a classifier) and unlabelled data (an
encoder) once a judge has been trained for it (found by the run's dataset fingerprint when
the run starts; a judge trained later counts from the next run or resume, as long as quality.csv
does not already hold pixel metrics). Sampling runs in eval mode under inference_mode: no random stream, weight or
batch-norm statistic of the run moves, so resuming stays exact.

The automatic cadence: one evaluation costs about the same whatever the model (the judge scores
1,000 digits in ~0.3 s on one thread), while an epoch takes ~0.7 s (tutorial MLP) to ~10 s (DCGAN)
on a CPU. Evaluating every k epochs, with k the smallest for which eval_time / (k * epoch_time)
<= TARGET_OVERHEAD, keeps training at least ~90 % as fast; the last epoch is always evaluated.
"""

from __future__ import annotations

import math
import time
from types import SimpleNamespace
from typing import Any

import numpy as np

from ..atomic import link_or_copy
from .evaluate import (
    DEFAULT_SAMPLES,
    PixelReference,
    pixel_reference,
    sample_images,
    score_samples,
)
from ..events import CheckpointSaved, QualityMeasured
from .judges import PIXEL_METRICS, choose_judge, data_shape, load_chosen_judge
from .metrics import ReferenceStats
from ..runs.folder import CsvAppender, RunFolder
from ..observers import EpochDone, Observer

TARGET_OVERHEAD = 0.08  # evaluation time per training time at the automatic cadence
# Before the first evaluation has been timed: the judge's ~0.4 s for 1,000 digits on one thread
# plus its one-off setup (weights, the held-out digits' features: ~1 s). Too high only delays the
# first evaluation; from then on the measured time (setup excluded) sets the cadence.
INITIAL_EVAL_GUESS_S = 1.5
# The noise seed of every evaluation: the same fakes' z each time, so epochs differ only by the
# generator; and the same as evaluate_checkpoint's default, so its numbers match quality.csv.
QUALITY_SEED = 0


class QualityMonitor(Observer):
    """Measures one run's samples. ``every``: 0 automatic, -1 never, N every N epochs."""

    def __init__(
        self, run: RunFolder, session: Any, images: np.ndarray, every: int, n: int = DEFAULT_SAMPLES,
        labels: np.ndarray | None = None,
    ) -> None:
        self.run = run
        self.session = session  # a TrainingSession: sampling_generator(), num_classes, image_shape
        self.images = images  # the training images, uint8 (N, H, W, C): memorisation on other data
        self.labels = labels  # the training labels (None: unlabelled), for a user's judge
        self.every = every
        self.n = n
        self.fingerprint = str(run.info.get("dataset", {}).get("fingerprint") or "")
        self.judge_choice = choose_judge(
            session.config.data.source, data_shape(session.image_shape), self.fingerprint, labelled=labels is not None
        )
        # A judge saved for this data (a user's labelled dataset): loaded from disk, maybe gone by then.
        self.user_judge_wanted = self.judge_choice.saved
        self.judge = self.judge_choice.scores
        recorded = _header(run.quality_path)
        if recorded:  # a resumed run keeps the kind of numbers its quality.csv already holds
            self.judge = "fcd" in recorded
            self.user_judge_wanted = self.user_judge_wanted and self.judge
        names = self.judge_choice.metric_names if self.judge == self.judge_choice.scores else PIXEL_METRICS
        if recorded and self.judge:  # the file's own columns: a classifier's or an encoder's
            names = tuple(name for name in recorded[3:] if name != "class_histogram")
        histogram = "modes_covered" in names  # a classifier's rows end with the class histogram
        self.columns = ("epoch", "step", "seconds", *names, *(("class_histogram",) if histogram else ()))
        self.last_evaluated = session.epoch  # the epoch of the latest evaluation (or the start)
        self.eval_seconds: float | None = None  # the latest evaluation's time, one-off setup excluded
        finite = [row["fcd"] for row in run.read_quality() if math.isfinite(row.get("fcd", math.nan))]
        self.best_fcd = min(finite) if finite else math.inf
        self._pixels: PixelReference | None = None
        self._user_judge: Any = None  # the chosen judge (judges.load_chosen_judge), loaded on the first measurement
        self._reference: ReferenceStats | None = None  # its held-out split's features
        self._file: CsvAppender | None = None  # opened on the first row: no empty file if never

    @property
    def enabled(self) -> bool:
        return self.every != -1

    def interval(self, epoch_seconds: float) -> int:
        """Evaluate every k epochs: ``every`` when set, else the smallest k within the budget."""
        if self.every > 0:
            return self.every
        cost = self.eval_seconds if self.eval_seconds is not None else INITIAL_EVAL_GUESS_S
        return max(1, math.ceil(cost / (TARGET_OVERHEAD * max(epoch_seconds, 1e-6))))

    def due(self, epoch: int, total_epochs: int, epoch_seconds: float) -> bool:
        """Should the epoch just completed be evaluated? ``epoch_seconds``: its training time."""
        if not self.enabled:
            return False
        if epoch >= total_epochs:
            return True
        k = self.interval(epoch_seconds)
        if self.every > 0:
            return epoch % k == 0
        # Automatic: skip an evaluation that the final one would repeat within half an interval.
        return epoch - self.last_evaluated >= k and total_epochs - epoch >= max(1, k // 2)

    def on_epoch_saved(self, saved: CheckpointSaved, epoch: EpochDone) -> list[QualityMeasured]:
        # The last epoch is always evaluated, also when the time limit makes it the last.
        total = epoch.epoch if epoch.final else epoch.total_epochs
        if self.due(epoch.epoch, total, epoch.train_seconds):
            return [self.measure(epoch.epoch, epoch.global_step)]
        return []

    def measure(self, epoch: int, global_step: int) -> QualityMeasured:
        """Score the sampling generator now; call it after the epoch's checkpoint is saved."""
        started = time.perf_counter()
        self._prepare()
        prepared = time.perf_counter()
        generator = self.session.sampling_generator()
        images = sample_images(generator, self.n, QUALITY_SEED, self.session.num_classes)
        try:
            if self.user_judge_wanted and self._user_judge is None:
                raise ValueError("the judge of this data could not be loaded")  # deleted mid-run: blank row
            metrics, histogram = score_samples(images, self.judge, self._pixels, self._user_judge, self._reference)
        except (ValueError, np.linalg.LinAlgError):
            # Degenerate fakes (e.g. from weights gone NaN) must not end a run the trainer may still save.
            metrics, histogram = {name: math.nan for name in self.columns[3:] if name != "class_histogram"}, None
        self.eval_seconds = time.perf_counter() - prepared
        self.last_evaluated = epoch
        fcd = metrics.get("fcd", math.nan)
        is_best = self.judge and math.isfinite(fcd) and fcd < self.best_fcd
        if is_best:
            self.best_fcd = fcd
            link_or_copy(self.run.last_checkpoint_path, self.run.best_checkpoint_path)
        seconds = time.perf_counter() - started
        self._write(epoch, global_step, seconds, metrics, histogram)
        return QualityMeasured(epoch, global_step, metrics, histogram, bool(is_best), seconds)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _prepare(self) -> None:
        # One-off costs, kept out of eval_seconds so they do not slow the cadence for good.
        if self.judge:
            if self._user_judge is None:
                self._user_judge = load_chosen_judge(self.judge_choice)  # None: unreadable, or none chosen
                if self._user_judge is not None:
                    data = SimpleNamespace(images=self.images, labels=self.labels, fingerprint=self.fingerprint)
                    self._reference = self._user_judge.reference(data)  # cached per process and fingerprint
        elif self._pixels is None and len(self.images) >= 2:
            self._pixels = pixel_reference(self.images)

    def _write(self, epoch: int, step: int, seconds: float, metrics: dict[str, float], histogram: list[int] | None) -> None:
        if self._file is None:
            self._file = CsvAppender(self.run.quality_path, self.columns)
        row: list[Any] = [epoch, step, f"{seconds:.3f}"]
        for name in self.columns[3:]:
            if name == "class_histogram":
                row.append(" ".join(str(c) for c in histogram) if histogram else "")
            else:
                value = metrics.get(name, math.nan)
                row.append("" if not math.isfinite(value) else f"{value:.6g}")
        self._file.write_rows([row])


def _header(path) -> list[str]:
    """The column names of an existing, non-empty CSV file; [] when there is none."""
    try:
        with open(path, encoding="utf-8") as handle:
            first = handle.readline()
    except OSError:
        return []
    return [name.strip() for name in first.split(",")] if first.strip() else []
