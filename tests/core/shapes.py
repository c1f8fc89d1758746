"""A small labelled dataset made on the spot: squares, rings and crosses, jittered and noisy."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gan_studio.core.data import ImageDataset, LoadReport

CLASS_NAMES = ["square", "ring", "cross"]


def shape_images(per_class: int = 60, size: int = 16, channels: int = 1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images (N, size, size, channels), int64 labels), classes interleaved 0, 1, 2, 0, ..."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    images, labels = [], []
    for i in range(per_class * len(CLASS_NAMES)):
        label = i % len(CLASS_NAMES)
        cy, cx = size / 2 + rng.uniform(-size / 8, size / 8, 2)
        r = size * rng.uniform(0.22, 0.32)
        dy, dx = yy - cy, xx - cx
        if label == 0:
            mask = (np.abs(dy) <= r) & (np.abs(dx) <= r)
        elif label == 1:
            mask = np.abs(np.hypot(dy, dx) - r) <= size / 14
        else:
            mask = ((np.abs(dy) <= size / 14) | (np.abs(dx) <= size / 14)) & (np.abs(dy) <= r) & (np.abs(dx) <= r)
        intensity = mask * rng.uniform(170, 255) + rng.normal(0, 12, mask.shape)
        image = intensity[..., None] * (rng.uniform(0.5, 1.0, channels) if channels == 3 else np.ones(1))
        images.append(np.clip(image, 0, 255).astype(np.uint8))
        labels.append(label)
    return np.stack(images), np.array(labels, dtype=np.int64)


def shape_dataset(per_class: int = 60, size: int = 16, channels: int = 1, seed: int = 0, source: str = "shapes") -> ImageDataset:
    images, labels = shape_images(per_class, size, channels, seed)
    return ImageDataset(images, labels, list(CLASS_NAMES), LoadReport(source, "npz", len(images)))


def write_shapes(path: Path, per_class: int = 60, size: int = 16, channels: int = 1, seed: int = 0) -> Path:
    """An .npz the data loader reads as a labelled dataset (images, labels, class_names)."""
    images, labels = shape_images(per_class, size, channels, seed)
    np.savez(path, images=images[..., 0] if channels == 1 else images, labels=labels, class_names=np.array(CLASS_NAMES))
    return path
