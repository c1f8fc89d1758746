"""Scoring a generator by its samples: shared by the training monitor and ``gan-studio evaluate``.

Which judge scores the data is decided by ``judges.choose_judge``: on the built-in digits
(28x28x1) the shipped judge gives FCD, KID, precision, recall and class coverage against the
held-out digits (``metrics.py``). A user's labelled dataset gets the same numbers once a judge has
been trained for it (``judge_training.py``, found by the dataset's fingerprint), against that
dataset's held-out split; unlabelled data once an encoder has been trained for it
(``ssl_training.py``): the Fréchet distance in its features, KID, precision, recall, and feature
diversity and memorisation instead of classes. Data no judge knows gets two pixel-space numbers
instead: diversity (mean pairwise distance of a batch of fakes) and memorisation (median distance
of a fake to its nearest training image), each beside the same number for real images, which is
what a healthy generator should come close to.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import ConfigError, GanStudioError
from ..jobs import NO_TASK, Cancelled, TaskState
from .judges import (
    DIGITS,
    JUDGE_METRICS,
    PIXEL_METRICS,
    SSL_METRICS,
    ScoringJudge,
    choose_judge,
    data_shape,
    load_chosen_judge,
    train_judge_for,
)
from .metrics import ReferenceStats, classifier_scores, diversity, nearest_train_distance
from ..models.sampling import render

DEFAULT_SAMPLES = 1000  # the held-out set's size: FCD is only comparable to its floor at equal n
MIN_SAMPLES = 4  # precision/recall need more than k = 3 neighbours
SAMPLE_CHUNK = 250  # fakes rendered per forward pass: bounds the activations of a big DCGAN
DIVERSITY_BATCH = 500  # fakes in the diversity batch: 125k pairs is plenty, 1,000 would cost 4x
MEMORISATION_TRAIN_LIMIT = 2000  # training images fakes are compared with
MEMORISATION_BYTES = 100_000_000  # and at most this much float64: 64x64 RGB allows ~1,000
REAL_REFERENCE_COUNT = 1000  # real images used for the real-data values

__all__ = [
    "JUDGE_METRICS", "PIXEL_METRICS", "SSL_METRICS", "evaluate_checkpoint", "evaluate_images", "judge_for",
    "pixel_reference", "sample_images", "score_samples",
]


def sample_images(generator: torch.nn.Module, n: int, seed: int, num_classes: int = 0) -> np.ndarray:
    """``n`` uint8 samples (N, H, W, C) from noise drawn with a private generator seeded ``seed``.

    The noise is drawn on the CPU with its own torch.Generator, so no random stream of a run in
    progress moves and every device sees the same z. A conditional generator gets balanced
    labels (0, 1, ..., k-1, 0, 1, ...).
    """
    rng = torch.Generator().manual_seed(int(seed))
    z = torch.randn(n, generator.z_dim, generator=rng)
    labels = torch.arange(n) % num_classes if num_classes else None
    chunks = [
        render(generator, z[start : start + SAMPLE_CHUNK], None if labels is None else labels[start : start + SAMPLE_CHUNK])
        for start in range(0, n, SAMPLE_CHUNK)
    ]
    return np.concatenate(chunks)


@dataclass(frozen=True)
class PixelReference:
    """Real images that fakes of data the judge does not know are compared with."""

    train: np.ndarray  # (M, D) float64 in [0, 1]: the memorisation subsample
    diversity_real: float  # diversity of real images (the same batch size as the fakes')
    memorisation_real: float  # median distance of a real image to its nearest *other* one in train


def _flat(images: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), -1).astype(np.float64) / 255.0


def pixel_reference(images: np.ndarray, seed: int = 0) -> PixelReference:
    """The subsample and real-data values for uint8 images (N, H, W, C), N >= 2."""
    count = len(images)
    if count < 2:
        raise ValueError("the pixel reference needs at least 2 images")
    per_image = 8 * int(np.prod(images.shape[1:]))
    limit = max(2, min(MEMORISATION_TRAIN_LIMIT, MEMORISATION_BYTES // per_image, count))
    order = np.random.default_rng(seed).permutation(count)
    train = _flat(images[order[:limit]])
    probe = train[: min(REAL_REFERENCE_COUNT, limit)]
    # Leave-one-out: each probe image is in `train` at its own row, which must not count.
    nearest = np.empty(len(probe))
    train_sq = np.einsum("ij,ij->i", train, train)
    for start in range(0, len(probe), 256):
        x = probe[start : start + 256]
        sq = np.einsum("ij,ij->i", x, x)[:, None] + train_sq[None, :] - 2.0 * (x @ train.T)
        rows = np.arange(len(x))
        sq[rows, start + rows] = np.inf
        nearest[start : start + len(x)] = np.sqrt(np.clip(sq.min(axis=1), 0.0, None))
    real_batch = images[order[: min(DIVERSITY_BATCH, count)]]
    return PixelReference(train, diversity(real_batch), float(np.median(nearest)))


def score_samples(
    images: np.ndarray,
    judge: bool,
    pixels: PixelReference | None = None,
    scorer: ScoringJudge | None = None,
    reference: ReferenceStats | None = None,
) -> tuple[dict[str, float], list[int] | None]:
    """(metrics, class histogram or None) of uint8 fakes (N, H, W, C), N >= MIN_SAMPLES.

    ``judge``: score with a judge: ``scorer`` (from judges.load_chosen_judge) with its
    ``reference`` (``scorer.reference(dataset)``), or the shipped one when scorer is None; else
    pixel metrics. The metrics are those the judge's kind records (``JudgeChoice.metric_names``).
    """
    if judge:
        return scorer.score(images, reference) if scorer is not None else classifier_scores(images, reference)
    metrics = {"diversity": diversity(images[:DIVERSITY_BATCH])}
    if pixels is not None:
        metrics["memorisation"] = float(np.median(nearest_train_distance(_flat(images), pixels.train)))
        metrics["diversity_real"] = pixels.diversity_real
        metrics["memorisation_real"] = pixels.memorisation_real
    else:
        metrics.update(memorisation=float("nan"), diversity_real=float("nan"), memorisation_real=float("nan"))
    return metrics, None


def evaluate_checkpoint(
    path: Path, n: int = DEFAULT_SAMPLES, seed: int = 0, dataset: Any = None, task: TaskState = NO_TASK,
    train: bool = False, on_training: Any = None, judge_epochs: int | None = None,
) -> dict[str, Any]:
    """Score the generator of a checkpoint (EMA weights when it has them) on ``n`` fresh samples.

    Returns ``{"checkpoint", "epoch", "step", "n", "seed", "judge", "judge_kind", "num_classes",
    "metrics", "class_histogram"}``; ``judge_kind`` is "builtin", "user", "ssl" or None (pixel metrics).
    Data other than the built-in digits needs its images: ``dataset`` (an ImageDataset), or the
    run's data source is loaded; if that fails, memorisation is NaN. A labelled dataset with a
    trained judge is scored by it. With the monitor's seed (0) and n, the numbers match the
    run's quality.csv row for that epoch. ``task`` hears the data loading and may cancel between
    the steps (loading, sampling, scoring). ``train``: data no judge knows gets one first
    (``judge_for``; ``on_training(dataset)`` is called before), and ``trained_judge`` says so.
    """
    from ..runs.checkpoint import load_generator

    if n < MIN_SAMPLES:
        raise ConfigError(f"evaluating needs at least {MIN_SAMPLES} samples (got {n})")
    generator, config, state = load_generator(Path(path))
    source = config.data.source
    choice = choose_judge(source, data_shape(state["image_shape"]))  # the digits need no data
    task.check()
    images = sample_images(generator, n, seed, int(state.get("num_classes", 0)))
    pixels, scorer, reference, trained = None, None, None, False
    if not choice.scores:
        try:
            if dataset is None:
                from ..data import load_dataset

                dataset = load_dataset(config.data, task)
        except Cancelled:
            raise
        except (GanStudioError, OSError, ValueError):
            dataset = None  # the data moved or is gone: diversity alone
        if dataset is not None:
            choice = choose_judge(source, dataset)
            if not choice.scores and train:
                scorer, trained = judge_for(dataset, source, task, True, None, on_training, judge_epochs)
    scorer = scorer if scorer is not None else load_chosen_judge(choice)
    task.check()
    if scorer is not None:
        reference = scorer.reference(dataset)
    elif dataset is not None:
        try:
            pixels = pixel_reference(dataset.images)
        except ValueError:
            pixels = None
    judge = scorer is not None
    metrics, histogram = score_samples(images, judge, pixels, scorer, reference)
    return {
        "checkpoint": str(path),
        "epoch": int(state["epoch"]),
        "step": int(state["global_step"]),
        "n": int(n),
        "seed": int(seed),
        "judge": judge,
        # The JSON of `gan-studio evaluate` names the shipped judge "builtin", as it always has.
        "judge_kind": ("builtin" if scorer.kind == DIGITS else scorer.kind) if scorer is not None else None,
        "trained_judge": trained,
        "num_classes": len(histogram) if histogram else 0,
        "metrics": metrics,
        "class_histogram": histogram,
    }


def judge_for(dataset: Any, source: str, task: TaskState = NO_TASK, train: bool = True, root: Path | None = None,
              on_training: Any = None, epochs: int | None = None) -> tuple[ScoringJudge | None, bool]:
    """(the judge that scores ``dataset``, whether it was trained just now). With ``train``, data
    no judge knows gets one (``judges.train_judge_for``: a classifier when labelled, else an
    encoder; ``epochs``: its training epochs, None = its own budget), after ``on_training(dataset)``
    is called so the caller can say so; without, None."""
    choice = choose_judge(source, dataset, root=root)
    trained = False
    if not choice.scores and train:
        if on_training is not None:
            on_training(dataset)
        train_judge_for(dataset, epochs, task=task, root=root)
        choice, trained = choose_judge(source, dataset, root=root), True
    return load_chosen_judge(choice), trained


def evaluate_images(images: np.ndarray, dataset: Any, source: str, task: TaskState = NO_TASK, train: bool = True,
                    root: Path | None = None, on_training: Any = None, judge_epochs: int | None = None) -> dict[str, Any]:
    """Score uint8 ``images`` (N, H, W, C of the dataset's shape, N >= MIN_SAMPLES) against
    ``dataset``'s held-out split with its judge (``judge_for``: trained first if there is none and
    ``train``; pixel metrics when there is none and not ``train``). The keys of
    :func:`evaluate_checkpoint`'s result that describe scores, plus ``trained_judge``."""
    images = np.asarray(images)
    if len(images) < MIN_SAMPLES:
        raise ConfigError(f"scoring needs at least {MIN_SAMPLES} images (got {len(images)})")
    if images.shape[1:] != dataset.images.shape[1:]:
        h, w, c = dataset.images.shape[1:]
        raise ConfigError(f"the images are {'×'.join(map(str, images.shape[1:]))} and the data {h}×{w}×{c}: load both at one size and channel count")
    scorer, trained = judge_for(dataset, source, task, train, root, on_training, judge_epochs)
    task.check()
    if scorer is not None:
        metrics, histogram = scorer.score(images, scorer.reference(dataset))
    else:
        metrics, histogram = score_samples(images, False, pixel_reference(dataset.images))
    return {
        "n": int(len(images)),
        "judge": scorer is not None,
        "judge_kind": ("builtin" if scorer.kind == DIGITS else scorer.kind) if scorer is not None else None,
        "trained_judge": trained,
        "num_classes": len(histogram) if histogram else 0,
        "metrics": metrics,
        "class_histogram": histogram,
    }
