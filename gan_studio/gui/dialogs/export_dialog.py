"""Export dialog: grids, single images, animations and generator weights, written off the GUI thread.

The export runs in a plain Python thread that builds its own generator snapshot (torch lives
there, never on the GUI thread), reports progress through queued signals and polls a cancel flag
between images. Closing the dialog cancels and joins it. Overwriting asks first, through
:meth:`ExportDialog.confirm_overwrite`, which tests replace.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QProgressBar, QPushButton,
    QVBoxLayout, QWidget,
)

from ...core.latent.bookmarks import Bookmark
from ...core.errors import GanStudioError
from ...core.jobs import Cancelled, TaskState
from ..workers.background import emit_from_worker
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


def _snapshot(source: tuple[str, Any]):
    from ...core.latent.snapshot import GeneratorSnapshot  # torch: in the export thread only

    kind, payload = source
    if kind == "path":
        return GeneratorSnapshot.open(payload)
    from ...core.config import RunConfig

    config_json, image_shape, num_classes, weights, epoch = payload
    return GeneratorSnapshot.from_weights(RunConfig.from_json(config_json), image_shape, num_classes, weights, epoch=epoch)


class ExportDialog(QDialog):
    progressChanged = Signal(int, int)  # done, total
    exportFinished = Signal(object)  # Path, list[Path] or (Path, Path)
    exportFailed = Signal(str)
    exportCancelled = Signal()

    _worker_progress = Signal(int, int, int)  # run id, done, total
    _worker_done = Signal(int, str, object)  # run id, "finished"/"failed"/"cancelled", payload

    def __init__(self, source: ExportSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export")
        self._source = source
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._run_id = 0
        self._path_edited = False
        self._last_progress = (-1, -1)
        queued = Qt.ConnectionType.QueuedConnection
        self._worker_progress.connect(self._on_progress, queued)
        self._worker_done.connect(self._on_done, queued)

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
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(text.rstrip("…"))
        button.setToolTip(tip)
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
                   "weights": "safetensors (*.safetensors)"}.get(kind, "PNG (*.png)")
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
        return self._thread is not None and self._thread.is_alive()

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
        existing = self.options.existing_target(kind, path)
        if existing is not None and not self.confirm_overwrite(existing):
            self._show("Nothing was written.")
            return False
        job = self.options.job(kind, path, force=existing is not None)
        self._run_id += 1
        self._cancel = threading.Event()
        self._last_progress = (-1, -1)
        self.progress.setRange(0, 0)  # busy until the first report
        self._show("Exporting…")
        self._thread = threading.Thread(
            target=self._run, args=(self._run_id, job, self._source.source, self._cancel),
            name=f"export-{self._run_id}", daemon=True,
        )
        self._set_running(True)
        self._thread.start()
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel and join the export thread; True when none is left."""
        self._cancel.set()
        if self._thread is not None:
            self._thread.join(timeout_ms / 1000)
        return not self.is_running()

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

    # -- the export thread -----------------------------------------------------------------------
    def _run(self, run_id: int, job, source, cancel: threading.Event) -> None:
        def progress(done: int, total: int) -> None:
            emit_from_worker(self._worker_progress, run_id, int(done), int(total))

        try:
            from ...core import export

            result = job(export, lambda: _snapshot(source), TaskState(progress, cancel=cancel))
        except Exception as error:  # noqa: BLE001 - every failure must reach the dialog as a message
            if cancel.is_set() or isinstance(error, Cancelled):
                emit_from_worker(self._worker_done, run_id, "cancelled", None)
            elif isinstance(error, (GanStudioError, OSError)):
                message = str(error) if isinstance(error, GanStudioError) else f"cannot write: {error.strerror or error}"
                emit_from_worker(self._worker_done, run_id, "failed", message)
            else:
                traceback.print_exc()
                emit_from_worker(self._worker_done, run_id, "failed", f"{type(error).__name__}: {error}")
        else:
            emit_from_worker(self._worker_done, run_id, "finished", result)

    @Slot(int, int, int)
    def _on_progress(self, run_id: int, done: int, total: int) -> None:
        if run_id == self._run_id and (done, total) != self._last_progress:
            self._last_progress = (done, total)
            self.progress.setRange(0, max(1, total))
            self.progress.setValue(done)
            self.progressChanged.emit(done, total)

    @Slot(int, str, object)
    def _on_done(self, run_id: int, outcome: str, payload: object) -> None:
        if run_id != self._run_id:
            return
        if self._thread is not None:
            self._thread.join()  # it has emitted its last signal: ends at once
        self._set_running(False)
        self.progress.setRange(0, 1)
        if outcome == "finished":
            self.progress.setValue(1)
            self._show(_describe_result(payload))
            self.exportFinished.emit(payload)
        elif outcome == "cancelled":
            self.progress.setValue(0)
            self._show("Cancelled. Files written before that are kept.")
            self.exportCancelled.emit()
        else:
            self.progress.setValue(0)
            self._show(f"Export failed: {payload}", error=True)
            self.exportFailed.emit(str(payload))


def _describe_result(result: object) -> str:
    if isinstance(result, list):
        folder = result[0].parent if result else ""
        return f"Wrote {len(result)} image{'s' if len(result) != 1 else ''} to {folder}"
    if isinstance(result, tuple):
        return "Wrote " + " and ".join(str(p) for p in result)
    return f"Wrote {result}"
