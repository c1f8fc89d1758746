"""The latent space of a trained generator: snapshots to render, paths through z, and directions.

A :class:`GeneratorSnapshot` is a frozen eval-mode copy of a generator on the CPU, so a render
worker can sample from it while training goes on: it never shares a module with the trainer.
Everything crossing this module's boundary is numpy (z in, uint8 images out).
Principal directions (GANSpace) are computed in :mod:`.directions` and re-exported here.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import torch

from ..config import RunConfig
from ..errors import CheckpointError, GanStudioError
from ..models.networks import Generator, build_models
from ..models.sampling import to_uint8

EXPORT_FORMAT = "gan-studio-generator"
EXPORT_VERSION = 1


def build_empty_generator(config: RunConfig, image_shape, num_classes: int) -> Generator:
    """A generator of the right shape with uninitialised CPU weights, to load a state into.

    Built on the meta device: no arithmetic, and above all no draw from the global torch RNG,
    which a trainer in another thread may be using.
    """
    with torch.device("meta"):
        generator, _ = build_models(config.model, config.train.loss, tuple(int(s) for s in image_shape), num_classes)
    return generator.to_empty(device="cpu")


class GeneratorSnapshot:
    """A frozen eval-mode copy of a generator on the CPU, for sampling off the training thread.

    Build it with one of the class methods. ``render`` may be called from any thread; a lock
    serialises callers (torch modules are not re-entrant), so give each thread its own snapshot
    when several must render at once.
    """

    def __init__(
        self,
        generator: Generator,
        config: RunConfig,
        epoch: int | None,
        source: str,
        class_names: list[str] | None = None,
    ) -> None:
        self.generator = generator.cpu().eval().requires_grad_(False)
        self.config = config
        self.z_dim = int(generator.z_dim)
        self.num_classes = int(generator.num_classes)
        self.image_shape = tuple(int(s) for s in generator.image_shape)  # (C, H, W)
        self.epoch = epoch
        self.source = source  # a checkpoint path, "training", or an exported weights file
        self.class_names = list(class_names or [])
        self._lock = threading.Lock()

    # -- building -------------------------------------------------------------------------------
    @classmethod
    def from_checkpoint(cls, path, prefer_ema: bool = True) -> GeneratorSnapshot:
        from ..runs.checkpoint import (
            load_generator,  # safe loading: weights_only, clear errors
        )

        path = Path(path).expanduser()
        generator, config, state = load_generator(path, "cpu", prefer_ema=prefer_ema)
        return cls(generator, config, int(state.get("epoch", 0)), str(path.resolve()), class_names_near(path))

    @classmethod
    def from_weights(
        cls,
        config: RunConfig,
        image_shape,
        num_classes: int,
        weights: dict[str, np.ndarray],
        epoch: int | None = None,
        source: str = "training",
    ) -> GeneratorSnapshot:
        """From numpy weights, as sent in ``EpochEnd.generator_weights``: a fresh module, copied in."""
        generator = build_empty_generator(config, image_shape, num_classes)
        # torch.tensor copies, so the snapshot never aliases the sender's arrays.
        state = {name: torch.tensor(np.asarray(value)) for name, value in weights.items()}
        try:
            generator.load_state_dict(state)
        except RuntimeError as error:
            raise CheckpointError(f"the weights do not fit this model ({str(error).splitlines()[0][:200]})") from None
        return cls(generator, config, epoch, source)

    @classmethod
    def from_exported(cls, path) -> GeneratorSnapshot:
        """From a .safetensors file written by ``export_generator_weights`` (and its .json)."""
        from safetensors import SafetensorError
        from safetensors.torch import load_file, safe_open

        path = Path(path).expanduser()
        if not path.is_file():
            raise CheckpointError(f"weights file {path} does not exist")
        try:
            weights = load_file(path, device="cpu")  # safetensors: tensors only, no code
            with safe_open(path, framework="pt") as handle:
                embedded = (handle.metadata() or {}).get(EXPORT_FORMAT)
        except (SafetensorError, OSError, ValueError) as error:
            raise CheckpointError(f"{path} is not a readable safetensors file ({error})") from None
        info = _read_export_info(path, embedded)
        from ..runs.checkpoint import model_description

        described = path.with_suffix(".json") if path.with_suffix(".json").is_file() else path
        try:
            config = RunConfig.from_dict(info["config"])
        except (KeyError, TypeError, ValueError, GanStudioError) as error:
            raise CheckpointError(f"{described} does not describe the model ({error})") from None
        image_shape, num_classes = model_description(info, described)  # checked before building
        try:
            generator = build_empty_generator(config, image_shape, num_classes)
            generator.load_state_dict(weights)
        except RuntimeError as error:
            raise CheckpointError(f"{path} holds weights of another model ({str(error).splitlines()[0][:200]})") from None
        epoch = info.get("epoch")
        return cls(generator, config, None if epoch is None else int(epoch), str(path.resolve()), info.get("class_names"))

    @classmethod
    def open(cls, path) -> GeneratorSnapshot:
        """A run folder (best.pt if present, else last.pt), a .pt checkpoint or a .safetensors export."""
        path = Path(path).expanduser()
        if path.suffix.lower() == ".safetensors":
            return cls.from_exported(path)
        from ..runs.folder import resolve_checkpoint

        return cls.from_checkpoint(resolve_checkpoint(path))

    # -- rendering ------------------------------------------------------------------------------
    def render(self, z: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
        """z (N, z_dim) -> uint8 (N, H, W, C). A conditional model draws class 0 when labels is None."""
        z = np.asarray(z, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"z must have shape (N, {self.z_dim}), got {z.shape}")
        label_tensor = None
        if self.num_classes:
            labels = np.zeros(len(z), np.int64) if labels is None else np.asarray(labels, np.int64).reshape(-1)
            if labels.shape != (len(z),):
                raise ValueError(f"labels must have shape ({len(z)},), got {labels.shape}")
            if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
                raise GanStudioError(f"class {int(labels.max())} does not exist; this model has classes 0 to {self.num_classes - 1}")
            label_tensor = torch.from_numpy(labels)
        with self._lock, torch.inference_mode():
            images = self.generator(torch.from_numpy(z), label_tensor)
            return to_uint8(images, self.generator.output_range)

    def render_one(self, z: np.ndarray, label: int | None = None) -> np.ndarray:
        """(z_dim,) -> uint8 (H, W, C)."""
        labels = None if label is None else np.array([label], np.int64)
        return self.render(np.asarray(z, np.float32).reshape(1, -1), labels)[0]

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Contiguous CPU copies of the weights (for exporting)."""
        with self._lock:
            return {name: value.detach().clone().contiguous() for name, value in self.generator.state_dict().items()}


