"""Saving and loading checkpoints: atomic on write, never executing code on read.

A checkpoint is a plain dict of tensors, numbers and strings written with ``torch.save`` and read
with ``torch.load(weights_only=True)``, whose unpickler refuses anything but those types: a file
crafted to run code when unpickled is rejected with CheckpointError instead.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from ..atomic import atomic_file
from ..config import RunConfig
from ..errors import CheckpointError, ConfigError

CHECKPOINT_FORMAT = "gan-studio-checkpoint"
CHECKPOINT_VERSION = 1


def save_checkpoint(state: dict[str, Any], path: Path) -> Path:
    """Write to a temporary file beside ``path``, fsync, then rename over it.

    A process killed at any moment leaves either the previous checkpoint or the new one.
    """
    path = Path(path)
    payload = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, **state}
    try:
        with atomic_file(path, durable=True) as handle:
            torch.save(payload, handle)
    except OSError as error:  # a full disk, a read-only folder: the user can act on it
        kept = "; the previous checkpoint is kept" if path.is_file() else ""
        raise CheckpointError(f"cannot save checkpoint {path}: {error.strerror or error}{kept}") from None
    return path


def load_checkpoint(path: Path, map_location: Any = "cpu") -> dict[str, Any]:
    """Read a checkpoint safely; every failure is a CheckpointError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    if path.stat().st_size == 0:
        raise CheckpointError(f"checkpoint {path} is empty (0 bytes)")
    if not zipfile.is_zipfile(path):
        # torch.save writes a zip archive; anything else (a bare pickle above all) is not read.
        with path.open("rb") as handle:
            if handle.read(1) == b"\x80":  # pickle's PROTO opcode: the legacy torch format, or a crafted file
                raise CheckpointError(
                    f"{path} was refused: it is a raw pickle, which could run code when loaded; "
                    "GAN Studio reads only the checkpoints it writes"
                )
        raise CheckpointError(f"{path} is corrupt or truncated, or not a checkpoint at all (not a PyTorch archive)")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        reason = str(error).splitlines()[0] if str(error) else "unpickling refused"
        raise CheckpointError(
            f"{path} was refused: it holds objects other than tensors and numbers, which could run "
            f"code when loaded ({reason[:160]})"
        ) from None
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile, KeyError) as error:
        raise CheckpointError(f"{path} is corrupt or truncated ({type(error).__name__}: {str(error)[:160]})") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not a GAN Studio checkpoint")
    if state.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(f"{path} has checkpoint version {state.get('version')}; this version reads {CHECKPOINT_VERSION}")
    return state


def checkpoint_config(state: dict[str, Any], path: Path, expected: RunConfig | None = None) -> RunConfig:
    """The run config a checkpoint was made with, after checking its model description.

    ``expected``: when resuming, the config of the run folder the checkpoint sits in; a checkpoint
    copied in from another run (another model or image size) is refused instead of taking the
    run over, and the training position (epoch, steps) must be there.
    """
    try:
        config = RunConfig.from_json(state["config"])
    except (KeyError, TypeError, ConfigError) as error:
        raise CheckpointError(f"{path} has no valid config: {error}") from None
    model_description(state, path)
    if expected is None:
        return config
    if _model_of(config) != _model_of(expected):
        raise CheckpointError(
            f"{path} is a checkpoint of another model ({_describe_config(config)}) than this run's "
            f"({_describe_config(expected)}): put back this run's own checkpoint, or resume the run it came from"
        )
    for key in ("epoch", "step_in_epoch", "global_step"):
        if not _is_int(state.get(key)) or state[key] < 0:
            raise CheckpointError(f"{path} does not say where training stopped ({key} is {state.get(key)!r})")
    return config


def model_description(state: dict[str, Any], path: Path) -> tuple[tuple[int, int, int], int]:
    """(image_shape as (C, H, W), num_classes) of a checkpoint, checked before any model is built."""
    shape, classes = state.get("image_shape"), state.get("num_classes")
    if not (isinstance(shape, (list, tuple)) and len(shape) == 3 and all(_is_int(v) for v in shape)):
        raise CheckpointError(f"{path} has no valid image shape (got {shape!r}; expected channels, height, width)")
    c, h, w = (int(v) for v in shape)
    if c not in (1, 3) or not (1 <= h <= MAX_IMAGE_SIDE and 1 <= w <= MAX_IMAGE_SIDE):
        raise CheckpointError(f"{path} has an impossible image shape {c}x{h}x{w} (channels x height x width)")
    if not _is_int(classes) or not 0 <= int(classes) <= MAX_CLASSES:
        raise CheckpointError(f"{path} has an impossible number of classes ({classes!r})")
    return (c, h, w), int(classes)


MAX_IMAGE_SIDE = 1024  # as config.validate allows for data.image_size
MAX_CLASSES = 100_000


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _model_of(config: RunConfig) -> tuple:
    return config.model, config.data.image_size, config.data.channels


def _describe_config(config: RunConfig) -> str:
    size, kind = config.data.image_size, f"{'conditional ' if config.model.conditional else ''}{config.model.arch}"
    return f"{kind} for {size}x{size}x{config.data.channels} images"


def describe_model(config: RunConfig, image_shape: tuple[int, ...], num_classes: int) -> str:
    """A short name for 'which model is this', used in mismatch messages."""
    c, h, w = image_shape
    kind = f"{'conditional ' if config.model.conditional else ''}{config.model.arch}"
    return f"{kind} for {h}x{w}x{c} images" + (f", {num_classes} classes" if config.model.conditional else "")


def load_module_state(module: torch.nn.Module, state: dict[str, Any], what: str, path: Path, expected: str) -> None:
    """load_state_dict with a readable error when the checkpoint is of another model."""
    try:
        module.load_state_dict(state)
    except (RuntimeError, KeyError, TypeError) as error:
        detail = str(error).splitlines()[0][:200]
        raise CheckpointError(f"{path} holds a {what} for a different model than {expected} ({detail})") from None


def load_generator(path: Path, device: Any = "cpu", prefer_ema: bool = True):
    """The generator of a checkpoint (EMA weights when it has them), in eval mode.

    Returns (generator, config, state): state holds epoch, fixed noise and the rest.
    """
    from ..models.networks import build_models

    path = Path(path)
    state = load_checkpoint(path, map_location=device)
    config = checkpoint_config(state, path)
    image_shape, num_classes = model_description(state, path)
    try:
        generator, _ = build_models(config.model, config.train.loss, image_shape, num_classes)
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{path} describes a model that cannot be built ({error})") from None
    weights = state.get("ema") if prefer_ema and state.get("ema") is not None else state.get("generator")
    if not isinstance(weights, dict):
        raise CheckpointError(f"{path} holds no generator weights")
    load_module_state(generator, weights, "generator", path, describe_model(config, image_shape, num_classes))
    generator.to(device).eval()
    return generator, config, state
