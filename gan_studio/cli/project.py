"""``gan-studio project RUN --image PNG --out DIR``: find the latent that redraws an image.

Writes DIR as core/export/projection.py describes it: the reconstruction, its latent in a JSON
sidecar (``regenerate_from_sidecar`` redraws it), the loss per step as CSV and as a chart, and a
run.json. No Qt, and torch only once the command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from ..core.jobs import TaskState
from .progress import ProgressBar


def add_project_parser(subparsers: Any) -> argparse.ArgumentParser:
    from ..core.latent.projection import ProjectionSettings  # a dataclass: no torch at import

    defaults = ProjectionSettings()
    parser = subparsers.add_parser(
        "project",
        help="find the latent point whose drawing matches an image",
        description="Project an image into a generator's latent space: optimise z (and a conditional "
        "model's class) against a pixel distance plus the judge's feature distance, from several random "
        "starts, and write the reconstruction, its latent and the loss curve.",
    )
    parser.add_argument("run", type=Path, help="a run folder, a checkpoint (.pt) or exported weights (.safetensors)")
    parser.add_argument("--image", type=Path, required=True, help="the image to project (PNG, JPEG, ...); cropped and resized to the model's size")
    parser.add_argument("--out", type=Path, required=True, help="the folder to write")
    parser.add_argument("--checkpoint", default="auto", metavar="last|best|PATH",
                        help="which checkpoint of a run folder (default: best if present, else last)")
    parser.add_argument("--steps", type=int, default=defaults.steps, help="optimisation steps (default: %(default)s)")
    parser.add_argument("--starts", type=int, default=defaults.starts, help="random starts, optimised together (default: %(default)s)")
    parser.add_argument("--lr", type=float, default=defaults.lr, help="Adam's learning rate on z (default: %(default)s)")
    parser.add_argument("--feature-weight", type=float, default=defaults.feature_weight,
                        help="weight of the judge-feature distance; 0 = pixels only (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed of the random starts (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (default: all cores but one)")
    parser.add_argument("--force", action="store_true", help="overwrite a projection already in --out")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def run_project(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from ..core.device import configure_cpu_threads
    from ..core.export.projection import project_to_folder
    from ..core.latent.projection import ProjectionSettings

    out = out or sys.stdout
    settings = ProjectionSettings(steps=args.steps, starts=args.starts, lr=args.lr, feature_weight=args.feature_weight,
                                  seed=args.seed).validate()
    configure_cpu_threads(args.threads)
    bar = ProgressBar(quiet=args.quiet, label="projecting")
    try:
        result = project_to_folder(args.run, args.image, args.out, settings, which=args.checkpoint, force=args.force,
                                   task=TaskState(bar))
    finally:
        bar.clear()
    drawn = f", class {result.label}" if result.label is not None else ""
    judged = f" and the {result.judge} judge's features" if result.judge != "none" else " only"
    out.write(f"pixel error {result.pixel_error:.1%}{drawn} (matched on pixels{judged}, {len(result.curve)} steps)\n")
    out.write(f"wrote {args.out}: reconstruction.png, its latent in reconstruction.json, loss.csv and loss.png\n")
    return 0
