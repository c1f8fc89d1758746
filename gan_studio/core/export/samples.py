"""Taking samples away: grids, and single images with sidecars that regenerate them.

Every writer checks its targets before rendering anything, writes each file atomically, and takes
a ``task`` (core.jobs.TaskState) for progress and cancellation, so the window can run it in a
worker and the command line can draw a bar.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..atomic import write_text_atomic
from ..errors import GanStudioError
from ..images import grid_shape, make_grid, save_png_atomic
from ..jobs import NO_TASK, TaskState
from ..latent.paths import seed_latent
from ..runs.folder import CHECKPOINT_CHOICES, resolve_checkpoint
from .common import CANCELLED_BEFORE_START, _scale_checked, _upscale, check_writable, step

if TYPE_CHECKING:
    from ..latent.snapshot import GeneratorSnapshot

# -- finding the generator ---------------------------------------------------------------------


def open_snapshot(source, which: str = "auto") -> GeneratorSnapshot:
    """A snapshot of a run folder, a checkpoint or a .safetensors export (see resolve_checkpoint)."""
    from ..latent.snapshot import GeneratorSnapshot

    source = Path(source).expanduser()
    if which in CHECKPOINT_CHOICES and source.suffix.lower() == ".safetensors":
        return GeneratorSnapshot.from_exported(source)
    return GeneratorSnapshot.from_checkpoint(resolve_checkpoint(source, which))


def latent_batch(count: int, z_dim: int, seed: int, num_classes: int, class_index: int | None):
    """Noise for ``count`` samples from ``seed``; labels cycle through the classes unless one is chosen."""
    z = torch.from_numpy(seed_latent(seed, z_dim, count))
    if not num_classes:
        return z, None
    if class_index is not None:
        if not 0 <= class_index < num_classes:
            raise GanStudioError(f"class {class_index} does not exist; this model has classes 0 to {num_classes - 1}")
        return z, torch.full((count,), class_index, dtype=torch.long)
    return z, torch.arange(count) % num_classes


def _inputs(snapshot: GeneratorSnapshot, count: int, seed: int, label: int | None) -> tuple[np.ndarray, np.ndarray | None]:
    if label is not None and not snapshot.num_classes:
        raise GanStudioError("this generator is not conditional: it takes no class (leave --class out)")
    z, labels = latent_batch(count, snapshot.z_dim, seed, snapshot.num_classes, label)
    return z.numpy(), None if labels is None else labels.numpy()


# -- grids and single images -------------------------------------------------------------------


def export_grid(
    snapshot: GeneratorSnapshot,
    out: Path,
    rows: int,
    columns: int,
    *,
    scale: int = 1,
    padding: int = 2,
    background: int = 0,
    seed: int = 0,
    label: int | None = None,
    psi: float = 1.0,
    force: bool = False,
    count: int | None = None,
    task: TaskState = NO_TASK,
) -> Path:
    """One PNG of rows x columns samples (the first ``count`` cells when given, the rest blank).

    Cell i shows z = seed_latent(seed, z_dim, n)[i] * psi; a conditional model draws ``label``,
    or classes 0, 1, 2... cycling along the cells when label is None. One render, so ``task``
    can only cancel it before it starts.
    """
    from ..latent.snapshot import truncate

    if rows < 1 or columns < 1:
        raise GanStudioError(f"a grid needs at least one row and one column (got {rows}x{columns})")
    if padding < 0 or not 0 <= background <= 255:
        raise GanStudioError("the padding must be positive and the background a grey level from 0 to 255")
    out = Path(out).expanduser()
    check_writable(out, force)
    z, labels = _inputs(snapshot, count or rows * columns, seed, label)
    task.check(CANCELLED_BEFORE_START)
    images = snapshot.render(truncate(z, psi), labels)
    grid = make_grid(images, rows, columns, padding=padding, background=background, scale=_scale_checked(scale))
    return save_png_atomic(grid, out)


def export_images(
    snapshot: GeneratorSnapshot,
    out_dir: Path,
    count: int,
    *,
    seed: int = 0,
    label: int | None = None,
    psi: float = 1.0,
    scale: int = 1,
    force: bool = False,
    task: TaskState = NO_TASK,
) -> list[Path]:
    """``count`` single PNGs (sample-0000.png ...) in ``out_dir``, each with a .json sidecar.

    Each image is rendered on its own, exactly as ``regenerate_from_sidecar`` renders it, so a
    sidecar reproduces its PNG pixel for pixel (same machine and torch version).
    """
    from ..latent.snapshot import truncate

    if count < 1:
        raise GanStudioError("the number of samples must be at least 1")
    _scale_checked(scale)
    out_dir = Path(out_dir).expanduser()
    if out_dir.exists() and not out_dir.is_dir():
        raise GanStudioError(f"{out_dir} is a file; name a folder for the images")
    if not out_dir.parent.is_dir():
        raise GanStudioError(f"cannot create {out_dir.name}: folder {out_dir.parent} does not exist")
    out_dir.mkdir(exist_ok=True)
    stems = [out_dir / f"sample-{index:04d}" for index in range(count)]
    for stem in stems:  # every clash is found before anything is written
        check_writable(stem.with_suffix(".png"), force)
        check_writable(stem.with_suffix(".json"), force)
    z, labels = _inputs(snapshot, count, seed, label)
    described = _describe(snapshot)
    written = []
    step(task, 0, count)
    for index, stem in enumerate(stems):
        class_index = None if labels is None else int(labels[index])
        image = snapshot.render_one(truncate(z[index], psi), class_index)
        written.append(save_png_atomic(_upscale(image, scale), stem.with_suffix(".png")))
        sidecar = {
            "seed": seed,
            "index": index,
            "latent": [float(v) for v in z[index]],  # before truncation: the image used latent * psi
            "class": class_index,
            "psi": float(psi),
            "scale": scale,
            **described,
        }
        write_text_atomic(stem.with_suffix(".json"), json.dumps(sidecar, indent=1))
        step(task, index + 1, count)
    return written


def _describe(snapshot: GeneratorSnapshot) -> dict:
    return {
        "epoch": snapshot.epoch,
        "source": snapshot.source,
        "config": snapshot.config.to_dict(),
        "image_shape": list(snapshot.image_shape),
        "num_classes": snapshot.num_classes,
    }


def regenerate_from_sidecar(sidecar: Path, snapshot: GeneratorSnapshot | None = None) -> np.ndarray:
    """The image a sidecar describes, uint8 (H, W, C) at the scale it was saved with.

    Without a snapshot the generator is opened from the sidecar's "source".
    """
    from ..latent.snapshot import truncate

    sidecar = Path(sidecar).expanduser()
    try:
        info = json.loads(sidecar.read_text(encoding="utf-8"))
        latent = np.asarray(info["latent"], np.float32)
        psi, class_index, source = float(info.get("psi", 1.0)), info.get("class"), info.get("source")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise GanStudioError(f"cannot read sample description {sidecar}: {error}") from None
    if snapshot is None:
        if not source or source == "training":
            raise GanStudioError(f"{sidecar} names no generator file to open; pass the generator")
        snapshot = open_snapshot(source)
        epoch = info.get("epoch")
        if epoch is not None and snapshot.epoch is not None and snapshot.epoch != epoch:
            # last.pt and best.pt are rewritten as training goes on.
            raise GanStudioError(f"{source} now holds epoch {snapshot.epoch}, but {sidecar.name} was drawn at epoch {epoch}")
    if latent.shape != (snapshot.z_dim,):
        raise GanStudioError(f"{sidecar} holds a latent of {latent.size} values; this generator takes {snapshot.z_dim}")
    image = snapshot.render_one(truncate(latent, psi), class_index if snapshot.num_classes else None)
    return _upscale(image, int(info.get("scale", 1)))


def sample_to_files(source: Path, count: int, out: Path, seed: int = 0, class_index: int | None = None) -> Path:
    """Write ``count`` samples as one grid (``out`` ends in .png) or as single PNGs in folder ``out``.

    The ``sample`` command: a run folder means its last checkpoint, and it overwrites, as it
    always has.
    """
    if count < 1:
        raise GanStudioError("the number of samples must be at least 1")
    snapshot = open_snapshot(source, "last")
    out = Path(out).expanduser()
    if out.suffix.lower() == ".png":
        rows, columns = grid_shape(count)
        return export_grid(snapshot, out, rows, columns, seed=seed, label=class_index, force=True, count=count)
    out.parent.mkdir(parents=True, exist_ok=True)
    export_images(snapshot, out, count, seed=seed, label=class_index, force=True)
    return out
