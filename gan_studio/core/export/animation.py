"""Animations: a walk between two latents, and the run's epoch grids as a movie (GIF or APNG).

Frame counts: Pillow stores consecutive identical frames once and adds up their durations (GIF
always; APNG too), so a file can hold fewer frames than were rendered while playing for the same
time. That happens only when neighbouring frames are pixel-identical (a == b, or a collapsed
generator); the progress movie stamps the epoch on each frame, so it always has one per epoch.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw

from ..atomic import atomic_file
from ..errors import GanStudioError
from ..jobs import NO_TASK, TaskState
from .common import _upscale, check_writable, step
from ..images import load_png, to_pil
from ..runs.folder import RunFolder

if TYPE_CHECKING:
    from ..latent.snapshot import GeneratorSnapshot

ANIMATION_SUFFIXES = {".gif": "GIF", ".png": "PNG", ".apng": "PNG"}
_CHUNK = 8  # frames rendered per batch between progress reports and cancellation checks


def animation_format(out: Path) -> str:
    kind = ANIMATION_SUFFIXES.get(Path(out).suffix.lower())
    if kind is None:
        raise GanStudioError(f"{out}: an animation must end in .gif, .png or .apng")
    return kind


def ping_pong_count(frames: int, loop_back: bool) -> int:
    """Frames in an interpolation file: the walk, plus the way back without repeating either end."""
    return frames + max(frames - 2, 0) if loop_back else frames


def export_interpolation(
    snapshot: GeneratorSnapshot,
    a: np.ndarray,
    b: np.ndarray,
    out: Path,
    *,
    frames: int = 48,
    mode: str = "slerp",
    fps: float = 12,
    label: int | None = None,
    scale: int = 4,
    force: bool = False,
    loop_back: bool = True,
    task: TaskState = NO_TASK,
) -> Path:
    """Animate the generator from latent a to latent b: a GIF for .gif, an APNG for .png/.apng.

    ``frames`` images are rendered along ``interpolation_path(a, b, frames, mode)``; with
    ``loop_back`` the walk plays back to a (ping-pong) for ``frames + frames - 2`` frames in
    all (see ping_pong_count), so the loop has no jump and no doubled frame. The file loops forever.
    a and b are used as given (truncate them first for psi); a conditional model draws
    ``label``, or class 0. Each frame is enlarged ``scale`` times by pixel repetition.
    """
    from ..latent.snapshot import interpolation_path

    out = Path(out).expanduser()
    kind = animation_format(out)
    _check_fps(fps)
    if label is not None and not snapshot.num_classes:
        raise GanStudioError("this generator is not conditional: it takes no class (leave --class out)")
    check_writable(out, force)
    path = interpolation_path(a, b, frames, mode)
    labels = None if label is None else np.full(frames, label, np.int64)
    rendered: list[np.ndarray] = []
    step(task, 0, frames)
    for start in range(0, frames, _CHUNK):
        chunk = slice(start, min(start + _CHUNK, frames))
        rendered.extend(snapshot.render(path[chunk], None if labels is None else labels[chunk]))
        step(task, chunk.stop, frames)
    if loop_back:
        rendered += rendered[-2:0:-1]
    save_animation([_upscale(image, scale) for image in rendered], out, kind, fps)
    return out


def export_progress_animation(
    run_dir: Path,
    out: Path,
    *,
    fps: float = 4,
    scale: int = 1,
    force: bool = False,
    task: TaskState = NO_TASK,
    stamp: bool = True,
) -> Path:
    """Every samples/epoch-*.png of a run in epoch order, one frame each.

    With ``stamp`` a strip under each grid names its epoch ("epoch 12").
    """
    out = Path(out).expanduser()
    kind = animation_format(out)
    _check_fps(fps)
    run = RunFolder.open(Path(run_dir).expanduser())
    samples = run.sample_paths()
    if not samples:
        raise GanStudioError(f"{run.path} has no epoch samples yet (train at least one epoch)")
    check_writable(out, force)
    images: list[np.ndarray] = []
    step(task, 0, len(samples))
    for done, (epoch, path) in enumerate(samples, start=1):
        image = load_png(path)
        if images and image.shape != images[0].shape:
            raise GanStudioError(f"{path} is {image.shape[1]}x{image.shape[0]}, unlike the earlier epoch grids")
        images.append(image)
        step(task, done, len(samples))
    frames = [_upscale(image, scale) for image in images]
    if stamp:
        frames = [_stamp(frame, f"epoch {epoch}") for frame, (epoch, _) in zip(frames, samples)]
    save_animation(frames, out, kind, fps)
    return out


def _stamp(image: np.ndarray, text: str) -> np.ndarray:
    # A strip below the grid, not over it: the samples stay untouched.
    height, width, channels = image.shape
    strip = Image.new("L" if channels == 1 else "RGB", (width, 12), 0)
    ImageDraw.Draw(strip).text((2, 1), text, fill=255 if channels == 1 else (255, 255, 255))
    strip_array = np.asarray(strip)
    strip_array = strip_array[..., None] if strip_array.ndim == 2 else strip_array
    return np.concatenate([image, strip_array], axis=0)


def _check_fps(fps: float) -> None:
    if not 0 < fps <= 100:
        raise GanStudioError(f"frames per second must be between 0 and 100 (got {fps})")


def save_animation(frames: list[np.ndarray], out: Path, kind: str, fps: float) -> Path:
    """uint8 (H, W, C) frames to a looping GIF or APNG, atomically."""
    # GIF delays are in hundredths of a second: round to 10 ms so the written timing is exact.
    duration = max(10, int(round(1000.0 / fps / 10.0)) * 10) if kind == "GIF" else max(1, round(1000.0 / fps))
    # Grayscale frames stay "L": GIF stores them with a grey palette, with no dithering.
    # Colour frames are quantised by Pillow one frame at a time (adaptive palette).
    pictures = [to_pil(frame) for frame in frames]
    with atomic_file(out) as handle:
        first, rest = pictures[0], pictures[1:]
        first.save(handle, format=kind, save_all=True, append_images=rest, duration=duration, loop=0)
    return out
