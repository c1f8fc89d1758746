"""``gan-studio evaluate RUN``: score a run's last and best checkpoints with fresh samples;
``gan-studio evaluate --images FOLDER --data DATA``: score any folder of images against a
dataset's held-out split. Either way with the data's judge, trained first when there is none (and
said so on stderr); ``--json`` ends the output with one JSON object on one line (``fd``,
``fd_floor``, ``kid``, ``precision``, ``recall``, and ``coverage`` where the data has classes).

Imports neither torch nor Qt until the command runs, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any, TextIO

from ..core.errors import ConfigError, GanStudioError
from ..core.formatting import format_value

# (metric key, column title, format) per kind of data.
JUDGE_COLUMNS = [
    ("fcd", "FCD", "{:.2f}"),
    ("kid", "KID", "{:.4f}"),
    ("precision", "precision", "{:.3f}"),
    ("recall", "recall", "{:.3f}"),
    ("modes_covered", "modes", "{:.0f}/{classes}"),
    ("mean_confidence", "confidence", "{:.3f}"),
]
SSL_COLUMNS = [
    ("fcd", "FD", "{:.2f}"),
    ("kid", "KID", "{:.4f}"),
    ("precision", "precision", "{:.3f}"),
    ("recall", "recall", "{:.3f}"),
    ("diversity", "diversity", "{:.2f}"),
    ("memorisation", "nearest train", "{:.2f}"),
]
PIXEL_COLUMNS = [
    ("diversity", "diversity", "{:.3f}"),
    ("diversity_real", "real data", "{:.3f}"),
    ("memorisation", "nearest train", "{:.3f}"),
    ("memorisation_real", "real data", "{:.3f}"),
]


def add_evaluate_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``evaluate`` sub-command to the ``gan-studio`` parser's sub-parsers."""
    parser = subparsers.add_parser(
        "evaluate",
        help="score a run's checkpoints, or a folder of images, against real held-out images (FD, KID, precision, recall, ...)",
        description=(
            "Draw fresh samples from a run's last and best checkpoints, or take the images of --images, "
            "and score them against the data's held-out images with its judge: the shipped one on the "
            "built-in digits, else the one 'gan-studio judge' trained for the data (a classifier for "
            "labelled data, a contrastive encoder for unlabelled data), which is trained first when "
            "there is none (--no-train-judge: pixel diversity and nearest-image distance instead). The "
            "floor is real images against real images."
        ),
    )
    parser.add_argument("run", type=Path, nargs="?", help="a run folder or a checkpoint file (or use --images and --data)")
    parser.add_argument("--images", help="score this folder (or .npz/.npy file) of images instead of a run")
    parser.add_argument("--data", help="with --images: the dataset whose held-out images they are compared with")
    parser.add_argument("--size", type=int, default=28, help="with --images: image side both are loaded at (default: %(default)s)")
    parser.add_argument("--channels", type=int, choices=(1, 3), default=1, help="with --images: 1 = grayscale, 3 = RGB (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for a judge trained first (default: all cores but one)")
    parser.add_argument("--judge-epochs", type=int, help="epochs of a judge trained first (default: its own budget)")
    parser.add_argument("--no-train-judge", dest="train_judge", action="store_false",
                        help="never train a judge: data without one gets pixel metrics")
    parser.add_argument("--n", type=int, default=1000, help="samples per checkpoint (default: %(default)s; FCD compares only at equal n)")
    parser.add_argument("--seed", type=int, default=0, help="noise seed (default: %(default)s, the one training used)")
    parser.add_argument("--json", action="store_true", help="end with the results as one JSON object on the last line")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def checkpoints_of(target: Path) -> list[tuple[str, Path]]:
    """(name, path) to evaluate: a file as is; a run's last and (when it has one) best checkpoint."""
    from ..core.runs.folder import RunFolder

    target = Path(target).expanduser()
    if target.is_file():
        return [(target.stem, target)]
    run = RunFolder.open(target)
    last = run.last_checkpoint()
    if last is None:
        raise GanStudioError(f"{target} has no checkpoint yet")
    found = [("last", last)]
    best = run.best_checkpoint()
    if best is not None:
        found.append(("best", best))
    return found


