"""Taking samples away: grids and single images (with sidecars that regenerate them)."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from .checkpoint import load_generator
from .errors import GanStudioError
from .images import make_grid, save_png_atomic
from .run import RunFolder


def resolve_checkpoint(source: Path) -> Path:
    """A run folder means its last checkpoint; a file is taken as a checkpoint."""
    source = Path(source).expanduser()
    if source.is_dir():
        checkpoint = RunFolder.open(source).last_checkpoint()
        if checkpoint is None:
            raise GanStudioError(f"{source} has no checkpoint yet (train at least one epoch)")
        return checkpoint
    return source


def latent_batch(count: int, z_dim: int, seed: int, num_classes: int, class_index: int | None):
    """Noise for ``count`` samples from ``seed``; labels cycle through the classes unless one is chosen."""
    z = torch.randn(count, z_dim, generator=torch.Generator().manual_seed(seed))
    if not num_classes:
        return z, None
    if class_index is not None:
        if not 0 <= class_index < num_classes:
            raise GanStudioError(f"class {class_index} does not exist; this model has classes 0 to {num_classes - 1}")
        return z, torch.full((count,), class_index, dtype=torch.long)
    return z, torch.arange(count) % num_classes


def sample_to_files(source: Path, count: int, out: Path, seed: int = 0, class_index: int | None = None) -> Path:
    """Write ``count`` samples as one grid (``out`` ends in .png) or as single PNGs in folder ``out``."""
    from .sampling import render

    if count < 1:
        raise GanStudioError("the number of samples must be at least 1")
    checkpoint = resolve_checkpoint(source)
    generator, config, state = load_generator(checkpoint)
    z, labels = latent_batch(count, generator.z_dim, seed, generator.num_classes, class_index)
    images = render(generator, z, labels)
    out = Path(out).expanduser()
    if out.suffix.lower() == ".png":
        return save_png_atomic(make_grid(images), out)
    out.mkdir(parents=True, exist_ok=True)
    for index, image in enumerate(images):
        stem = out / f"sample-{index:04d}"
        save_png_atomic(image, stem.with_suffix(".png"))
        sidecar = {
            "seed": seed,
            "index": index,
            "latent": [float(v) for v in z[index]],
            "class": None if labels is None else int(labels[index]),
            "epoch": int(state.get("epoch", 0)),
            "checkpoint": str(checkpoint.resolve()),
        }
        stem.with_suffix(".json").write_text(json.dumps(sidecar, indent=1), encoding="utf-8")
    return out
