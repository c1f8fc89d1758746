"""The 2-D distributions, sampled with numpy (no torch: the window draws the real points itself).

The two mixtures are the mode-collapse benchmarks exactly as VEEGAN (Srivastava et al. 2017) and
PacGAN (Lin et al. 2018) define them; PacGAN's code (fjxmlzn/PacGAN,
synthetic_data_experiments/2DRing_GAN&PacGAN/config.py and 2DGrid_GAN&PacGAN/config.py):
  ring: means (cos 2*pi*k/8, sin 2*pi*k/8), k = 0..7, covariance 0.01^2 I, equal weights;
  grid: means {-4, -2, 0, 2, 4}^2, covariance 0.05^2 I, equal weights.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ConfigError, naming


@dataclass(frozen=True)
class Mixture:
    """A mixture of isotropic Gaussians with equal weights: the modes coverage counts."""

    means: np.ndarray  # (K, 2)
    sigma: float  # the standard deviation of every component


RING = Mixture(np.array([[np.cos(2 * np.pi * k / 8), np.sin(2 * np.pi * k / 8)] for k in range(8)]), 0.01)
GRID = Mixture(np.array(list(itertools.product(range(-4, 5, 2), range(-4, 5, 2))), dtype=np.float64), 0.05)
MIXTURES = {"ring": RING, "grid": GRID}


class Distribution:
    """Draws batches of 2-D points; ``extent`` is the square the views show it in."""

    def __init__(self, name: str, points: np.ndarray | None = None) -> None:
        self.name = name
        self.mixture = MIXTURES.get(name)
        self._points = points
        if name == "csv":
            if points is None or len(points) == 0:
                raise ConfigError("the csv distribution has no points")
            low, high = points.min(axis=0), points.max(axis=0)
            centre, half = (low + high) / 2, max(float((high - low).max()) / 2, 1e-3) * 1.3
            self.extent = (float(centre[0] - half), float(centre[0] + half), float(centre[1] - half), float(centre[1] + half))
        else:
            half = {"ring": 1.5, "grid": 6.0}.get(name, 2.0)
            self.extent = (-half, half, -half, half)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` points, float32 (n, 2)."""
        name = self.name
        if self.mixture is not None:
            modes = rng.integers(len(self.mixture.means), size=n)
            points = self.mixture.means[modes] + self.mixture.sigma * rng.standard_normal((n, 2))
        elif name == "line":  # a segment from (-1.5, -1) to (1.5, 1), slightly thick
            t = rng.uniform(-1, 1, n)
            points = np.stack([1.5 * t, t], axis=1) + 0.02 * rng.standard_normal((n, 2))
        elif name == "moons":  # scikit-learn's make_moons, noise 0.05, centred
            t = rng.uniform(0, np.pi, n)
            upper = rng.random(n) < 0.5
            x = np.where(upper, np.cos(t), 1 - np.cos(t)) - 0.5
            y = np.where(upper, np.sin(t), 0.5 - np.sin(t)) - 0.25
            points = np.stack([x, y], axis=1) + 0.05 * rng.standard_normal((n, 2))
        elif name == "spiral":  # one arm, 1.5 turns, radius growing to 1.6
            t = np.sqrt(rng.random(n)) * 3 * np.pi
            r = t / (3 * np.pi) * 1.6
            points = np.stack([r * np.cos(t), r * np.sin(t)], axis=1) + 0.03 * rng.standard_normal((n, 2))
        elif name == "disc":  # uniform on the disc of radius 1.2
            r, a = 1.2 * np.sqrt(rng.random(n)), rng.uniform(0, 2 * np.pi, n)
            points = np.stack([r * np.cos(a), r * np.sin(a)], axis=1)
        else:  # csv: the user's points, drawn with replacement
            points = self._points[rng.integers(len(self._points), size=n)]
        return points.astype(np.float32)


def read_points_csv(path: Path | str) -> np.ndarray:
    """x,y per line (a header line and extra columns are allowed); float64 (n, 2)."""
    path = Path(path).expanduser()
    rows = []
    with naming(path), path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or not "".join(row).strip():
                continue
            try:
                rows.append((float(row[0]), float(row[1])))
            except (ValueError, IndexError):
                if number == 1:
                    continue  # a header
                raise ConfigError(f"{path}, line {number}: expected two numbers x,y, got {','.join(row)!r}") from None
    points = np.array(rows, dtype=np.float64).reshape(-1, 2)
    if len(points) < 2:
        raise ConfigError(f"{path} holds {len(points)} point(s); the playground needs at least 2")
    if not np.isfinite(points).all():
        raise ConfigError(f"{path} holds a value that is not a finite number")
    return points


def write_points_csv(path: Path | str, points: np.ndarray) -> None:
    from ..atomic import write_text_atomic

    write_text_atomic(path, "".join(f"{x:.6g},{y:.6g}\n" for x, y in np.asarray(points)))


def make_distribution(name: str, points_csv: str = "") -> Distribution:
    return Distribution(name, read_points_csv(points_csv) if name == "csv" else None)
