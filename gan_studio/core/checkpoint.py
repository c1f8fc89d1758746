"""Saving and loading checkpoints: atomic on write, never executing code on read.

A checkpoint is a plain dict of tensors, numbers and strings written with ``torch.save`` and read
with ``torch.load(weights_only=True)``, whose unpickler refuses anything but those types: a file
crafted to run code when unpickled is rejected with CheckpointError instead.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import torch

from .config import RunConfig
from .errors import CheckpointError, ConfigError

CHECKPOINT_FORMAT = "gan-studio-checkpoint"
CHECKPOINT_VERSION = 1


def save_checkpoint(state: dict[str, Any], path: Path) -> Path:
    """Write to a temporary file beside ``path``, fsync, then rename over it.

    A process killed at any moment leaves either the previous checkpoint or the new one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, **state}
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            torch.save(payload, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)
    return path


def _fsync_directory(folder: Path) -> None:
    # Makes the rename itself durable (power loss); not possible on every platform.
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def load_checkpoint(path: Path, map_location: Any = "cpu") -> dict[str, Any]:
    """Read a checkpoint safely; every failure is a CheckpointError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    if path.stat().st_size == 0:
        raise CheckpointError(f"checkpoint {path} is empty (0 bytes)")
    if not zipfile.is_zipfile(path):
        # torch.save writes a zip archive; anything else (a bare pickle above all) is not read.
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


def checkpoint_config(state: dict[str, Any], path: Path) -> RunConfig:
    try:
        return RunConfig.from_json(state["config"])
    except (KeyError, TypeError, ConfigError) as error:
        raise CheckpointError(f"{path} has no valid config: {error}") from None


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
    from .models import build_models

    path = Path(path)
    state = load_checkpoint(path, map_location=device)
    config = checkpoint_config(state, path)
    try:
        image_shape = tuple(int(v) for v in state["image_shape"])
        num_classes = int(state["num_classes"])
        generator, _ = build_models(config.model, config.train.loss, image_shape, num_classes)
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{path} lacks the model description ({error})") from None
    weights = state.get("ema") if prefer_ema and state.get("ema") is not None else state.get("generator")
    if not isinstance(weights, dict):
        raise CheckpointError(f"{path} holds no generator weights")
    load_module_state(generator, weights, "generator", path, describe_model(config, image_shape, num_classes))
    generator.to(device).eval()
    return generator, config, state
