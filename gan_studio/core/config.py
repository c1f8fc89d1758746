"""Typed configuration of a run: data, model and training, with presets and a JSON round trip.

Values are validated once, here, when a config is built from outside (a JSON file, the command
line, the window's form); the rest of the code trusts them. This module imports neither torch
nor Qt, so the window can build and show configs before torch is loaded.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError

BUILTIN_DIGITS = "builtin:digits"

MODEL_ARCHS = {
    "mlp": "Tutorial MLP (z 100-500-500-784, sigmoid out)",
    "dcgan": "DCGAN (convolutions, batch norm)",
}
LOSSES = {
    "minimax": "Minimax BCE, as in the tutorial (keras_adversarial targets)",
    "saturating": "Saturating BCE, G minimises log(1 - D(G(z)))",
    "ns": "Non-saturating BCE, G maximises log D(G(z))",
    "ls": "Least squares (LSGAN)",
    "hinge": "Hinge",
    "wgan-gp": "Wasserstein with gradient penalty",
}
SCHEDULES = {
    "simultaneous": "Both players step on every batch, from the same forward pass",
    "alternating": "D steps on every batch, G after every k-th D step",
}
INITS = ("auto", "keras", "dcgan", "torch")
D_NORMS = ("auto", "batch", "layer", "none")
# How the DCGAN's generator doubles its maps: Radford et al.'s stride-2 transposed convolutions,
# or nearest-neighbour resizing then a 3x3 convolution (Odena et al. 2016), which cannot draw
# the checkerboard of overlapping transposed kernels.
UPSAMPLES = {
    "transposed": "transposed conv",  # short: they label a combo in a 330 px side panel
    "resize": "resize + conv",
}
RESAMPLE_FILTERS = ("nearest", "box", "bilinear", "hamming", "bicubic", "lanczos")
DCGAN_SIZES = (28, 32, 64)
AUGMENTS = ("translation", "cutout", "color")  # DiffAugment's three policies (core/train/augment.py)


@dataclass
class DataConfig:
    source: str = BUILTIN_DIGITS  # "builtin:digits" or a path: image folder, train.csv folder, IDX, .npz/.npy
    channels: int = 1  # 1 = grayscale, 3 = RGB; every image is converted to this on load
    image_size: int = 28  # side of the square images the model sees, in pixels
    resample: str = "lanczos"  # Pillow filter used when an image has to be resized
    limit: int = 0  # use at most this many images (0 = all): quick tries and tests


@dataclass
class ModelConfig:
    arch: str = "dcgan"  # "mlp" (the tutorial's) or "dcgan"
    z_dim: int = 100  # length of the latent vector z
    hidden: int = 500  # MLP: units in each of the two hidden layers of G and of D
    width: int = 64  # DCGAN: channels of the highest-resolution conv layer; others are multiples
    conditional: bool = False  # embed the class label into G and D, so a class can be chosen
    l1: float = 0.0  # L1 penalty on every weight kernel (the tutorial's L1L2 uses 1e-5)
    l2: float = 0.0  # L2 penalty on every weight kernel (the tutorial's L1L2 uses 1e-5)
    init: str = "auto"  # weight init: keras (Glorot uniform), dcgan (N(0, 0.02)), torch; auto picks per arch
    d_norm: str = "auto"  # discriminator normalisation; auto = batch norm, none for WGAN-GP
    # Spectral normalisation (Miyato et al. 2018) of every D kernel: one power iteration a step
    # keeps each layer 1-Lipschitz. With it, auto d_norm means no batch norm in D.
    spectral_norm: bool = False
    upsample: str = "transposed"  # DCGAN: how G doubles its maps, one of UPSAMPLES


@dataclass
class TrainConfig:
    epochs: int = 20  # passes over the data
    # Or train for this many minutes (0 = no time limit): the run stops at the first epoch end
    # after this much training time in a session (pauses left out; a resume counts afresh),
    # with a checkpoint, unless the epochs above end it first.
    minutes: float = 0.0
    batch_size: int = 64  # real images per step
    loss: str = "ns"  # one of LOSSES
    schedule: str = "alternating"  # one of SCHEDULES
    d_steps: int = 1  # alternating: discriminator steps per generator step (n_critic for WGAN-GP)
    gp_weight: float = 10.0  # WGAN-GP: weight of the gradient penalty
    label_smoothing: float = 0.0  # one-sided: real targets become 1 - this (BCE losses only)
    ema_decay: float = 0.0  # keep an EMA copy of G for sampling with this decay (0 = off)
    # EMA warm-up: over the first N generator steps the decay ramps from 0 to ema_decay, so the
    # copy is not dragged by the random initial weights (0 = the full decay from the start).
    ema_warmup: int = 0
    # DiffAugment (Zhao et al. 2020): a comma list of translation, cutout, color applied to every
    # image D sees, real and fake, differentiably ("none" = off).
    augment: str = "none"
    augment_p: float = 1.0  # probability that an image is augmented (the start value when adaptive)
    # ADA-style adaptive p (Karras et al. 2020): p rises while r_t = E[sign(D(real))] is above
    # this target (D is overconfident on real images: overfitting) and falls below it (0 = fixed p).
    ada_target: float = 0.0
    r1_gamma: float = 0.0  # R1 penalty weight, gamma/2 * E|grad D(real)|^2 (0 = off)
    r1_every: int = 16  # lazy R1 (StyleGAN2): the penalty every N D steps, scaled by N
    # G learns twice as fast as D (2e-4): on the 5,000 built-in digits this reached all ten digits
    # sooner and ended with a lower FCD than 2e-4 for both, over two seeds (20 epochs, judge).
    lr_g: float = 4e-4  # generator learning rate (Adam)
    lr_d: float = 2e-4  # discriminator learning rate (Adam)
    beta1: float = 0.5  # Adam beta1 for both players
    beta2: float = 0.999  # Adam beta2 for both players
    adam_eps: float = 1e-8  # Adam epsilon (Keras' default is 1e-7)
    seed: int = 0  # seeds weights, data order and noise: same seed, same run (on CPU)
    # The machine settings (see Machine): the process' own. A run records the ones it last
    # trained with; a resume takes the resuming process' (its options, the window's form).
    device: str = "auto"  # auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N, mps
    threads: int = 0  # CPU threads for torch; 0 = all cores but one
    checkpoint_every: int = 5  # keep a numbered checkpoint every N epochs (last.pt always)
    grid_size: int = 8  # the fixed-noise grid is grid_size x grid_size samples
    # Sample-quality evaluation after an epoch: 0 = automatic cadence (keeps the slowdown under
    # ~10 %), -1 = never, N = every N epochs. The last epoch is always evaluated unless -1.
    quality_every: int = 0
    # Drop the last, smaller batch of an epoch. On by default: batch-norm statistics of a
    # handful of images (5,000 % 64 = 8) jolt the DCGAN once an epoch. Keras kept it: the tutorial does.
    drop_last: bool = True


@dataclass
class RunConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    preset: str = "default"  # the preset this config started from, for display only

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: Any) -> RunConfig:
        """Build and validate a config; missing keys take defaults, unknown keys are errors."""
        if not isinstance(data, dict):
            raise ConfigError(f"a config must be a JSON object, got {type(data).__name__}")
        unknown = set(data) - {"data", "model", "train", "preset"}
        if unknown:
            raise ConfigError(f"unknown config section(s): {', '.join(sorted(unknown))}")
        config = cls(
            data=_section(DataConfig, data.get("data", {}), "data"),
            model=_section(ModelConfig, data.get("model", {}), "model"),
            train=_section(TrainConfig, data.get("train", {}), "train"),
            preset=_typed("preset", data.get("preset", "default"), str),
        )
        validate(config)
        return config

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigError(f"config is not valid JSON: {error}") from None
        return cls.from_dict(data)

    def copy(self) -> RunConfig:
        return RunConfig.from_dict(self.to_dict())


@dataclass(frozen=True)
class Machine:
    """Where a process trains: its device and CPU threads.

    They belong to the process (the command's options, the window's form and remembered
    settings), never to the recipe: a run's config and run.json record the ones it was last
    trained with, and resuming it anywhere takes the resuming process' own.
    """

    device: str = "auto"  # auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N, mps
    threads: int = 0  # CPU threads for torch; 0 = all cores but one

    def __post_init__(self) -> None:
        _check(_valid_device(self.device), "the device must be auto, cpu, cuda, cuda:N or mps", self.device)
        _check(
            isinstance(self.threads, int) and not isinstance(self.threads, bool) and self.threads >= 0,
            "the CPU threads must be 0 (automatic) or a positive count", self.threads,
        )

    @classmethod
    def of(cls, config: RunConfig) -> Machine:
        """The machine settings a config carries (a new run's, from its options or form)."""
        return cls(config.train.device, config.train.threads)

    def apply(self, config: RunConfig) -> RunConfig:
        """Put these settings into ``config`` (in place; returned for chaining)."""
        config.train.device, config.train.threads = self.device, self.threads
        return config


def load_config_file(path: str | Path) -> RunConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text (is it a JSON file?)") from None
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror or error}") from None
    try:
        return RunConfig.from_json(text)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None


