"""Project an image: choose or drop one, and a job finds the latent point that redraws it.

The search (core/latent/projection.py) runs as a job of workers/jobs.py that builds its own
generator snapshot, so torch never runs on the GUI thread and the explorer's renderer is never
blocked. It sends the target as the generator sees it, then the reconstruction so far about ten
times a second; Cancel stops it between two steps. When it ends, ``projected`` carries the latent
(and class) to the explorer, which makes it the current point. With a run folder open, the
projection is also written under RUN/projections/ (core/export/projection.py's folder).
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget,
)

from ...core.jobs import TaskState
from ...core.latent.projection import ProjectionPreview, ProjectionSettings  # no torch at import
from ..controls import named_button
from ..workers.jobs import Jobs, Latest
from ..workers.render import snapshot_of
from .image_view import ImageView

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.webp *.gif)"


def _project(source: tuple[str, Any], image: Path, out_dir: Path | None, settings: ProjectionSettings, task: TaskState):
    """The job, in its own thread: the target first (as a partial result), then the search."""
    from ...core.export.projection import check_projection_folder, write_projection
    from ...core.latent.projection import load_target, project

    if out_dir is not None:
        out_dir.parent.mkdir(parents=True, exist_ok=True)  # RUN/projections/, in this thread: disks can be slow
        check_projection_folder(out_dir)
    snapshot = snapshot_of(source)
    target = load_target(image, snapshot.image_shape)
    task.set_partial(target)
    result = project(snapshot, target, settings, task=task)
    if out_dir is not None:
        write_projection(result, snapshot, out_dir, image=image)
    return result


class ProjectionPanel(QGroupBox):
    projected = Signal(object, object)  # z (float32 (z_dim,)), class (int or None): the point found
    projectionFailed = Signal(str)
    projectionCancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Project an image", parent)
        self.setObjectName("projectionPanel")
        self.setAcceptDrops(True)
        self.settings = ProjectionSettings()
        self._source: Callable[[], Any] | None = None  # -> an ExportSource of what the explorer shows
        self._jobs = Jobs(self)
        self._job = Latest(self._jobs)
        self.out_dir: Path | None = None  # where the last projection was written, if anywhere
        self.target_view = ImageView("Drop an image here")
        self.target_view.setObjectName("projectionTarget")
        self.target_view.setToolTip("The image as the generator sees it: cropped to a square and resized")
        self.result_view = ImageView("")
        self.result_view.setObjectName("projectionResult")
        self.result_view.setToolTip("The generator's closest drawing so far")
        for view in (self.target_view, self.result_view):
            view.setMinimumSize(96, 96)
        self.choose_button = self._button("projectButton", "Project an image…", "Choose an image (or drop one here) and find the latent point that redraws it")
        self.choose_button.clicked.connect(self._choose)
        self.cancel_button = self._button("projectCancel", "Cancel", "Stop the projection (the point stays where it was)")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setObjectName("projectionProgress")
        self.progress.setToolTip("Optimisation steps done")
        self.status = QLabel("")
        self.status.setObjectName("projectionStatus")
        self.status.setWordWrap(True)

        views = QGridLayout()
        views.addWidget(QLabel("Image"), 0, 0)
        views.addWidget(QLabel("Redrawn"), 0, 1)
        views.addWidget(self.target_view, 1, 0)
        views.addWidget(self.result_view, 1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_button, 1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(views)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        self._set_running(False)

    _button = staticmethod(named_button)

    def set_source_provider(self, provider: Callable[[], Any]) -> None:
        """``provider()`` gives what to project into: an ExportSource (source, run_dir), as plain values."""
        self._source = provider

    # -- starting and stopping -----------------------------------------------------------------------
    def choose_image(self) -> str:
        """Ask for an image file (tests replace this)."""
        return QFileDialog.getOpenFileName(self, "Image to project", str(Path.home()), IMAGE_FILTER)[0]

    def _choose(self) -> None:
        chosen = self.choose_image()
        if chosen:
            self.start(chosen)

    def start(self, image: str | Path) -> bool:
        """Project ``image`` into the explorer's generator; False when there is none yet."""
        source = self._source() if self._source is not None else None
        if source is None or source.source is None:
            self._show("Train for one epoch or open a run first.", error=True)
            return False
        image = Path(image)
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.out_dir = None if source.run_dir is None else Path(source.run_dir) / "projections" / f"{image.stem}-{stamp}"
        self.target_view.set_image(None)
        self.result_view.set_image(None)
        self.progress.setRange(0, 0)  # busy until the first step
        self._show(f"Projecting {image.name}…")
        self._set_running(True)
        job = self._job.start(partial(_project, source.source, image, self.out_dir, self.settings), name="projection",
                              doing="Projection")
        job.yielded.connect(self._on_partial)
        job.progress.connect(self._on_progress)
        job.returned.connect(self._on_returned)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(self._on_cancelled)
        return True

    def cancel(self) -> None:
        self._jobs.stop()

    def is_running(self) -> bool:
        return bool(self._jobs.running())

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel and join the projection; True when none is left."""
        return self._jobs.shutdown(timeout_ms)

    # -- dropping an image -----------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if self._dropped(event) is not None and self.isEnabled():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        path = self._dropped(event)
        if path is None or self.is_running():
            event.ignore()
            return
        event.acceptProposedAction()
        self.start(path)

    @staticmethod
    def _dropped(event: QDragEnterEvent | QDropEvent) -> str | None:
        mime = event.mimeData()
        local = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()] if mime is not None and mime.hasUrls() else []
        return os.path.normpath(local[0]) if local else None

    # -- the job's reports -----------------------------------------------------------------------------
    def _on_partial(self, value: object) -> None:
        if isinstance(value, ProjectionPreview):
            self.result_view.set_image(value.image)
            self._show(f"Step {value.step} of {value.steps} · loss {value.loss:.4g}")
        elif isinstance(value, np.ndarray):
            self.target_view.set_image(value)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    def _on_returned(self, result) -> None:  # noqa: ANN001 - core.latent.projection.Projection
        self._ended(1)
        self.result_view.set_image(result.image)
        drawn = f" · class {result.label}" if result.label is not None else ""
        saved = f" · saved in {self.out_dir}" if self.out_dir is not None else ""
        self._show(f"Pixel error {result.pixel_error:.1%}{drawn}: now the current point{saved}")
        self.projected.emit(np.array(result.z, np.float32), result.label)

    def _on_failed(self, message: str, _details: str) -> None:
        self._ended(0)
        self._show(message, error=True)
        self.projectionFailed.emit(message)

    def _on_cancelled(self) -> None:
        self._ended(0)
        self._show("Cancelled: the point stays where it was.")
        self.projectionCancelled.emit()

    def _ended(self, value: int) -> None:
        self._set_running(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(value)

    def _set_running(self, running: bool) -> None:
        self.choose_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def _show(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet("color: #c0392b" if error else "")
        self.status.setText(text)
