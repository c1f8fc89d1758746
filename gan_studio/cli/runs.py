"""``gan-studio runs``: every run in the runs folders, as a table or as JSON.

    gan-studio runs                  # ./runs (where `train` puts runs) and the window's runs folder
    gan-studio runs ~/experiments --json

No torch, no Qt: the summaries come from the files training appends to (core/runs/catalogue.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..core.runs.catalogue import RunSummary, scan
from ..core.runs.folder import default_runs_dir

COLUMNS = (("name", 28), ("preset", 11), ("data", 30), ("epochs", 9), ("best", 12), ("last change", 16), ("status", 10))


def add_runs_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "runs", help="list the runs in the runs folders",
        description="List every run in the given folders (default: ./runs and the window's runs folder), "
        "with its preset, data, epochs, best quality score, last change and status (training, finished, stopped).",
    )
    parser.add_argument("folders", nargs="*", type=Path, metavar="FOLDER", help="folders to look in (and two levels below)")
    parser.add_argument("--json", action="store_true", help="print JSON: {folders, runs: [...], problems: [...]}")
    return parser


def default_folders() -> list[Path]:
    return [Path("runs"), default_runs_dir()]


def run_runs(args: argparse.Namespace) -> int:
    folders = args.folders or default_folders()
    catalogue = scan(folders)
    if args.json:
        print(json.dumps({
            "folders": [str(Path(f).expanduser()) for f in folders],
            "runs": [run.to_json() for run in catalogue.runs],
            "problems": [{"path": str(path), "error": message} for path, message in catalogue.problems],
        }, indent=2))
        return 0
    for path, message in catalogue.problems:
        print(f"skipped {path}: {message}", file=sys.stderr)
    if not catalogue.runs:
        print(f"no runs in {', '.join(str(f) for f in folders)}")
        return 0
    print("  ".join(title.ljust(width) for title, width in COLUMNS).rstrip())
    for run in catalogue.runs:
        print("  ".join(_cut(value, width).ljust(width) for value, (_, width) in zip(_row(run), COLUMNS)).rstrip())
    return 0


def _row(run: RunSummary) -> list[str]:
    return [run.name, run.preset, run.data, f"{run.epochs_done}/{run.epochs_planned}", run.best_text,
            run.last_change_text(), run.status_text]


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
