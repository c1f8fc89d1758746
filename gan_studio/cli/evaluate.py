"""``gan-studio evaluate RUN``: score a run's last and best checkpoints with fresh samples.

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
        help="score a run's last and best checkpoints (FCD, KID, precision, recall, ...)",
        description=(
            "Draw fresh samples from a run's last and best checkpoints and score them: on the built-in "
            "digits, or labelled data with a judge trained by 'gan-studio judge', with the judge (FCD, "
            "KID, precision, recall, classes covered; the FCD floor is real images against real "
            "images), on other data by diversity and distance to the nearest training image."
        ),
    )
    parser.add_argument("run", type=Path, help="a run folder or a checkpoint file")
    parser.add_argument("--n", type=int, default=1000, help="samples per checkpoint (default: %(default)s; FCD compares only at equal n)")
    parser.add_argument("--seed", type=int, default=0, help="noise seed (default: %(default)s, the one training used)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
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


def run_evaluate(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from ..core.quality.evaluate import MIN_SAMPLES, evaluate_checkpoint

    out = out or sys.stdout
    if args.n < MIN_SAMPLES:
        raise ConfigError(f"--n must be at least {MIN_SAMPLES}")
    results: list[dict[str, Any]] = []
    for name, path in checkpoints_of(args.run):
        same = next((r for r in results if Path(r["checkpoint"]).samefile(path)), None)
        # best.pt is often a hard link to last.pt: the same weights score the same, once.
        result = dict(same, checkpoint=str(path)) if same else evaluate_checkpoint(path, n=args.n, seed=args.seed)
        results.append({"name": name, **{k: v for k, v in result.items() if k != "name"}})
    if args.json:
        out.write(json.dumps(_finite(results), indent=2) + "\n")
    else:
        out.write(format_table(results) + "\n")
    return 0


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
    columns = JUDGE_COLUMNS if judge else PIXEL_COLUMNS
    header = ["checkpoint", "epoch", "step", *(title for _, title, _ in columns)]
    rows = [
        [r["name"], str(r["epoch"]), str(r["step"]),
         *(format_value(r["metrics"].get(key), fmt.replace("{classes}", str(r.get("num_classes") or 10))) for key, _, fmt in columns)]
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))) for row in [header, *rows]]
    n = results[0]["n"] if results else 0
    if judge and results[0].get("judge_kind") == "user":
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

