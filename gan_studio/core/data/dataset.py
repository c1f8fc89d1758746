"""The loaded dataset, its load report, and helpers every source shares.

Nothing here knows where the images came from: sources hand over uint8 arrays and a report.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..jobs import TaskState

LOADING_CANCELLED = "loading cancelled"  # the Cancelled message of every source


@dataclass
class LoadReport:
    source: str  # what was opened, as the user named it (config.source)
    kind: str  # "builtin", "folder", "tutorial-csv", "idx", "npz", "npy"
    loaded: int  # images in the dataset
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason) for each item left out
    resized: int = 0  # images that were cropped to square and/or resized
    notes: list[str] = field(default_factory=list)  # other things the user should know, one phrase each
    from_cache: bool = False  # read from the cache of decoded folders (cache.py), not decoded now

    def summary(self) -> str:
        """One line, e.g. "5000 images loaded, 3 files skipped (2 not an image, 1 empty file)"."""
        parts = [_count(self.loaded, "image") + " loaded"]
        if self.skipped:
            noun = "row" if self.kind == "tutorial-csv" else "file"
            reasons = Counter(reason_group(reason) for _, reason in self.skipped)
            detail = ", ".join(f"{n} {reason}" for reason, n in reasons.most_common())
            parts.append(f"{_count(len(self.skipped), noun)} skipped ({detail})")
        if self.resized:
            parts.append(f"{self.resized} resized")
        text = ", ".join(parts)
        return "; ".join([text, *self.notes])


def reason_group(reason: str) -> str:
    """The kind of a skip reason, without its detail: "image too large (1e9 pixels)" -> "image too large"."""
    return reason.split(" (", 1)[0]


def _count(n: int, noun: str, plural: str = "") -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"


@dataclass
class ImageDataset:
    images: np.ndarray  # uint8, N x H x W x C, C in {1, 3}, H == W == config.image_size
    labels: np.ndarray | None  # int64 N, values 0..num_classes-1, or None when unlabelled
    class_names: list[str]  # names for label values ([] when unlabelled)
    report: LoadReport

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @cached_property
    def fingerprint(self) -> str:
        """16 hex digits of a sha256 over shape, pixels and labels: names the data in run.json
        and the judge trained for it.

        Hashes every byte (about 0.1 s for the 47 MB of MNIST) on first use, then is kept: the
        arrays of a loaded dataset are not changed in place.
        """
        digest = hashlib.sha256()
        digest.update(repr(tuple(self.images.shape)).encode())
        digest.update(np.ascontiguousarray(self.images, dtype=np.uint8).data)
        if self.labels is None:
            digest.update(b"unlabelled")
        else:
            digest.update(np.ascontiguousarray(self.labels, dtype="<i8").data)
        return digest.hexdigest()[:16]

    def summary(self) -> str:
        """e.g. "5000 images, 28×28×1, 10 classes" or "300 images, 64×64×3, unlabelled"."""
        n, h, w, c = self.images.shape
        classes = "unlabelled" if self.labels is None else _count(self.num_classes, "class", "classes")
        return f"{_count(n, 'image')}, {h}×{w}×{c}, {classes}"

    def preview(self, n: int, seed: int = 0) -> np.ndarray:
        """Up to ``n`` images (n, H, W, C uint8), the same ones for the same seed.

        Labelled data takes classes in turn (0, 1, 2, ..., 0, 1, ...), each class's images in a
        seeded random order, so a grid with num_classes columns shows one class per column.
        """
        count = len(self.images)
        n = max(0, min(n, count))
        rng = np.random.default_rng(seed)
        if self.labels is None:
            index = rng.permutation(count)[:n]
        else:
            shuffled = rng.permutation(count)
            index = shuffled[priority_order(self.labels[shuffled], count)[:n]]
        return self.images[index]


def priority_order(labels: np.ndarray | None, count: int) -> np.ndarray:
    """Positions in the order a limit takes them: as they come, or classes in turn when labelled.

    With labels [0, 0, 0, 1, 1, 2] the order is 0, 3, 5, 1, 4, 2: the first of each class, then
    the second of each, and so on, each class keeping its own order.
    """
    if labels is None:
        return np.arange(count)
    labels = np.asarray(labels, dtype=np.int64)
    n = len(labels)
    by_class = np.argsort(labels, kind="stable")
    sorted_labels = labels[by_class]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]]) if n else np.arange(0)
    group_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    rank = np.empty(n, dtype=np.int64)
    rank[by_class] = np.arange(n) - group_start
    return np.lexsort((labels, rank))


def limit_indices(labels: np.ndarray | None, count: int, limit: int) -> np.ndarray:
    """The sorted positions that ``data.limit`` keeps (all of them when limit is 0)."""
    if limit <= 0 or limit >= count:
        return np.arange(count)
    if labels is None:
        return np.arange(limit)
    return np.sort(priority_order(labels, count)[:limit])


def map_labels(values: np.ndarray, names: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """Integer labels to 0..k-1 plus class names.

    When ``names`` is given and every value indexes it, labels and names are kept as they are;
    otherwise the distinct values, sorted, become the classes and their decimal text the names
    (labels 1, 3, 7 become 0, 1, 2 named "1", "3", "7").
    """
    values = np.asarray(values, dtype=np.int64)
    if names is not None and (len(values) == 0 or (values.min() >= 0 and values.max() < len(names))):
        return values, list(names)
    distinct = np.unique(values)
    return np.searchsorted(distinct, values).astype(np.int64), [str(int(v)) for v in distinct]


def tick(task: TaskState, done: int, total: int) -> None:
    """After each file or image: stop if the load was cancelled, else report progress."""
    task.check(LOADING_CANCELLED)
    task.set_progress(done, total)
