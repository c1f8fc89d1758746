"""A baseline table on the built-in digits: presets, and variants of the default preset.

    python -m gan_studio.bench.baseline [--epochs 10] [--out DIR] [--markdown FILE]
    python -m gan_studio.bench.baseline --variants shipped old-default batch32 --seeds 0 1 --threads 1

Each run trains (the preset's or the variant's own epochs unless --epochs is given), then its
final and best checkpoints are scored with 1,000 fresh samples (core/quality/evaluate.py) and the
results are printed as a markdown table. Wall time is the whole training run, the automatic
quality monitoring included; CPU time is the process' CPU seconds over it (all threads), the
figure that stays meaningful when other processes share the cores; load is the 1-minute load
average at the run's end. "balance" is the digit histogram's spread: the most drawn digit's
count over the least drawn one's (1.0 is perfectly even).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import sys
import time
from pathlib import Path
from typing import Any

PRESETS = ("tutorial", "default", "lsgan", "hinge")

# Variants of the default preset tried for issue 13 (twice the quality per CPU-minute). Each is
# a starting preset and dotted config overrides; "old-default" is the default as it shipped
# before (20 epochs, batch 64, no EMA, no augmentation), "shipped" is the preset as it ships now.
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "shipped": ("default", {}),
    "old-default": ("default", {
        "train.epochs": 20, "train.batch_size": 64, "train.ema_decay": 0.0, "train.ema_warmup": 0,
        "train.augment": "none", "train.ada_target": 0.0, "model.spectral_norm": False,
        "train.r1_gamma": 0.0,
    }),
}


def _variant(name: str, **overrides: Any) -> None:
    VARIANTS[name] = ("default", {**VARIANTS["old-default"][1], **overrides})


_variant("batch32", **{"train.batch_size": 32})
_variant("ema", **{"train.ema_decay": 0.999, "train.ema_warmup": 500})
_variant("batch32-ema", **{"train.batch_size": 32, "train.ema_decay": 0.999, "train.ema_warmup": 500})
_variant("batch32-ema-30ep", **{"train.batch_size": 32, "train.ema_decay": 0.999, "train.ema_warmup": 500, "train.epochs": 30})
_variant("batch32-ema995-24ep", **{"train.batch_size": 32, "train.ema_decay": 0.995, "train.ema_warmup": 300, "train.epochs": 24})
_SN_BATCH32 = {"train.batch_size": 32, "train.ema_decay": 0.995, "train.ema_warmup": 300, "model.spectral_norm": True}
_variant("batch32-sn-ema995-24ep", **_SN_BATCH32, **{"train.epochs": 24})
_variant("batch32-sn-ema995", **_SN_BATCH32)
_variant("batch32-sn-ema995-hinge", **_SN_BATCH32, **{"train.loss": "hinge"})
# Wider players (both: model.width is shared) and TTUR as Heusel et al. ran it (D faster than G).
_variant("batch32-sn-ema995-w96", **_SN_BATCH32, **{"model.width": 96, "train.epochs": 14})
_variant("batch32-sn-ema995-ttur", **_SN_BATCH32, **{"train.lr_g": 1e-4, "train.lr_d": 4e-4})
# The generator's up-sampling as resize + 3x3 convolution instead of transposed convolutions.
_variant("old-default-resize", **{"model.upsample": "resize"})
_variant("batch32-sn-ema995-resize", **_SN_BATCH32, **{"model.upsample": "resize"})
# Class-conditional players (the digits have labels): G embeds the label, D is a projection
# discriminator (core/models/networks.py); the judge still reads which digit each sample shows.
_variant("batch32-sn-ema995-cond", **_SN_BATCH32, **{"model.conditional": True})
_variant("batch32-sn-ema995-resize-cond", **_SN_BATCH32, **{"model.upsample": "resize", "model.conditional": True})
_variant("ema-40ep", **{"train.ema_decay": 0.999, "train.ema_warmup": 500, "train.epochs": 40})
_variant("diffaug-ema-40ep", **{"train.ema_decay": 0.999, "train.ema_warmup": 500, "train.epochs": 40,
                                "train.augment": "translation,cutout"})
_variant("sn-ema-40ep", **{"train.ema_decay": 0.999, "train.ema_warmup": 500, "train.epochs": 40, "model.spectral_norm": True})


def _configure(preset: str, overrides: dict[str, Any], seed: int | None, epochs: int | None, threads: int):
    from ..core.config import preset_config, set_value, validate

    config = preset_config(preset)
    for key, value in overrides.items():
        set_value(config, key, value)
    if seed is not None:
        config.train.seed = seed
    if epochs is not None:
        config.train.epochs = epochs
    config.train.threads = threads
    validate(config)
    return config


def train_config(config: Any, run_dir: Path, quiet: bool = False) -> tuple[float, float, Any]:
    """Train ``config`` into ``run_dir``; returns (wall seconds, CPU seconds, Finished event)."""
    from ..core.events import Finished
    from ..core.train.trainer import Trainer
    from ..cli.progress import TerminalProgress

    progress = TerminalProgress(quiet=quiet)
    finished = None
    started, cpu_started = time.perf_counter(), time.process_time()
    for event in Trainer.new(config, run_dir).events():
        progress(event)
        if isinstance(event, Finished):
            finished = event
    return time.perf_counter() - started, time.process_time() - cpu_started, finished


def train_preset(name: str, epochs: int, out: Path, quiet: bool = False) -> tuple[Path, float, Any]:
    """Train one preset into ``out/name``; returns (run folder, wall seconds, Finished event)."""
    config = _configure(name, {}, None, epochs, 0)  # threads automatic: all cores but one
    wall, _, finished = train_config(config, out / name, quiet)
    return out / name, wall, finished


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


def balance(histogram: list[int] | None) -> float:
    """The most drawn class's count over the least drawn one's (inf when one is never drawn)."""
    if not histogram:
        return float("nan")
    low = min(histogram)
    return float("inf") if low == 0 else max(histogram) / low


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """``rows``: dicts with preset, model, loss, epochs, wall_s and an evaluate_checkpoint result;
    rows with cpu_s (and seed, load, class_histogram) add the balance, CPU time and load columns."""
    extended = any("cpu_s" in row for row in rows)
    header = ["preset", "model", "loss", "epochs", "checkpoint", "FCD (floor)", "KID", "precision", "recall",
              "modes covered", *(["balance"] if extended else []), "wall time", *(["CPU time", "load"] if extended else [])]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        m = row["metrics"]
        final = row["name"] == "final"
        seed = f" seed {row['seed']}" if "seed" in row else ""
        cells = [
            f"{row['preset']}{seed}", row["model"], row["loss"], str(row["epochs"]),
            f"{row['name']} (epoch {row['epoch']})",
            f"{m['fcd']:.2f} ({m['fcd_floor']:.2f})", f"{m['kid']:.4f}",
            f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['modes_covered']:.0f}/10",
        ]
        if extended:
            cells.append(f"{balance(row.get('class_histogram')):.1f}")
        cells.append(f"{row['wall_s']:.0f} s" if final else "")
        if extended:
            cells += [f"{row['cpu_s']:.0f} s" if final and "cpu_s" in row else "",
                      f"{row['load']:.1f}" if final and "load" in row else ""]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gan_studio.bench.baseline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, help="epochs per run (default: 10 for presets, the variant's own)")
    parser.add_argument("--out", type=Path, help="folder for the runs (default: runs/baseline-<time>)")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--presets", nargs="+", default=None, help=f"presets to train (default: {' '.join(PRESETS)})")
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), help="variants of the default to train instead")
    parser.add_argument("--seeds", nargs="+", type=int, default=None, help="seeds per variant (default: the preset's)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (default: 0, all cores but one)")
    parser.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    return parser


def main(argv: list[str] | None = None) -> int:
    from ..core.errors import GanStudioError

    args = build_parser().parse_args(argv)
    if args.epochs is not None and args.epochs < 1:
        print("baseline: error: --epochs must be at least 1", file=sys.stderr)
        return 2
    out = args.out or Path("runs") / f"baseline-{_dt.datetime.now():%Y%m%d-%H%M%S}"
    if args.variants:
        plan = [(name, *VARIANTS[name]) for name in args.variants]
        epochs = args.epochs
    else:
        plan = [(name, name, {}) for name in args.presets or PRESETS]
        epochs = args.epochs or 10
    seeds = args.seeds or [None]
    rows = []
    try:
        for name, preset, overrides in plan:
            for seed in seeds:
                config = _configure(preset, overrides, seed, epochs, args.threads)
                run_dir = out / (name if seed is None else f"{name}-seed{seed}")
                wall, cpu, finished = train_config(config, run_dir, args.quiet)
                load = os.getloadavg()[0]
                done = finished.epoch if finished else 0
                print(f"{name}: {done} epochs in {wall:.1f} s ({cpu:.0f} CPU s, load {load:.1f}) -> {run_dir}",
                      file=sys.stderr, flush=True)
                for result in evaluate_run(run_dir):
                    row = {"preset": name, "model": config.model.arch, "loss": config.train.loss, "epochs": done,
                           "wall_s": wall, "cpu_s": cpu, "load": load, **result}
                    if seed is not None:
                        row["seed"] = seed
                    rows.append(row)
                    print(markdown_table([row]).splitlines()[-1], file=sys.stderr, flush=True)
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