def run_evaluate(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    from ..core.jobs import TaskState
    from ..core.quality.evaluate import MIN_SAMPLES, evaluate_checkpoint
    from .progress import ProgressBar

    out, err = out or sys.stdout, err or sys.stderr
    if args.n < MIN_SAMPLES:
        raise ConfigError(f"--n must be at least {MIN_SAMPLES}")
    if args.judge_epochs is not None and args.judge_epochs < 1:
        raise ConfigError("--judge-epochs must be at least 1")
    if (args.images is None) == (args.run is None):
        raise ConfigError("give a run folder (or checkpoint), or --images FOLDER with --data DATA")
    bar = ProgressBar(err, getattr(args, "quiet", False), "loading")
    task = TaskState(bar)
    announce = _announcer(bar, args)
    if args.images is not None:
        return _evaluate_images(args, out, bar, task, announce)
    results: list[dict[str, Any]] = []
    try:
        for name, path in checkpoints_of(args.run):
            same = next((r for r in results if Path(r["checkpoint"]).samefile(path)), None)
            # best.pt is often a hard link to last.pt: the same weights score the same, once.
            result = dict(same, checkpoint=str(path)) if same else evaluate_checkpoint(
                path, n=args.n, seed=args.seed, task=task, train=args.train_judge, on_training=announce, judge_epochs=args.judge_epochs)
            results.append({"name": name, **{k: v for k, v in result.items() if k != "name"}})
    finally:
        bar.clear()
    if args.json:
        out.write(format_table(results) + "\n")
        first = results[0]
        summary = {"run": str(args.run), "checkpoint": first["name"], **json_fields(first),
                   "checkpoints": [{"name": r["name"], "checkpoint": r["checkpoint"], "epoch": r["epoch"], "step": r["step"],
                                    **json_fields(r), "metrics": r["metrics"]} for r in results]}
        out.write(json.dumps(_finite(summary)) + "\n")
    else:
        out.write(format_table(results) + "\n")
    return 0


def _announcer(bar: Any, args: argparse.Namespace):  # noqa: ANN202
    """What runs before a judge is trained first: say so (stderr), set the threads, start the bar."""
    def announce(dataset: Any) -> None:
        from ..core.device import configure_cpu_threads

        threads = configure_cpu_threads(args.threads)
        kind = "classifier" if dataset.labels is not None else "contrastive encoder"
        bar.clear()
        bar.stream.write(f"no judge knows {dataset.report.source} ({dataset.summary()}) yet: training one first "
                         f"({kind}, {threads} CPU thread{'s' if threads != 1 else ''}; it is kept for later)\n")
        bar.stream.flush()
        bar.start("judge")
    return announce


def _evaluate_images(args: argparse.Namespace, out: TextIO, bar: Any, task: Any, announce: Any) -> int:
    from ..core.config import DataConfig
    from ..core.data import load_dataset
    from ..core.quality.evaluate import evaluate_images

    if not args.data:
        raise ConfigError("--images needs --data: the dataset whose held-out images they are compared with")
    if not 8 <= args.size <= 1024:
        raise ConfigError(f"--size must be between 8 and 1024 pixels (got {args.size})")

    def config(source: str) -> DataConfig:
        source = source if source.startswith("builtin:") else str(Path(source).expanduser().resolve())
        return DataConfig(source=source, channels=args.channels, image_size=args.size)

    data_config = config(args.data)
    try:
        images = load_dataset(config(args.images), task).images
        dataset = load_dataset(data_config, task)
        result = evaluate_images(images, dataset, data_config.source, task, args.train_judge, on_training=announce,
                                 judge_epochs=args.judge_epochs)
    finally:
        bar.clear()
    row = {"name": "images", "epoch": "-", "step": "-", **result}
    out.write(format_table([row]) + "\n")
    if args.json:
        summary = {"images": str(args.images), "data": str(args.data), **json_fields(row),
                   "metrics": result["metrics"], "class_histogram": result["class_histogram"]}
        out.write(json.dumps(_finite(summary)) + "\n")
    return 0


def json_fields(result: dict[str, Any]) -> dict[str, Any]:
    """The flat fields of one scored set: fd, fd_floor, kid, kid_floor, precision, recall; coverage
    (classes drawn / classes) where the judge knows classes; diversity and memorisation (with the
    real images' values) where it does not; n, judge_kind, trained_judge."""
    m = result["metrics"]
    nan = math.nan
    fields: dict[str, Any] = {name: m.get(key, nan) for name, key in (
        ("fd", "fcd"), ("fd_floor", "fcd_floor"), ("kid", "kid"), ("kid_floor", "kid_floor"),
        ("precision", "precision"), ("recall", "recall"))}
    classes = int(result.get("num_classes") or 0)
    if classes:
        modes = m.get("modes_covered", nan)
        fields.update(coverage=modes / classes, modes_covered=modes, num_classes=classes,
                      mean_confidence=m.get("mean_confidence", nan))
    else:
        fields.update({k: m.get(k, nan) for k in ("diversity", "diversity_real", "memorisation", "memorisation_real")})
    fields.update(n=result["n"], judge_kind=result.get("judge_kind"), trained_judge=bool(result.get("trained_judge")))
    return fields


def _finite(value: Any) -> Any:
    """NaN and infinities as null: JSON has no such numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def format_table(results: list[dict[str, Any]]) -> str:
    """A plain-text table, one row per checkpoint, and a line on the floor or the reference."""
    judge = bool(results and results[0]["judge"])
    ssl = bool(results and results[0].get("judge_kind") == "ssl")
    columns = SSL_COLUMNS if ssl else JUDGE_COLUMNS if judge else PIXEL_COLUMNS
    header = ["checkpoint", "epoch", "step", *(title for _, title, _ in columns)]
    rows = [
        [r["name"], str(r["epoch"]), str(r["step"]),
         *(format_value(r["metrics"].get(key), fmt.replace("{classes}", str(r.get("num_classes") or 10))) for key, _, fmt in columns)]
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))) for row in [header, *rows]]
    n = results[0]["n"] if results else 0
    if ssl:
        m = results[0]["metrics"]
        lines.append(
            f"{n} images each, scored by the judge trained without labels for this data (a contrastive encoder). "
            f"Floor (its held-out images against other real images): FD {m['fcd_floor']:.2f}, KID {m['kid_floor']:.4f}. "
            "Lower FD/KID is better; precision and recall near 1 are what real images score; a nearest-train "
            f"distance far below the real images' {m.get('memorisation_real', math.nan):.2f} means copies."
        )
    elif judge and results[0].get("judge_kind") == "user":
        m, k = results[0]["metrics"], results[0].get("num_classes") or 10
        lines.append(
            f"{n} samples each, scored by the judge trained for this data. Floor (its held-out images "
            f"against other real images): FCD {m['fcd_floor']:.2f}, KID {m['kid_floor']:.4f}. Lower "
            f"FCD/KID is better; precision and recall near 1 and {k}/{k} classes are what real images score."
        )
    elif judge:
        m = results[0]["metrics"]
        lines.append(
            f"{n} samples each. Floor (real held-out digits against other real digits): "
            f"FCD {m['fcd_floor']:.2f}, KID {m['kid_floor']:.4f}. Lower FCD/KID is better; "
            "precision and recall near 1 and 10/10 digits are what real digits score."
        )
    else:
        lines.append(
            f"{n} samples each, pixel distances in [0, 1] units. Diversity should approach the real "
            "data's; a nearest-train distance far below the real data's means copied training images."
        )
    return "\n".join(lines)

