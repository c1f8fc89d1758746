"""The run folder: the contract between the engine and every face (window, command line, tests).

    RUN/
      run.json               config, package versions, dataset fingerprint, created time
      metrics.csv            one row per step, appended and flushed as training goes
      epochs.csv             one row per epoch: time, means, and later quality metrics
      quality.csv            one row per evaluated epoch: FCD, KID, ... (core/monitor.py)
      health.jsonl           one JSON object per training-health warning (core/health.py)
      samples/epoch-0001.png the fixed-noise grid after each epoch
      checkpoints/last.pt    everything needed to continue exactly; epoch-0005.pt etc. kept too
      checkpoints/best.pt    the epoch with the lowest FCD so far (built-in digits only)
      .lock, .lock.json      the writer's lock and who holds it (runs/lock.py); readers ignore them

Reading a run needs neither torch nor Qt, so the window can open or watch a run that another
process is writing.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import write_text_atomic
from ..config import RunConfig
from ..errors import CheckpointError, ConfigError, GanStudioError, RunFolderError, naming
from ..events import STEP_METRICS
from .lock import LOCK_FILES

RUN_FORMAT = 1
METRICS_COLUMNS = ("epoch", "step", "time_s", *STEP_METRICS, "lr_g", "lr_d")
_SAMPLE_NAME = re.compile(r"epoch-(\d+)\.png$")


def data_home() -> Path:
    """$XDG_DATA_HOME/gan-studio: runs and judges trained for users' data live below it."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "gan-studio"


def default_runs_dir() -> Path:
    """Where runs go when the user names no folder: $XDG_DATA_HOME/gan-studio/runs."""
    return data_home() / "runs"


def new_run_name(config: RunConfig) -> str:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{config.preset}-{config.model.arch}"


