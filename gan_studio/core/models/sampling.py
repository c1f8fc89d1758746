"""Turning a generator into pictures: fixed noise, eval-mode rendering, uint8 conversion."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ..images import make_grid


def fixed_inputs(seed: int, count: int, z_dim: int, num_classes: int, columns: int) -> tuple[Tensor, Tensor | None]:
    """The noise behind every epoch grid of a run, drawn on the CPU so every device agrees.

    For a conditional model, row r shows class r (mod the number of classes).
    """
    rng = torch.Generator().manual_seed(seed + 1_000_003)
    z = torch.randn(count, z_dim, generator=rng)
    labels = None
    if num_classes:
        labels = (torch.arange(count) // columns) % num_classes
    return z, labels


def to_uint8(images: Tensor, output_range: tuple[float, float]) -> np.ndarray:
    """(N, C, H, W) in ``output_range`` to uint8 (N, H, W, C) numpy; a copy, safe to send away."""
    low, high = output_range
    scaled = (images.detach().float() - low) * (255.0 / (high - low))
    scaled = scaled.round_().clamp_(0, 255).to(torch.uint8)
    return scaled.permute(0, 2, 3, 1).contiguous().cpu().numpy()


@torch.inference_mode()
def render(generator, z: Tensor, labels: Tensor | None = None) -> np.ndarray:
    """Samples of ``generator`` in eval mode as uint8 N x H x W x C; its mode is restored after.

    Call it only from the thread that owns the module (the trainer between steps, or a render
    worker on its own snapshot).
    """
    was_training = generator.training
    generator.eval()
    try:
        device = next(generator.parameters()).device
        images = generator(z.to(device), None if labels is None else labels.to(device))
        return to_uint8(images, generator.output_range)
    finally:
        generator.train(was_training)


def render_grid(generator, z: Tensor, labels: Tensor | None, columns: int, padding: int = 2, background: int = 80) -> np.ndarray:
    """The samples tiled with grey gutters, so dark or white cells stay apart."""
    images = render(generator, z, labels)
    rows = -(-len(images) // columns)
    return make_grid(images, rows, columns, padding=padding, background=background)


def weights_to_numpy(module: torch.nn.Module) -> dict[str, np.ndarray]:
    """A module's state as numpy copies: a value that can cross threads while training goes on."""
    return {name: value.detach().cpu().numpy().copy() for name, value in module.state_dict().items()}


def weights_from_numpy(module: torch.nn.Module, weights: dict[str, np.ndarray]) -> None:
    module.load_state_dict({name: torch.from_numpy(np.asarray(value)) for name, value in weights.items()})
