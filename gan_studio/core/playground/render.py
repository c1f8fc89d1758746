"""The views as one RGB picture (numpy and Pillow, no torch, no Qt): the window shows it live and
``gan-studio playground render`` writes it.

Layers, bottom first, each switchable: D's decision surface (a heat map: orange where D says
real, purple where it says fake, white at 0.5), G's manifold (the warped z grid, its cells shaded
by G's density), the real points (green), the fake points (purple) and the gradient arrows (where
a G step moves each fake point, on one fixed scale). Points are stamped into the array with numpy, not drawn one by
one, so a frame of 2,000 points costs a few milliseconds at 480 x 480.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
from PIL import Image, ImageDraw

from .events import Frame, Picture

VIEWS = ("surface", "manifold", "real", "fake", "arrows")
REAL = np.array([26, 150, 65], dtype=np.uint8)
FAKE = np.array([123, 50, 148], dtype=np.uint8)
_LOW = np.array([175, 141, 195], dtype=np.float32)  # D says fake
_MID = np.array([255, 255, 255], dtype=np.float32)
_HIGH = np.array([253, 174, 97], dtype=np.float32)  # D says real


def surface_colours(scores: np.ndarray, is_probability: bool) -> np.ndarray:
    """(R, R) scores -> (R, R, 3) uint8; raw critic scores are squashed around their median."""
    if is_probability:
        t = np.clip(scores, 0.0, 1.0)
    else:
        spread = float(np.std(scores)) or 1.0
        t = 0.5 + 0.5 * np.tanh((scores - float(np.median(scores))) / (2 * spread))
    t = t[..., None].astype(np.float32)
    low = _MID + (_LOW - _MID) * np.clip(1 - 2 * t, 0, 1)
    high = _MID + (_HIGH - _MID) * np.clip(2 * t - 1, 0, 1)
    return np.where(t < 0.5, low, high).astype(np.uint8)


class Projection:
    """Data coordinates -> pixels of a ``size`` x ``size`` picture of ``extent`` (y up)."""

    def __init__(self, extent: tuple[float, float, float, float], size: int) -> None:
        self.x0, self.x1, self.y0, self.y1 = extent
        self.size = size

    def __call__(self, points: np.ndarray) -> np.ndarray:
        px = (points[..., 0] - self.x0) / (self.x1 - self.x0) * (self.size - 1)
        py = (self.y1 - points[..., 1]) / (self.y1 - self.y0) * (self.size - 1)
        return np.stack([px, py], axis=-1)


def stamp(image: np.ndarray, pixels: np.ndarray, colour: np.ndarray, radius: int = 1) -> None:
    """Paint a (2r+1)^2 square at each pixel position, in place; points off the picture are skipped."""
    if len(pixels) == 0:
        return
    size = image.shape[0]
    centres = np.rint(pixels[np.isfinite(pixels).all(axis=1)]).astype(np.int64)
    offsets = np.arange(-radius, radius + 1)
    xs = (centres[:, 0, None, None] + offsets[None, None, :]).repeat(len(offsets), axis=1).ravel()
    ys = (centres[:, 1, None, None] + offsets[None, :, None]).repeat(len(offsets), axis=2).ravel()
    inside = (xs >= 0) & (xs < size) & (ys >= 0) & (ys < size)
    image[ys[inside], xs[inside]] = colour


def render_frame(frame: Frame, views: Iterable[str] = VIEWS, size: int = 480) -> np.ndarray:
    """The views of ``frame`` that ``views`` names, as (size, size, 3) uint8."""
    shown = set(views)
    project = Projection(frame.extent, size)
    if "surface" in shown:
        heat = Image.fromarray(surface_colours(frame.surface[::-1], frame.surface_is_probability))
        picture = heat.resize((size, size), Image.Resampling.BILINEAR)
    else:
        picture = Image.new("RGB", (size, size), (255, 255, 255))
    if "manifold" in shown:
        _draw_manifold(picture, frame, project)
    image = np.array(picture)
    if "real" in shown:
        stamp(image, project(frame.real), REAL)
    if "fake" in shown:
        stamp(image, project(frame.fake), FAKE)
    if "arrows" in shown and len(frame.arrows):
        picture = Image.fromarray(image)
        _draw_arrows(picture, frame, project)
        image = np.array(picture)
    return image


def with_picture(frame: Frame, views: Iterable[str], size: int) -> Frame:
    """``frame`` carrying its picture with ``views`` at ``size``: drawn in the playground's job
    thread, so the window's GUI thread only paints it (bench/playground_frames.py)."""
    shown = frozenset(views)
    return replace(frame, picture=Picture(shown, size, render_frame(frame, shown, size)))


