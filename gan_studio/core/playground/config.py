"""The playground's settings: a typed dataclass with a comment on every field, and two presets.

No torch here: the window builds and edits these on its GUI thread.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from ..errors import ConfigError

DISTRIBUTIONS = ("ring", "grid", "line", "moons", "spiral", "disc", "csv")
LOSSES = ("ns", "saturating", "ls", "hinge", "wgan-gp")
OPTIMIZERS = ("adam", "sgd", "rmsprop")
# The settings a running playground accepts between two steps (PlaygroundCommands.edit).
LIVE_FIELDS = ("loss", "optimizer", "lr_g", "lr_d", "d_steps", "batch_size", "z_dim", "gp_weight")


@dataclass
class PlaygroundConfig:
    dist: str = "ring"  # one of DISTRIBUTIONS; "csv" reads points_csv
    points_csv: str = ""  # a CSV of x,y points (one per line), for dist "csv"
    loss: str = "ns"  # adversarial loss (core/models/losses.py); live
    optimizer: str = "adam"  # adam, sgd or rmsprop, both players; live (a change starts fresh state)
    lr_g: float = 1e-3  # generator learning rate; live
    lr_d: float = 1e-3  # discriminator learning rate; live
    beta1: float = 0.5  # Adam's first-moment decay (PacGAN used 0.8 at lr 1e-4)
    d_steps: int = 1  # discriminator updates per generator update in "play" and "both"; live
    batch_size: int = 100  # D's (packed) samples per update, as PacGAN counts them; live
    z_dim: int = 2  # noise dimension; live (G's first layer is resized, the old columns kept)
    pack: int = 1  # PacGAN packing: D judges this many samples at once (1 = a plain GAN)
    gp_weight: float = 0.0  # gradient penalty on D (WGAN-GP's; 0 = off); live
    g_hidden: int = 128  # generator width
    g_layers: int = 3  # generator hidden layers (ReLU)
    g_batch_norm: bool = False  # batch norm after each of G's hidden layers, as PacGAN's G (the views use its running statistics)
    lr_decay: float = 1.0  # both learning rates fall geometrically to this share of lr_g/lr_d at `steps` G updates, then stay (1 = constant)
    d_hidden: int = 128  # discriminator width
    d_layers: int = 2  # discriminator hidden layers (maxout)
    maxout: int = 5  # maxout pieces per discriminator unit, as PacGAN's D (1 = ReLU)
    steps: int = 5000  # generator updates the command line trains for
    seed: int = 0  # one seed for weights, noise and data: same seed, same run on CPU
    threads: int = 1  # torch CPU threads
    preset: str = "custom"  # the preset it started from

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> PlaygroundConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown playground setting(s): {', '.join(unknown)}")
        return validate(cls(**values))

    def copy(self, **changes: Any) -> PlaygroundConfig:
        return validate(replace(self, **changes))


def validate(config: PlaygroundConfig) -> PlaygroundConfig:
    """Check every field once, at the edge; errors are sentences naming the setting."""
    def need(ok: bool, message: str) -> None:
        if not ok:
            raise ConfigError(message)

    need(config.dist in DISTRIBUTIONS, f"unknown distribution {config.dist!r}; choose one of {', '.join(DISTRIBUTIONS)}")
    need(config.dist != "csv" or bool(config.points_csv), "the csv distribution needs a file of points (points_csv)")
    need(config.loss in LOSSES, f"unknown loss {config.loss!r}; choose one of {', '.join(LOSSES)}")
    need(config.optimizer in OPTIMIZERS, f"unknown optimiser {config.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    for name in ("lr_g", "lr_d"):
        value = getattr(config, name)
        need(isinstance(value, (int, float)) and 0 < value < 1, f"{name} must be between 0 and 1 (got {value})")
    need(0 <= config.beta1 < 1, f"beta1 must be in [0, 1) (got {config.beta1})")
    for name, low, high in (("d_steps", 1, 100), ("batch_size", 1, 10000), ("z_dim", 1, 64), ("pack", 1, 16),
                            ("g_hidden", 1, 4096), ("g_layers", 1, 16), ("d_hidden", 1, 4096), ("d_layers", 1, 16),
                            ("maxout", 1, 16), ("steps", 1, 10**8), ("threads", 0, 1024)):
        value = getattr(config, name)
        need(isinstance(value, int) and not isinstance(value, bool) and low <= value <= high,
             f"{name} must be a whole number from {low} to {high} (got {value!r})")
    need(config.gp_weight >= 0, f"gp_weight must be 0 or more (got {config.gp_weight})")
    need(isinstance(config.g_batch_norm, bool), f"g_batch_norm must be true or false (got {config.g_batch_norm!r})")
    need(isinstance(config.lr_decay, (int, float)) and 0 < config.lr_decay <= 1,
         f"lr_decay must be above 0 and at most 1 (got {config.lr_decay})")
    return config


# plain: a GAN as PacGAN's first row trains it (one sample per judgement). remedy: the best measured
# here in the 3-minute budget on 2 cores (README, "Measured against PacGAN's Table 1"): PacGAN
# packing of 2, a wider G with batch norm (PacGAN's G has it), D's rate four times G's, and both
# decaying to 10 % over 18,000 G updates. On the grid a faster fall (to 1 % over 6,000) froze G
# before it had pulled its mass into the modes: 7 % of samples within 3 sigma, against 34 % with
# equal rates and 52 % with D's doubled over 9,000 (3 seeds); over 18,000, D's rate doubled gave 72 %
# and quadrupled 76 % (ring 90.5 and 92.1 %). Packing 4 reached 15 grid modes at 3,000 steps, and
# without packing G found 20 of 25.
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "plain": ("a plain GAN: non-saturating loss, Adam, D judges one sample at a time", {}),
    "remedy": ("PacGAN packing of 2, a batch-norm G, D learning four times as fast, decaying rates",
               {"pack": 2, "g_hidden": 256, "g_batch_norm": True, "lr_d": 4e-3, "lr_decay": 0.1, "steps": 18000}),
}


def preset_config(name: str, **overrides: Any) -> PlaygroundConfig:
    try:
        _, values = PRESETS[name]
    except KeyError:
        raise ConfigError(f"unknown playground preset {name!r}; choose one of {', '.join(PRESETS)}") from None
    return validate(PlaygroundConfig(**{**values, "preset": name, **overrides}))
