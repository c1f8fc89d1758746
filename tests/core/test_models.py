"""The players: shapes, ranges, the tutorial's exact MLP, init, penalties, conditioning, FLOPs."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from torch import nn

from gan_studio.core.config import ModelConfig
from gan_studio.core.errors import ConfigError
from gan_studio.core.models.networks import (
    Discriminator,
    Generator,
    build_models,
    count_parameters,
    step_flops,
    weight_penalty,
)

TINY = dict(z_dim=8, hidden=16, width=8)


def _tiny(arch: str, **overrides) -> ModelConfig:
    return ModelConfig(arch=arch, **{**TINY, **overrides})


CASES = [
    *[("mlp", size, c, cond) for size, c, cond in itertools.product((8, 28), (1, 3), (False, True))],
    *[("dcgan", size, c, cond) for size, c, cond in itertools.product((28, 32, 64), (1, 3), (False, True))],
]


@pytest.mark.parametrize(("arch", "size", "channels", "conditional"), CASES)
def test_shapes_and_ranges(arch: str, size: int, channels: int, conditional: bool) -> None:
    torch.manual_seed(0)
    g, d = build_models(_tiny(arch, conditional=conditional), "ns", (channels, size, size), 10)
    assert isinstance(g, Generator) and isinstance(d, Discriminator)
    assert g.image_shape == (channels, size, size)
    assert g.num_classes == d.num_classes == (10 if conditional else 0)
    labels = torch.tensor([0, 3, 9]) if conditional else None
    z = torch.randn(3, g.z_dim) * 3  # wide z: push the output towards its limits
    x = g(z, labels)
    assert x.shape == (3, channels, size, size)
    low, high = g.output_range
    assert (low, high) == ((0.0, 1.0) if arch == "mlp" else (-1.0, 1.0))
    assert x.min() >= low and x.max() <= high
    logits = d(x, labels)
    assert logits.shape == (3,)
    # Backward reaches every parameter of both players.
    logits.sum().backward()
    for net in (g, d):
        for name, p in net.named_parameters():
            assert p.grad is not None, name


def test_tutorial_mlp_layer_sizes_and_parameter_count() -> None:
    g, d = build_models(ModelConfig(arch="mlp", z_dim=100, hidden=500), "minimax", (1, 28, 28), 10)
    g_layers = [(m.in_features, m.out_features) for m in g.modules() if isinstance(m, nn.Linear)]
    d_layers = [(m.in_features, m.out_features) for m in d.modules() if isinstance(m, nn.Linear)]
    assert g_layers == [(100, 500), (500, 500), (500, 784)]
    assert d_layers == [(784, 500), (500, 500), (500, 1)]
    assert count_parameters(g) == 100 * 500 + 500 + 500 * 500 + 500 + 500 * 784 + 784
    assert count_parameters(d) == 784 * 500 + 500 + 500 * 500 + 500 + 500 + 1
    assert not d.uses_batch_norm
    # D returns logits: no sigmoid inside, so values outside [0, 1] occur.
    assert not any(isinstance(m, nn.Sigmoid) for m in d.modules())


def test_keras_init_is_glorot_uniform_with_zero_biases() -> None:
    torch.manual_seed(0)
    g, d = build_models(ModelConfig(arch="mlp", z_dim=100, hidden=500), "minimax", (1, 28, 28), 0)
    for layer in [m for net in (g, d) for m in net.modules() if isinstance(m, nn.Linear)]:
        bound = math.sqrt(6.0 / (layer.in_features + layer.out_features))
        w = layer.weight
        assert w.abs().max() <= bound
        assert w.abs().max() > 0.95 * bound  # uniform over the whole range, not a narrower init
        assert abs(w.std().item() - bound / math.sqrt(3)) < 0.05 * bound
        assert torch.all(layer.bias == 0)


def test_dcgan_init_and_layout_for_28() -> None:
    torch.manual_seed(0)
    g, d = build_models(ModelConfig(arch="dcgan"), "ns", (1, 28, 28), 0)
    convs = [m for m in g.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert [(m.in_channels, m.out_channels) for m in convs] == [(100, 128), (128, 64), (64, 1)]
    assert [m.out_channels for m in d.modules() if isinstance(m, nn.Conv2d)] == [64, 128, 1]
    for m in [*g.modules(), *d.modules()]:
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) and m.weight.numel() > 1000:
            assert abs(m.weight.std().item() - 0.02) < 0.003
            assert abs(m.weight.mean().item()) < 0.003
        if isinstance(m, nn.BatchNorm2d):
            assert abs(m.weight.mean().item() - 1.0) < 0.01
            assert torch.all(m.bias == 0)
    assert d.uses_batch_norm


@pytest.mark.parametrize(
    ("d_norm", "loss", "batch_norm", "norm_type"),
    [
        ("auto", "ns", True, nn.BatchNorm2d),
        ("auto", "wgan-gp", False, None),
        ("batch", "wgan-gp", True, nn.BatchNorm2d),
        ("layer", "ns", False, nn.GroupNorm),
        ("none", "ns", False, None),
    ],
)
def test_discriminator_norm(d_norm: str, loss: str, batch_norm: bool, norm_type: type | None) -> None:
    _, d = build_models(_tiny("dcgan", d_norm=d_norm), loss, (1, 28, 28), 0)
    assert d.uses_batch_norm is batch_norm
    norms = {type(m) for m in d.modules() if isinstance(m, (nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm))}
    assert norms == ({norm_type} if norm_type else set())


def test_weight_penalty_matches_hand_computation_and_skips_biases() -> None:
    torch.manual_seed(0)
    g, _ = build_models(_tiny("dcgan"), "ns", (1, 28, 28), 0)
    with torch.no_grad():
        for p in g.parameters():
            p.add_(1.0)  # biases and BN params nonzero, so leaving them out is visible
    kernels = [m.weight for m in g.modules() if isinstance(m, nn.ConvTranspose2d)]
    expected = sum(1e-3 * w.abs().sum() + 1e-2 * w.square().sum() for w in kernels)
    assert torch.allclose(weight_penalty(g, 1e-3, 1e-2), expected)

    layer = nn.Linear(2, 1)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, -2.0]]))
        layer.bias.fill_(100.0)
    penalty = weight_penalty(layer, 0.5, 0.25)
    assert penalty.dim() == 0
    assert penalty.item() == pytest.approx(0.5 * 3 + 0.25 * 5)
    penalty.backward()
    assert layer.bias.grad is None
    assert weight_penalty(layer, 0.0, 0.0).item() == 0.0


def test_conditional_generator_follows_the_label() -> None:
    torch.manual_seed(0)
    for arch in ("mlp", "dcgan"):
        g, _ = build_models(_tiny(arch, conditional=True), "ns", (1, 28, 28), 10)
        g.eval()
        z = torch.randn(1, g.z_dim).repeat(2, 1)
        with torch.no_grad():
            x = g(z, torch.tensor([1, 7]))
        assert not torch.allclose(x[0], x[1])


def test_conditional_discriminator_depends_on_the_label() -> None:
    torch.manual_seed(0)
    for arch in ("mlp", "dcgan"):
        _, d = build_models(_tiny(arch, conditional=True), "ns", (1, 28, 28), 10)
        d.eval()
        x = torch.rand(1, 1, 28, 28).repeat(2, 1, 1, 1)
        with torch.no_grad():
            logits = d(x, torch.tensor([1, 7]))
        assert logits[0] != logits[1]


def test_conditional_without_labels_raises() -> None:
    g, d = build_models(_tiny("dcgan", conditional=True), "ns", (1, 28, 28), 10)
    with pytest.raises(ValueError, match="conditional"):
        g(torch.randn(2, g.z_dim))
    with pytest.raises(ValueError, match="conditional"):
        d(torch.rand(2, 1, 28, 28))
    with pytest.raises(ValueError, match="shape"):
        g(torch.randn(2, g.z_dim), torch.tensor([1, 2, 3]))


def test_conditional_needs_classes() -> None:
    for classes in (0, 1):
        with pytest.raises(ConfigError, match="labelled data"):
            build_models(_tiny("mlp", conditional=True), "ns", (1, 28, 28), classes)


def test_unconditional_ignores_num_classes_and_labels() -> None:
    g, d = build_models(_tiny("mlp"), "ns", (1, 28, 28), 10)
    assert g.num_classes == d.num_classes == 0
    z = torch.randn(2, g.z_dim)
    assert torch.equal(g(z), g(z, torch.tensor([0, 1])))


@pytest.mark.parametrize("size", [16, 48])
def test_dcgan_rejects_other_sizes(size: int) -> None:
    with pytest.raises(ConfigError, match="DCGAN"):
        build_models(_tiny("dcgan"), "ns", (1, size, size), 0)


def test_channels_last() -> None:
    torch.manual_seed(0)
    g, d = build_models(_tiny("dcgan", conditional=True), "ns", (3, 32, 32), 10)
    g = g.to(memory_format=torch.channels_last)
    d = d.to(memory_format=torch.channels_last)
    labels = torch.tensor([0, 1, 2, 3])
    x = g(torch.randn(4, g.z_dim), labels)
    real = torch.rand(4, 3, 32, 32).contiguous(memory_format=torch.channels_last)
    loss = d(x, labels).mean() - d(real, labels).mean()
    loss.backward()
    assert x.shape == (4, 3, 32, 32)


def test_torch_init_keeps_defaults() -> None:
    torch.manual_seed(0)
    g, _ = build_models(_tiny("mlp", init="torch"), "ns", (1, 28, 28), 0)
    first = next(m for m in g.modules() if isinstance(m, nn.Linear))
    assert first.bias.abs().sum() > 0  # PyTorch's default init: biases are not zero


def test_step_flops() -> None:
    mlp = step_flops(ModelConfig(arch="mlp", z_dim=100, hidden=500), (1, 28, 28), 10, 128)
    dcgan = step_flops(ModelConfig(arch="dcgan", width=64), (1, 28, 28), 10, 128)
    print(f"step FLOPs at batch 128: tutorial MLP {mlp:.4g}, DCGAN-28 w64 {dcgan:.4g}")
    assert mlp == pytest.approx(1.47e9, rel=0.02)
    assert dcgan == pytest.approx(17.2e9, rel=0.05)
    assert step_flops(_tiny("dcgan", conditional=True), (3, 64, 64), 10, 1) > 0
    # Linear in the batch size.
    one = step_flops(_tiny("mlp"), (1, 28, 28), 0, 1)
    assert step_flops(_tiny("mlp"), (1, 28, 28), 0, 10) == pytest.approx(10 * one)


@pytest.mark.parametrize("size", [28, 32, 64])
def test_resize_upsampling_replaces_every_strided_transposed_conv(size: int) -> None:
    torch.manual_seed(0)
    g, d = build_models(_tiny("dcgan", upsample="resize"), "ns", (3, size, size), 0)
    transposed = [m for m in g.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert [m.stride for m in transposed] == [(1, 1)]  # only the projection of z to the first map
    doublings = {28: 2, 32: 3, 64: 4}[size]  # 7 -> 28, 4 -> 32, 4 -> 64
    assert sum(isinstance(m, nn.Upsample) for m in g.modules()) == doublings
    assert sum(isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3) for m in g.modules()) == doublings
    x = g(torch.randn(2, g.z_dim) * 3)
    assert x.shape == (2, 3, size, size) and x.abs().max() <= 1
    d(x).sum().backward()
    assert all(p.grad is not None for p in g.parameters())
    # A 3x3 conv at the doubled size costs more than a 4x4 transposed one at the input's size.
    assert step_flops(_tiny("dcgan", upsample="resize"), (3, size, size), 0, 1) > step_flops(
        _tiny("dcgan"), (3, size, size), 0, 1)


def test_an_unknown_upsampling_is_a_sentence() -> None:
    from gan_studio.core.config import RunConfig

    with pytest.raises(ConfigError, match="model.upsample must be one of"):
        RunConfig.from_dict({"model": {"upsample": "bilinear"}})
