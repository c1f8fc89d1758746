"""A baseline table: the tutorial, the default DCGAN, LSGAN and hinge on the built-in digits.

    python -m gan_studio.bench.baseline [--epochs 10] [--out DIR] [--markdown FILE]

Each preset trains for the same number of epochs (threads and device automatic, the preset's
own seed), then its final and best checkpoints are scored with 1,000 fresh samples
(core/evaluate.py) and the results are printed as a markdown table. Wall time is the whole
training run, the automatic quality monitoring included.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
import time
from pathlib import Path
from typing import Any

PRESETS = ("tutorial", "default", "lsgan", "hinge")


def train_preset(name: str, epochs: int, out: Path, quiet: bool = False) -> tuple[Path, float, Any]:
    """Train one preset into ``out/name``; returns (run folder, wall seconds, Finished event)."""
    from ..core.config import preset_config
    from ..core.events import Finished
    from ..core.train.trainer import Trainer
    from ..cli.progress import TerminalProgress

    config = preset_config(name)
    config.train.epochs = epochs
    config.train.threads = 0  # automatic: all cores but one
    progress = TerminalProgress(quiet=quiet)
    finished = None
    started = time.perf_counter()
    for event in Trainer.new(config, out / name).events():
        progress(event)
        if isinstance(event, Finished):
            finished = event
    return out / name, time.perf_counter() - started, finished


def evaluate_run(run_dir: Path, n: int = 1000) -> list[dict[str, Any]]:
    """Scores of the final checkpoint and, when it is another epoch, the best one."""
    from ..core.quality.evaluate import evaluate_checkpoint
    from ..core.runs.folder import RunFolder

    run = RunFolder.open(run_dir)
    final = {"name": "final", **evaluate_checkpoint(run.last_checkpoint_path, n=n)}
    results = [final]
    best = run.best_checkpoint()
    if best is not None and not best.samefile(run.last_checkpoint_path):
        results.append({"name": "best", **evaluate_checkpoint(best, n=n)})
    return results


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """``rows``: dicts with preset, model, loss, epochs, wall_s and an evaluate_checkpoint result."""
    header = ["preset", "model", "loss", "epochs", "checkpoint", "FCD (floor)", "KID", "precision", "recall", "modes covered", "wall time"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        m = row["metrics"]
        cells = [
            row["preset"], row["model"], row["loss"], str(row["epochs"]),
            f"{row['name']} (epoch {row['epoch']})",
            f"{m['fcd']:.2f} ({m['fcd_floor']:.2f})", f"{m['kid']:.4f}",
            f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['modes_covered']:.0f}/10",
            f"{row['wall_s']:.0f} s" if row["name"] == "final" else "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gan_studio.bench.baseline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10, help="epochs per preset (default: %(default)s)")
    parser.add_argument("--out", type=Path, help="folder for the runs (default: runs/baseline-<time>)")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--presets", nargs="+", default=list(PRESETS), help="presets to train (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    return parser


def main(argv: list[str] | None = None) -> int:
    from ..core.config import preset_config
    from ..core.errors import GanStudioError

    args = build_parser().parse_args(argv)
    if args.epochs < 1:
        print("baseline: error: --epochs must be at least 1", file=sys.stderr)
        return 2
    out = args.out or Path("runs") / f"baseline-{_dt.datetime.now():%Y%m%d-%H%M%S}"
    rows = []
    try:
        for name in args.presets:
            config = preset_config(name)
            run_dir, wall, finished = train_preset(name, args.epochs, out, quiet=args.quiet)
            print(f"{name}: {finished.epoch if finished else 0} epochs in {wall:.1f} s -> {run_dir}", file=sys.stderr)
            for result in evaluate_run(run_dir):
                rows.append(
                    {"preset": name, "model": config.model.arch, "loss": config.train.loss,
                     "epochs": finished.epoch if finished else 0, "wall_s": wall, **result}
                )
    except GanStudioError as error:
        print(f"baseline: error: {error}", file=sys.stderr)
        return 2
    table = markdown_table(rows)
    print(table)
    if args.markdown:
        args.markdown.write_text(table + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
