"""The yardstick: the leanest hand-written PyTorch GAN loop, kept self-contained on purpose.

Nothing here comes from gan_studio.core: the models are their own ``nn.Sequential`` stacks of the
same layers as the engine's (the tutorial MLP 100-500-500-784 / 784-500-500-1 and the DCGAN-28 at
width 64), the data is one float tensor in memory, the optimiser is ``torch.optim.Adam`` with its
defaults (on CPU: the per-parameter loop; no fused or foreach kernels), and the step is the one of
pytorch/examples' DCGAN: D on the real batch, D on ``fake.detach()``, D steps, then G through D
again, G steps. It writes no file and reads no metric back; it is what a careful user would
write in a script, and the engine must at least match it.

Where the engine's model has the tutorial's L1L2 kernel penalty, the plain loop adds the same sum
to its losses, so both compute the same objective.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn


@dataclass
class PlainSpec:
    """What the plain loop trains: mirrors the engine's config for one benchmark case."""

    arch: str  # "mlp" or "dcgan"
    batch_size: int
    lr_g: float
    lr_d: float
    betas: tuple[float, float]
    eps: float
    l1: float = 0.0
    l2: float = 0.0
    drop_last: bool = True
    z_dim: int = 100
    hidden: int = 500  # MLP
    width: int = 64  # DCGAN


def spec_from_config(config) -> PlainSpec:
    """The plain twin of a RunConfig (read only; the plain loop never imports the engine's code)."""
    m, t = config.model, config.train
    return PlainSpec(
        arch=m.arch, batch_size=t.batch_size, lr_g=t.lr_g, lr_d=t.lr_d, betas=(t.beta1, t.beta2),
        eps=t.adam_eps, l1=m.l1, l2=m.l2, drop_last=t.drop_last, z_dim=m.z_dim, hidden=m.hidden, width=m.width,
    )


def build_plain_models(spec: PlainSpec) -> tuple[nn.Module, nn.Module]:
    if spec.arch == "mlp":
        h = spec.hidden
        g = nn.Sequential(
            nn.Linear(spec.z_dim, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 784), nn.Sigmoid()
        )
        d = nn.Sequential(nn.Linear(784, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 1))
        return g, d
    w = spec.width
    g = nn.Sequential(
        nn.Unflatten(1, (spec.z_dim, 1, 1)),
        nn.ConvTranspose2d(spec.z_dim, 2 * w, 7, 1, 0, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(),
        nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
        nn.ConvTranspose2d(w, 1, 4, 2, 1), nn.Tanh(),
    )
    d = nn.Sequential(
        nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2),
        nn.Conv2d(2 * w, 1, 7, 1, 0), nn.Flatten(0),
    )
    return g, d


def plain_data(images_uint8, arch: str) -> Tensor:
    """N x H x W x 1 uint8 digits -> the float tensor a script would hold: flat [0, 1] for the
    MLP (sigmoid output), N x 1 x 28 x 28 in [-1, 1] for the DCGAN (tanh output)."""
    x = torch.from_numpy(images_uint8).float().div_(255.0)
    if arch == "mlp":
        return x.reshape(len(x), -1).contiguous()
    return x.permute(0, 3, 1, 2).contiguous().mul_(2.0).sub_(1.0)


class PlainLoop:
    """Built once, then :meth:`run` trains over ``images`` (a whole number of epochs' worth)."""

    def __init__(self, spec: PlainSpec, data: Tensor, seed: int = 0) -> None:
        self.spec = spec
        self.data = data
        torch.manual_seed(seed)
        self.g, self.d = build_plain_models(spec)
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=spec.lr_g, betas=spec.betas, eps=spec.eps)
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=spec.lr_d, betas=spec.betas, eps=spec.eps)
        self.kernels_g = [m.weight for m in self.g.modules() if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d))]
        self.kernels_d = [m.weight for m in self.d.modules() if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d))]

    def steps_per_epoch(self) -> int:
        n, b = len(self.data), self.spec.batch_size
        return n // b if self.spec.drop_last else math.ceil(n / b)

    def images_per_epoch(self) -> int:
        n, b = len(self.data), self.spec.batch_size
        return (n // b) * b if self.spec.drop_last else n

    def _penalty(self, kernels: list[Tensor]) -> Tensor | float:
        l1, l2 = self.spec.l1, self.spec.l2
        if not (l1 or l2):
            return 0.0
        return sum(l1 * w.abs().sum() + l2 * w.square().sum() for w in kernels)

    def step(self, real: Tensor) -> None:
        n = real.shape[0]
        ones, zeros = torch.ones(n), torch.zeros(n)
        # D: real, then fake.detach(); one optimiser step.
        self.opt_d.zero_grad()
        loss_real = F.binary_cross_entropy_with_logits(self.d(real).view(-1), ones)
        fake = self.g(torch.randn(n, self.spec.z_dim))
        loss_fake = F.binary_cross_entropy_with_logits(self.d(fake.detach()).view(-1), zeros)
        (loss_real + loss_fake + self._penalty(self.kernels_d)).backward()
        self.opt_d.step()
        # G: the same fake batch through the updated D.
        self.opt_g.zero_grad()
        loss_g = F.binary_cross_entropy_with_logits(self.d(fake).view(-1), ones)
        (loss_g + self._penalty(self.kernels_g)).backward()
        self.opt_g.step()

    def run_epoch(self) -> int:
        """One pass over the data in a fresh random order; returns the images trained on."""
        order = torch.randperm(len(self.data))
        b, done = self.spec.batch_size, 0
        for i in range(self.steps_per_epoch()):
            real = self.data[order[i * b : (i + 1) * b]]
            self.step(real)
            done += real.shape[0]
        return done

    def timed_epochs(self, epochs: int) -> tuple[int, float]:
        """(images, seconds) of ``epochs`` whole epochs."""
        start = time.perf_counter()
        images = sum(self.run_epoch() for _ in range(epochs))
        return images, time.perf_counter() - start
