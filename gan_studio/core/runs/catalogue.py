"""Every run in some folders, one summary each: what the Runs panel's table and ``gan-studio runs`` show.

A summary is read from the files training appends to (run.json, epochs.csv, quality.csv and the
tail of metrics.csv), never from a checkpoint, so reading needs neither torch nor Qt, and a run
another process is writing right now can be read at any moment: run.json is replaced in one
rename, a CSV row still being written is left out, and a run that cannot be read is reported
as a problem with its sentence instead of failing the scan.

Status: *training* (a process holds the run's lock, lock.py: training, paused or loading),
*finished* (the last session completed its epochs or its time limit), or *stopped* (stopped,
diverged, ran out of memory, or the process ended without saying: killed, crashed). A run made
before runs had a lock counts as training while its files changed within ACTIVE_WINDOW_S.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import math
import os
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import GanStudioError, RunFolderError
from ..jobs import NO_TASK, TaskState, user_message
from .folder import RunFolder
from .lock import LOCK_NAME, run_writer

# A run of a version without the lock, no end recorded, whose files changed this recently is
# taken as being trained: the trainer writes metrics.csv ten times a second, and the slowest epoch
# end seen here (a DCGAN-64 grid, checkpoint and quality evaluation on 2 CPU cores) took ~15 s.
ACTIVE_WINDOW_S = 60.0
STATUSES = ("training", "finished", "stopped")
SCAN_DEPTH = 2  # runs are looked for in the folder, its sub-folders and theirs
_TAIL_BYTES = 4096  # the end of metrics.csv read for its last step: a row is ~100 bytes


@dataclass(frozen=True)
class RunSummary:
    """One row of the runs table (plain values: the window builds its table from these)."""

    path: Path
    name: str  # the folder's name
    preset: str
    model: str  # e.g. "dcgan 28×28×1", "conditional mlp 28×28×1"
    data: str  # the dataset summary run.json recorded, else the config's source
    epochs_done: int
    epochs_planned: int
    steps: int  # the last step metrics.csv holds
    images_seen: int  # real images the steps used
    score_name: str  # "FCD", "FD", or "" when the run was never scored that way
    best_score: float  # the lowest score (NaN when none)
    best_epoch: int  # the epoch it came from (0 when none)
    last_change: float  # POSIX time of the newest write to the run
    status: str  # one of STATUSES
    ended: str  # how the last session ended: completed, stopped, diverged, out_of_memory; "" unknown
    parent: str  # the run (or checkpoint) it started from, "" when none
    created: str  # ISO time run.json gives

    @property
    def best_text(self) -> str:
        return f"{self.score_name} {self.best_score:.2f}" if self.score_name and math.isfinite(self.best_score) else ""

    @property
    def status_text(self) -> str:
        """The status as shown: 'stopped (diverged)' says why a run stopped when it is known."""
        if self.status == "stopped" and self.ended in ("diverged", "out_of_memory"):
            return f"stopped ({self.ended.replace('_', ' ')})"
        return self.status

    def last_change_text(self) -> str:
        return _dt.datetime.fromtimestamp(self.last_change).strftime("%Y-%m-%d %H:%M")

    def to_json(self) -> dict[str, Any]:
        """A JSON object: every field, the path as a string, times as ISO text, NaN as null."""
        values = asdict(self)
        values["path"] = str(self.path)
        values["best_score"] = self.best_score if math.isfinite(self.best_score) else None
        values["last_change"] = _dt.datetime.fromtimestamp(self.last_change).astimezone().isoformat(timespec="seconds")
        return values


@dataclass
class Catalogue:
    """The runs found, and the folders that look like runs but could not be read, with why."""

    runs: list[RunSummary] = field(default_factory=list)
    problems: list[tuple[Path, str]] = field(default_factory=list)


def find_run_folders(folders: Iterable[Path], depth: int = SCAN_DEPTH) -> list[Path]:
    """Folders holding a run.json, in or below ``folders`` (``depth`` levels of sub-folders),
    each once, sorted; hidden folders and a run's own sub-folders are not searched."""
    found: dict[Path, None] = {}

    def visit(folder: Path, level: int) -> None:
        if (folder / "run.json").is_file():
            found.setdefault(folder.resolve(), None)
            return
        if level >= depth:
            return
        try:
            children = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
        except OSError:  # gone, or not readable: nothing to list there
            return
        for child in children:
            visit(child, level + 1)

    for folder in folders:
        visit(Path(folder).expanduser(), 0)
    return sorted(found)


def scan(folders: Iterable[Path], task: TaskState = NO_TASK, now: float | None = None) -> Catalogue:
    """Summaries of every run in ``folders`` (see find_run_folders), with progress and cancel."""
    paths = find_run_folders(folders)
    catalogue = Catalogue()
    for done, path in enumerate(paths):
        task.check("listing the runs was cancelled")
        try:
            catalogue.runs.append(summarise(path, now))
        except (GanStudioError, OSError, ValueError, KeyError, TypeError) as error:
            catalogue.problems.append((path, user_message(error, f"Reading {path}")))
        task.set_progress(done + 1, len(paths))
    return catalogue