def set_value(config: RunConfig, dotted: str, value: Any) -> None:
    """Set ``section.field`` (as typed by a user) with type checking; call validate() after."""
    section_name, _, name = dotted.partition(".")
    section = getattr(config, section_name, None)
    if section is None or not dataclasses.is_dataclass(section):
        raise ConfigError(f"unknown config section {section_name!r}")
    types = {f.name: f.type for f in fields(section)}
    if name not in types:
        raise ConfigError(f"unknown config key {dotted!r}")
    setattr(section, name, _typed(dotted, value, _FIELD_TYPES[types[name]]))


_FIELD_TYPES = {"int": int, "float": float, "str": str, "bool": bool}


def _typed(name: str, value: Any, kind: type) -> Any:
    # bool is a subclass of int: reject True where a number is expected, and 1 where a flag is.
    if kind is bool:
        if isinstance(value, bool):
            return value
    elif kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif isinstance(value, kind):
        return value
    raise ConfigError(f"{name} must be {_KIND_WORDS[kind]}, got {value!r}")


_KIND_WORDS = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _section(cls: type, data: Any, prefix: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"config section {prefix!r} must be an object, got {type(data).__name__}")
    types = {f.name: _FIELD_TYPES[f.type] for f in fields(cls)}
    unknown = set(data) - set(types)
    if unknown:
        raise ConfigError(f"unknown key(s) in {prefix}: {', '.join(sorted(unknown))}")
    return cls(**{k: _typed(f"{prefix}.{k}", v, types[k]) for k, v in data.items()})