class RunFolder:
    """One run on disk. Create it with :meth:`create`, or :meth:`open` an existing one."""

    def __init__(self, path: Path, info: dict[str, Any]) -> None:
        self.path = Path(path)
        self.info = info

    # -- locations ------------------------------------------------------------------------------
    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.csv"

    @property
    def epochs_path(self) -> Path:
        return self.path / "epochs.csv"

    @property
    def quality_path(self) -> Path:
        return self.path / "quality.csv"

    @property
    def health_path(self) -> Path:
        return self.path / "health.jsonl"

    @property
    def samples_dir(self) -> Path:
        return self.path / "samples"

    @property
    def checkpoints_dir(self) -> Path:
        return self.path / "checkpoints"

    @property
    def last_checkpoint_path(self) -> Path:
        return self.checkpoints_dir / "last.pt"

    @property
    def best_checkpoint_path(self) -> Path:
        return self.checkpoints_dir / "best.pt"

    def sample_path(self, epoch: int) -> Path:
        return self.samples_dir / f"epoch-{epoch:04d}.png"

    def epoch_checkpoint_path(self, epoch: int) -> Path:
        return self.checkpoints_dir / f"epoch-{epoch:04d}.pt"

    # -- creating and opening -------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, config: RunConfig, extra: dict[str, Any] | None = None) -> RunFolder:
        path = Path(path).expanduser()
        if (path / "run.json").exists():
            raise RunFolderError(f"{path} already holds a run; resume it or choose another folder")
        if path.exists() and any(p.name not in LOCK_FILES for p in path.iterdir()):  # its writer's lock may be there
            raise RunFolderError(f"{path} is not empty; choose a new or empty folder for the run")
        made: list[Path] = []
        try:
            for folder in (path, path / "samples", path / "checkpoints"):
                if not folder.exists():
                    folder.mkdir(parents=True)
                    made.append(folder)
            info = {
                "format": RUN_FORMAT,
                "created": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "config": config.to_dict(),
                **(extra or {}),
            }
            run = cls(path, info)
            run.save_info()
        except OSError as error:
            for folder in reversed(made):  # leave nothing half-made: the same folder works once fixed
                shutil.rmtree(folder, ignore_errors=True)
            raise RunFolderError(f"cannot create run folder {path}: {error.strerror or error}") from None
        return run

    @classmethod
    def open(cls, path: Path) -> RunFolder:
        path = Path(path).expanduser()
        info_path = path / "run.json"
        if not info_path.is_file():
            raise RunFolderError(f"{path} is not a GAN Studio run folder (it has no run.json)")
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise RunFolderError(f"cannot read {info_path}: {error}") from None
        if not isinstance(info, dict) or info.get("format") != RUN_FORMAT:
            raise RunFolderError(f"{info_path} is not a run of a format this version understands")
        if not isinstance(info.get("config"), dict):
            raise RunFolderError(f"{info_path} holds no run config (\"config\" must be an object)")
        for key in ("dataset", "versions"):  # read with .get() all over: they must be objects
            if not isinstance(info.get(key, {}), dict):
                raise RunFolderError(f"{info_path}: \"{key}\" must be an object, got {type(info[key]).__name__}")
        run = cls(path, info)
        try:
            run.config  # noqa: B018 - validate now so a broken run fails when opened, not later
        except ConfigError as error:
            raise RunFolderError(f"{info_path}: {error}") from None
        return run

    def save_info(self) -> None:
        write_text_atomic(self.path / "run.json", json.dumps(self.info, indent=2, default=str))

    def update_info(self, **values: Any) -> None:
        self.info.update(values)
        self.save_info()

    def record_end(self, reason: str, epoch: int, step: int) -> None:
        """Say in run.json how the session ended (completed, stopped, diverged, out-of-memory)."""
        now = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
        try:
            self.update_info(ended={"reason": reason, "epoch": int(epoch), "step": int(step), "at": now})
        except OSError:
            pass  # a full disk at the very end: the checkpoint matters, this note does not (status reads as stopped)

    @property
    def config(self) -> RunConfig:
        return RunConfig.from_dict(self.info["config"])

    # -- samples and checkpoints ----------------------------------------------------------------
    def sample_paths(self) -> list[tuple[int, Path]]:
        """(epoch, path) of every saved epoch grid, oldest first."""
        found = []
        if self.samples_dir.is_dir():
            for path in self.samples_dir.iterdir():
                match = _SAMPLE_NAME.fullmatch(path.name)
                if match:
                    found.append((int(match.group(1)), path))
        return sorted(found)

    def last_checkpoint(self) -> Path | None:
        path = self.last_checkpoint_path
        return path if path.is_file() else None

    def best_checkpoint(self) -> Path | None:
        """The checkpoint of the epoch with the lowest FCD, when the run has one."""
        path = self.best_checkpoint_path
        return path if path.is_file() else None

    def has_checkpoint(self) -> bool:
        """Whether any checkpoint was ever saved: a run without one has nothing to resume."""
        return self.checkpoints_dir.is_dir() and any(self.checkpoints_dir.glob("*.pt"))

    def remove_stale_temporaries(self) -> None:
        """Temporary files left by a process killed mid-write (never the real files)."""
        for folder in (self.path, self.samples_dir, self.checkpoints_dir):
            if folder.is_dir():
                for path in folder.glob(".*.tmp"):
                    path.unlink(missing_ok=True)

    # -- metrics ----------------------------------------------------------------------------------
    def truncate_metrics(self, after_step: int, after_epoch: int) -> None:
        """Drop rows written after the checkpoint being resumed, so history has no duplicates."""
        tables = (
            (self.metrics_path, "step", after_step),
            (self.epochs_path, "epoch", after_epoch),
            (self.quality_path, "epoch", after_epoch),
        )
        for path, key, limit in tables:
            if not path.is_file():
                continue
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            if not lines:
                continue
            header = next(csv.reader([lines[0]]))
            column = header.index(key)
            kept = [lines[0]]
            for line in lines[1:]:
                cells = next(csv.reader([line]), [])
                if len(cells) == len(header) and line.endswith("\n") and int(cells[column]) <= limit:
                    kept.append(line)
            write_text_atomic(path, "".join(kept))
        if self.health_path.is_file():
            kept = [r for r in self.read_health() if int(r.get("step", 0)) <= after_step]
            write_text_atomic(self.health_path, "".join(json.dumps(r) + "\n" for r in kept))
        for epoch, path in self.sample_paths():
            if epoch > after_epoch:
                path.unlink(missing_ok=True)

    def read_metrics(self) -> dict[str, np.ndarray]:
        """metrics.csv as columns of float64 arrays (empty arrays for a run with no steps yet)."""
        return MetricsReader(self.metrics_path).read_new() or {c: np.empty(0) for c in METRICS_COLUMNS}

    def read_epochs(self) -> list[dict[str, float]]:
        if not self.epochs_path.is_file():
            return []
        return [{k: _number(v) for k, v in row.items()} for row in csv.DictReader(_complete_rows(self.epochs_path))]


    def read_quality(self) -> list[dict[str, Any]]:
        """quality.csv as one dict per evaluated epoch: floats, and ``class_histogram`` as a
        list of ints when the run has one (an empty list if not)."""
        if not self.quality_path.is_file():
            return []
        rows = []
        for row in csv.DictReader(_complete_rows(self.quality_path)):
            histogram = row.pop("class_histogram", None)
            parsed: dict[str, Any] = {k: _number(v) for k, v in row.items() if k is not None}
            if histogram is not None:
                parsed["class_histogram"] = [int(v) for v in histogram.split()] if histogram.strip() else []
            rows.append(parsed)
        return rows

    def append_health(self, record: dict[str, Any]) -> None:
        """Add one warning (a JSON object on its own line) to health.jsonl."""
        with naming(self.health_path), self.health_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")

    def read_health(self) -> list[dict[str, Any]]:
        """health.jsonl as a list of dicts, oldest first; a torn last line is skipped."""
        if not self.health_path.is_file():
            return []
        records = []
        for line in self.health_path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records


