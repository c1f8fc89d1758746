"""A procedural colour data set for trying the small-data recipes: a folder of PNGs.

    python -m gan_studio.bench.colour_set OUT [--count 1500] [--size 32] [--seed 0]

Each image is a two-colour vertical gradient with one to three shapes on it (a disc, a square
or a triangle, each in a saturated colour with a soft highlight), nothing like the digits: a
small colour set of the size the recipes call "small" (1,000-2,000 images). Deterministic for a
seed; numpy and Pillow only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    i, f = int(h * 6) % 6, h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    return np.array([(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i])


def colour_image(rng: np.random.Generator, size: int) -> np.ndarray:
    """One uint8 image (size, size, 3)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) / size
    top, bottom = _hsv(rng.random(), rng.uniform(0.2, 0.6), rng.uniform(0.3, 0.9)), _hsv(rng.random(), 0.4, rng.uniform(0.2, 0.7))
    image = top[None, None] * (1 - yy[..., None]) + bottom[None, None] * yy[..., None]
    for _ in range(rng.integers(1, 4)):
        cy, cx, r = rng.uniform(0.25, 0.75), rng.uniform(0.25, 0.75), rng.uniform(0.12, 0.28)
        kind = rng.integers(3)
        dy, dx = yy - cy, xx - cx
        if kind == 0:
            mask = np.hypot(dy, dx) <= r
        elif kind == 1:
            mask = (np.abs(dy) <= r) & (np.abs(dx) <= r)
        else:
            mask = (dy <= r) & (dy >= -r) & (np.abs(dx) <= (dy + r) / 2)
        colour = _hsv(rng.random(), rng.uniform(0.7, 1.0), rng.uniform(0.7, 1.0))
        shade = 1.0 - 0.5 * np.clip(np.hypot(dy + r / 2, dx + r / 2) / (2 * r), 0, 1)  # lit from the top left
        image = np.where(mask[..., None], colour[None, None] * shade[..., None], image)
    image += rng.normal(0, 0.015, image.shape)
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)


def write_colour_set(out: Path, count: int = 1500, size: int = 32, seed: int = 0) -> Path:
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for index in range(count):
        Image.fromarray(colour_image(rng, size)).save(out / f"{index:05d}.png")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_studio.bench.colour_set", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write the PNGs into")
    parser.add_argument("--count", type=int, default=1500)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    write_colour_set(args.out, args.count, args.size, args.seed)
    print(f"wrote {args.count} images of {args.size} px to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
