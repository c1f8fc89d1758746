"""Points and paths in a generator's latent space: numpy only, no torch, no Qt."""

from __future__ import annotations

import numpy as np

from ..errors import GanStudioError


def seed_latent(seed: int, z_dim: int, count: int | None = None) -> np.ndarray:
    """Standard normal z for a seed: (z_dim,) when count is None, else (count, z_dim); float32.

    numpy's PCG64, so the window can draw points without touching torch on its own thread (a
    torch operation there slows a trainer in another thread). Exports store the vectors
    themselves, so a sample never depends on this stream staying the same.
    """
    z = np.random.default_rng(int(seed)).standard_normal((1 if count is None else int(count), int(z_dim)))
    z = z.astype(np.float32)
    return z[0] if count is None else z


def truncate(z: np.ndarray, psi: float) -> np.ndarray:
    """The truncation trick toward the prior's mean (0): smaller psi, more typical samples."""
    return (np.asarray(z, np.float32) * np.float32(psi)).astype(np.float32)


def lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return ((1.0 - t) * a + t * b).astype(np.float32)


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Rotate a's direction into b's along the great circle while the norm goes linearly.

    Plain lerp between two Gaussian samples cuts through the low-norm middle where a generator
    has seen no z; slerp stays on the shell. Parallel vectors interpolate only the norm;
    opposite ones turn through a fixed perpendicular; a zero vector falls back to lerp.
    """
    a64, b64 = np.asarray(a, np.float64).reshape(-1), np.asarray(b, np.float64).reshape(-1)
    if t == 0:
        return np.asarray(a, np.float32).copy()
    if t == 1:
        return np.asarray(b, np.float32).copy()
    norm_a, norm_b = np.linalg.norm(a64), np.linalg.norm(b64)
    if norm_a < 1e-12 or norm_b < 1e-12:
        return lerp(a, b, t)
    ua, ub = a64 / norm_a, b64 / norm_b
    cos = float(np.clip(ua @ ub, -1.0, 1.0))
    if cos > 1.0 - 1e-9:
        direction = ua
    elif cos < -1.0 + 1e-9:
        direction = np.cos(np.pi * t) * ua + np.sin(np.pi * t) * _perpendicular(ua)
    else:
        omega = np.arccos(cos)
        direction = (np.sin((1.0 - t) * omega) * ua + np.sin(t * omega) * ub) / np.sin(omega)
        direction /= np.linalg.norm(direction)
    return (direction * ((1.0 - t) * norm_a + t * norm_b)).astype(np.float32)


def _perpendicular(unit: np.ndarray) -> np.ndarray:
    # Gram-Schmidt on the axis least aligned with the vector: deterministic and well conditioned.
    axis = np.zeros_like(unit)
    axis[int(np.argmin(np.abs(unit)))] = 1.0
    other = axis - (axis @ unit) * unit
    return other / np.linalg.norm(other)


def interpolation_path(a: np.ndarray, b: np.ndarray, frames: int, mode: str = "slerp") -> np.ndarray:
    """(frames, z_dim) points from a to b, both ends included; mode is "slerp" or "lerp"."""
    if frames < 2:
        raise GanStudioError(f"an interpolation needs at least 2 frames (got {frames})")
    step = {"slerp": slerp, "lerp": lerp}.get(mode)
    if step is None:
        raise GanStudioError(f"interpolation mode must be slerp or lerp (got {mode!r})")
    return np.stack([step(a, b, t) for t in np.linspace(0.0, 1.0, frames)]).astype(np.float32)


def neighbours(z: np.ndarray, count: int, radius: float = 0.5, seed: int = 0) -> np.ndarray:
    """(count, z_dim) random points near z: z + radius * N(0, I), deterministic for a seed.

    ``radius`` is per coordinate, in units of the prior's standard deviation: 0.5 puts the
    neighbours about half as far from z as z lies from the origin.
    """
    z = np.asarray(z, np.float32).reshape(-1)
    offsets = np.random.default_rng(seed).standard_normal((int(count), z.size))
    return (z + np.float32(radius) * offsets.astype(np.float32)).astype(np.float32)
