"""How good are generated images? Distances between judge features, numpy only.

The judge (``judge.py``: a small CNN, shipped for the built-in digits or trained on a user's
labelled data by ``judge_training.py``) maps each image to 128 penultimate features and one
probability per class; this module compares sets of them:

- FCD, the Fréchet distance between Gaussians fitted to the features (FID with our judge in
  place of Inception), and KID, an unbiased kernel MMD^2 that is less biased at small N;
- precision and recall (Kynkäänniemi et al. 2019): how much of the fakes lies on the real
  manifold, and how much of the real manifold the fakes reach;
- class coverage (collapsed modes), diversity, and the distance to the nearest training
  feature (memorisation).

Numbers are only comparable at equal sample counts (FCD is biased upward at small N): use 1,000
fakes, the size of the digits' held-out set, to compare with the real-vs-real floor. A user's
held-out set is 10 % of each class (1 to 100 per class); its floor compares two sets of that
size, so 1,000 fakes against it are, if anything, a little less biased than the floor. Torch is imported
lazily, only by :func:`evaluate_samples` and :func:`reference_stats`, so the metrics themselves
work in a torch-free process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..resources import resource_path
from .splits import floor_subset, heldout_split

COVERAGE_FRACTION = 0.02  # a class is "covered" when at least 2% of the samples are predicted as it
_CHUNK = 512  # rows of a pairwise-distance block: 512 x 2,000 float64 is 8 MB


# -- metrics ---------------------------------------------------------------------------------


def _as_features(x: np.ndarray, name: str, minimum: int = 2) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or len(x) < minimum:
        raise ValueError(f"{name} must be an (N, D) array with N >= {minimum}, got shape {x.shape}")
    return x


def _pair(a: np.ndarray, b: np.ndarray, minimum: int = 2) -> tuple[np.ndarray, np.ndarray]:
    a, b = _as_features(a, "feat_a", minimum), _as_features(b, "feat_b", minimum)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feature sizes differ: {a.shape[1]} and {b.shape[1]}")
    return a, b


def _sqrt_psd(c: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(c)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def frechet_distance(feat_a: np.ndarray, feat_b: np.ndarray) -> float:
    """||mu_a - mu_b||^2 + Tr(Ca + Cb - 2 (Ca Cb)^1/2), the FID formula on judge features (FCD).

    Tr (Ca Cb)^1/2 is the sum of the square roots of the eigenvalues of Ca^1/2 Cb Ca^1/2, which
    is symmetric PSD: no scipy and no complex parts. Rounding negatives are clipped to 0.
    """
    a, b = _pair(feat_a, feat_b)
    mu = a.mean(axis=0) - b.mean(axis=0)
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root_a = _sqrt_psd(ca)
    middle = root_a @ cb @ root_a
    eig = np.linalg.eigvalsh((middle + middle.T) / 2)
    cross = np.sqrt(np.clip(eig, 0.0, None)).sum()
    return max(0.0, float(mu @ mu + np.trace(ca) + np.trace(cb) - 2.0 * cross))


def kernel_inception_distance(feat_a: np.ndarray, feat_b: np.ndarray, subsets: int = 10, subset_size: int = 500, seed: int = 0) -> float:
    """KID: the unbiased MMD^2 with the kernel k(x, y) = (x.y / d + 1)^3, averaged over random
    subsets of ``min(subset_size, len(a), len(b))`` (Binkowski et al. 2018). Can be slightly
    negative for two samples of one distribution, and for a set against itself (shared points
    put k(x, x) in the cross term)."""
    a, b = _pair(feat_a, feat_b)
    m = min(subset_size, len(a), len(b))
    d = a.shape[1]
    rng = np.random.default_rng(seed)
    total = 0.0
    for _ in range(subsets):
        x = a[rng.choice(len(a), m, replace=False)]
        y = b[rng.choice(len(b), m, replace=False)]
        kxx, kyy, kxy = ((x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3)
        within = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        total += within - 2.0 * kxy.mean()
    return float(total / subsets)


def _distances(a: np.ndarray, b: np.ndarray):
    """Yield (start, block) with block = Euclidean distances of a[start:start+_CHUNK] to all b."""
    b_sq = np.einsum("ij,ij->i", b, b)
    for start in range(0, len(a), _CHUNK):
        x = a[start : start + _CHUNK]
        sq = np.einsum("ij,ij->i", x, x)[:, None] + b_sq[None, :] - 2.0 * (x @ b.T)
        yield start, np.sqrt(np.clip(sq, 0.0, None))


def _knn_radii(x: np.ndarray, k: int) -> np.ndarray:
    # Column 0 of each sorted row is the point itself (distance 0), so index k is the k-th neighbour.
    radii = np.empty(len(x))
    for start, block in _distances(x, x):
        radii[start : start + len(block)] = np.partition(block, k, axis=1)[:, k]
    return radii


def _inside(points: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> float:
    hits = 0
    for _, block in _distances(points, centres):
        hits += int(np.count_nonzero((block <= radii[None, :]).any(axis=1)))
    return hits / len(points)


def precision_recall(real_feat: np.ndarray, fake_feat: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) with k-NN balls as manifolds.

    Precision: the share of fakes inside some real sample's ball (radius = its k-th nearest real
    neighbour). Recall: the share of reals inside some fake's ball. Both sets need more than k.
    """
    real, fake = _pair(real_feat, fake_feat, minimum=k + 1)
    precision = _inside(fake, real, _knn_radii(real, k))
    recall = _inside(real, fake, _knn_radii(fake, k))
    return precision, recall


