"""The comparison as one PNG, drawn with Pillow alone (no Qt, no plotting library): ``gan-studio compare``.

    +-------------------------------------------------------------+
    | title; one colour swatch and name per run                   |
    | D loss         | G loss            | FCD (or FD) per epoch  |
    | D(x)           | D(G(z))           | config differences     |
    | grid of run 1 at epoch E | grid of run 2 at epoch E | ...   |
    +-------------------------------------------------------------+

Lines are drawn without antialiasing, so each run's colour appears in the picture exactly
(the tests look for it).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..images import load_png, save_png_atomic
from .compare import CURVES, Comparison

SIZE = (1600, 1200)
MARGIN = 20
HEADER_H = 64
PLOT_H = 250
BACKGROUND, INK, GRID_INK, FAINT = (255, 255, 255), (30, 30, 30), (225, 225, 225), (110, 110, 110)


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size)  # Pillow >= 10.1 with FreeType: a scalable font
    except (TypeError, OSError):
        return ImageFont.load_default()


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values (1, 2 or 5 times a power of ten) covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low] if math.isfinite(low) else []
    raw = (high - low) / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def tick_text(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:g}M"
    if magnitude >= 1e4:
        return f"{value / 1e3:g}k"
    return f"{value:.4g}"


def render_comparison(comparison: Comparison, align: str = "epoch", epoch: int | None = None) -> np.ndarray:
    """The picture as uint8 H x W x 3 (SIZE); ``epoch``: the grids' epoch (default: the latest
    every run has)."""
    image = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    runs = comparison.runs
    width = SIZE[0] - 2 * MARGIN
    # Header: what is compared, and the legend.
    axis = "epoch" if align == "epoch" else "real images seen"
    draw.text((MARGIN, MARGIN - 4), f"{len(runs)} runs compared, aligned by {axis}", fill=INK, font=_font(20))
    x = MARGIN
    for run in runs:
        draw.rectangle((x, MARGIN + 30, x + 18, MARGIN + 44), fill=_rgb(run.colour))
        label = run.name if len(run.name) <= 32 else run.name[:31] + "…"
        draw.text((x + 24, MARGIN + 28), label, fill=INK, font=_font(15))
        x += 24 + int(draw.textlength(label, font=_font(15))) + 28
    # Plots: two rows of three panels.
    gap = 20
    panel_w = (width - 2 * gap) // 3
    top = MARGIN + HEADER_H
    boxes = [(MARGIN + col * (panel_w + gap), top + row * (PLOT_H + gap), panel_w, PLOT_H) for row in range(2) for col in range(3)]
    x_label = "epoch" if align == "epoch" else "images"
    titles = dict(CURVES)
    for box, column in zip((boxes[0], boxes[1], boxes[3], boxes[4]), ("d_loss", "g_loss", "d_real", "d_fake")):
        series = [(run.x(align), run.values.get(column, np.empty(0)), run.colour) for run in runs]
        _plot(draw, box, titles[column], series, x_label)
    score = comparison.score_name()
    quality = [(run.quality_x(align), run.quality, run.colour) for run in runs]
    _plot(draw, boxes[2], f"{score} (lower is better)" if score else "quality (not scored)", quality, x_label, dots=True)
    _diff_panel(draw, boxes[5], comparison)
    # Grids, side by side at one epoch.
    grid_top = top + 2 * (PLOT_H + gap)
    _grids(image, draw, (MARGIN, grid_top, width, SIZE[1] - MARGIN - grid_top), comparison, epoch)
    return np.asarray(image)


def save_comparison(comparison: Comparison, out: Path, align: str = "epoch", epoch: int | None = None) -> Path:
    return save_png_atomic(render_comparison(comparison, align, epoch), Path(out))


def _plot(draw: ImageDraw.ImageDraw, box, title: str, series, x_label: str, dots: bool = False) -> None:
    left, top, w, h = box
    font = _font(13)
    draw.text((left, top), title, fill=INK, font=_font(15))
    # The axes' area, leaving room for the title, tick labels and the x label.
    ax_l, ax_t, ax_r, ax_b = left + 52, top + 24, left + w - 8, top + h - 34
    xs = [np.asarray(x, np.float64) for x, _, _ in series]
    ys = [np.asarray(y, np.float64) for _, y, _ in series]
    finite_x = np.concatenate([x[np.isfinite(y)] for x, y in zip(xs, ys)] or [np.empty(0)])
    finite_y = np.concatenate([y[np.isfinite(y)] for y in ys] or [np.empty(0)])
    draw.rectangle((ax_l, ax_t, ax_r, ax_b), outline=FAINT)
    if finite_y.size == 0:
        draw.text((ax_l + 10, ax_t + 10), "no values yet", fill=FAINT, font=font)
        return
    x0, x1 = float(finite_x.min()), float(finite_x.max())
    y0, y1 = float(finite_y.min()), float(finite_y.max())
    if x1 <= x0:
        x0, x1 = x0 - 0.5, x1 + 0.5
    if y1 <= y0:
        y0, y1 = y0 - 0.5, y1 + 0.5
    pad = 0.05 * (y1 - y0)
    y0, y1 = y0 - pad, y1 + pad

    def px(x: np.ndarray) -> np.ndarray:
        return ax_l + (x - x0) / (x1 - x0) * (ax_r - ax_l)

    def py(y: np.ndarray) -> np.ndarray:
        return ax_b - (y - y0) / (y1 - y0) * (ax_b - ax_t)

    for tick in nice_ticks(x0, x1):
        x = float(px(np.float64(tick)))
        draw.line((x, ax_t + 1, x, ax_b - 1), fill=GRID_INK)
        text = tick_text(tick)
        draw.text((x - draw.textlength(text, font=font) / 2, ax_b + 4), text, fill=FAINT, font=font)
    for tick in nice_ticks(y0, y1):
        y = float(py(np.float64(tick)))
        draw.line((ax_l + 1, y, ax_r - 1, y), fill=GRID_INK)
        text = tick_text(tick)
        draw.text((ax_l - 6 - draw.textlength(text, font=font), y - 7), text, fill=FAINT, font=font)
    draw.text(((ax_l + ax_r) / 2 - draw.textlength(x_label, font=font) / 2, ax_b + 18), x_label, fill=FAINT, font=font)
    for x, y, (_, _, colour) in zip(xs, ys, series):
        fill = _rgb(colour)
        points = np.stack([px(x), py(y)], axis=1)
        finite = np.isfinite(y) & np.isfinite(x)
        for segment in _runs_of(finite):  # a NaN (no value that step) breaks the line
            coords = [tuple(p) for p in points[segment]]
            if len(coords) > 1:
                draw.line(coords, fill=fill, width=2)
            if dots or len(coords) == 1:
                for cx, cy in coords:
                    draw.ellipse((cx - 3, cy - 3, cx + 3, cy + 3), fill=fill)


def _runs_of(mask: np.ndarray) -> list[slice]:
    """Slices of consecutive True values."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [slice(a, b) for a, b in zip(edges[::2], edges[1::2])]


