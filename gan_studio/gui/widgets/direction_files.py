"""Save and load the explorer's principal directions (JSON, or .npz as GANSpace writes them).

The files are a few kilobytes of numpy and JSON (core/latent/direction_files.py, no torch), so
they are read and written on the GUI thread, as bookmarks are.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QWidget

from ...core.errors import GanStudioError
from ...core.latent.direction_files import Directions, load_directions, save_directions
from ..controls import named_button

FILTERS = "Directions as JSON (*.json);;GANSpace components (*.npz)"


class DirectionFiles(QWidget):
    loaded = Signal(object)  # Directions read from a file, for the current generator
    failed = Signal(str)  # one sentence
    saved = Signal(object)  # the Path written

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._provider: Callable[[], tuple[Directions | None, dict[str, Any]]] | None = None
        self.save_button = self._button("saveDirections", "Save directions…", "Save the principal directions, with the variance each explains (JSON, or .npz as GANSpace writes them)")
        self.load_button = self._button("loadDirections", "Load directions…", "Use directions saved earlier, or found by GANSpace, for this generator")
        self.save_button.clicked.connect(self._save)
        self.load_button.clicked.connect(self._load)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.save_button)
        layout.addWidget(self.load_button)

    _button = staticmethod(named_button)

    def set_provider(self, provider: Callable[[], tuple[Directions | None, dict[str, Any]]]) -> None:
        """``provider()`` gives (the directions on show or None, facts about them: z_dim, generator, epoch, class)."""
        self._provider = provider

    def choose_path(self, saving: bool) -> str:
        """Ask for a file (tests replace this)."""
        if saving:
            return QFileDialog.getSaveFileName(self, "Save directions", str(Path.home() / "directions.json"), FILTERS)[0]
        return QFileDialog.getOpenFileName(self, "Load directions", str(Path.home()), FILTERS)[0]

    def save(self, path: str | Path) -> Path | None:
        directions, about = self._provider() if self._provider is not None else (None, {})
        if directions is None:
            self.failed.emit("There are no directions to save yet.")
            return None
        path = Path(path)
        if path.suffix.lower() not in (".json", ".npz"):
            path = path.with_name(path.name + ".json")
        try:
            written = save_directions(path, directions, {k: v for k, v in about.items() if k != "z_dim"})
        except (GanStudioError, OSError) as error:
            self.failed.emit(f"Cannot save the directions: {error}")
            return None
        self.saved.emit(written)
        return written

    def load(self, path: str | Path) -> Directions | None:
        _, about = self._provider() if self._provider is not None else (None, {})
        try:
            directions, _ = load_directions(path, about.get("z_dim"))
        except GanStudioError as error:
            self.failed.emit(str(error))
            return None
        self.loaded.emit(directions)
        return directions

    def _save(self) -> None:
        if chosen := self.choose_path(saving=True):
            self.save(chosen)

    def _load(self) -> None:
        if chosen := self.choose_path(saving=False):
            self.load(chosen)
