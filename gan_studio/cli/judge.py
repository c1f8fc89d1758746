"""``gan-studio judge --data PATH``: train a judge for a dataset of the user's, labelled or not.

Labelled data gets a classifier, unlabelled data a contrastive encoder (``judges.train_judge_for``
decides). Once it is saved (under $XDG_DATA_HOME/gan-studio/judges/<dataset fingerprint>/),
every run on the same data at the same size and channels is scored like the built-in digits:
the Fréchet distance in the judge's features against a floor, KID, precision, recall (and classes
covered where there are classes), and a best checkpoint. Imports neither torch nor Qt until the
command runs, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from ..core.config import DataConfig
from ..core.errors import ConfigError
from ..core.formatting import format_duration
from ..core.jobs import TaskState
from .progress import ProgressBar


def add_judge_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``judge`` sub-command to the ``gan-studio`` parser's sub-parsers."""
    parser = subparsers.add_parser(
        "judge",
        help="train a judge for your data, so its runs get FCD, precision, recall and a best checkpoint",
        description=(
            "Train the quality judge on a dataset. Labelled data (class sub-folders, a tutorial folder "
            "with train.csv, IDX files with labels, an .npz with labels) gets a small classifier: 10 %% of "
            "each class is held out and the accuracy on it is printed. Unlabelled data (any folder of "
            "images) gets a small encoder trained contrastively (two crops of an image must find each "
            "other): one image in five, at most 1,000, is held out. Runs on the same data, at the same "
            "size and channels, are then scored against the held-out images."
        ),
    )
    parser.add_argument("--data", required=True, help="the data: an image folder (class sub-folders give labels), train.csv folder, IDX or .npz file")
    parser.add_argument("--size", type=int, default=28, help="image side in pixels, as your runs use it (default: %(default)s)")
    parser.add_argument("--channels", type=int, choices=(1, 3), default=1, help="1 = grayscale, 3 = RGB, as your runs use it (default: %(default)s)")
    parser.add_argument("--limit", type=int, default=0, help="use at most this many images, as a run with --limit does (default: all)")
    parser.add_argument("--epochs", type=int, help="training epochs (default: chosen from the data's size, a minute or two on 2 cores)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (default: all cores but one)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def data_config(args: argparse.Namespace) -> DataConfig:
    if not 16 <= args.size <= 1024:
        raise ConfigError(f"--size must be between 16 and 1024 pixels for a judge (got {args.size})")
    if args.limit < 0:
        raise ConfigError("--limit must be 0 (all) or a positive count")
    if args.epochs is not None and args.epochs < 1:
        raise ConfigError("--epochs must be at least 1")
    source = args.data if args.data.startswith("builtin:") else str(Path(args.data).expanduser().resolve())
    return DataConfig(source=source, channels=args.channels, image_size=args.size, limit=args.limit)


def run_judge(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    from ..core.data import load_dataset
    from ..core.device import configure_cpu_threads
    from ..core.quality.judges import DIGITS, check_trainable, choose_judge, train_judge_for

    out, err = out or sys.stdout, err or sys.stderr
    config = data_config(args)
    bar = ProgressBar(err, args.quiet, "loading")
    try:
        dataset = load_dataset(config, TaskState(bar))
    finally:
        bar.clear()
    check_trainable(dataset)  # before the slow part: data a judge cannot learn from fails in a moment
    threads = configure_cpu_threads(args.threads)
    kind = "judge" if dataset.labels is not None else "judge without labels (contrastive encoder)"
    bar.line(f"training a {kind} on {dataset.summary()} ({threads} CPU thread{'s' if threads != 1 else ''})")
    bar.start("judge")
    started = time.monotonic()
    try:
        judge = train_judge_for(dataset, epochs=args.epochs, task=TaskState(bar), seed=args.seed)
    finally:
        bar.clear()
    out.write(f"{judge.summary()}, in {format_duration(time.monotonic() - started)}\n")
    out.write(f"saved {judge.weights_path}\n")
    if choose_judge(config.source, dataset).kind == DIGITS:
        out.write("note: runs on the built-in digits at 28x28x1 keep using the shipped judge\n")
    else:
        out.write(f"runs on this data at {args.size}x{args.size}x{args.channels} are now scored with it\n")
    return 0
