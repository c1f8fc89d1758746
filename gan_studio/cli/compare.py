"""``gan-studio compare RUN RUN… --out compare.png``: the window's compare view as one picture.

Two to six runs: their loss, D-output and quality curves on shared axes (by epoch or by real
images seen), one colour per run; their fixed-noise grids side by side at one epoch; the
differences of their configs. Drawn with Pillow from the run folders (core/runs/compare_picture.py):
no torch, no Qt.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..core.errors import GanStudioError
from ..core.runs.compare import ALIGNMENTS, MAX_RUNS, MIN_RUNS


def add_compare_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "compare", help="draw 2 to 6 runs' curves, grids and config differences into one PNG",
        description="Compare 2 to 6 runs in one picture: losses, D outputs and quality on shared axes, "
        "the fixed-noise grids at one epoch, and the config differences.",
    )
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN", help=f"{MIN_RUNS} to {MAX_RUNS} run folders")
    parser.add_argument("--out", type=Path, required=True, help="the PNG to write")
    parser.add_argument("--align", choices=ALIGNMENTS, default="epoch", help="x axis: epochs or real images seen (default: %(default)s)")
    parser.add_argument("--epoch", type=int, help="the grids' epoch (default: the latest every run has)")
    parser.add_argument("--force", action="store_true", help="overwrite the file if it exists")
    return parser


def run_compare(args: argparse.Namespace) -> int:
    from ..core.runs.compare import load_comparison
    from ..core.runs.compare_picture import save_comparison

    _check_writable(args.out, args.force)
    comparison = load_comparison(args.runs)
    shown = comparison.grid_epoch(args.epoch)
    save_comparison(comparison, args.out, args.align, args.epoch)
    note = ""
    if args.epoch is not None and shown != args.epoch:
        note = f" (not every run has a grid of epoch {args.epoch}; showing {shown if shown is not None else 'each run’s latest'})"
    print(f"wrote {args.out}: {len(comparison.runs)} runs, {len(comparison.diff)} config differences{note}")
    return 0


def _check_writable(path: Path, force: bool) -> None:
    """export's rule (nothing overwritten without --force), said before any run is read; not
    export's own check, whose package imports torch (~2 s more for a picture that needs none)."""
    if path.is_dir():
        raise GanStudioError(f"{path} is a folder; name a file to write")
    if path.exists() and not force:
        raise GanStudioError(f"{path} already exists; use --force to overwrite")
    if not path.parent.is_dir():
        raise GanStudioError(f"cannot write {path.name}: folder {path.parent} does not exist")
