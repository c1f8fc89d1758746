"""The playground's tiny players: MLPs on 2-D points, shaped like PacGAN's (smaller by default).

PacGAN's 2-D experiments (fjxmlzn/PacGAN, 2DGrid_GAN&PacGAN/pacgan_task.py): G is an MLP of
ReLU layers with batch norm, D an MLP of maxout layers (5 pieces) whose input is ``pack``
samples concatenated. Batch norm in G is an option (config.g_batch_norm, on in the `remedy`
preset): training normalises each batch, and the views, which run G on single grid points too,
use its running statistics (steps.evaluating), so they see a close cousin of the trained function.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .config import PlaygroundConfig


class Maxout(nn.Module):
    """A linear layer of ``out * pieces`` units, each output the max over its ``pieces``.

    The linear layer's rows are laid out piece-major (all units' first piece, then all units'
    second, ...), so the max runs over whole contiguous blocks: measured on one and two cores, a
    maxout of (100, 128 x 5) forward and backward took 260-330 us this way against 450-670 us
    unit-major. Version 1 state dicts (runs saved unit-major) are reordered on load, so an old run
    resumes as the same function.
    """

    _version = 2

    def __init__(self, inputs: int, outputs: int, pieces: int) -> None:
        super().__init__()
        self.pieces = pieces
        self.linear = nn.Linear(inputs, outputs * pieces)

    def forward(self, x: Tensor) -> Tensor:
        y = self.linear(x)
        if self.pieces == 1:
            return torch.relu(y)
        return y.view(*y.shape[:-1], self.pieces, -1).amax(-2)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, *args, **kwargs) -> None:
        if local_metadata.get("version", 1) < 2 and self.pieces > 1:
            for name in ("linear.weight", "linear.bias"):
                key = prefix + name
                if key in state_dict:
                    unit_major = state_dict[key]
                    pieces_last = unit_major.view(-1, self.pieces, *unit_major.shape[1:])
                    state_dict[key] = pieces_last.transpose(0, 1).reshape(unit_major.shape).contiguous()
        super()._load_from_state_dict(state_dict, prefix, local_metadata, *args, **kwargs)


class PointGenerator(nn.Module):
    def __init__(self, z_dim: int, hidden: int, layers: int, batch_norm: bool = False) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.num_classes = 0  # the image steps' interface (core/train/steps.py)
        sizes = [z_dim] + [hidden] * layers
        blocks: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            blocks += [nn.Linear(a, b, bias=not batch_norm)] + ([nn.BatchNorm1d(b)] if batch_norm else []) + [nn.ReLU()]
        self.net = nn.Sequential(*blocks, nn.Linear(hidden, 2))

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        return self.net(z)

    def resize_noise(self, z_dim: int) -> None:
        """A new noise dimension: the first layer's columns for the kept dimensions are kept, new
        ones start at zero (so G is the same function of the dimensions it already had)."""
        old = self.net[0]
        new = nn.Linear(z_dim, old.out_features, bias=old.bias is not None)
        with torch.no_grad():
            new.weight.zero_()
            keep = min(z_dim, old.in_features)
            new.weight[:, :keep] = old.weight[:, :keep]
            if old.bias is not None:
                new.bias.copy_(old.bias)
        self.net[0] = new
        self.z_dim = z_dim


class PackedDiscriminator(nn.Module):
    """D(x_1, ..., x_pack): one score for ``pack`` points at once (PacGAN); input (N, pack, 2)."""

    uses_batch_norm = False

    def __init__(self, pack: int, hidden: int, layers: int, pieces: int) -> None:
        super().__init__()
        self.pack = pack
        sizes = [2 * pack] + [hidden] * layers
        self.hidden = nn.Sequential(*[Maxout(a, b, pieces) for a, b in zip(sizes[:-1], sizes[1:])])
        self.out = nn.Linear(hidden, 1)

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        return self.out(self.hidden(x.flatten(1))).squeeze(1)


def build_players(config: PlaygroundConfig, seed: int) -> tuple[PointGenerator, PackedDiscriminator]:
    torch.manual_seed(seed)
    g = PointGenerator(config.z_dim, config.g_hidden, config.g_layers, config.g_batch_norm)
    d = PackedDiscriminator(config.pack, config.d_hidden, config.d_layers, config.maxout)
    return g, d


def build_optimizer(name: str, params, lr: float, beta1: float) -> torch.optim.Optimizer:
    if name == "adam":
        # fused: one kernel for all of a player's tensors instead of a loop over them; unfused, an
        # Adam step took ~1 ms a player, 14 % of a remedy round (profiled on one core).
        return torch.optim.Adam(params, lr=lr, betas=(beta1, 0.999), fused=True)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    return torch.optim.SGD(params, lr=lr)
