"""GAN objectives: what each player minimises, given the discriminator's raw outputs.

Discriminators return logits (or critic scores); the sigmoid of the BCE losses lives here, inside
``binary_cross_entropy_with_logits``, which is the numerically stable form of Keras' sigmoid
output followed by binary cross-entropy.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import ConfigError


class GanLoss:
    """Base: subclasses define both players' objectives on the discriminator's outputs."""

    name = ""
    # BCE-based discriminators output logits, shown as probabilities; others show raw scores.
    scores_are_logits = True
    needs_gradient_penalty = False
    # D's output that separates "real" from "fake": r_t = E[sign(D(real) - this)] (ADA).
    sign_centre = 0.0

    def __init__(self, label_smoothing: float = 0.0) -> None:
        self.real_target = 1.0 - label_smoothing  # one-sided: only the real targets are smoothed

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        raise NotImplementedError

    def g_loss(self, fake: Tensor, real: Tensor) -> Tensor:
        raise NotImplementedError

    def score(self, outputs: Tensor) -> Tensor:
        """The value plotted as D(x) / D(G(z))."""
        return torch.sigmoid(outputs) if self.scores_are_logits else outputs


def _bce(logits: Tensor, target: float) -> Tensor:
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


class MinimaxLoss(GanLoss):
    """The tutorial's loss, as keras_adversarial computes it with ``gan_targets``.

    Each player fits both outputs with BCE: D wants (fake 0, real 1) and G wants (fake 1, real 0).
    G's target of 1 on fakes makes its gradient the non-saturating one; its real term carries no
    gradient for G but is part of the loss Keras prints, so it is kept for faithful numbers.
    """

    name = "minimax"

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return _bce(fake, 0.0) + _bce(real, self.real_target)

    def g_loss(self, fake: Tensor, real: Tensor) -> Tensor:
        return _bce(fake, 1.0) + _bce(real.detach(), 0.0)


class SaturatingLoss(GanLoss):
    """Goodfellow et al.'s original minimax: G minimises log(1 - D(G(z))), i.e. -BCE(fake, 0)."""

    name = "saturating"

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return _bce(fake, 0.0) + _bce(real, self.real_target)

    def g_loss(self, fake: Tensor, real: Tensor) -> Tensor:
        return -_bce(fake, 0.0)


class NonSaturatingLoss(GanLoss):
    name = "ns"

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return _bce(fake, 0.0) + _bce(real, self.real_target)

    def g_loss(self, fake: Tensor, real: Tensor) -> Tensor:
        return _bce(fake, 1.0)


class LeastSquaresLoss(GanLoss):
    """LSGAN (Mao et al. 2017) with the 0-1 coding; the 1/2 factors follow the paper."""

    name = "ls"
    scores_are_logits = False
    sign_centre = 0.5  # targets 0 (fake) and 1 (real)

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return 0.5 * ((real - self.real_target) ** 2).mean() + 0.5 * (fake**2).mean()

    def g_loss(self, fake: Tensor, real: Tensor) -> Tensor:
        return 0.5 * ((fake - 1.0) ** 2).mean()


class HingeLoss(GanLoss):
    name = "hinge"
    scores_are_logits = False

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()

    def g_loss(self, fake: Tensor, real: Tensor) -> Tensor:
        return -fake.mean()


class WassersteinGPLoss(GanLoss):
    """WGAN-GP (Gulrajani et al. 2017); the trainer adds the gradient penalty to d_loss."""

    name = "wgan-gp"
    scores_are_logits = False
    needs_gradient_penalty = True

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return fake.mean() - real.mean()

    def g_loss(self, fake: Tensor, real: Tensor) -> Tensor:
        return -fake.mean()


_LOSSES: dict[str, type[GanLoss]] = {
    cls.name: cls
    for cls in (MinimaxLoss, SaturatingLoss, NonSaturatingLoss, LeastSquaresLoss, HingeLoss, WassersteinGPLoss)
}


def make_loss(name: str, label_smoothing: float = 0.0) -> GanLoss:
    try:
        cls = _LOSSES[name]
    except KeyError:
        raise ConfigError(f"unknown loss {name!r}; choose one of {', '.join(_LOSSES)}") from None
    return cls(label_smoothing)


def gradient_penalty(
    discriminator: nn.Module, real: Tensor, fake: Tensor, labels: Tensor | None, generator: torch.Generator
) -> Tensor:
    """E[(||grad_x D(x_hat)||_2 - 1)^2] on random interpolates of real and fake samples.

    ``generator`` is the run's own random stream, so a resumed run draws the same interpolates.
    """
    # One mixing weight per sample, broadcast over its other dimensions (images or 2-D points).
    alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype, generator=generator)
    mixed = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    scores = discriminator(mixed, labels)
    (grad,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1.0) ** 2).mean()
