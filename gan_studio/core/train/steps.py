"""One training step of the GAN: what to compute, kept apart from the loop that runs it.

Two schedules:

* simultaneous (the tutorial's keras_adversarial optimiser): one forward pass of G(z), D(real)
  and D(fake); both losses come from it and both players step from the same parameters. The
  fake batch goes through G once, and D's backward keeps the graph so G's backward can reuse
  it. D(real) and D(fake) are two calls here, not one concatenated batch: G's backward must then
  run only through the fake half (one concatenated batch made the MLP step ~8 % slower).
* alternating (pytorch/examples' DCGAN): D steps on every batch with G(z) detached; every
  ``d_steps``-th batch G then steps against the updated D, reusing the same fake batch. With no
  batch norm in D, real and fake go through D as one batch.

The L1/L2 kernel penalty (the tutorial's Keras regulariser) is not put through autograd: its
gradient, l1 * sign(W) + 2 * l2 * W, is added to the kernels' gradients with two foreach ops,
and its value is added to the reported losses. Through autograd it cost ~15 % of a tutorial step
(abs, square, sign and three weight-sized multiplications and copies per kernel, per player).

A step returns its metrics as one small tensor on the device; nothing here synchronises with
the device (no ``.item()``): the loop reads them in bulk on its own cadence.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..models.losses import GanLoss, gradient_penalty
from ..models.networks import Discriminator, Generator, kernel_weights
from .augment import Augmenter

NAN = float("nan")


class AdversarialStep:
    def __init__(
        self,
        generator: Generator,
        discriminator: Discriminator,
        opt_g: torch.optim.Optimizer,
        opt_d: torch.optim.Optimizer,
        loss: GanLoss,
        *,
        schedule: str,
        d_steps: int,
        gp_weight: float,
        l1: float,
        l2: float,
        noise_rng: torch.Generator,
        ema: Generator | None = None,
        ema_decay: float = 0.0,
        ema_warmup: int = 0,
        channels_last: bool = False,
        augmenter: Augmenter | None = None,
        r1_gamma: float = 0.0,
        r1_every: int = 1,
    ) -> None:
        self.g, self.d = generator, discriminator
        # The players' DistributedDataParallel wrappers in a distributed run (distributed_session.py),
        # whose backward averages the gradients over the processes; None: g and d themselves.
        self.ddp_g: torch.nn.Module | None = None
        self.ddp_d: torch.nn.Module | None = None
        self.opt_g, self.opt_d = opt_g, opt_d
        self.loss = loss
        self.schedule = schedule
        self.d_steps = d_steps
        self.gp_weight = gp_weight if loss.needs_gradient_penalty else 0.0
        self.l1, self.l2 = l1, l2
        self.noise_rng = noise_rng
        self.ema, self.ema_decay, self.ema_warmup = ema, ema_decay, ema_warmup
        self._g_steps = 0  # generator steps so far, set from the global step by __call__
        self.channels_last = channels_last
        # Always present: it measures r_t = E[sign(D(real))] even when it augments nothing.
        self.augment = augmenter or Augmenter((), 0.0, 0.0, noise_rng, next(discriminator.parameters()).device)
        self.r1_gamma, self.r1_every = r1_gamma, r1_every
        self.g_params = [p for p in generator.parameters() if p.requires_grad]
        self.d_params = [p for p in discriminator.parameters() if p.requires_grad]
        self.g_kernels = kernel_weights(generator) if (l1 or l2) else []
        self.d_kernels = kernel_weights(discriminator) if (l1 or l2) else []
        if ema is not None:
            self.ema_params = list(ema.parameters())
            self.ema_buffers = list(ema.buffers())
            self.g_buffers = list(generator.buffers())
        self._nan = None

    # -- helpers ---------------------------------------------------------------------------------
    @property
    def forward_g(self):
        """What the step calls to run G (attributes such as z_dim are read from g itself)."""
        return self.g if self.ddp_g is None else self.ddp_g

    @property
    def forward_d(self):
        return self.d if self.ddp_d is None else self.ddp_d

    def sample_inputs(self, real: Tensor, real_labels: Tensor | None) -> tuple[Tensor, Tensor | None]:
        """Noise for a fake batch as large as the real one.

        A conditional G draws the real batch's classes: fakes then follow the data's class
        balance, and the gradient penalty's real/fake interpolates share one label each.
        """
        z = torch.randn(real.shape[0], self.g.z_dim, device=real.device, generator=self.noise_rng)
        return z, (real_labels if self.g.num_classes else None)

    def _discriminate(self, real: Tensor, real_labels, fake: Tensor, fake_labels) -> tuple[Tensor, Tensor]:
        # DiffAugment: the same policy on both sides, fresh random parameters per image.
        real, fake = self.augment(real), self.augment(fake)
        if self.d.uses_batch_norm:
            # Batch statistics must come from real and fake separately, as in pytorch/examples.
            return self.forward_d(real, real_labels), self.forward_d(fake, fake_labels)
        labels = None if real_labels is None else torch.cat([real_labels, fake_labels])
        scores = self.forward_d(torch.cat([real, fake]), labels)
        return scores[: real.shape[0]], scores[real.shape[0] :]

    def _r1(self, real: Tensor, real_labels, d_step: int) -> Tensor | float:
        """Lazy R1 (Mescheder et al. 2018; lazy as StyleGAN2): every r1_every-th D step,
        gamma/2 * E||grad_x D(x)||^2 on the real batch, scaled by r1_every. The gradient is taken
        with respect to the images before augmentation, as StyleGAN2-ADA does."""
        if not self.r1_gamma or d_step % self.r1_every:
            return 0.0
        x = real.detach().requires_grad_(True)
        scores = self.forward_d(self.augment(x), real_labels)
        (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=True)
        return (0.5 * self.r1_gamma * self.r1_every) * grad.square().sum(dim=(1, 2, 3)).mean()

    def _penalty(self, kernels: list[Tensor]) -> Tensor | float:
        """The value of l1 * sum|W| + l2 * sum W^2 over ``kernels``, outside autograd."""
        if not kernels:
            return 0.0
        with torch.no_grad():
            value = 0.0
            if self.l1:
                value = value + self.l1 * torch.stack(torch._foreach_norm(kernels, 1)).sum()
            if self.l2:
                value = value + self.l2 * torch.stack(torch._foreach_norm(kernels, 2)).square().sum()
            return value

    def _penalise(self, kernels: list[Tensor]) -> None:
        """Add the penalty's gradient to the kernels' gradients (after backward, before norms)."""
        kernels = [w for w in kernels if w.grad is not None]
        if not kernels:
            return
        grads = [w.grad for w in kernels]
        with torch.no_grad():
            if self.l1:
                # d|w|/dw = sign(w), 0 at 0: the subgradient autograd's abs() uses as well.
                torch._foreach_add_(grads, torch._foreach_sign(kernels), alpha=self.l1)
            if self.l2:
                torch._foreach_add_(grads, kernels, alpha=2.0 * self.l2)

    def _backward(self, loss: Tensor, params: list[Tensor], kernels: list[Tensor], retain_graph: bool = False):
        """One player's gradients, its weight penalty added outside autograd.

        Returns the loss as reported (penalty included) and the gradient norm. The caller zeroes
        the gradients before and steps the optimiser after.
        """
        loss.backward(inputs=params, retain_graph=retain_graph)
        self._penalise(kernels)
        return loss.detach() + self._penalty(kernels), _grad_norm(params)

    def ema_decay_now(self) -> float:
        """The EMA decay of this generator step: ramped linearly from 0 over the warm-up."""
        if self.ema_warmup <= 0:
            return self.ema_decay
        return self.ema_decay * min(1.0, self._g_steps / self.ema_warmup)

    def _update_ema(self) -> None:
        if self.ema is None:
            return
        with torch.no_grad():
            torch._foreach_lerp_(self.ema_params, self.g_params, 1.0 - self.ema_decay_now())
            for target, source in zip(self.ema_buffers, self.g_buffers):
                target.copy_(source)

    def _metrics(self, loss_d, loss_g, real_out, fake_out, norm_d, norm_g) -> Tensor:
        return torch.stack(
            [
                loss_d.detach(),
                loss_g.detach(),
                self.loss.score(real_out.detach()).mean(),
                self.loss.score(fake_out.detach()).mean(),
                norm_d,
                norm_g,
                self.augment.r_t.to(loss_d.dtype),
                self.augment.p.to(loss_d.dtype),
            ]
        ).float()

    def _nan_value(self, like: Tensor) -> Tensor:
        if self._nan is None or self._nan.device != like.device:
            self._nan = torch.tensor(NAN, device=like.device)
        return self._nan

    # -- the step --------------------------------------------------------------------------------
    def __call__(self, real: Tensor, real_labels: Tensor | None, batch_number: int) -> Tensor:
        """Train on one real batch; returns [d_loss, g_loss, d_real, d_fake, |grad D|, |grad G|, r_t, p]."""
        if self.channels_last:
            real = real.contiguous(memory_format=torch.channels_last)
        # Derived from the global step, so a resumed run ramps exactly as an unbroken one.
        self._g_steps = batch_number if self.schedule == "simultaneous" else batch_number // self.d_steps
        if self.schedule == "simultaneous":
            return self._simultaneous(real, real_labels, batch_number)
        return self._alternating(real, real_labels, batch_number, g_steps_now=batch_number % self.d_steps == 0)

    def one_player(self, real: Tensor, real_labels: Tensor | None, player: str, batch_number: int) -> Tensor:
        """A single step from the window: "d" (D only), "g" (G only) or "both" (D, then G), on one
        real batch, whatever the schedule and d_steps say; the same metrics, NaN for a player that
        did not move."""
        if self.channels_last:
            real = real.contiguous(memory_format=torch.channels_last)
        if player != "g":
            return self._alternating(real, real_labels, batch_number, g_steps_now=player == "both")
        z, fake_labels = self.sample_inputs(real, real_labels)
        fake = self.forward_g(z, fake_labels)
        with torch.no_grad():  # D(real): only the minimax loss reads it, and its value is reported
            real_out = self.forward_d(self.augment(real), real_labels)
        fake_out = self.forward_d(self.augment(fake), fake_labels)
        loss_g = self.loss.g_loss(fake_out, real_out)
        self.opt_g.zero_grad(set_to_none=True)
        loss_g, norm_g = self._backward(loss_g, self.g_params, self.g_kernels)
        self.opt_g.step()
        self._update_ema()
        nan = self._nan_value(loss_g)
        return self._metrics(nan, loss_g, real_out, fake_out, nan, norm_g)

    def _simultaneous(self, real: Tensor, real_labels, batch_number: int) -> Tensor:
        z, fake_labels = self.sample_inputs(real, real_labels)
        fake = self.forward_g(z, fake_labels)
        # Two calls, even without batch norm: G's backward then runs through the fake half only.
        real_out = self.forward_d(self.augment(real), real_labels)
        fake_out = self.forward_d(self.augment(fake), fake_labels)
        self.augment.observe(real_out, self.loss.sign_centre)
        loss_d = self.loss.d_loss(real_out, fake_out) + self._r1(real, real_labels, batch_number)
        loss_g = self.loss.g_loss(fake_out, real_out)
        self.opt_d.zero_grad(set_to_none=True)
        self.opt_g.zero_grad(set_to_none=True)
        # Both gradients at the same parameters (no step in between); inputs= keeps each backward
        # to its own player.
        loss_d, norm_d = self._backward(loss_d, self.d_params, self.d_kernels, retain_graph=True)
        loss_g, norm_g = self._backward(loss_g, self.g_params, self.g_kernels)
        self.opt_d.step()
        self.opt_g.step()
        self._update_ema()
        return self._metrics(loss_d, loss_g, real_out, fake_out, norm_d, norm_g)

    def _alternating(self, real: Tensor, real_labels, batch_number: int, g_steps_now: bool) -> Tensor:
        z, fake_labels = self.sample_inputs(real, real_labels)
        with torch.set_grad_enabled(g_steps_now):
            fake = self.forward_g(z, fake_labels)
        real_out, fake_out = self._discriminate(real, real_labels, fake.detach(), fake_labels)
        self.augment.observe(real_out, self.loss.sign_centre)
        loss_d = self.loss.d_loss(real_out, fake_out) + self._r1(real, real_labels, batch_number)
        if self.gp_weight:
            penalty = gradient_penalty(self.forward_d, real, fake, fake_labels, self.noise_rng)
            loss_d = loss_d + self.gp_weight * penalty
        self.opt_d.zero_grad(set_to_none=True)
        loss_d, norm_d = self._backward(loss_d, self.d_params, self.d_kernels)
        self.opt_d.step()
        if not g_steps_now:
            nan = self._nan_value(loss_d)
            return self._metrics(loss_d, nan, real_out, fake_out, norm_d, nan)

        fake_out_g = self.forward_d(self.augment(fake), fake_labels)
        loss_g = self.loss.g_loss(fake_out_g, real_out)
        self.opt_g.zero_grad(set_to_none=True)
        loss_g, norm_g = self._backward(loss_g, self.g_params, self.g_kernels)
        self.opt_g.step()
        self._update_ema()
        return self._metrics(loss_d, loss_g, real_out, fake_out, norm_d, norm_g)


def _grad_norm(params: list[Tensor]) -> Tensor:
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.tensor(math.nan)
    # foreach norms, then the norm of the norms: what get_total_norm computes, minus its checks.
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
