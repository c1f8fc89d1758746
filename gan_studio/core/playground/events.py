"""What the playground trainer tells the world: plain dataclasses with numpy payloads (no torch).

Beside these it yields the image trainer's CheckpointSaved, Paused, Resumed and Finished.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .coverage import Coverage


@dataclass(frozen=True)
class PlaygroundStarted:
    run_dir: Path
    config_json: str  # the PlaygroundConfig as JSON
    extent: tuple[float, float, float, float]  # x0, x1, y0, y1: the square the views show
    d_updates: int  # already done (a resumed run)
    g_updates: int
    paused: bool  # it waits for play or a step before it trains


@dataclass(frozen=True)
class Frame:
    """Everything the views draw at one moment, computed from the live players in the worker."""

    d_updates: int  # discriminator updates so far
    g_updates: int  # generator updates so far
    extent: tuple[float, float, float, float]
    real: np.ndarray  # (n, 2) real points (fresh each frame)
    fake: np.ndarray  # (n, 2) G of a fixed noise batch: the same z every frame, so points move smoothly
    surface: np.ndarray  # (R, R) D's score over the extent (row 0 at y0), probabilities for BCE losses
    surface_is_probability: bool  # False: raw critic scores (ls, hinge, wgan-gp)
    manifold: np.ndarray  # (M, M, 2) G of a grid of z in z's first two dimensions ((M, 1, 2) when z_dim is 1)
    density: np.ndarray  # (M-1, M-1) noise mass per warped cell area: G's density on its manifold
    arrows: np.ndarray  # (k, 2) at fake[:k]: -d(G's loss)/dx, where G's update moves each point
    d_loss: float  # the last D step's loss (NaN before any)
    g_loss: float
    kl: float  # KL(real || fake) of 40 x 40 grid histograms of 2,500 points each, nats
    js: float  # JS(real, fake) on the same histograms, nats (at most ln 2)
    coverage: Coverage | None  # PacGAN's mode coverage of 2,500 samples (ring and grid only)
    summary_at: int = 0  # the update (D + G) at which kl, js and coverage were computed (views.py)
    # The views already drawn, off the GUI thread, as the window last asked for them (views and
    # size); None when nobody asked (the command line, the tests of the core).
    picture: Picture | None = None


@dataclass(frozen=True)
class Picture:
    """One frame's views drawn by render.render_frame: which views, how many pixels a side, the pixels."""

    views: frozenset[str]
    size: int
    image: np.ndarray  # (size, size, 3) uint8


@dataclass(frozen=True)
class SettingsChanged:
    """A live edit took effect: from update ``at_update`` on, ``config_json`` holds."""

    at_update: int
    config_json: str
    changed: tuple[str, ...]