def _diff_panel(draw: ImageDraw.ImageDraw, box, comparison: Comparison) -> None:
    left, top, w, h = box
    draw.text((left, top), "config differences", fill=INK, font=_font(15))
    font = _font(13)
    diff = comparison.diff
    if not diff:
        draw.text((left, top + 28), "the configs are the same", fill=FAINT, font=font)
        return
    key_w = 150
    column_w = max(30, (w - key_w) // len(comparison.runs))
    line_h = 18
    rows = (h - 28) // line_h
    shown = diff if len(diff) <= rows else diff[: rows - 1]
    for index, (key, values) in enumerate(shown):
        y = top + 28 + index * line_h
        draw.text((left, y), _fit(draw, key, key_w - 8, font), fill=INK, font=font)
        for run_index, (value, run) in enumerate(zip(values, comparison.runs)):
            text = _fit(draw, value, column_w - 8, font)
            draw.text((left + key_w + run_index * column_w, y), text, fill=_rgb(run.colour), font=font)
    if len(shown) < len(diff):
        draw.text((left, top + 28 + len(shown) * line_h), f"… and {len(diff) - len(shown)} more", fill=FAINT, font=font)


def _fit(draw: ImageDraw.ImageDraw, text: str, width: float, font) -> str:
    """``text``, cut short with an ellipsis (keeping its end: paths differ at the end) to fit."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength("…" + text, font=font) > width:
        text = text[1:]
    return "…" + text


def _grids(image: Image.Image, draw: ImageDraw.ImageDraw, box, comparison: Comparison, wanted: int | None) -> None:
    left, top, w, h = box
    runs = comparison.runs
    epoch = comparison.grid_epoch(wanted)
    cell_w = (w - (len(runs) - 1) * 16) // len(runs)
    label_h = 24
    font = _font(14)
    for index, run in enumerate(runs):
        x = left + index * (cell_w + 16)
        shown = epoch if epoch is not None else (max(run.grids) if run.grids else None)
        label = f"{run.name} · epoch {shown}" if shown is not None else f"{run.name} · no grid yet"
        draw.rectangle((x, top + 4, x + 12, top + 16), fill=_rgb(run.colour))
        draw.text((x + 18, top + 2), _fit(draw, label, cell_w - 20, font), fill=INK, font=font)
        if shown is None:
            continue
        try:
            grid = load_png(run.grids[shown])
        except OSError:
            draw.text((x, top + label_h + 8), "the grid cannot be read", fill=FAINT, font=font)
            continue
        tile = Image.fromarray(grid[..., 0] if grid.shape[2] == 1 else grid).convert("RGB")
        scale = min(cell_w / tile.width, (h - label_h) / tile.height)
        if scale >= 1:
            scale = float(int(scale))  # whole-pixel steps when enlarging: every sample pixel alike
        size = (max(1, int(tile.width * scale)), max(1, int(tile.height * scale)))
        tile = tile.resize(size, Image.Resampling.NEAREST if scale >= 1 else Image.Resampling.BOX)
        image.paste(tile, (x + (cell_w - size[0]) // 2, top + label_h))
