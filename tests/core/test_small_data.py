"""Training on small data: DiffAugment, ADA's adaptive p, spectral normalisation and R1."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_studio.core.config import augment_policy, preset_config, set_value, validate
from gan_studio.core.errors import ConfigError
from gan_studio.core.events import STEP_METRICS, StepMetrics
from gan_studio.core.train import augment
from gan_studio.core.train.augment import ADA_INTERVAL, Augmenter
from gan_studio.core.train.trainer import Trainer

from .helpers import checkpoint_weights, run_to_end


def _batch(n=8, c=3, side=16, seed=0):
    return torch.rand(n, c, side, side, generator=torch.Generator().manual_seed(seed)) * 2 - 1


@pytest.mark.parametrize("name", sorted(augment.POLICIES))
def test_each_augmentation_is_differentiable_and_changes_the_images(name):
    x = _batch().requires_grad_(True)
    out = augment.POLICIES[name](x, torch.Generator().manual_seed(1))
    assert out.shape == x.shape
    assert not torch.allclose(out, x)
    out.square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_translation_moves_pixels_and_cutout_blanks_a_square():
    x = torch.zeros(4, 1, 16, 16)
    x[:, :, 6:10, 6:10] = 1.0
    rng = torch.Generator().manual_seed(0)
    moved = augment.translation(x, rng)
    assert torch.equal(moved.sum(dim=(1, 2, 3)), x.sum(dim=(1, 2, 3)))  # a shift of at most 2 keeps the blob
    assert not torch.equal(moved, x)
    blank = augment.cutout(torch.ones(4, 1, 16, 16), rng)
    zeros = (blank == 0).sum(dim=(1, 2, 3))
    assert ((zeros > 0) & (zeros <= 64)).all()  # one square of at most 8 x 8, clipped at the edges


def test_p_zero_augments_nothing_and_p_one_everything():
    x = _batch()
    off = Augmenter(("translation", "cutout", "color"), 0.0, 0.5, torch.Generator().manual_seed(0), "cpu")
    assert torch.equal(off(x), x)
    on = Augmenter(("cutout",), 1.0, 0.0, torch.Generator().manual_seed(0), "cpu")
    assert ((on(x) == 0).flatten(1).sum(dim=1) > 0).all()


class _RecordingD(torch.nn.Module):
    """Wraps a discriminator and records every batch it is shown."""

    def __init__(self, d):
        super().__init__()
        self.inner, self.seen = d, []
        self.uses_batch_norm, self.num_classes = d.uses_batch_norm, d.num_classes

    def forward(self, x, labels=None):
        self.seen.append(x.detach().clone())
        return self.inner(x, labels)


@pytest.mark.parametrize("schedule", ["alternating", "simultaneous"])
def test_the_same_policy_reaches_real_and_fake_passes(tiny_config, tmp_path, schedule):
    # cutout at p = 1: every image D sees, real or fake, has its blank square; the real images
    # themselves (digits in [-1, 1], background -1) have no exact zeros.
    tiny_config.model.arch = "dcgan"
    tiny_config.data.image_size = 28
    tiny_config.train.schedule = schedule
    set_value(tiny_config, "train.augment", "cutout")
    trainer = Trainer.new(tiny_config, tmp_path / "run")
    events = trainer.events()
    for event in events:
        if isinstance(event, StepMetrics) or trainer.session is not None:
            break
    session = trainer.session
    recorder = _RecordingD(session.d)
    session.step_fn.d = recorder
    real = next(session.batches())[0]
    assert (real == 0).sum() == 0
    session.step(real, None)
    events.close()
    assert len(recorder.seen) >= 2  # the real and the fake pass (the D of an alternating step sees both at once)
    images = torch.cat(recorder.seen)
    assert len(images) >= 2 * real.shape[0]
    assert ((images == 0).flatten(1).sum(dim=1) >= 7 * 7).all()  # 14 x 14, at worst clipped to a quarter


def _feed(augmenter, sign: float, steps: int):
    for _ in range(steps):
        augmenter.observe(torch.full((16,), sign))


def test_ada_p_rises_when_d_overfits_and_falls_otherwise():
    ada = Augmenter(("translation",), 0.5, 0.6, torch.Generator(), "cpu")
    _feed(ada, 3.0, 10 * ADA_INTERVAL)  # D sure of every real image: r_t = 1 > 0.6
    assert float(ada.r_t) == 1.0
    high = float(ada.p)
    assert high > 0.5
    _feed(ada, -1.0, 10 * ADA_INTERVAL)  # D calls real images fake: r_t = -1 < 0.6
    assert float(ada.r_t) == -1.0 and float(ada.p) < high
    fixed = Augmenter(("translation",), 0.5, 0.0, torch.Generator(), "cpu")
    _feed(fixed, 3.0, 10 * ADA_INTERVAL)
    assert float(fixed.p) == 0.5  # ada_target 0: p stays put, r_t is still measured
    assert float(fixed.r_t) == 1.0


def test_a_run_logs_r_t_and_p_and_resumes_exactly_with_ada(tiny_config, tmp_path):
    tiny_config.model.arch = "dcgan"
    tiny_config.data.image_size = 28
    tiny_config.train.epochs = 2
    for key, value in (("train.augment", "translation,cutout,color"), ("train.augment_p", 0.2), ("train.ada_target", 0.1)):
        set_value(tiny_config, key, value)
    events, _ = run_to_end(Trainer.new(tiny_config, tmp_path / "straight"))
    metrics = np.concatenate([e.values for e in events if isinstance(e, StepMetrics)])
    p = metrics[:, STEP_METRICS.index("augment_p")]
    r_t = metrics[:, STEP_METRICS.index("r_t")]
    assert np.isfinite(r_t[ADA_INTERVAL:]).all() and (np.abs(r_t[ADA_INTERVAL:]) <= 1).all()
    assert len(np.unique(p)) > 1  # p moved
    header = (tmp_path / "straight" / "metrics.csv").read_text().splitlines()[0]
    assert "r_t" in header and "augment_p" in header

    tiny_config.train.epochs = 1
    run_to_end(Trainer.new(tiny_config, tmp_path / "split"))
    run_to_end(Trainer.resume(tmp_path / "split", extra_epochs=1))
    straight = checkpoint_weights(tmp_path / "straight" / "checkpoints" / "last.pt")
    split = checkpoint_weights(tmp_path / "split" / "checkpoints" / "last.pt")
    assert all(torch.equal(straight[k], split[k]) for k in straight)


@pytest.mark.parametrize("arch", ["mlp", "dcgan"])
def test_spectral_norm_keeps_d_kernels_near_unit_norm_and_trains(tiny_config, tmp_path, arch):
    tiny_config.model.arch = arch
    tiny_config.data.image_size = 28
    tiny_config.model.spectral_norm = True
    tiny_config.model.l2 = 1e-5  # the penalty reaches the parametrised kernels' originals
    trainer = Trainer.new(tiny_config, tmp_path / "run")
    _, finished = run_to_end(trainer)
    assert finished.reason.value == "completed"
    d = trainer.session.d
    assert not d.uses_batch_norm
    for layer in d.modules():
        if hasattr(layer, "parametrizations"):
            sigma = torch.linalg.matrix_norm(layer.weight.detach().flatten(1), ord=2)
            assert 0.7 < float(sigma) < 1.3  # one power iteration a step: an estimate, close after a few steps
    assert any(hasattr(layer, "parametrizations") for layer in d.modules())


def test_r1_penalty_trains_and_changes_d(tiny_config, tmp_path):
    tiny_config.model.arch = "dcgan"
    tiny_config.data.image_size = 28
    plain = Trainer.new(tiny_config, tmp_path / "plain")
    run_to_end(plain)
    tiny_config.train.r1_gamma = 10.0
    tiny_config.train.r1_every = 2
    with_r1 = Trainer.new(tiny_config, tmp_path / "r1")
    _, finished = run_to_end(with_r1)
    assert finished.reason.value == "completed"
    a = checkpoint_weights(tmp_path / "plain" / "checkpoints" / "last.pt")
    b = checkpoint_weights(tmp_path / "r1" / "checkpoints" / "last.pt")
    assert any(not torch.equal(a[k], b[k]) for k in a if k.startswith("d."))


def test_r1_is_lazy_and_scaled(tiny_config, tmp_path):
    from gan_studio.core.models.losses import make_loss
    from gan_studio.core.models.networks import build_models
    from gan_studio.core.train.steps import AdversarialStep

    torch.manual_seed(0)
    g, d = build_models(tiny_config.model, "ns", (1, 28, 28), 0)
    step = AdversarialStep(
        g, d, torch.optim.Adam(g.parameters()), torch.optim.Adam(d.parameters()), make_loss("ns"),
        schedule="alternating", d_steps=1, gp_weight=0.0, l1=0.0, l2=0.0, noise_rng=torch.Generator(),
        r1_gamma=2.0, r1_every=4,
    )
    real = _batch(c=1, side=28)
    assert step._r1(real, None, 3) == 0.0
    penalty = step._r1(real, None, 4)
    x = real.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(d(x).sum(), x)
    assert float(penalty.detach()) == pytest.approx(float(0.5 * 2.0 * 4 * grad.square().sum(dim=(1, 2, 3)).mean()), rel=1e-5)


def test_the_new_options_are_validated():
    config = preset_config("default")
    assert augment_policy("none") == () and augment_policy("cutout, color") == ("cutout", "color")
    for key, value in (("train.augment", "flip"), ("train.augment_p", 1.5), ("train.ada_target", -0.1),
                       ("train.r1_every", 0), ("train.ema_warmup", -1)):
        bad = config.copy()
        set_value(bad, key, value)
        with pytest.raises(ConfigError, match=key):
            validate(bad)


def test_ema_warms_up_from_a_copy_of_g(tiny_config):
    from gan_studio.core.train.steps import AdversarialStep

    step = AdversarialStep.__new__(AdversarialStep)
    step.ema_decay, step.ema_warmup = 0.999, 100
    step._g_steps = 0
    assert step.ema_decay_now() == 0.0
    step._g_steps = 50
    assert step.ema_decay_now() == pytest.approx(0.4995)
    step._g_steps = 1000
    assert step.ema_decay_now() == 0.999
