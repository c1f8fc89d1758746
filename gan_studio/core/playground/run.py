"""A playground run folder: the same contract as a training run (core/runs/folder.py).

    RUN/
      run.json             {"format": 1, "kind": "playground", "config": the PlaygroundConfig, ...}
      metrics.csv          one row per update: which player, its losses, and the settings in force
      checkpoints/last.pt  both players, both optimisers, the random streams, the live settings

No torch here: the window reads runs and their metrics on its GUI thread.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomic
from ..errors import ConfigError, RunFolderError
from .config import PlaygroundConfig

PLAYGROUND_FORMAT = 1
STEP_VALUES = ("d_loss", "g_loss", "d_real", "d_fake")
# The settings each metrics.csv row records, so a live edit shows in the row of the first update it ruled.
RECORDED_SETTINGS = ("loss", "optimizer", "lr_g", "lr_d", "d_steps", "batch_size", "z_dim", "pack", "gp_weight")
METRICS_COLUMNS = ("update", "player", "d_updates", "g_updates", "time_s", *STEP_VALUES, *RECORDED_SETTINGS)


class PlaygroundRun:
    def __init__(self, path: Path, info: dict[str, Any]) -> None:
        self.path = Path(path)
        self.info = info

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.csv"

    @property
    def checkpoints_dir(self) -> Path:
        return self.path / "checkpoints"

    @property
    def last_checkpoint_path(self) -> Path:
        return self.checkpoints_dir / "last.pt"

    @property
    def config(self) -> PlaygroundConfig:
        """The settings the run started with (live edits are in metrics.csv and the checkpoint)."""
        return PlaygroundConfig.from_dict(self.info["config"])

    @classmethod
    def create(cls, path: Path | str, config: PlaygroundConfig, extra: dict[str, Any] | None = None) -> PlaygroundRun:
        path = Path(path).expanduser()
        if (path / "run.json").exists():
            raise RunFolderError(f"{path} already holds a run; resume it or choose another folder")
        if path.exists() and any(path.iterdir()):
            raise RunFolderError(f"{path} is not empty; choose a new or empty folder for the playground run")
        try:
            (path / "checkpoints").mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise RunFolderError(f"cannot create run folder {path}: {error.strerror or error}") from None
        info = {
            "format": PLAYGROUND_FORMAT,
            "kind": "playground",
            "created": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "config": config.to_dict(),
            **(extra or {}),
        }
        run = cls(path, info)
        run.save_info()
        return run

    def save_info(self) -> None:
        write_text_atomic(self.path / "run.json", json.dumps(self.info, indent=2, default=str))

    @classmethod
    def open(cls, path: Path | str) -> PlaygroundRun:
        path = Path(path).expanduser()
        info_path = path / "run.json"
        if not info_path.is_file():
            raise RunFolderError(f"{path} is not a run folder (it has no run.json)")
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise RunFolderError(f"cannot read {info_path}: {error}") from None
        if not isinstance(info, dict) or info.get("kind") != "playground":
            raise RunFolderError(f"{path} is not a playground run (open it in the Training tab, or with gan-studio resume)")
        if info.get("format") != PLAYGROUND_FORMAT or not isinstance(info.get("config"), dict):
            raise RunFolderError(f"{info_path} is not a playground run of a format this version understands")
        run = cls(path, info)
        try:
            run.config  # noqa: B018 - a broken run fails when opened, not later
        except (ConfigError, TypeError) as error:
            raise RunFolderError(f"{info_path}: {error}") from None
        return run

    def last_checkpoint(self) -> Path | None:
        return self.last_checkpoint_path if self.last_checkpoint_path.is_file() else None

    def read_metrics(self) -> list[dict[str, str]]:
        """metrics.csv as one dict of strings per row (the settings columns are not numbers)."""
        if not self.metrics_path.is_file():
            return []
        with self.metrics_path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    def truncate_metrics(self, after_update: int) -> None:
        """Drop the rows after the checkpoint being resumed, so the history has no duplicates."""
        if not self.metrics_path.is_file():
            return
        lines = self.metrics_path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = lines[:1] + [
            line for line in lines[1:]
            if line.endswith("\n") and line.split(",", 1)[0].isdigit() and int(line.split(",", 1)[0]) <= after_update
        ]
        write_text_atomic(self.metrics_path, "".join(kept))
