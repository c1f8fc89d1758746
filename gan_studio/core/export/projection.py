"""A projection's folder: the image, its reconstruction, the latent that draws it, and the loss.

    OUT/
      run.json             what was projected, into which generator, the settings and the result
      target.png           the image as the generator's data would hold it (cropped, resized)
      reconstruction.png   the generator's drawing of the latent found
      reconstruction.json  its sidecar, as export_images writes them: regenerate_from_sidecar redraws it
      loss.csv             one row per step: the best candidate's total, pixel and feature loss
      loss.png             the same as a chart (log scale)

Written like a training run's folder: every file atomically, nothing replaced without ``force``.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw

from ..atomic import write_text_atomic
from ..errors import GanStudioError
from ..images import save_png_atomic
from ..jobs import NO_TASK, TaskState
from ..latent.projection import Projection, ProjectionSettings, load_target, project
from .common import check_writable
from .samples import _describe, open_snapshot

if TYPE_CHECKING:
    from ..latent.snapshot import GeneratorSnapshot

FILES = ("run.json", "target.png", "reconstruction.png", "reconstruction.json", "loss.csv", "loss.png")
CURVE_COLUMNS = ("step", "total", "pixel", "feature")


def check_projection_folder(out_dir: Path, force: bool = False) -> Path:
    """Refuse, before any work, a folder that cannot be written or holds a projection already."""
    out_dir = Path(out_dir).expanduser()
    if out_dir.exists() and not out_dir.is_dir():
        raise GanStudioError(f"{out_dir} is a file; name a folder for the projection")
    if not out_dir.parent.is_dir():
        raise GanStudioError(f"cannot create {out_dir.name}: folder {out_dir.parent} does not exist")
    if out_dir.is_dir():
        for name in FILES:
            check_writable(out_dir / name, force)
    elif not os.access(out_dir.parent, os.W_OK | os.X_OK):
        raise GanStudioError(f"cannot create {out_dir.name}: folder {out_dir.parent} is not writable")
    return out_dir


def project_to_folder(
    source,
    image: Path,
    out_dir: Path,
    settings: ProjectionSettings | None = None,
    *,
    which: str = "auto",
    force: bool = False,
    task: TaskState = NO_TASK,
) -> Projection:
    """Project the image file ``image`` into the generator of ``source`` (a run folder, a
    checkpoint, an export, or a GeneratorSnapshot) and write the folder ``out_dir``."""
    from ..latent.snapshot import GeneratorSnapshot

    out_dir = check_projection_folder(out_dir, force)
    snapshot = source if isinstance(source, GeneratorSnapshot) else open_snapshot(source, which)
    target = load_target(image, snapshot.image_shape)
    result = project(snapshot, target, settings, task=task)
    write_projection(result, snapshot, out_dir, image=Path(image), force=force)
    return result


def write_projection(result: Projection, snapshot: GeneratorSnapshot, out_dir: Path, *, image: Path | None = None,
                     force: bool = False) -> Path:
    """Write ``result`` as the folder the module describes; returns the reconstruction's path."""
    out_dir = check_projection_folder(out_dir, force)
    out_dir.mkdir(exist_ok=True)
    save_png_atomic(result.target, out_dir / "target.png")
    reconstruction = save_png_atomic(result.image, out_dir / "reconstruction.png")
    sidecar = {
        "seed": None,  # found by projection, not drawn from a seed
        "index": 0,
        "latent": [float(v) for v in result.z],
        "class": result.label,
        "psi": 1.0,
        "scale": 1,
        **_describe(snapshot),
        "projected_from": None if image is None else str(Path(image).expanduser().resolve()),
        "pixel_error": result.pixel_error,
    }
    write_text_atomic(out_dir / "reconstruction.json", json.dumps(sidecar, indent=1))
    rows = [",".join(CURVE_COLUMNS)] + [",".join(_number(row[c]) for c in CURVE_COLUMNS) for row in result.curve]
    write_text_atomic(out_dir / "loss.csv", "\n".join(rows) + "\n")
    save_png_atomic(loss_chart(result.curve), out_dir / "loss.png")
    info = {
        "format": 1,
        "kind": "projection",  # not a training run: no "config" of its own
        "created": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "image": sidecar["projected_from"],
        "generator": snapshot.source,
        "epoch": snapshot.epoch,
        "settings": vars(result.settings).copy(),
        "judge": result.judge,
        "class": result.label,
        "pixel_error": result.pixel_error,
        "final_loss": result.curve[-1] if result.curve else None,
    }
    write_text_atomic(out_dir / "run.json", json.dumps(info, indent=2))
    return reconstruction


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:.6g}"


def loss_chart(curve: list[dict[str, float]], width: int = 480, height: int = 240) -> np.ndarray:
    """The total and pixel loss per step on a log scale, uint8 (height, width, 3)."""
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    left, top, right, bottom = 48, 12, width - 12, height - 24
    draw.rectangle((left, top, right, bottom), outline=(160, 160, 160))
    series = {name: np.array([max(row[name], 1e-12) for row in curve]) for name in ("total", "pixel")}
    values = np.concatenate(list(series.values())) if curve else np.ones(1)
    low, high = np.log10(values.min()), np.log10(values.max())
    high = high if high > low else low + 1.0
    for decade in range(int(np.floor(low)), int(np.ceil(high)) + 1):
        y = bottom - (decade - low) / (high - low) * (bottom - top)
        if top <= y <= bottom:
            draw.line((left, y, right, y), fill=(225, 225, 225))
            draw.text((4, y - 6), f"1e{decade}", fill=(90, 90, 90))
    draw.text((left, bottom + 6), "step 1", fill=(90, 90, 90))
    draw.text((right - 60, bottom + 6), f"step {len(curve)}", fill=(90, 90, 90))
    colours = {"total": (31, 119, 180), "pixel": (214, 39, 40)}
    for index, (name, ys) in enumerate(series.items()):
        if len(ys) > 1:
            xs = left + np.arange(len(ys)) / (len(ys) - 1) * (right - left)
            yy = bottom - (np.log10(ys) - low) / (high - low) * (bottom - top)
            draw.line(list(zip(xs.tolist(), yy.tolist())), fill=colours[name], width=2)
        draw.text((right - 110, top + 4 + 12 * index), f"{name} loss", fill=colours[name])
    return np.asarray(canvas)