def class_coverage(probs: np.ndarray, num_classes: int = 10, threshold: float = COVERAGE_FRACTION) -> dict:
    """Which classes the judge sees in a batch: a collapsed generator covers few.

    Returns ``class_histogram`` (counts of the predicted class, a list of ``num_classes`` ints),
    ``modes_covered`` (classes predicted for at least ``threshold`` of the samples, and at least
    one sample) and ``mean_confidence`` (mean of the top probability; low for unreadable digits).
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[1] != num_classes or len(probs) == 0:
        raise ValueError(f"probs must be an (N, {num_classes}) array with N >= 1, got shape {probs.shape}")
    counts = np.bincount(probs.argmax(axis=1), minlength=num_classes)
    needed = max(1.0, threshold * len(probs))
    return {
        "class_histogram": [int(c) for c in counts],
        "modes_covered": int(np.count_nonzero(counts >= needed)),
        "mean_confidence": float(probs.max(axis=1).mean()),
    }


def _flat(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    flat = x.reshape(len(x), -1).astype(np.float64)
    return flat / 255.0 if x.dtype == np.uint8 else flat  # uint8 images are compared in [0, 1]


def diversity(images_or_features: np.ndarray) -> float:
    """Mean L2 distance over all pairs of a batch (uint8 images in [0, 1] units); 0 when collapsed."""
    x = _flat(images_or_features)
    n = len(x)
    if n < 2:
        raise ValueError(f"diversity needs at least 2 samples, got {n}")
    total = sum(block.sum() for _, block in _distances(x, x))  # every pair twice, diagonal 0
    return float(total / (n * (n - 1)))


def nearest_train_distance(fake_feat: np.ndarray, train_feat: np.ndarray) -> np.ndarray:
    """Per fake, the distance to its nearest training feature: near 0 means a copied digit."""
    fake, train = _pair(fake_feat, train_feat, minimum=1)
    nearest = np.empty(len(fake))
    for start, block in _distances(fake, train):
        nearest[start : start + len(block)] = block.min(axis=1)
    return nearest


# -- a report on a batch of fakes ------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceStats:
    """Judge features of real images that fakes are measured against."""

    features: np.ndarray  # (M, 128) held-out real images (1,000 built-in digits)
    floor_features: np.ndarray  # (M, 128) a same-size subset of the training split
    fcd_floor: float  # FCD(held-out, floor subset): the best a generator can expect
    kid_floor: float


@dataclass(frozen=True)
class QualityReport:
    fcd: float  # Fréchet distance to the held-out images (lower is better)
    kid: float  # kernel distance to the held-out images (lower is better, ~0 is ideal)
    precision: float  # share of fakes that look like some real image
    recall: float  # share of real images some fake resembles
    modes_covered: int  # classes predicted for >= 2% of the fakes (num_classes is all)
    class_histogram: list[int]  # fakes per predicted class
    mean_confidence: float  # the judge's mean top probability
    fcd_floor: float  # real-vs-real FCD at the held-out set's size: fakes cannot beat it by much
    kid_floor: float
    n: int  # number of fakes scored (compare FCD only at equal n; 1000 matches the digits' floor)
    num_classes: int = 10  # classes the judge knows


class Judging(Protocol):
    """A judge of a user's dataset (``judge_training.UserJudge``), as this module uses it."""

    fingerprint: str  # the dataset it was trained on
    token: str  # changes when the judge is retrained: names its cached reference
    num_classes: int

    def features(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


class LabelledData(Protocol):
    images: np.ndarray  # uint8 (N, H, W, C)
    labels: np.ndarray | None
    fingerprint: str


_reference: ReferenceStats | None = None
_user_references: dict[tuple[str, str], ReferenceStats] = {}
_USER_REFERENCES_KEPT = 4  # datasets whose reference stays cached (each ~1 MB at most)
_reference_lock = threading.Lock()


def reference_stats(judge: Judging | None = None, dataset: LabelledData | None = None) -> ReferenceStats:
    """The held-out real images and the real-vs-real floor, computed once per process.

    With no arguments: the built-in digits and the shipped judge (100 held-out per class).
    With a user's ``judge`` and the labelled ``dataset`` it was trained on: that dataset's
    held-out split (``heldout_split(labels, None)``: 10 % per class, 1 to 100) against an
    equal-size training subset, cached per dataset fingerprint and judge.
    """
    global _reference
    if judge is not None or dataset is not None:
        return _user_reference(judge, dataset)
    with _reference_lock:
        if _reference is None:
            from .judge import judge_features  # torch, only when a report is asked for

            with np.load(resource_path("digits.npz"), allow_pickle=False) as arrays:
                images, labels = arrays["images"], arrays["labels"]
            _, heldout = heldout_split(labels)
            held, _ = judge_features(images[heldout])
            floor, _ = judge_features(images[floor_subset(labels)])
            _reference = _stats(held, floor)
        return _reference


def _stats(held: np.ndarray, floor: np.ndarray) -> ReferenceStats:
    return ReferenceStats(
        features=held,
        floor_features=floor,
        fcd_floor=frechet_distance(held, floor),
        kid_floor=kernel_inception_distance(held, floor),
    )


def _user_reference(judge: Judging | None, dataset: LabelledData | None) -> ReferenceStats:
    if judge is None or dataset is None or dataset.labels is None:
        raise ValueError("a user's reference needs both the judge and the labelled dataset it was trained on")
    if judge.fingerprint != dataset.fingerprint:
        raise ValueError(f"this judge was trained on dataset {judge.fingerprint}, not {dataset.fingerprint}")
    key = (dataset.fingerprint, judge.token)
    with _reference_lock:
        cached = _user_references.get(key)
        if cached is None:
            _, heldout = heldout_split(dataset.labels, None)
            held, _ = judge.features(dataset.images[heldout])
            floor, _ = judge.features(dataset.images[floor_subset(dataset.labels, None)])
            cached = _stats(held, floor)
            while len(_user_references) >= _USER_REFERENCES_KEPT:
                _user_references.pop(next(iter(_user_references)))  # the oldest entry
            _user_references[key] = cached
        return cached


def classifier_scores(fake_uint8: np.ndarray, reference: ReferenceStats | None = None, judge: Judging | None = None) -> tuple[dict[str, float], list[int]]:
    """(the JUDGE_METRICS of judges.py, class histogram) of uint8 fakes: a classifier judge's
    ``score`` (the shipped one when ``judge`` is None)."""
    from .judges import JUDGE_METRICS

    report = evaluate_samples(fake_uint8, reference, judge)
    return {name: float(getattr(report, name)) for name in JUDGE_METRICS}, list(report.class_histogram)


def evaluate_samples(fake_uint8: np.ndarray, reference: ReferenceStats | None = None, judge: Judging | None = None) -> QualityReport:
    """Score uint8 fakes, N >= 4, against held-out real images: (N, 28, 28, 1) digits with the
    shipped judge, or images of a user's dataset with its ``judge`` (then ``reference`` is
    required: ``reference_stats(judge, dataset)``)."""
    if judge is None:
        from .judge import judge_features

        reference = reference if reference is not None else reference_stats()
        features, probs = judge_features(fake_uint8)
        num_classes = 10
    else:
        if reference is None:
            raise ValueError("scoring with a user's judge needs its reference: reference_stats(judge, dataset)")
        features, probs = judge.features(fake_uint8)
        num_classes = judge.num_classes
    precision, recall = precision_recall(reference.features, features)
    coverage = class_coverage(probs, num_classes)
    return QualityReport(
        fcd=frechet_distance(features, reference.features),
        kid=kernel_inception_distance(features, reference.features),
        precision=precision,
        recall=recall,
        modes_covered=coverage["modes_covered"],
        class_histogram=coverage["class_histogram"],
        mean_confidence=coverage["mean_confidence"],
        fcd_floor=reference.fcd_floor,
        kid_floor=reference.kid_floor,
        n=len(features),
        num_classes=num_classes,
    )
