"""Export dialog: grids, single images, animations, generator weights and ONNX, written off the GUI thread.

The export runs as a job (workers/jobs.py) that builds its own generator snapshot (torch lives
in the job's thread, never on the GUI thread), reports its progress and is cancelled between
images. Closing the dialog cancels and joins it. Overwriting asks first, through
:meth:`ExportDialog.confirm_overwrite`, which tests replace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QProgressBar, QPushButton,
    QVBoxLayout, QWidget,
)

from ...core.jobs import TaskState
from ...core.latent.bookmarks import Bookmark
from ..controls import named_button
from ..workers.jobs import Jobs, Latest
from ..workers.render import snapshot_of
from .export_options import KINDS, ExportOptions


@dataclass
class ExportSource:
    """What the explorer shows, as plain values: the dialog copies nothing live."""

    source: tuple[str, Any] | None  # ("path", Path) or ("weights", (config_json, shape, classes, weights, epoch))
    run_dir: Path | None = None
    current: np.ndarray | None = None  # the explorer's point, before truncation
    label: int | None = None
    psi: float = 1.0
    seed: int = 0
    bookmarks: list[Bookmark] = field(default_factory=list)
    num_classes: int = 0


def _export(job, source: tuple[str, Any], task: TaskState) -> object:  # noqa: ANN001 - ExportOptions.job's
    """The call into the core, in the job's thread: ``job`` writes the files, cancelled between images."""
    from ...core import export

    return job(export, lambda: snapshot_of(source), task)  # torch: in the export thread only