def validate(config: RunConfig) -> None:
    """Raise ConfigError with a sentence naming the first bad value."""
    d, m, t = config.data, config.model, config.train
    _check(d.channels in (1, 3), "data.channels must be 1 (grayscale) or 3 (RGB)", d.channels)
    _check(d.image_size >= 4, "data.image_size must be at least 4 pixels", d.image_size)
    _check(d.image_size <= 1024, "data.image_size must be at most 1024 pixels", d.image_size)
    _check(d.resample in RESAMPLE_FILTERS, f"data.resample must be one of {_names(RESAMPLE_FILTERS)}", d.resample)
    _check(d.limit >= 0, "data.limit must be 0 (all) or a positive count", d.limit)
    _check(bool(d.source.strip()), "data.source must name a dataset or a path", d.source)

    _check(m.arch in MODEL_ARCHS, f"model.arch must be one of {_names(MODEL_ARCHS)}", m.arch)
    _check(m.z_dim >= 1, "model.z_dim must be a positive integer", m.z_dim)
    _check(m.hidden >= 1, "model.hidden must be a positive integer", m.hidden)
    _check(m.width >= 1, "model.width must be a positive integer", m.width)
    _check(m.l1 >= 0 and m.l2 >= 0, "model.l1 and model.l2 must not be negative", (m.l1, m.l2))
    _check(m.init in INITS, f"model.init must be one of {_names(INITS)}", m.init)
    _check(m.d_norm in D_NORMS, f"model.d_norm must be one of {_names(D_NORMS)}", m.d_norm)
    _check(m.upsample in UPSAMPLES, f"model.upsample must be one of {_names(UPSAMPLES)}", m.upsample)
    if m.arch == "dcgan":
        _check(
            d.image_size in DCGAN_SIZES,
            f"the DCGAN makes {_names(DCGAN_SIZES)}-pixel images; data.image_size is",
            d.image_size,
        )

    _check(t.epochs >= 1, "train.epochs must be at least 1", t.epochs)
    _check(0 <= t.minutes < float("inf"), "train.minutes must be 0 (no time limit) or a positive number of minutes", t.minutes)
    _check(t.batch_size >= 1, "train.batch_size must be at least 1", t.batch_size)
    _check(t.loss in LOSSES, f"train.loss must be one of {_names(LOSSES)}", t.loss)
    _check(t.schedule in SCHEDULES, f"train.schedule must be one of {_names(SCHEDULES)}", t.schedule)
    _check(t.d_steps >= 1, "train.d_steps must be at least 1", t.d_steps)
    _check(t.gp_weight >= 0, "train.gp_weight must not be negative", t.gp_weight)
    _check(0 <= t.label_smoothing < 0.5, "train.label_smoothing must be in [0, 0.5)", t.label_smoothing)
    _check(0 <= t.ema_decay < 1, "train.ema_decay must be in [0, 1)", t.ema_decay)
    _check(t.ema_warmup >= 0, "train.ema_warmup must be 0 (none) or a number of steps", t.ema_warmup)
    _check(_valid_policy(t.augment), f"train.augment must be none or a comma list of {_names(AUGMENTS)}", t.augment)
    _check(0 <= t.augment_p <= 1, "train.augment_p must be a probability in [0, 1]", t.augment_p)
    _check(0 <= t.ada_target < 1, "train.ada_target must be 0 (fixed p) or a target in (0, 1)", t.ada_target)
    _check(t.r1_gamma >= 0, "train.r1_gamma must not be negative", t.r1_gamma)
    _check(t.r1_every >= 1, "train.r1_every must be at least 1", t.r1_every)
    for name in ("lr_g", "lr_d"):
        value = getattr(t, name)
        _check(0 < value <= 1, f"train.{name} must be a learning rate in (0, 1]", value)
    _check(0 <= t.beta1 < 1 and 0 <= t.beta2 < 1, "Adam betas must be in [0, 1)", (t.beta1, t.beta2))
    _check(t.adam_eps > 0, "train.adam_eps must be positive", t.adam_eps)
    _check(t.threads >= 0, "train.threads must be 0 (automatic) or a positive count", t.threads)
    _check(t.checkpoint_every >= 1, "train.checkpoint_every must be at least 1", t.checkpoint_every)
    _check(1 <= t.grid_size <= 32, "train.grid_size must be between 1 and 32", t.grid_size)
    _check(t.quality_every >= -1, "train.quality_every must be 0 (automatic), -1 (never) or a positive count", t.quality_every)
    _check(_valid_device(t.device), "train.device must be auto, cpu, cuda, cuda:N or mps", t.device)
    if t.schedule == "simultaneous":
        _check(t.loss != "wgan-gp", "WGAN-GP needs the alternating schedule; train.schedule is", t.schedule)


