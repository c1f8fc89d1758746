"""The playground's target, measured: PacGAN Table 1's mode coverage, plain against remedy.

    python -m gan_studio.bench.playground_target [--seeds 0 1 2] [--steps N] [--threads 2] [--markdown FILE]

Trains each preset on the ring and the grid with ``gan-studio playground train`` (two threads,
the target's 2 CPU cores, one run at a time), for each seed, scores 2,500 samples as PacGAN's
code does (core/playground/coverage.py), and prints a table of means and standard errors beside
the paper's rows, with the wall time per run and the load average before and after.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from gan_studio.cli.main import main as cli_main
from gan_studio.core.playground.config import preset_config

# PacGAN, Table 1 (Lin et al. 2018; 10 trials, mean +- standard error): modes, high-quality share.
PAPER = {
    "GAN": {"ring": (6.3, 98.2), "grid": (17.3, 94.8)},
    "PacGAN4": {"ring": (7.8, 95.9), "grid": (24.8, 93.6)},
}


def _stats(values: list[float]) -> str:
    mean = statistics.fmean(values)
    error = statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else 0.0
    return f"{mean:.1f}±{error:.1f}"


def measure(dist: str, preset: str, seed: int, steps: int | None, threads: int, folder: Path) -> dict:
    out = folder / f"{dist}-{preset}-{seed}"
    started = time.perf_counter()
    length = [] if steps is None else ["--steps", str(steps)]  # None: the preset's own length
    code = cli_main(["playground", "train", "--dist", dist, "--preset", preset, "--seed", str(seed), *length,
                     "--threads", str(threads), "--out", str(out), "--quiet"])
    if code != 0:
        raise SystemExit(f"training {out} failed ({code})")
    coverage = json.loads((out / "run.json").read_text())["coverage"]
    return {**coverage, "seconds": time.perf_counter() - started}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, help="generator updates per run (default: each preset's own)")
    parser.add_argument("--dists", nargs="+", default=["ring", "grid"])
    parser.add_argument("--presets", nargs="+", default=["plain", "remedy"])
    parser.add_argument("--threads", type=int, default=2, help="torch threads per run (default: %(default)s)")
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for preset in args.presets:
            cells = [preset]
            for dist in args.dists:
                results = [measure(dist, preset, seed, args.steps, args.threads, Path(folder)) for seed in args.seeds]
                for r in results:
                    print(f"{dist} {preset}: {r['modes_captured']}/{r['modes']} modes, {r['high_quality']:.1%} high quality, "
                          f"{r['seconds']:.0f} s (load {os.getloadavg()[0]:.1f})", flush=True)
                cells += [_stats([r["modes_captured"] for r in results]),
                          _stats([100 * r["high_quality"] for r in results]) + " %",
                          f"{max(r['seconds'] for r in results):.0f} s"]
            rows.append(cells)
    table = io.StringIO()
    table.write(f"| run | ring modes (of 8) | ring high quality | ring time | grid modes (of 25) | grid high quality | grid time |\n")
    table.write("|---|---|---|---|---|---|---|\n")
    for name, paper in PAPER.items():
        table.write(f"| PacGAN Table 1: {name} | {paper['ring'][0]} | {paper['ring'][1]} % | | {paper['grid'][0]} | {paper['grid'][1]} % | |\n")
    for cells in rows:
        table.write(f"| this, `{cells[0]}`, {args.steps or preset_config(cells[0]).steps} steps, {args.threads} thread(s), seeds {' '.join(map(str, args.seeds))} | " + " | ".join(cells[1:]) + " |\n")
    table.write(f"\nload average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after\n")
    print(table.getvalue())
    if args.markdown:
        args.markdown.write_text(table.getvalue(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
