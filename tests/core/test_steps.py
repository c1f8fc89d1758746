"""One step's maths: the engine's shortcuts (an analytic L1/L2 gradient, D run on real and fake
separately) give the gradients and losses of the plain autograd formulation."""

from __future__ import annotations

import copy

import pytest
import torch

from gan_studio.core.config import ModelConfig
from gan_studio.core.models.losses import make_loss
from gan_studio.core.models.networks import build_models, weight_penalty
from gan_studio.core.train.steps import AdversarialStep

L1, L2 = 1e-3, 2e-3  # large enough that the penalty's gradient is far above rounding


def _setup(schedule: str):
    torch.manual_seed(0)
    g, d = build_models(ModelConfig(arch="mlp", z_dim=8, hidden=16, l1=L1, l2=L2), "minimax", (1, 6, 6), 0)
    opt_g, opt_d = (torch.optim.Adam(m.parameters(), lr=1e-3) for m in (g, d))
    step = AdversarialStep(
        g, d, opt_g, opt_d, make_loss("minimax"), schedule=schedule, d_steps=1, gp_weight=0.0,
        l1=L1, l2=L2, noise_rng=torch.Generator().manual_seed(1),
    )
    return step, torch.rand(5, 1, 6, 6)


@pytest.mark.parametrize("schedule", ["simultaneous", "alternating"])
def test_a_step_matches_autograd_through_the_full_loss(schedule):
    step, real = _setup(schedule)
    g, d, loss = copy.deepcopy(step.g), copy.deepcopy(step.d), step.loss
    z = torch.randn(5, 8, generator=torch.Generator().manual_seed(1))  # the step's noise
    fake = g(z)
    real_out, fake_out = d(real), d(fake.detach() if schedule == "alternating" else fake)
    loss_d = loss.d_loss(real_out, fake_out) + weight_penalty(d, L1, L2)
    grads_d = torch.autograd.grad(loss_d, list(d.parameters()), retain_graph=True)
    fake_out_g = d(fake) if schedule == "alternating" else fake_out
    loss_g = loss.g_loss(fake_out_g, real_out) + weight_penalty(g, L1, L2)
    grads_g = torch.autograd.grad(loss_g, list(g.parameters()))

    metrics = step(real, None, 0)

    assert metrics[0].item() == pytest.approx(loss_d.item(), rel=1e-5)
    if schedule == "alternating":
        return  # G stepped against the updated D: its loss and gradient differ from the above
    assert metrics[1].item() == pytest.approx(loss_g.item(), rel=1e-5)
    for expected, parameter in zip(grads_d + grads_g, list(step.d.parameters()) + list(step.g.parameters())):
        torch.testing.assert_close(parameter.grad, expected, rtol=1e-5, atol=1e-7)


def test_the_alternating_discriminator_gradient_includes_the_penalty():
    step, real = _setup("alternating")
    d = copy.deepcopy(step.d)
    z = torch.randn(5, 8, generator=torch.Generator().manual_seed(1))
    fake = step.g(z).detach()
    loss_d = step.loss.d_loss(d(real), d(fake)) + weight_penalty(d, L1, L2)
    expected = torch.autograd.grad(loss_d, list(d.parameters()))
    step(real, None, 0)
    for want, parameter in zip(expected, step.d.parameters()):
        torch.testing.assert_close(parameter.grad, want, rtol=1e-5, atol=1e-7)