def augment_policy(text: str) -> tuple[str, ...]:
    """The augmentations named by train.augment, in the order given ("none" or "": none)."""
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    return () if names in ((), ("none",)) else names


def _valid_policy(text: str) -> bool:
    return all(name in AUGMENTS for name in augment_policy(text))


def _valid_device(device: str) -> bool:
    if device in ("auto", "cpu", "cuda", "mps"):
        return True
    prefix, _, index = device.partition(":")
    return prefix == "cuda" and index.isdigit()


def _check(ok: bool, message: str, value: Any) -> None:
    if not ok:
        raise ConfigError(f"{message} (got {value!r})" if not message.endswith(" is") else f"{message} {value!r}")


def _names(options: Any) -> str:
    return ", ".join(str(o) for o in options)


# -- presets -----------------------------------------------------------------------------------


def _tutorial() -> RunConfig:
    """The Analytics Vidhya tutorial exactly: keras_adversarial's simple_gan on 28x28 digits."""
    return RunConfig(
        preset="tutorial",
        model=ModelConfig(arch="mlp", z_dim=100, hidden=500, l1=1e-5, l2=1e-5, init="keras"),
        train=TrainConfig(
            epochs=10,
            batch_size=128,
            loss="minimax",
            schedule="simultaneous",
            # Keras' Adam defaults (the tutorial passes the string 'adam').
            lr_g=1e-3,
            lr_d=1e-3,
            beta1=0.9,
            beta2=0.999,
            adam_eps=1e-7,
            drop_last=False,
        ),
    )