class ExportDialog(QDialog):
    progressChanged = Signal(int, int)  # done, total
    exportFinished = Signal(object)  # Path, list[Path] or (Path, Path)
    exportFailed = Signal(str)
    exportCancelled = Signal()

    def __init__(self, source: ExportSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export")
        self._source = source
        self._jobs = Jobs(self)
        self._export = Latest(self._jobs)  # one export at a time; a newer one drops an older one's result
        self._run_id = 0
        self._path_edited = False
        self._last_progress = (-1, -1)

        self.options = ExportOptions(source, self)
        self.options.kindChanged.connect(self._on_kind)
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("exportPath")
        self.path_edit.setAccessibleName("Output path")
        self.path_edit.setToolTip("Where to write the export")
        self.path_edit.textEdited.connect(lambda text: setattr(self, "_path_edited", True))
        self.browse_button = self._button("exportBrowse", "Browse…", "Choose where to write the export")
        self.browse_button.clicked.connect(self._browse)
        self.progress = QProgressBar()
        self.progress.setObjectName("exportProgress")
        self.progress.setAccessibleName("Export progress")
        self.progress.setToolTip("How much of the export is written")
        self.progress.setValue(0)
        self.result_label = QLabel("")
        self.result_label.setObjectName("exportResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.start_button = self._button("exportStart", "Export", "Write the export")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = self._button("exportCancel", "Cancel", "Stop the export in progress")
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = self._button("exportClose", "Close", "Close this dialog (an export in progress is cancelled)")
        self.close_button.clicked.connect(self.reject)

        path_row = QHBoxLayout()
        path_row.addWidget(QLabel("Save to"))
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.start_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.options)
        layout.addLayout(path_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.result_label)
        layout.addLayout(buttons)
        self._on_kind(self.options.kind())
        self._set_running(False)

    @staticmethod
    def _button(name: str, text: str, tip: str) -> QPushButton:
        button = named_button(name, text, tip)
        button.setAutoDefault(False)
        return button

    # -- the output path -------------------------------------------------------------------------
    def output_path(self) -> Path | None:
        text = self.path_edit.text().strip()
        return Path(text).expanduser() if text else None

    def set_output_path(self, path: str | Path) -> None:
        self.path_edit.setText(str(path))
        self._path_edited = True

    def _on_kind(self, kind: str) -> None:
        if not self._path_edited:  # follow the kind until the user names a path
            folder = (self._source.run_dir or Path.home()) / "exports"
            self.path_edit.setText(str(folder / KINDS[kind][1]))

    def choose_path(self, kind: str, start: str) -> str:
        """Ask for a path (tests replace this); overwriting is asked about later, by us."""
        options = QFileDialog.Option.DontConfirmOverwrite
        if kind == "images":
            return QFileDialog.getExistingDirectory(self, "Folder for the images", start)
        filters = {"interpolation": "GIF (*.gif);;Animated PNG (*.png)", "progress": "GIF (*.gif);;Animated PNG (*.png)",
                   "weights": "safetensors (*.safetensors)", "onnx": "ONNX (*.onnx)"}.get(kind, "PNG (*.png)")
        return QFileDialog.getSaveFileName(self, "Export to", start, filters, options=options)[0]

    def _browse(self) -> None:
        chosen = self.choose_path(self.options.kind(), self.path_edit.text())
        if chosen:
            self.set_output_path(chosen)

    def confirm_overwrite(self, path: Path) -> bool:
        """Asked before replacing existing files; tests replace it."""
        answer = QMessageBox.question(self, "Replace?", f"{path} already exists. Replace it?")
        return answer == QMessageBox.StandardButton.Yes

    # -- running ---------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return bool(self._jobs.running())

    def start(self) -> bool:
        """Check the path, ask before overwriting, then export in a worker; False when not started."""
        if self.is_running():
            return False
        path = self.output_path()
        if path is None:
            self._show("Choose where to save the export.", error=True)
            return False
        if self._source.source is None:
            self._show("Nothing to export yet: train for one epoch or open a run.", error=True)
            return False
        kind = self.options.kind()
        if problem := self.options.problem(kind):
            self._show(problem, error=True)
            return False
        existing = self.options.existing_target(kind, path)
        if existing is not None and not self.confirm_overwrite(existing):
            self._show("Nothing was written.")
            return False
        job = self.options.job(kind, path, force=existing is not None)
        self._run_id += 1
        self._last_progress = (-1, -1)
        self.progress.setRange(0, 0)  # busy until the first report
        self._show("Exporting…")
        self._set_running(True)
        export = self._export.start(partial(_export, job, self._source.source), name=f"export-{self._run_id}")
        export.progress.connect(self._on_progress)
        export.returned.connect(self._on_finished)
        export.failed.connect(self._on_failed)
        export.cancelled.connect(self._on_cancelled)
        return True

    def cancel(self) -> None:
        self._jobs.stop()

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel and join the export; True when none is left."""
        return self._jobs.shutdown(timeout_ms)

    def done(self, result: int) -> None:  # noqa: D401 - Qt's name; every way of closing ends here
        self.shutdown()
        super().done(result)

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.options.setEnabled(not running)
        self.path_edit.setEnabled(not running)
        self.browse_button.setEnabled(not running)

    def _show(self, text: str, error: bool = False) -> None:
        self.result_label.setStyleSheet("color: #c0392b" if error else "")
        self.result_label.setText(text)

    # -- the export's reports ---------------------------------------------------------------------
    def _on_progress(self, done: int, total: int) -> None:
        if (done, total) != self._last_progress:
            self._last_progress = (done, total)
            self.progress.setRange(0, max(1, total))
            self.progress.setValue(done)
            self.progressChanged.emit(done, total)

    def _on_finished(self, result: object) -> None:
        self._ended(1)
        self._show(_describe_result(result))
        self.exportFinished.emit(result)

    def _on_cancelled(self) -> None:
        self._ended(0)
        self._show("Cancelled. Files written before that are kept.")
        self.exportCancelled.emit()

    def _on_failed(self, message: str, _details: str) -> None:
        self._ended(0)
        self._show(f"Export failed: {message}", error=True)
        self.exportFailed.emit(message)

    def _ended(self, value: int) -> None:
        self._set_running(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(value)


def _describe_result(result: object) -> str:
    if isinstance(result, list):
        folder = result[0].parent if result else ""
        return f"Wrote {len(result)} image{'s' if len(result) != 1 else ''} to {folder}"
    if isinstance(result, tuple):
        return "Wrote " + " and ".join(str(p) for p in result)
    return f"Wrote {result}"