def summarise(path: Path, now: float | None = None) -> RunSummary:
    """The summary of one run folder; RunFolderError when it is not a readable run."""
    run = RunFolder.open(path)
    config = run.config
    epochs = [row for row in run.read_epochs() if math.isfinite(row.get("epoch", math.nan))]
    epochs_done = int(max(row["epoch"] for row in epochs)) if epochs else 0
    steps = last_step(run.metrics_path)
    if steps is None:
        steps = int(epochs[-1]["step"]) if epochs and math.isfinite(epochs[-1].get("step", math.nan)) else 0
    score_name, best, best_epoch = best_score(run.read_quality())
    changed = last_change(run)
    ended_record = run.info.get("ended")
    ended = str(ended_record.get("reason", "")) if isinstance(ended_record, dict) else ""
    parent = run.info.get("parent")
    shape = f"{config.data.image_size}×{config.data.image_size}×{config.data.channels}"
    return RunSummary(
        path=run.path,
        name=run.path.name,
        preset=config.preset,
        model=f"{'conditional ' if config.model.conditional else ''}{config.model.arch} {shape}",
        data=str(run.info.get("dataset", {}).get("summary") or _source_name(config.data.source)),
        epochs_done=epochs_done,
        epochs_planned=config.train.epochs,
        steps=steps,
        images_seen=images_seen(run, steps),
        score_name=score_name,
        best_score=best,
        best_epoch=best_epoch,
        last_change=changed,
        status=_status(run.path, ended, changed, epochs_done, config.train.epochs, time.time() if now is None else now),
        ended=ended,
        parent=str(parent.get("run") or parent.get("checkpoint") or "") if isinstance(parent, dict) else "",
        created=str(run.info.get("created", "")),
    )


def _status(path: Path, ended: str, changed: float, done: int, planned: int, now: float) -> str:
    if run_writer(path) is not None:
        return "training"
    if ended:
        return "finished" if ended == "completed" else "stopped"
    if not (path / LOCK_NAME).exists() and now - changed < ACTIVE_WINDOW_S:  # written by a version without the lock
        return "training"
    return "finished" if done >= planned else "stopped"  # killed, or made before ends were recorded


def scored_rows(quality: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """(score name, the quality.csv rows with a score). quality.csv's "fcd" is the Fréchet distance
    in the judge's features: a classifier's FCD (its rows count classes covered), else an
    encoder's FD (data without labels); ("", []) for a run never scored so."""
    rows = [row for row in quality if math.isfinite(row.get("fcd", math.nan)) and math.isfinite(row.get("epoch", math.nan))]
    if not rows:
        return "", []
    return ("FCD" if "modes_covered" in rows[-1] else "FD"), rows


def best_score(quality: list[dict[str, Any]]) -> tuple[str, float, int]:
    """(score name, lowest value, its epoch) over quality.csv's rows; ("", NaN, 0) unscored."""
    name, rows = scored_rows(quality)
    if not rows:
        return "", math.nan, 0
    best = min(rows, key=lambda row: row["fcd"])
    return name, float(best["fcd"]), int(best["epoch"])


def last_step(metrics_path: Path) -> int | None:
    """The step of metrics.csv's last complete row, from its tail only (the file can hold millions)."""
    try:
        with open(metrics_path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - _TAIL_BYTES))
            tail = handle.read()
    except OSError:
        return None
    lines = tail[: tail.rfind(b"\n") + 1].decode("utf-8", errors="replace").splitlines()
    for line in reversed(lines):
        cells = next(csv.reader(io.StringIO(line)), [])
        if len(cells) > 1 and cells[1].isdigit():  # columns: epoch, step, ...
            return int(cells[1])
    return None


def images_seen(run: RunFolder, steps: int) -> int:
    """Real images ``steps`` steps used: full batches, and the smaller last batch of each epoch
    when the run keeps it (train.drop_last off)."""
    config = run.config.train
    count = int(run.info.get("dataset", {}).get("count") or 0)
    if count <= 0 or config.batch_size <= 0:
        return steps * config.batch_size
    per_epoch_steps = count // config.batch_size if config.drop_last else math.ceil(count / config.batch_size)
    if per_epoch_steps <= 0:
        return steps * config.batch_size
    per_epoch_images = per_epoch_steps * config.batch_size if config.drop_last else count
    full, rest = divmod(steps, per_epoch_steps)
    return full * per_epoch_images + rest * config.batch_size


def last_change(run: RunFolder) -> float:
    """The newest modification time among the files training writes."""
    paths = (run.path / "run.json", run.metrics_path, run.epochs_path, run.quality_path, run.last_checkpoint_path)
    times = []
    for path in paths:
        try:
            times.append(path.stat().st_mtime)
        except OSError:
            continue
    return max(times) if times else 0.0


def rename_run(path: Path, new_name: str, now: float | None = None) -> Path:
    """Rename a run folder in place (same parent); one sentence when it cannot be done."""
    path = Path(path)
    name = new_name.strip()
    if not name or name in (".", "..") or any(sep in name for sep in ("/", "\\", os.sep)):
        raise RunFolderError(f"{new_name!r} cannot be a folder name: give a name without slashes")
    target = path.with_name(name)
    if target == path:
        return path
    if target.exists():
        raise RunFolderError(f"cannot rename {path.name} to {name}: {target} already exists")
    if summarise(path, now).status == "training":
        raise RunFolderError(f"{path} is being trained right now; rename it once training has stopped")
    try:
        path.rename(target)
    except OSError as error:
        raise RunFolderError(f"cannot rename {path} to {name}: {error.strerror or error}") from None
    return target


def _source_name(source: str) -> str:
    return "built-in digits" if source.startswith("builtin:") else Path(source).name or source
