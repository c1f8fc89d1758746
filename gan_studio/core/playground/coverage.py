"""Mode coverage as PacGAN measures it, and KL/JS divergences on a grid histogram (numpy only).

Coverage follows PacGAN's code exactly (fjxmlzn/PacGAN, synthetic_data_experiments/PacGAN/pacgan/
extensions.py, MetricLogger.do, dis_thre=3): each sample goes to its nearest mode by the
Mahalanobis distance sqrt(sum((x - mean)^2 / variance)); it is *high quality* when that distance
is under 3 (within three standard deviations, VEEGAN's definition, Srivastava et al. 2017, sec. 5.1);
a mode is *captured* when at least one high-quality sample lies in it (the code counts the modes
with a non-zero count: ``len(numpy.nonzero(detail_of_coverage)[0])``); the high-quality share is
the high-quality samples over all samples. PacGAN scored 2,500 samples (num_log_figure_sample) and
its Table 1 reports these two numbers and a reverse KL, which here is KL(modes of the samples ||
uniform over the modes), computed on the high-quality samples' mode histogram.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .distributions import Mixture

THRESHOLD_SIGMAS = 3.0  # PacGAN's dis_thre


@dataclass(frozen=True)
class Coverage:
    modes_captured: int
    modes: int  # the mixture's modes (8 or 25)
    high_quality: float  # share of samples within 3 sigma of their nearest mode, 0..1
    reverse_kl: float  # KL(sample mode histogram || uniform), nats; inf when no sample is high quality
    per_mode: np.ndarray  # int64 (K,): high-quality samples per mode


def mode_coverage(samples: np.ndarray, mixture: Mixture, min_samples: int = 1) -> Coverage:
    samples = np.asarray(samples, dtype=np.float64)
    distance = np.sqrt(((samples[:, None, :] - mixture.means[None, :, :]) ** 2).sum(-1)) / mixture.sigma
    nearest = distance.argmin(axis=1)
    good = distance[np.arange(len(samples)), nearest] < THRESHOLD_SIGMAS
    per_mode = np.bincount(nearest[good], minlength=len(mixture.means))
    share = per_mode / per_mode.sum() if per_mode.sum() else None
    if share is None:
        reverse_kl = float("inf")
    else:
        nonzero = share > 0
        reverse_kl = float((share[nonzero] * np.log(share[nonzero] * len(share))).sum())
    return Coverage(
        modes_captured=int((per_mode >= min_samples).sum()),
        modes=len(mixture.means),
        high_quality=float(good.mean()) if len(samples) else 0.0,
        reverse_kl=reverse_kl,
        per_mode=per_mode,
    )


def grid_divergences(real: np.ndarray, fake: np.ndarray, extent: tuple[float, float, float, float],
                     bins: int = 40, eps: float = 1e-6) -> tuple[float, float]:
    """(KL(real || fake), JS(real, fake)) in nats of the two samples' histograms on a bins x bins
    grid over ``extent``; ``eps`` keeps empty fake cells finite (points outside are clipped in)."""
    def histogram(points: np.ndarray) -> np.ndarray:
        x0, x1, y0, y1 = extent
        clipped = np.clip(points, [x0, y0], [x1 - 1e-9, y1 - 1e-9])
        counts, _, _ = np.histogram2d(clipped[:, 0], clipped[:, 1], bins=bins, range=[[x0, x1], [y0, y1]])
        counts = counts.ravel() + eps
        return counts / counts.sum()

    p, q = histogram(real), histogram(fake)
    m = (p + q) / 2
    kl = float((p * np.log(p / q)).sum())
    js = float(0.5 * (p * np.log(p / m)).sum() + 0.5 * (q * np.log(q / m)).sum())
    return kl, js
