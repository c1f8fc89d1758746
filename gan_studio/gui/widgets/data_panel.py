"""The "Data" section of the setup panel: choose a source, see real samples and what was loaded.

Loading runs in a :class:`DatasetLoader` (never on the GUI thread); this widget only turns its
results into a preview grid and a line of facts.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.config import BUILTIN_DIGITS, DataConfig
from ...core.data import ImageDataset
from ...core.images import make_grid
from ..workers.dataset_loader import DatasetLoader
from .image_view import ImageView

MAX_RECENT = 8
PREVIEW_COUNT, PREVIEW_COLUMNS = 32, 8
PREVIEW_MAX_HEIGHT = 124
BUILTIN_TEXT = "Built-in digits (MNIST, 5,000)"
FILE_FILTER = "Data (*.npz *.npy *idx3-ubyte *idx3-ubyte.gz train.csv);;All files (*)"
ERROR_STYLE = "color: #c62828;"
# Item data of the two action entries; a real source never looks like these.
OPEN_FOLDER, OPEN_FILE = "action:open-folder", "action:open-file"
_LOADED_PREFIX = re.compile(r"^\d+ images? loaded(, |; |$)")


def source_label(source: str) -> str:
    """What the combo shows for a source: the folder or file name (the full path is the tooltip)."""
    if source == BUILTIN_DIGITS:
        return BUILTIN_TEXT
    return Path(source.rstrip("/\\")).name or source


def facts_text(dataset: ImageDataset) -> str:
    """e.g. "5000 images, 28×28×1, 10 classes · 3 files skipped (2 not an image, 1 empty file)"."""
    # The report's own first phrase repeats the image count, which the summary already gives.
    rest = _LOADED_PREFIX.sub("", dataset.report.summary(), count=1)
    return " · ".join(part for part in (dataset.summary(), rest) if part)


class DataPanel(QWidget):
    sourceChanged = Signal(str)
    datasetReady = Signal(object)  # ImageDataset
    datasetFailed = Signal(str)  # the error sentence, or "Loading cancelled." after the cancel button

    def __init__(self, loader: DatasetLoader | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loader = loader if loader is not None else DatasetLoader(self)
        self._source = BUILTIN_DIGITS
        self._recent: list[str] = []
        self._channels, self._image_size = 1, 28
        self._dataset: ImageDataset | None = None
        self._dataset_key: tuple[str, int, int] | None = None
        self._pending_key: tuple[str, int, int] | None = None
        self._started = False  # nothing loads until the first set_source (or reload)

        self.setAccessibleName("Data")
        self.setAcceptDrops(True)
        self._build()
        self._rebuild_combo()
        self._loader.progress.connect(self._on_progress)
        self._loader.loaded.connect(self._on_loaded)
        self._loader.failed.connect(self._on_failed)

    def _build(self) -> None:
        self.combo = QComboBox(objectName="datasetCombo")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(12)
        self.combo.setToolTip(
            "Training data: the built-in digits, or a folder of images, a folder with train.csv, "
            "an MNIST IDX file or a .npz/.npy file. You can also drop a folder or file here."
        )
        self.combo.setAccessibleName("Training data")
        self.combo.activated.connect(self._on_activated)

        self.preview = ImageView("No data")
        self.preview.setObjectName("dataPreview")
        self.preview.setMinimumHeight(100)
        # The 4 x 8 grid of 28 px digits is 122 px tall at 1x: room for more only pushed the
        # settings below it off a 1280 x 800 window.
        self.preview.setMaximumHeight(PREVIEW_MAX_HEIGHT)
        self.preview.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.preview.setToolTip("Real samples from the training data, as the model will see them")
        self.preview.setAccessibleName("Preview of the training data")

        self.progress_bar = QProgressBar(objectName="dataProgress")
        self.progress_bar.setToolTip("Images decoded so far")
        self.progress_bar.setAccessibleName("Data loading progress")
        self.cancel_button = QToolButton(objectName="dataCancel", text="Cancel")
        self.cancel_button.setToolTip("Stop loading this data")
        self.cancel_button.setAccessibleName("Cancel loading")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress_row = QWidget(objectName="dataProgressRow")
        row = QHBoxLayout(self.progress_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.progress_bar, 1)
        row.addWidget(self.cancel_button)
        self.progress_row.hide()

        self.facts = QLabel(objectName="dataFacts")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.PlainText)  # paths may hold "<"
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts.setToolTip("What was loaded: images, size, classes, and files that were skipped")
        self.facts.setAccessibleName("Training data facts")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addWidget(self.preview)
        layout.addWidget(self.progress_row)
        layout.addWidget(self.facts)

    # -- public API ----------------------------------------------------------------------------

    def set_source(self, source: str) -> None:
        """Select ``source`` (a path or "builtin:digits"), add it to the recent list, load it."""
        source = source.strip()
        if not source:
            return
        changed = source != self._source
        self._source = source
        if source != BUILTIN_DIGITS:
            self._recent = [source, *(p for p in self._recent if p != source)][:MAX_RECENT]
        self._rebuild_combo()
        if changed:
            self.sourceChanged.emit(source)
        self.reload()

    def source(self) -> str:
        return self._source

    def data_config(self) -> DataConfig:
        """The DataConfig the panel loads: the source with the model form's channels and size."""
        return DataConfig(source=self._source, channels=self._channels, image_size=self._image_size)

    def set_image_options(self, channels: int, image_size: int) -> None:
        """The model form's image shape; reloads when it changes after a source was chosen."""
        if (channels, image_size) == (self._channels, self._image_size):
            return
        self._channels, self._image_size = channels, image_size
        if self._started:
            self.reload()

    def reload(self) -> None:
        """Load the current source with the current options (latest wins)."""
        self._started = True
        config = self.data_config()
        self._pending_key = self._key()
        self._dataset = self._dataset_key = None  # stale until this load succeeds
        self._loader.load(config)
        self._show_loading()

    def cancel(self) -> None:
        """Stop the load in flight (the cancel button); emits datasetFailed("Loading cancelled.")."""
        if not self._loader.is_loading():
            return
        self._loader.cancel()
        self._show_error("Loading cancelled.")

    def is_loading(self) -> bool:
        return self._loader.is_loading()

    def set_recent_sources(self, paths: list[str]) -> None:
        seen: list[str] = []
        for path in paths:
            path = str(path).strip()
            if path and path != BUILTIN_DIGITS and path not in seen:
                seen.append(path)
        self._recent = seen[:MAX_RECENT]
        self._rebuild_combo()

    def recent_sources(self) -> list[str]:
        return list(self._recent)

    def dataset(self) -> ImageDataset | None:
        """The last dataset loaded for the current source and options, else None."""
        return self._dataset if self._dataset_key == self._key() else None

    def set_enabled_for_training(self, enabled: bool) -> None:
        """False while training: the data cannot change under a running trainer."""
        self.combo.setEnabled(enabled)
        self.setAcceptDrops(enabled)

    def shutdown(self) -> None:
        """Stop the loader's threads; call before the window closes."""
        self._loader.shutdown()

    # -- drag and drop -------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if self._dropped_path(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        path = self._dropped_path(event)
        if path is None or not self.combo.isEnabled():
            event.ignore()
            return
        event.acceptProposedAction()
        self.set_source(path)

    @staticmethod
    def _dropped_path(event: QDragEnterEvent | QDropEvent) -> str | None:
        mime = event.mimeData()
        if mime is None or not mime.hasUrls():
            return None
        local = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
        return os.path.normpath(local[0]) if local else None

    # -- combo ---------------------------------------------------------------------------------

    def _rebuild_combo(self) -> None:
        # The chosen source is always listed, even when it came from outside the recent list.
        recent = list(self._recent)
        if self._source != BUILTIN_DIGITS and self._source not in recent:
            recent.insert(0, self._source)
        combo = self.combo
        combo.blockSignals(True)
        combo.clear()
        tip = Qt.ItemDataRole.ToolTipRole
        combo.addItem(BUILTIN_TEXT, BUILTIN_DIGITS)
        combo.setItemData(0, "5,000 real MNIST digits (LeCun, Cortes, Burges; CC BY-SA 3.0)", tip)
        for path in recent:
            combo.addItem(source_label(path), path)
            combo.setItemData(combo.count() - 1, path, tip)
        combo.insertSeparator(combo.count())
        combo.addItem("Open folder…", OPEN_FOLDER)
        combo.setItemData(combo.count() - 1, "Choose a folder of images, or one with train.csv", tip)
        combo.addItem("Open file…", OPEN_FILE)
        combo.setItemData(combo.count() - 1, "Choose an IDX, .npz or .npy file", tip)
        combo.setCurrentIndex(max(0, combo.findData(self._source)))
        combo.blockSignals(False)

    def _on_activated(self, index: int) -> None:
        data = self.combo.itemData(index)
        if data in (OPEN_FOLDER, OPEN_FILE):
            path = self._ask_path(folder=data == OPEN_FOLDER)
            if path:
                self.set_source(path)
            else:  # the dialog was cancelled: back to what was chosen before
                self.combo.setCurrentIndex(max(0, self.combo.findData(self._source)))
        elif isinstance(data, str) and data != self._source:
            self.set_source(data)

    def _ask_path(self, folder: bool) -> str:
        start = str(Path.home())
        if self._source != BUILTIN_DIGITS:
            here = Path(os.path.expanduser(self._source))
            start = str(here if here.is_dir() else here.parent)
        if folder:
            return QFileDialog.getExistingDirectory(self, "Choose a folder of training images", start)
        path, _ = QFileDialog.getOpenFileName(self, "Choose a training data file", start, FILE_FILTER)
        return path

    # -- loader results ------------------------------------------------------------------------

    def _key(self) -> tuple[str, int, int]:
        return (self._source, self._channels, self._image_size)

    def _show_loading(self) -> None:
        self.preview.set_image(None)
        self.preview.set_placeholder("Loading…")
        self.progress_bar.setRange(0, 0)  # busy until the first count arrives
        self.progress_row.show()
        self._set_facts(f"Loading {source_label(self._source)}…", error=False)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(done)

    def _on_loaded(self, dataset: ImageDataset) -> None:
        self.progress_row.hide()
        self._dataset, self._dataset_key = dataset, self._pending_key
        images = dataset.preview(PREVIEW_COUNT)
        if len(images):
            rows = min(PREVIEW_COUNT // PREVIEW_COLUMNS, math.ceil(len(images) / PREVIEW_COLUMNS))
            self.preview.set_image(make_grid(images, rows=rows, columns=PREVIEW_COLUMNS, padding=2, background=80))
        self._set_facts(facts_text(dataset), error=False)
        self.datasetReady.emit(dataset)

    def _on_failed(self, message: str) -> None:
        self._show_error(message)

    def _show_error(self, message: str) -> None:
        self.progress_row.hide()
        self.preview.set_image(None)
        self.preview.set_placeholder("No data")
        self._set_facts(message, error=True)
        self.datasetFailed.emit(message)

    def _set_facts(self, text: str, error: bool) -> None:
        self.facts.setText(text)
        self.facts.setStyleSheet(ERROR_STYLE if error else "")
        self.facts.setProperty("error", error)
