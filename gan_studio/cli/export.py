"""``gan-studio export``: sample images, grids, animations and generator weights from a run.

    gan-studio export RUN --images N --out DIR
    gan-studio export RUN --grid ROWSxCOLS --out FILE.png [--scale S --padding P --background B]
    gan-studio export RUN --gif interp|progress --out FILE.gif (or .png/.apng for APNG)
    gan-studio export RUN --weights --out FILE.safetensors
    gan-studio export RUN --onnx --out FILE.onnx
    gan-studio export RUN --directions --out FILE.json (or .npz, GANSpace's layout) [--count K --class C]

RUN is a run folder, a checkpoint file or an exported .safetensors. No Qt, and torch only once a
command runs (``--help`` stays fast).
"""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path

from ..core.errors import GanStudioError
from ..core.jobs import TaskState
from .progress import ProgressBar

BAR_DELAY_S = 0.5  # the bar shows once an export has run this long: a quick one prints only its result


def add_export_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "export",
        help="export images, a grid, an animation, the generator's weights or an ONNX file",
        description="Export samples of a trained generator: single PNGs with JSON sidecars that "
        "regenerate them, a grid, an interpolation or training-progress GIF/APNG, or the weights.",
    )
    parser.add_argument("run", type=Path, help="a run folder, a checkpoint (.pt) or exported weights (.safetensors)")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--images", type=int, metavar="N", help="N single PNGs, each with a .json sidecar, into the --out folder")
    what.add_argument("--grid", metavar="ROWSxCOLS", help="one PNG grid, e.g. 8x8")
    what.add_argument("--gif", choices=("interp", "progress"), help="interp: walk between two seeds; progress: the epoch grids in order")
    what.add_argument("--weights", action="store_true", help="the generator's weights as .safetensors plus a .json description")
    what.add_argument("--onnx", action="store_true",
                      help="the generator as ONNX: z (and labels) in, images in the model's range out, any batch size "
                      "(needs pip install 'gan-studio[onnx]')")
    what.add_argument("--directions", action="store_true",
                      help="the principal latent directions (GANSpace) with the variance each explains, as .json or .npz")
    parser.add_argument("--out", type=Path, required=True, help="the file (or, for --images, the folder) to write")
    parser.add_argument("--force", action="store_true", help="overwrite files that exist")
    parser.add_argument("--checkpoint", default="auto", metavar="last|best|PATH",
                        help="which checkpoint of a run folder (default: best if present, else last)")
    samples = parser.add_argument_group("samples")
    samples.add_argument("--seed", type=int, default=0, help="noise seed (default: %(default)s)")
    samples.add_argument("--seed-b", type=int, help="interp: the seed to walk to (default: --seed + 1)")
    samples.add_argument("--class", dest="class_index", type=int, help="class to draw (conditional models)")
    samples.add_argument("--count", type=int, default=8, help="directions: how many (default: %(default)s)")
    samples.add_argument("--psi", type=float, default=1.0, help="truncation: z is scaled by psi (default: %(default)s)")
    look = parser.add_argument_group("pictures")
    look.add_argument("--scale", type=int, help="enlarge each pixel S times (default: 4 for interp, else 1)")
    look.add_argument("--padding", type=int, default=2, help="grid: pixels between cells (default: %(default)s)")
    look.add_argument("--background", type=int, default=0, help="grid: grey level of the gutters, 0-255 (default: %(default)s)")
    motion = parser.add_argument_group("animations")
    motion.add_argument("--frames", type=int, default=48, help="interp: frames from a to b (default: %(default)s)")
    motion.add_argument("--fps", type=float, help="frames per second (default: 12 for interp, 4 for progress)")
    motion.add_argument("--lerp", action="store_true", help="interp: straight line instead of slerp")
    motion.add_argument("--no-loop-back", dest="loop_back", action="store_false", help="interp: a to b only, no way back")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def parse_grid(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not match or int(match.group(1)) < 1 or int(match.group(2)) < 1:
        raise GanStudioError(f"--grid wants ROWSxCOLS such as 8x8 (got {text!r})")
    return int(match.group(1)), int(match.group(2))


def run_export(args: argparse.Namespace) -> int:
    from ..core import export
    from ..core.latent.snapshot import seed_latent

    which = args.checkpoint
    if not math.isfinite(args.psi):
        raise GanStudioError(f"--psi must be a finite number (got {args.psi})")
    # Options left out get their default here; a 0 the user typed stays 0 and is refused.
    default_scale = 4 if args.gif == "interp" else 1
    args.scale = default_scale if args.scale is None else args.scale
    args.fps = (12 if args.gif == "interp" else 4) if args.fps is None else args.fps
    if args.gif == "progress":
        if not args.run.expanduser().is_dir():
            raise GanStudioError(f"--gif progress needs a run folder; {args.run} is not one")
        bar = ProgressBar(quiet=args.quiet, label="progress", delay_s=BAR_DELAY_S)
        try:
            written = export.export_progress_animation(
                args.run, args.out, fps=args.fps, scale=args.scale, force=args.force, task=TaskState(bar)
            )
        finally:
            bar.clear()
        print(f"wrote {written}")
        return 0
    if args.weights:
        weights, description = export.export_generator_weights(export.open_snapshot(args.run, which), args.out, args.force)
        print(f"wrote {weights} and {description}")
        return 0

    if args.onnx:
        from ..core.export.onnx import exporter_warnings_hidden

        with exporter_warnings_hidden():
            written = export.export_onnx(export.open_snapshot(args.run, which), args.out, args.force)
        print(f"wrote {written}")
        return 0

    snapshot = export.open_snapshot(args.run, which)
    if args.directions:
        from ..core.latent.direction_files import SUFFIXES, save_directions
        from ..core.latent.directions import principal_directions

        if args.out.suffix.lower() not in SUFFIXES:
            raise GanStudioError(f"directions are saved as .json or .npz, not {args.out.suffix or 'a file without a suffix'}")
        export.check_writable(args.out, args.force)
        if args.class_index is not None and not snapshot.num_classes:
            raise GanStudioError("this generator is not conditional: it takes no class (leave --class out)")
        if args.count < 1:
            raise GanStudioError(f"--count must be at least 1 (got {args.count})")
        found = principal_directions(snapshot, k=args.count, label=args.class_index)
        about = {"generator": snapshot.source, "epoch": snapshot.epoch, "class": args.class_index}
        print(f"wrote {save_directions(args.out, found, about)}")
        return 0
    if args.grid is not None:
        rows, columns = parse_grid(args.grid)
        written = export.export_grid(
            snapshot, args.out, rows, columns, scale=args.scale, padding=args.padding, background=args.background,
            seed=args.seed, label=args.class_index, psi=args.psi, force=args.force,
        )
    elif args.images is not None:
        bar = ProgressBar(quiet=args.quiet, label="images", delay_s=BAR_DELAY_S)
        try:
            export.export_images(
                snapshot, args.out, args.images, seed=args.seed, label=args.class_index, psi=args.psi,
                scale=args.scale, force=args.force, task=TaskState(bar),
            )
        finally:
            bar.clear()
        written = args.out
    else:  # --gif interp
        from ..core.latent.snapshot import truncate

        seed_b = args.seed + 1 if args.seed_b is None else args.seed_b
        a = truncate(seed_latent(args.seed, snapshot.z_dim), args.psi)
        b = truncate(seed_latent(seed_b, snapshot.z_dim), args.psi)
        bar = ProgressBar(quiet=args.quiet, label="frames", delay_s=BAR_DELAY_S)
        try:
            written = export.export_interpolation(
                snapshot, a, b, args.out, frames=args.frames, mode="lerp" if args.lerp else "slerp",
                fps=args.fps, label=args.class_index, scale=args.scale, force=args.force,
                loop_back=args.loop_back, task=TaskState(bar),
            )
        finally:
            bar.clear()
    print(f"wrote {written}")
    return 0
