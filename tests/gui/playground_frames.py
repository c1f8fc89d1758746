"""A playground Frame built from plain numbers, for the widgets' tests."""

from __future__ import annotations

import numpy as np

from gan_studio.core.playground.coverage import mode_coverage
from gan_studio.core.playground.distributions import RING
from gan_studio.core.playground.events import Frame


def plain_frame(d_updates: int = 3, g_updates: int = 2) -> Frame:
    rng = np.random.default_rng(0)
    real = RING.means[rng.integers(8, size=300)] + 0.01 * rng.standard_normal((300, 2))
    fake = 0.3 * rng.standard_normal((300, 2))
    line = np.linspace(-1, 1, 5)
    manifold = np.stack(np.meshgrid(line, line), axis=-1)
    return Frame(
        d_updates=d_updates, g_updates=g_updates, extent=(-1.5, 1.5, -1.5, 1.5), real=real, fake=fake,
        surface=np.linspace(0, 1, 48 * 48, dtype=np.float32).reshape(48, 48), surface_is_probability=True,
        manifold=manifold, density=np.ones((4, 4)), arrows=-fake[:50], d_loss=1.2, g_loss=0.7, kl=2.0, js=0.4,
        coverage=mode_coverage(fake, RING),
    )