def _complete_rows(path: Path) -> io.StringIO:
    """A CSV's text up to its last newline: a row another process is writing right now is left out."""
    text = path.read_text(encoding="utf-8")
    return io.StringIO(text[: text.rfind("\n") + 1], newline="")


def _number(text: str | None) -> float:
    try:
        return float(text) if text not in (None, "") else float("nan")
    except ValueError:
        return float("nan")


CHECKPOINT_CHOICES = ("auto", "last", "best")


def run_class_names(path: Path) -> list[str]:
    """The class names a run folder's run.json records ([] when there are none or it cannot be read)."""
    try:
        names = RunFolder.open(path).info.get("dataset", {}).get("class_names") or []
    except (GanStudioError, OSError):
        return []
    return [str(n) for n in names] if isinstance(names, list) else []


def resolve_checkpoint(source: Path, which: str = "auto") -> Path:
    """The checkpoint a source means: a run folder gives best.pt if present (auto), else last.pt.

    ``which`` is auto, last, best, or a checkpoint path (then ``source`` is ignored). A file
    source is taken as a checkpoint.
    """
    if which not in CHECKPOINT_CHOICES:
        path = Path(which).expanduser()
        if not path.is_file():
            raise CheckpointError(f"checkpoint {path} does not exist")
        return path
    source = Path(source).expanduser()
    if not source.is_dir():
        return source
    run = RunFolder.open(source)
    best = run.checkpoints_dir / "best.pt"
    if which == "best" and not best.is_file():
        raise CheckpointError(f"{source} has no best checkpoint ({best} does not exist)")
    if which != "last" and best.is_file():
        return best
    last = run.last_checkpoint()
    if last is None:
        raise GanStudioError(f"{source} has no checkpoint yet (train at least one epoch)")
    return last


class CsvAppender:
    """Appends rows to a CSV, writing the header if the file is new, flushing every write."""

    def __init__(self, path: Path, columns: tuple[str, ...] | list[str]) -> None:
        self.path = Path(path)
        self.columns = list(columns)
        new = not self.path.exists() or self.path.stat().st_size == 0
        self._handle = self.path.open("a", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle, lineterminator="\n")
        if new:
            self._writer.writerow(self.columns)
            self._handle.flush()

    def write_rows(self, rows: list[list[Any]]) -> None:
        with naming(self.path):  # a full disk: the error names the file
            self._writer.writerows(rows)
            self._handle.flush()

    def close(self) -> None:
        self._handle.close()


class MetricsReader:
    """Reads the rows appended to metrics.csv since the last call: for watching a live run."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._offset = 0
        self._header: list[str] | None = None

    def read_new(self) -> dict[str, np.ndarray] | None:
        """Columns of the complete new rows, or None when nothing new has been written."""
        try:
            with self.path.open("rb") as handle:
                handle.seek(self._offset)
                chunk = handle.read()
        except OSError:
            return None
        end = chunk.rfind(b"\n") + 1  # a row being written right now is left for the next call
        if end == 0:
            return None
        self._offset += end
        lines = chunk[:end].decode("utf-8").splitlines()
        if self._header is None:
            self._header, lines = next(csv.reader([lines[0]])), lines[1:]
        if not lines:
            return None
        width = len(self._header)
        rows = [row for row in csv.reader(io.StringIO("\n".join(lines))) if len(row) == width]
        table = np.array([[_number(cell) for cell in row] for row in rows], dtype=np.float64).reshape(-1, width)
        return {name: table[:, index] for index, name in enumerate(self._header)}
