"""Calibrate the judge of unlabelled data: does its distance order what the eye orders?

    python -m gan_studio.bench.calibrate_judge [--count 2000] [--threads 2] [--datasets colour-shapes gratings]

For each procedural dataset (bench/procedural.py) it trains the unlabelled judge (an encoder,
``judges.train_judge_for``) into a temporary folder, timing it, then scores sets of 1,000 images
against the dataset's held-out split: fresh real images (the same generator, another seed: no
judge saw them), the same blurred mildly and heavily, uniform noise, and eight real images
repeated. It must order real < mild blur < heavy blur < noise and real < repeated; the last line
of each table says whether it did. ``--untrained`` adds the same table for an encoder of the same
architecture with its random initial weights, the baseline training must beat.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from ..core.data import ImageDataset, LoadReport
from ..core.quality.judges import train_judge_for
from ..core.quality.ssl_judge import SSLJudge
from ..core.quality.ssl_training import new_encoder
from .procedural import DATASETS, blur, noise_like, repeated

MILD_SIGMA, HEAVY_SIGMA = 0.6, 1.5  # blur in pixels at 32 px
COLUMNS = ("fcd", "kid", "precision", "recall")


def distortions(fresh: np.ndarray) -> list[tuple[str, np.ndarray]]:
    return [
        ("real (unseen)", fresh),
        (f"mild blur (σ {MILD_SIGMA} px)", blur(fresh, MILD_SIGMA)),
        (f"heavy blur (σ {HEAVY_SIGMA} px)", blur(fresh, HEAVY_SIGMA)),
        ("uniform noise", noise_like(fresh, seed=1)),
        ("8 images repeated", repeated(fresh, 8)),
    ]


def score_table(judge, dataset: ImageDataset, fresh: np.ndarray) -> tuple[list[tuple[str, dict]], bool]:
    """(rows of (name, metrics), the orderings held) of the distortions of ``fresh``."""
    reference = judge.reference(dataset)
    rows = [("floor (held-out vs train)", {"fcd": reference.fcd_floor, "kid": reference.kid_floor})]
    for name, images in distortions(fresh):
        rows.append((name, judge.score(images, reference)[0]))
    fd = [m["fcd"] for _, m in rows[1:]]
    ordered = fd[0] < fd[1] < fd[2] < fd[3] and fd[0] < fd[4]
    return rows, ordered


def format_rows(title: str, rows: list[tuple[str, dict]], ordered: bool) -> str:
    """A markdown table; "x floor" is FD over the floor's FD: free of the features' scale, so an
    untrained encoder's column compares with a trained one's."""
    floor = rows[0][1]["fcd"]
    lines = [f"| {title} | FD | x floor | KID | precision | recall |", "|---|---:|---:|---:|---:|---:|"]
    for name, m in rows:
        cells = [(f"{m[c]:.4g}" if c in ("fcd", "kid") else f"{m[c]:.3f}") if c in m else "" for c in COLUMNS]
        cells.insert(1, f"{m['fcd'] / floor:.2f}" if floor > 0 else "")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append(f"\nordering real < mild < heavy < noise and real < repeated: {'yes' if ordered else 'NO'}")
    return "\n".join(lines)


def calibrate(name: str, count: int, fresh_count: int, seed: int, epochs: int | None, root: Path, untrained: bool) -> str:
    import torch

    make = DATASETS[name]
    images = make(count, seed=seed)
    dataset = ImageDataset(images, None, [], LoadReport(f"procedural:{name}", "npz", len(images)))
    load = os.getloadavg()[0]
    started = time.perf_counter()
    judge = train_judge_for(dataset, epochs, seed=seed, root=root)
    seconds = time.perf_counter() - started
    fresh = make(fresh_count, seed=seed + 1000)
    rows, ordered = score_table(judge, dataset, fresh)
    h, w, c = images.shape[1:]
    head = (
        f"### {name}: {count} images, {h}x{w}x{c}\n\nTrained in {seconds:.1f} s on {torch.get_num_threads()} thread(s), "
        f"{judge.info['steps']} steps (load {load:.1f} before, {os.getloadavg()[0]:.1f} after); "
        f"{judge.summary()}.\n"
    )
    text = head + "\n" + format_rows("scored set (n = %d)" % fresh_count, rows, ordered)
    if untrained:
        model = new_encoder(c, torch.Generator().manual_seed(seed)).eval().requires_grad_(False)
        baseline = SSLJudge(model, dataset.fingerprint, dataset.report.source, (h, w, c), root, "untrained", {})
        rows, ordered = score_table(baseline, dataset, fresh)
        text += "\n\nThe same encoder untrained (random weights):\n\n" + format_rows("scored set", rows, ordered)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_studio.bench.calibrate_judge", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--count", type=int, default=2000, help="images in each dataset (default: %(default)s)")
    parser.add_argument("--fresh", type=int, default=1000, help="images in each scored set (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default: %(default)s)")
    parser.add_argument("--epochs", type=int, help="judge training epochs (default: its own step budget)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--untrained", action="store_true", help="also score with the untrained encoder")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="calibrate-judge-") as root:
        for name in args.datasets:
            print(calibrate(name, args.count, args.fresh, args.seed, args.epochs, Path(root), args.untrained), flush=True)
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
