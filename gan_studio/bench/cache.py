"""The cache of decoded image folders: a folder of PNGs loaded as before (one core, no cache),
decoded in parallel into the cache (the first load), and loaded again from the cache.

    python -m gan_studio.bench.cache [--images 20000] [--size 64]

The folder is made here: ``count`` RGB PNGs of ``size`` px (smooth colour fields with a little
noise, so they compress like photographs rather than like flat colour), loaded at 32 px RGB
as a small colour run would. The cache lives in a temporary folder of its own.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from ..core.config import DataConfig
from ..core.data import load_dataset
from ..core.data.cache import LIMIT_ENV
from ..core.data.images import DECODE_THREADS_ENV


def write_pictures(folder: Path, count: int, size: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0.0, 1.0, size)
    for i in range(count):
        colours = rng.uniform(0, 255, (2, 2, 3))
        field = (colours[0, 0] * (1 - ramp)[:, None, None] * (1 - ramp)[None, :, None]
                 + colours[1, 1] * ramp[:, None, None] * ramp[None, :, None]
                 + colours[0, 1] * (1 - ramp)[:, None, None] * ramp[None, :, None]
                 + colours[1, 0] * ramp[:, None, None] * (1 - ramp)[None, :, None])
        pixels = np.clip(field + rng.normal(0, 6, field.shape), 0, 255).astype(np.uint8)
        Image.fromarray(pixels, "RGB").save(folder / f"{i:05d}.png")


def _timed_load(source: Path, env: dict[str, str]) -> tuple[float, bool]:
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        started = time.perf_counter()
        dataset = load_dataset(DataConfig(source=str(source), channels=3, image_size=32))
        return time.perf_counter() - started, dataset.report.from_cache
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def measure_cache(count: int = 20_000, size: int = 64, log=print) -> dict:
    """Seconds for: one core and no cache (today's load), the first load (parallel decode into
    the cache) and a second load (from the cache)."""
    with tempfile.TemporaryDirectory(prefix="gan-studio-bench-cache-") as scratch:
        scratch_path = Path(scratch)
        pictures = scratch_path / "pictures"
        pictures.mkdir()
        log(f"  writing {count:,} PNGs of {size} px")
        write_pictures(pictures, count, size)
        cache_env = {"XDG_CACHE_HOME": str(scratch_path / "cache")}
        uncached, _ = _timed_load(pictures, {**cache_env, LIMIT_ENV: "0", DECODE_THREADS_ENV: "1"})
        log(f"  one core, no cache: {uncached:.2f} s")
        first, _ = _timed_load(pictures, cache_env)
        log(f"  first load (parallel decode, into the cache): {first:.2f} s")
        second, hit = _timed_load(pictures, cache_env)
        log(f"  second load (from the cache): {second:.2f} s")
        if not hit:
            raise RuntimeError("the second load did not come from the cache")
        cache_bytes = sum(f.stat().st_size for f in (scratch_path / "cache").rglob("*") if f.is_file())
    return {
        "cache_images": count,
        "cache_load_one_core_s": uncached,
        "cache_first_load_s": first,
        "cache_second_load_s": second,
        "cache_mb": cache_bytes / 1e6,
        "cache_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20_000)
    parser.add_argument("--size", type=int, default=64)
    args = parser.parse_args()
    figures = measure_cache(args.images, args.size)
    for key, value in figures.items():
        print(f"{key:28s} {value:10.2f}")


if __name__ == "__main__":
    main()
