"""Which images are held out: the fixed, hash-ordered splits every quality number is measured on.

The built-in digits hold out 100 of each class; a user's labelled data one in ten of each class
(1 to 100); unlabelled data one image in five (8 to 1,000). The order comes from a fixed integer
hash of each index, never from a random stream, so a split can never change with the numpy
version, and the judge is always trained without the images it is later measured against.
"""

from __future__ import annotations

import numpy as np

HELDOUT_PER_CLASS = 100  # 1,000 held-out digits: 100 of each class (and the cap for user data)
HELDOUT_ONE_IN = 10  # a user's labelled data: one image in 10 of each class is held out (10 %)
SPLIT_SEED = 0


def _splitmix64(x: np.ndarray) -> np.ndarray:
    # A fixed integer hash (Steele et al.'s SplitMix64 finaliser): unlike a numpy RNG stream, its
    # output can never change with the numpy version. uint64 array arithmetic wraps silently.
    z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _ranked_by_class(labels: np.ndarray, seed: int) -> list[np.ndarray]:
    """For each class in order, its indices sorted by the hash key of (seed, index)."""
    labels = np.asarray(labels).reshape(-1)
    keys = _splitmix64(np.arange(len(labels), dtype=np.uint64) + np.uint64(seed) * np.uint64(1 << 32))
    ranked = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        ranked.append(members[np.argsort(keys[members], kind="stable")])
    return ranked


HELDOUT_RULE = (
    "for each class, the 100 indices i of that class in digits.npz with the smallest "
    "splitmix64(i + seed * 2**32) (uint64); seed 0"
)


def heldout_counts(labels: np.ndarray, per_class: int | None = HELDOUT_PER_CLASS) -> np.ndarray:
    """How many of each class (in ``np.unique(labels)`` order) are held out.

    ``per_class`` given: exactly that many (the built-in digits: 100). ``None``: the rule for a
    user's dataset, one in ``HELDOUT_ONE_IN`` of each class, at least 1 and at most HELDOUT_PER_CLASS.
    """
    sizes = np.unique(np.asarray(labels).reshape(-1), return_counts=True)[1].astype(np.int64)
    if per_class is not None:
        return np.full(len(sizes), int(per_class), dtype=np.int64)
    return np.clip(sizes // HELDOUT_ONE_IN, 1, HELDOUT_PER_CLASS)


def heldout_split(labels: np.ndarray, per_class: int | None = HELDOUT_PER_CLASS, seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """(train_idx, heldout_idx), both sorted int64: ``per_class`` of each class held out
    (``None``: 10 % of each class, 1 to 100; see :func:`heldout_counts`).

    Deterministic from the labels alone (see ``HELDOUT_RULE``); the judge never saw the held-out
    images, and they are the reference every generator is measured against.
    """
    ranked = _ranked_by_class(labels, seed)
    counts = heldout_counts(labels, per_class)
    short = [(len(r), int(k)) for r, k in zip(ranked, counts) if len(r) <= k]
    if short:
        size, k = short[0]
        raise ValueError(f"every class needs more than {k} samples to hold {k} out (one has {size})")
    heldout = np.sort(np.concatenate([r[:k] for r, k in zip(ranked, counts)] or [np.zeros(0, np.int64)]))
    train = np.setdiff1d(np.arange(len(np.asarray(labels).reshape(-1))), heldout)
    return train.astype(np.int64), heldout.astype(np.int64)


def floor_subset(labels: np.ndarray, per_class: int | None = HELDOUT_PER_CLASS, seed: int = SPLIT_SEED) -> np.ndarray:
    """A training-split subset the size of the held-out set (the next ones in each class's
    order, as many as that class holds out, or all it has left): what a generator that
    reproduced its training data perfectly would show."""
    ranked = _ranked_by_class(labels, seed)
    counts = heldout_counts(labels, per_class)
    parts = [r[k : 2 * k] for r, k in zip(ranked, counts)]
    return np.sort(np.concatenate(parts or [np.zeros(0, np.int64)])).astype(np.int64)


UNLABELLED_ONE_IN = 5  # unlabelled data: one image in 5 is held out...
UNLABELLED_MAX = 1000  # ...at most 1,000 (FD's bias falls with n; 1,000 matches the 1,000 samples scored)
UNLABELLED_MIN = 8  # and at least 8: precision/recall need more than k = 3 neighbours


def unlabelled_count(count: int) -> int:
    """Images held out of an unlabelled dataset of ``count``: count // 5, within [8, 1,000]."""
    return int(min(UNLABELLED_MAX, max(UNLABELLED_MIN, count // UNLABELLED_ONE_IN)))


def unlabelled_split(count: int) -> tuple[np.ndarray, np.ndarray]:
    """(train_idx, heldout_idx) of an unlabelled dataset: the hash order of ``heldout_split``
    with one class, :func:`unlabelled_count` held out. ValueError when fewer than 3x that exist
    (the floor needs as many training images again, and the judge some to learn from)."""
    k = unlabelled_count(count)
    if count < 3 * k:
        raise ValueError(f"unlabelled data needs at least {3 * UNLABELLED_MIN} images for a judge (got {count})")
    ranked = _ranked_by_class(np.zeros(count, dtype=np.int64), SPLIT_SEED)[0]
    heldout = np.sort(ranked[:k])
    return np.setdiff1d(np.arange(count), heldout).astype(np.int64), heldout.astype(np.int64)


def unlabelled_floor(count: int) -> np.ndarray:
    """The training images the floor compares the held-out ones with: the next k in hash order."""
    k = unlabelled_count(count)
    ranked = _ranked_by_class(np.zeros(count, dtype=np.int64), SPLIT_SEED)[0]
    return np.sort(ranked[k : 2 * k]).astype(np.int64)