def _default() -> RunConfig:
    # A DCGAN with the non-saturating loss and Radford et al.'s Adam betas: on the built-in
    # 5,000 digits it draws all ten classes within a few epochs, where the tutorial collapses.
    # Measured and not shipped: batch 32, 30 epochs and an EMA of G (0.999, warmed up over 500
    # steps) reached FCD 13.9 / 15.6 on two seeds against 15.7 here, but only recall clearly
    # improved (0.80 / 0.73 against 0.70) and it took 427 s on 2 threads, past the 5 minutes this
    # preset must finish in (README, "The digits baseline"). The EMA beat the plain G at 30 epochs
    # (13.9 vs 14.9) but not at 17 (17.1 vs 15.4): 0.999 averages ~1,000 steps, 6 epochs of batch 32.
    return RunConfig(preset="default")


def _wgan_gp() -> RunConfig:
    return RunConfig(
        preset="wgan-gp",
        train=TrainConfig(loss="wgan-gp", d_steps=5, lr_g=1e-4, lr_d=1e-4, beta1=0.0, beta2=0.9),
    )


def _lsgan() -> RunConfig:
    return RunConfig(preset="lsgan", train=TrainConfig(loss="ls"))


def _hinge() -> RunConfig:
    return RunConfig(preset="hinge", train=TrainConfig(loss="hinge"))


def _conditional() -> RunConfig:
    return RunConfig(preset="conditional", model=ModelConfig(conditional=True))


PRESETS = {
    "default": ("DCGAN, non-saturating loss: learns all ten digits", _default),
    "tutorial": ("The tutorial's MLP GAN, reproduced exactly (collapses on small data)", _tutorial),
    "conditional": ("Conditional DCGAN: choose the digit when sampling", _conditional),
    "wgan-gp": ("DCGAN critic with WGAN-GP, 5 critic steps", _wgan_gp),
    "lsgan": ("DCGAN with least-squares loss", _lsgan),
    "hinge": ("DCGAN with hinge loss", _hinge),
}


def preset_config(name: str) -> RunConfig:
    try:
        description, make = PRESETS[name]
    except KeyError:
        raise ConfigError(f"unknown preset {name!r}; choose one of {_names(PRESETS)}") from None
    config = make()
    validate(config)
    return config
