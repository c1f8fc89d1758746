"""Starting a new run from another run's checkpoint (fine-tuning): its G and D, optionally its optimisers.

    parent = open_parent(InitFrom.parse("runs/digits:best"))
    Trainer.new(config, "runs/finetuned", init_from=parent)

The models must be the same: architecture, latent size, widths, the discriminator's
normalisation, image size, channels and (conditional models) classes. Anything else can change:
data, loss, schedule, learning rates, epochs. A mismatch is refused in one sentence before the new
run's folder is made. The new run's run.json records its ``parent``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..config import RunConfig
from ..errors import CheckpointError
from ..models.networks import build_models
from ..runs.checkpoint import checkpoint_config, load_checkpoint, load_module_state, model_description
from ..runs.lineage import InitFrom


@dataclass
class Parent:
    """The checkpoint a new run starts from, loaded (on the CPU) and checked."""

    init: InitFrom
    checkpoint: Path
    run: Path | None
    state: dict[str, Any]
    config: RunConfig  # the parent's config: the command line starts from it when no preset is named
    image_shape: tuple[int, int, int]
    num_classes: int

    def record(self) -> dict[str, Any]:
        """What run.json keeps as the new run's ``parent``."""
        return {
            "run": str(self.run.resolve()) if self.run is not None else None,
            "checkpoint": str(self.checkpoint.resolve()),
            "epoch": int(self.state.get("epoch", 0)),
            "global_step": int(self.state.get("global_step", 0)),
            "optimizers": self.init.optimizers,
        }

    def check_compatible(self, config: RunConfig, image_shape: tuple[int, ...], num_classes: int) -> None:
        """Raise CheckpointError, one sentence, when the new run's models cannot take these weights."""
        differences = _differences(self, config, tuple(image_shape), num_classes)
        if not differences:  # described alike: the tensors must agree too (any other cause)
            differences = _tensor_mismatch(self, config, tuple(image_shape), num_classes)
        if differences:
            raise CheckpointError(
                f"cannot start from {self.checkpoint}: its model differs from this run's ({'; '.join(differences)}); "
                "a run can start only from a run of the same model, image size and classes"
            )

    def load_into(self, session: Any) -> None:
        """Put the weights into a TrainingSession's players (and EMA, and optimisers when asked)."""
        what = f"this run's model ({self.checkpoint})"
        load_module_state(session.g, self.state["generator"], "generator", self.checkpoint, what)
        load_module_state(session.d, self.state["discriminator"], "discriminator", self.checkpoint, what)
        if session.ema is not None:
            ema = self.state.get("ema")
            load_module_state(session.ema, ema if isinstance(ema, dict) else self.state["generator"], "EMA generator",
                              self.checkpoint, what)
        if self.init.optimizers:
            train = session.config.train
            for optimizer, key, lr in ((session.opt_g, "opt_g", train.lr_g), (session.opt_d, "opt_d", train.lr_d)):
                try:
                    optimizer.load_state_dict(self.state[key])
                except (KeyError, ValueError, RuntimeError, TypeError) as error:
                    raise CheckpointError(f"{self.checkpoint} holds no usable {key} ({type(error).__name__}: {error})") from None
                for group in optimizer.param_groups:  # the moments come from the parent, the settings from this run
                    group.update(lr=lr, betas=(train.beta1, train.beta2), eps=train.adam_eps)


def open_parent(init: InitFrom) -> Parent:
    """Load the checkpoint ``init`` names; CheckpointError when it is missing, unsafe or broken."""
    path = init.checkpoint()
    state = load_checkpoint(path, map_location="cpu")
    config = checkpoint_config(state, path)
    shape, classes = model_description(state, path)
    for key in ("generator", "discriminator"):
        if not isinstance(state.get(key), dict):
            raise CheckpointError(f"{path} holds no {key} weights")
    return Parent(init, path, init.run_folder(), state, config, shape, classes)


def _norm(config: RunConfig) -> str:
    if config.model.arch != "dcgan":
        return "none"
    norm = config.model.d_norm
    return ("none" if config.train.loss == "wgan-gp" else "batch") if norm == "auto" else norm


def _differences(parent: Parent, config: RunConfig, shape: tuple[int, ...], classes: int) -> list[str]:
    theirs, ours = parent.config.model, config.model
    pairs = [("model.arch", theirs.arch, ours.arch), ("model.z_dim", theirs.z_dim, ours.z_dim),
             ("model.conditional", theirs.conditional, ours.conditional),
             ("model.spectral_norm", theirs.spectral_norm, ours.spectral_norm)]
    if theirs.arch == ours.arch == "mlp":
        pairs.append(("model.hidden", theirs.hidden, ours.hidden))
    if theirs.arch == ours.arch == "dcgan":
        pairs += [("model.width", theirs.width, ours.width), ("model.upsample", theirs.upsample, ours.upsample),
                  ("the discriminator's normalisation", _norm(parent.config), _norm(config))]
    found = [f"{name} is {a} there, {b} here" for name, a, b in pairs if a != b]
    if tuple(parent.image_shape) != shape:
        (c1, h1, w1), (c2, h2, w2) = parent.image_shape, shape
        found.append(f"its images are {h1}×{w1}×{c1}, this run's {h2}×{w2}×{c2}")
    if ours.conditional and theirs.conditional and parent.num_classes != classes:
        found.append(f"it draws {parent.num_classes} classes, this run's data has {classes}")
    return found


def _tensor_mismatch(parent: Parent, config: RunConfig, shape: tuple[int, ...], classes: int) -> list[str]:
    with torch.random.fork_rng(devices=[]):  # building must not move the process' random stream
        g, d = build_models(config.model, config.train.loss, shape, classes if config.model.conditional else 0)
    for name, module, key in (("generator", g, "generator"), ("discriminator", d, "discriminator")):
        ours = {k: tuple(v.shape) for k, v in module.state_dict().items()}
        theirs = {k: tuple(v.shape) for k, v in parent.state[key].items() if hasattr(v, "shape")}
        if ours != theirs:
            changed = sorted(set(ours) ^ set(theirs)) or sorted(k for k in ours if ours[k] != theirs.get(k))
            return [f"the {name}'s layers differ, first at {changed[0]}"]
    return []