def class_names_near(path: Path) -> list[str]:
    """Class names recorded in the run.json of the run a checkpoint belongs to, if it has one."""
    for folder in (path, path.parent, path.parent.parent):
        info = folder / "run.json"
        if info.is_file():
            try:
                names = json.loads(info.read_text(encoding="utf-8")).get("dataset", {}).get("class_names", [])
            except (OSError, ValueError, AttributeError):
                return []
            return [str(n) for n in names] if isinstance(names, list) else []
    return []


def _read_export_info(path: Path, embedded: str | None) -> dict:
    # The .json beside the weights is what people read and edit; the copy inside the file's
    # metadata keeps a lone .safetensors usable.
    sidecar = path.with_suffix(".json")
    try:
        text = sidecar.read_text(encoding="utf-8") if sidecar.is_file() else embedded
        info = json.loads(text) if text else None
    except (OSError, ValueError) as error:
        raise CheckpointError(f"cannot read {sidecar}: {error}") from None
    if info is None:
        raise CheckpointError(f"{path} has no {sidecar.name} beside it describing the model")
    if not isinstance(info, dict) or info.get("format") != EXPORT_FORMAT:
        raise CheckpointError(f"{sidecar} is not a GAN Studio generator description")
    if info.get("version") != EXPORT_VERSION:
        raise CheckpointError(f"{sidecar} has version {info.get('version')}; this version reads {EXPORT_VERSION}")
    return info


# Points and paths in z are numpy only (the window computes them on its own thread).
from .paths import (  # noqa: E402
    interpolation_path,
    lerp,
    neighbours,
    seed_latent,
    slerp,
    truncate,
)

__all__ = [
    "GeneratorSnapshot",
    "interpolation_path",
    "lerp",
    "neighbours",
    "seed_latent",
    "slerp",
    "truncate",
]