def _draw_manifold(picture: Image.Image, frame: Frame, project: Projection) -> None:
    """The warped grid's cells shaded grey by G's density, and its lines, blended over ``picture``.

    The cells and the lines are drawn as opacities into one single-channel mask, and one colour is
    pasted through it: an RGBA overlay composited and converted back cost 12.9 ms of an 18.6 ms
    picture at 420 x 420; a mask each for cells and lines 5.1 of 9.7; one mask for both (with
    single-polyline arrows) took a trained ring frame from 20.4 to 13.9 ms (2026-12-03, one
    thread, idle machine)."""
    grid = project(frame.manifold)
    points = grid.tolist()  # Pillow wants Python numbers: convert once, not per polygon
    mask = Image.new("L", picture.size, 0)
    draw = ImageDraw.Draw(mask)
    if frame.density.size:
        # Shade by log density, relative to the densest cells: dark where G piles its mass up.
        logd = np.log(np.maximum(frame.density, 1e-12))
        top = float(np.percentile(logd, 98))
        shade = np.clip(1 + (logd - top) / 6.0, 0, 1)
        for i, j in zip(*np.nonzero(shade[: grid.shape[0] - 1, : grid.shape[1] - 1] > 0.05)):
            draw.polygon([tuple(points[i][j]), tuple(points[i][j + 1]), tuple(points[i + 1][j + 1]), tuple(points[i + 1][j])],
                         fill=int(110 * shade[i, j]))
    # The lines go into the same mask, over the cells: one paste of one colour blends both.
    for row in points:
        draw.line([tuple(p) for p in row], fill=140, width=1)
    if grid.shape[1] > 1:
        for j in range(grid.shape[1]):
            draw.line([tuple(row[j]) for row in points], fill=140, width=1)
    picture.paste((85, 85, 85), None, mask)  # blends by the mask, in place


ARROW_REFERENCE = 0.05  # a gradient of this size draws a tenth of the picture: a fixed scale, so
# lengths compare across frames and losses (after 100 D steps on the ring the non-saturating
# loss gave a mean of 5.9e-2, the saturating one 3.8e-4: 150 times shorter, nearly invisible)


def _draw_arrows(picture: Image.Image, frame: Frame, project: Projection) -> None:
    """Arrows on one fixed scale (ARROW_REFERENCE), capped at a sixth of the picture."""
    size = picture.size[0]
    starts = project(frame.fake[: len(frame.arrows)])
    vectors = frame.arrows * np.array([1.0, -1.0]) * (size / 10 / ARROW_REFERENCE)  # y points down
    lengths = np.hypot(vectors[:, 0], vectors[:, 1])
    cap = size / 6
    vectors = np.where((lengths > cap)[:, None], vectors * (cap / np.maximum(lengths, 1e-12))[:, None], vectors)
    ends = starts + vectors
    draw = ImageDraw.Draw(picture)
    for (x0, y0), (x1, y1) in zip(starts, ends):
        if not (math.isfinite(x1) and math.isfinite(y1)) or math.hypot(x1 - x0, y1 - y0) < 1.0:
            continue
        angle = math.atan2(y1 - y0, x1 - x0)
        left = (x1 + 4 * math.cos(angle + 2.6), y1 + 4 * math.sin(angle + 2.6))
        right = (x1 + 4 * math.cos(angle - 2.6), y1 + 4 * math.sin(angle - 2.6))
        # The shaft and both sides of the head as one polyline: a third of the calls of three lines.
        draw.line([(x0, y0), (x1, y1), left, (x1, y1), right], fill=(40, 40, 40), width=1)


def save_png(image: np.ndarray, path) -> None:  # noqa: ANN001 - a path or str
    from ..atomic import atomic_file

    with atomic_file(path) as handle:
        Image.fromarray(image).save(handle, format="PNG")
