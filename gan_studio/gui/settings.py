"""What the window remembers between sessions (QSettings), behind names instead of string keys."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from ..core.config import RunConfig
from ..core.errors import ConfigError
from ..core.runs.folder import default_runs_dir


class AppSettings:
    def __init__(self, settings: QSettings | None = None) -> None:
        self.qsettings = settings if settings is not None else QSettings("GAN Studio", "GAN Studio")

    def _get(self, key: str, default=None):
        return self.qsettings.value(key, default)

    # window layout
    def geometry(self) -> QByteArray | None:
        return self._get("window/geometry")

    def window_state(self) -> QByteArray | None:
        return self._get("window/state")

    def save_layout(self, geometry: QByteArray, state: QByteArray) -> None:
        self.qsettings.setValue("window/geometry", geometry)
        self.qsettings.setValue("window/state", state)

    def expanded_sections(self, default: list[str]) -> list[str]:
        """Titles of the Setup panel's folding sections that were open (``default`` the first time)."""
        text = self._get("window/expanded_sections")
        try:
            titles = json.loads(str(text)) if text else default
        except ValueError:
            return default
        return [str(t) for t in titles] if isinstance(titles, list) else default

    def set_expanded_sections(self, titles: list[str]) -> None:
        self.qsettings.setValue("window/expanded_sections", json.dumps(list(titles)))  # [] survives INI files

    # the last configuration and data
    def last_config(self) -> RunConfig | None:
        text = self._get("run/config")
        if not text:
            return None
        try:
            return RunConfig.from_json(str(text))
        except ConfigError:
            return None  # written by another version: start from the defaults

    def set_last_config(self, config: RunConfig) -> None:
        self.qsettings.setValue("run/config", config.to_json())

    def recent_sources(self) -> list[str]:
        value = self._get("data/recent", [])
        return [str(v) for v in (value if isinstance(value, list) else [value] if value else [])]

    def set_recent_sources(self, sources: list[str]) -> None:
        self.qsettings.setValue("data/recent", list(sources))

    def runs_dir(self) -> Path:
        return Path(str(self._get("run/runs_dir", str(default_runs_dir()))))

    def run_folders(self) -> list[Path]:
        """Folders the Runs tab lists besides the runs folder."""
        value = self._get("runs/folders", [])
        return [Path(str(v)) for v in (value if isinstance(value, list) else [value] if value else [])]

    def set_run_folders(self, folders: list[str]) -> None:
        self.qsettings.setValue("runs/folders", [str(f) for f in folders])

    def last_opened_dir(self) -> str:
        return str(self._get("run/last_opened_dir", str(self.runs_dir())))

    def set_last_opened_dir(self, path: str) -> None:
        self.qsettings.setValue("run/last_opened_dir", path)

    def sync(self) -> None:
        self.qsettings.sync()
