"""The views' numbers, computed from the live players (in the trainer's thread) as numpy arrays.

Each frame draws PICTURE_SAMPLES fakes of a fixed noise batch, D's surface, G's manifold and the arrows.
The summary numbers (mode coverage and KL/JS, on PacGAN's 2,500 samples) move slowly and cost
as much again, so they are recomputed every SUMMARY_EVERY frames and carried in between; the
playground reached 18-19 frames a second against its 20 with them on every frame.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .coverage import grid_divergences, mode_coverage
from .events import Frame
from .steps import PlaygroundSteps

SURFACE = 24  # D's heat map resolution (bilinear upscaling hides it; 32 cost 1.8 times as much)
MANIFOLD = 21  # z grid lines per axis
Z_RANGE = 3.0  # the z grid spans [-3, 3] (99.7 % of a standard normal per axis)
SAMPLES = 2500  # fakes and reals for the summary: PacGAN's 2,500 samples for coverage
PICTURE_SAMPLES = 600  # fakes and reals drawn in each frame
SUMMARY_EVERY = 4  # frames between two summaries (coverage, KL/JS): about 6 a second at 25 fps
ARROWS = 100


class ViewMaker:
    def __init__(self, steps: PlaygroundSteps, seed: int) -> None:
        self.steps = steps
        self.rng = np.random.default_rng(seed + 2)  # the views' own stream: training's is untouched
        self._fixed = torch.Generator().manual_seed(seed + 3)
        self._z = torch.randn(SAMPLES, 64, generator=self._fixed)  # the first z_dim columns are used
        x0, x1, y0, y1 = steps.distribution.extent
        xs, ys = np.linspace(x0, x1, SURFACE), np.linspace(y0, y1, SURFACE)
        grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)  # row-major: rows are y
        self._surface_points = torch.from_numpy(grid.astype(np.float32))
        self.last_d_loss = math.nan
        self.last_g_loss = math.nan
        self._frames = 0
        self._summary: tuple[float, float, object, int] | None = None  # kl, js, coverage, at update

    def frame(self, summary: bool = False) -> Frame:
        """The views now; ``summary`` forces fresh coverage and KL/JS (else every SUMMARY_EVERY frames)."""
        steps = self.steps
        cfg, g, d = steps.config, steps.g, steps.d
        extent = steps.distribution.extent
        fresh = summary or self._summary is None or self._frames % SUMMARY_EVERY == 0
        self._frames += 1
        count = SAMPLES if fresh else PICTURE_SAMPLES
        z = self._z[:count, : cfg.z_dim] if cfg.z_dim <= 64 else torch.randn(count, cfg.z_dim, generator=self._fixed)
        with torch.inference_mode(), steps.evaluating():
            fake_all = g(z)
            # D's verdict on one point x: the pack (x, x, ..., x), since a packed D judges pack points.
            packed = self._surface_points[:, None, :].expand(-1, cfg.pack, 2)
            scores = steps.loss.score(d(packed)).view(SURFACE, SURFACE).numpy().astype(np.float32)
            manifold, density = self._manifold()
        fake = fake_all.numpy().astype(np.float64)
        real = steps.distribution.sample(count, self.rng).astype(np.float64)
        if fresh:
            mixture = steps.distribution.mixture
            kl, js = grid_divergences(real, fake, extent)
            self._summary = (kl, js, mode_coverage(fake, mixture) if mixture is not None else None,
                             steps.d_updates + steps.g_updates)
        kl, js, coverage, summary_at = self._summary
        return Frame(
            d_updates=steps.d_updates,
            g_updates=steps.g_updates,
            extent=extent,
            real=real[:PICTURE_SAMPLES],
            fake=fake[:PICTURE_SAMPLES],
            surface=scores,
            surface_is_probability=steps.loss.scores_are_logits,
            manifold=manifold,
            density=density,
            arrows=self._arrows(fake_all[: ARROWS - ARROWS % cfg.pack]),
            d_loss=self.last_d_loss,
            g_loss=self.last_g_loss,
            kl=kl,
            js=js,
            coverage=coverage,
            summary_at=summary_at,
        )

    def _manifold(self) -> tuple[np.ndarray, np.ndarray]:
        cfg = self.steps.config
        line = torch.linspace(-Z_RANGE, Z_RANGE, MANIFOLD)
        if cfg.z_dim == 1:
            z = line[:, None]
            warped = self.steps.g(z).view(MANIFOLD, 1, 2).numpy().astype(np.float64)
            return warped, np.zeros((0, 0))
        zz = torch.zeros(MANIFOLD, MANIFOLD, cfg.z_dim)
        zz[..., 0] = line[None, :]
        zz[..., 1] = line[:, None]
        warped = self.steps.g(zz.view(-1, cfg.z_dim)).view(MANIFOLD, MANIFOLD, 2).numpy().astype(np.float64)
        # Noise mass of each z cell (a standard normal in z's first two dimensions) over the area
        # of the quadrilateral G maps it to: the density G puts there, up to a constant.
        edges = line.numpy().astype(np.float64)
        cdf = 0.5 * (1 + np.vectorize(math.erf)(edges / math.sqrt(2)))
        mass_1d = np.diff(cdf)
        mass = mass_1d[:, None] * mass_1d[None, :]
        a, b, c, e = warped[:-1, :-1], warped[:-1, 1:], warped[1:, 1:], warped[1:, :-1]
        area = 0.5 * np.abs(
            (a[..., 0] * b[..., 1] - b[..., 0] * a[..., 1]) + (b[..., 0] * c[..., 1] - c[..., 0] * b[..., 1])
            + (c[..., 0] * e[..., 1] - e[..., 0] * c[..., 1]) + (e[..., 0] * a[..., 1] - a[..., 0] * e[..., 1])
        )
        return warped, mass / np.maximum(area, 1e-12)

    def _arrows(self, fake: torch.Tensor) -> np.ndarray:
        """-dL_G/dx at each fake point: where a G step pushes it (packs of consecutive points)."""
        steps = self.steps
        points = fake.detach().clone().requires_grad_(True)
        out = steps.d(points.view(-1, steps.config.pack, 2))
        loss = steps.loss.g_loss(out, out.detach())
        (grad,) = torch.autograd.grad(loss, points)
        return (-grad).numpy().astype(np.float64)
