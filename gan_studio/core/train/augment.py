"""Differentiable augmentation of everything the discriminator sees (DiffAugment), with an
ADA-style adaptive strength.

DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training")
applies the same random transformations to real and fake images before D, written with
differentiable tensor ops so G's gradient flows through them: D cannot memorise a small training
set, and G is never taught to draw the augmentations (they are outside G, on both sides). The
paper reports StyleGAN2's FID on 1,000 FFHQ images going from 62 to 26. Its three policies,
as in the authors' code:

* ``color``: random brightness (+-0.5), saturation (x0-2) and contrast (x0.5-1.5);
* ``translation``: a shift of up to 1/8 of the side, the border filled with zeros;
* ``cutout``: one square of half the side set to zero.

Each image is augmented with probability ``p`` (one draw per image and policy, as ADA does); a
fixed p = 1 is DiffAugment. With ``ada_target`` > 0, p adapts as in ADA (Karras et al. 2020):
every ``ADA_INTERVAL`` D steps, r_t = E[sign(D(real) - centre)] over them is compared with the
target; above it (D too sure of the real images: it overfits) p rises, below it p falls, each
time by ``images in the interval / ADA_SPEED_IMAGES``. p and r_t stay on the device (no sync);
the step reports them with its other metrics.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

ADA_INTERVAL = 4  # D steps per adjustment of p (ADA's own interval)
# p can move from 0 to 1 in this many real images. ADA uses 500,000 for runs of millions of
# images; a GAN Studio run sees ~100,000-300,000 (5,000 digits x 20-60 epochs), so p must be able
# to move within a few epochs of a small set.
ADA_SPEED_IMAGES = 20_000


def _brightness(x: Tensor, rng: torch.Generator) -> Tensor:
    return x + (torch.rand(x.shape[0], 1, 1, 1, device=x.device, generator=rng, dtype=x.dtype) - 0.5)


def _saturation(x: Tensor, rng: torch.Generator) -> Tensor:
    mean = x.mean(dim=1, keepdim=True)
    return (x - mean) * (torch.rand(x.shape[0], 1, 1, 1, device=x.device, generator=rng, dtype=x.dtype) * 2) + mean


def _contrast(x: Tensor, rng: torch.Generator) -> Tensor:
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (torch.rand(x.shape[0], 1, 1, 1, device=x.device, generator=rng, dtype=x.dtype) + 0.5) + mean


def color(x: Tensor, rng: torch.Generator) -> Tensor:
    # Saturation mixes channels towards their mean: a no-op on grayscale, so it is skipped there.
    x = _brightness(x, rng)
    if x.shape[1] > 1:
        x = _saturation(x, rng)
    return _contrast(x, rng)


def translation(x: Tensor, rng: torch.Generator, ratio: float = 0.125) -> Tensor:
    n, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    shift_y = torch.randint(-sh, sh + 1, (n, 1, 1), device=x.device, generator=rng)
    shift_x = torch.randint(-sw, sw + 1, (n, 1, 1), device=x.device, generator=rng)
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    # Indices into the image padded by one zero pixel: a shift past the edge reads the padding.
    rows = (rows + shift_y + 1).clamp(0, h + 1)
    cols = (cols + shift_x + 1).clamp(0, w + 1)
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    padded = F.pad(x, [1, 1, 1, 1]).permute(0, 2, 3, 1)  # N, H+2, W+2, C
    return padded[batch, rows, cols].permute(0, 3, 1, 2)


def cutout(x: Tensor, rng: torch.Generator, ratio: float = 0.5) -> Tensor:
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    top = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), device=x.device, generator=rng) - ch // 2
    left = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), device=x.device, generator=rng) - cw // 2
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    inside = (rows >= top) & (rows < top + ch) & (cols >= left) & (cols < left + cw)
    return x * (~inside).unsqueeze(1).to(x.dtype)


POLICIES = {"color": color, "translation": translation, "cutout": cutout}


class Augmenter:
    """Applies a DiffAugment policy to a batch for D; ``p`` is a device tensor (adaptive or fixed).

    The trainer calls :meth:`__call__` on the real batch and on the fake batch of every D pass
    (and of G's pass through D): the same policy, fresh random parameters per image.
    """

    def __init__(self, policy: tuple[str, ...], p: float, ada_target: float, rng: torch.Generator, device) -> None:
        unknown = [name for name in policy if name not in POLICIES]
        if unknown:
            raise ValueError(f"unknown augmentation(s): {', '.join(unknown)}")
        self.policy = tuple(policy)
        self.rng = rng
        self.ada_target = float(ada_target)
        self.p = torch.tensor(float(p), device=device)
        self._always = self.ada_target == 0 and p >= 1.0  # DiffAugment proper: no per-image draws
        self._signs = torch.zeros((), device=device)  # sum of sign(D(real)) since the last adjustment
        self._count = 0  # real images in that sum
        self._steps = 0
        self.r_t = torch.tensor(float("nan"), device=device)  # the last interval's E[sign(D(real))]
        # Sums (signs, images) over the processes of a distributed run (distributed_session.py),
        # so that every rank adjusts p alike from the global batch; None: this process' own.
        self.reduce: Callable[[Tensor], Tensor] | None = None

    @property
    def active(self) -> bool:
        return bool(self.policy)

    def __call__(self, x: Tensor) -> Tensor:
        if not self.policy:
            return x
        for name in self.policy:
            augmented = POLICIES[name](x, self.rng)
            if self._always:
                x = augmented
            else:
                keep = torch.rand(x.shape[0], 1, 1, 1, device=x.device, generator=self.rng) < self.p
                x = torch.where(keep, augmented, x)
        return x

    def observe(self, real_scores: Tensor, centre: float = 0.0) -> None:
        """Count D's outputs on a real batch; every ADA_INTERVAL calls, adjust p (adaptive only)."""
        with torch.no_grad():
            self._signs += torch.sign(real_scores.detach() - centre).sum()
            self._count += real_scores.shape[0]
            self._steps += 1
            if self._steps % ADA_INTERVAL:
                return
            if self.reduce is None:
                self.r_t = self._signs / self._count
            else:
                signs, count = self.reduce(torch.stack([self._signs, torch.full_like(self._signs, self._count)]))
                self.r_t, self._count = signs / count, count  # a tensor: no device sync here
            if self.ada_target > 0 and self.policy:
                change = torch.sign(self.r_t - self.ada_target) * (self._count / ADA_SPEED_IMAGES)
                self.p = (self.p + change).clamp_(0.0, 1.0)
            self._signs = torch.zeros_like(self._signs)
            self._count = 0

    def state(self) -> dict:
        return {"p": self.p.detach().cpu(), "r_t": self.r_t.detach().cpu(), "signs": self._signs.detach().cpu(),
                "count": self._count, "steps": self._steps}

    def restore(self, state: dict | None) -> None:
        if not state:
            return
        device = self.p.device
        self.p = state["p"].to(device)
        self.r_t = state["r_t"].to(device)
        self._signs = state["signs"].to(device)
        self._count, self._steps = int(state["count"]), int(state["steps"])
