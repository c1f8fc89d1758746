"""Unlabelled image sets made on the spot, for calibrating the judge of unlabelled data.

Two families that look nothing like digits, both drawn from a seed so a fresh batch of the same
distribution (real images no judge has seen) is one call away:

- ``colour_shapes``: 32 px RGB, a two-colour gradient background with one to three filled
  discs, boxes or triangles in other colours, some of them striped;
- ``gratings``: 32 px grayscale, an oriented sine grating of random frequency and phase seen
  through a soft elliptical window, on a flat grey of random level.

Also the distortions the calibration compares real images with: Gaussian blur, uniform noise
and a few images repeated. numpy only.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DATASETS", "blur", "colour_shapes", "gratings", "noise_like", "repeated"]


def _gradient(rng: np.random.Generator, size: int) -> np.ndarray:
    a, b = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:size, 0:size] / (size - 1)
    t = (np.cos(angle) * (xx - 0.5) + np.sin(angle) * (yy - 0.5)) + 0.5
    t = np.clip(t, 0, 1)[..., None]
    return a * (1 - t) + b * t


def colour_shapes(count: int, size: int = 32, seed: int = 0) -> np.ndarray:
    """uint8 (count, size, size, 3): gradients with one to three coloured shapes each."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    out = np.empty((count, size, size, 3), dtype=np.uint8)
    for i in range(count):
        image = _gradient(rng, size)
        for _ in range(rng.integers(1, 4)):
            cy, cx = rng.uniform(0.2, 0.8, 2) * size
            r = rng.uniform(0.12, 0.3) * size
            kind = rng.integers(3)
            dy, dx = yy - cy, xx - cx
            if kind == 0:
                mask = np.hypot(dy, dx) <= r
            elif kind == 1:
                ry = r * rng.uniform(0.5, 1.0)
                mask = (np.abs(dy) <= ry) & (np.abs(dx) <= r)
            else:  # an upward triangle
                mask = (dy <= r * 0.6) & (dy >= -r) & (np.abs(dx) <= (dy + r) * 0.6)
            colour = rng.uniform(0, 1, 3)
            fill = np.broadcast_to(colour, (size, size, 3)).copy()
            if rng.random() < 0.35:  # stripes in a second colour
                period = rng.uniform(3, 7)
                theta = rng.uniform(0, np.pi)
                stripes = (np.sin((np.cos(theta) * xx + np.sin(theta) * yy) * 2 * np.pi / period) > 0)[..., None]
                fill = np.where(stripes, fill, rng.uniform(0, 1, 3))
            image = np.where(mask[..., None], fill, image)
        noisy = image * 255 + rng.normal(0, 4, image.shape)
        out[i] = np.clip(noisy, 0, 255).astype(np.uint8)
    return out


def gratings(count: int, size: int = 32, seed: int = 0) -> np.ndarray:
    """uint8 (count, size, size, 1): oriented sine gratings in a soft elliptical window."""
    rng = np.random.default_rng(seed)
    yy, xx = (np.mgrid[0:size, 0:size].astype(np.float64) - (size - 1) / 2) / size
    out = np.empty((count, size, size, 1), dtype=np.uint8)
    for i in range(count):
        theta, phase = rng.uniform(0, np.pi), rng.uniform(0, 2 * np.pi)
        frequency = rng.uniform(2.0, 6.0)  # cycles per image side
        wave = np.sin(2 * np.pi * frequency * (np.cos(theta) * xx + np.sin(theta) * yy) + phase)
        cy, cx = rng.uniform(-0.15, 0.15, 2)
        sy, sx = rng.uniform(0.15, 0.35, 2)
        window = np.exp(-(((yy - cy) / sy) ** 2 + ((xx - cx) / sx) ** 2))
        level, contrast = rng.uniform(0.3, 0.7), rng.uniform(0.25, 0.5)
        image = level + contrast * wave * window + rng.normal(0, 0.015, wave.shape)
        out[i, ..., 0] = np.clip(image * 255, 0, 255).astype(np.uint8)
    return out


DATASETS = {"colour-shapes": colour_shapes, "gratings": gratings}


def _kernel(sigma: float) -> np.ndarray:
    radius = max(1, int(np.ceil(3 * sigma)))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """uint8 (N, H, W, C) blurred by a separable Gaussian of ``sigma`` pixels, edges reflected."""
    k = _kernel(sigma)
    r = len(k) // 2
    x = np.pad(images.astype(np.float64), ((0, 0), (r, r), (r, r), (0, 0)), mode="reflect")
    x = sum(k[i] * x[:, i : i + images.shape[1], :, :] for i in range(len(k)))
    x = sum(k[i] * x[:, :, i : i + images.shape[2], :] for i in range(len(k)))
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def noise_like(images: np.ndarray, seed: int = 0) -> np.ndarray:
    """Uniform noise images of the same shape."""
    return np.random.default_rng(seed).integers(0, 256, images.shape, dtype=np.uint8)


def repeated(images: np.ndarray, distinct: int = 8) -> np.ndarray:
    """The first ``distinct`` images repeated to the length of ``images``: a collapsed generator."""
    return images[np.arange(len(images)) % distinct]
