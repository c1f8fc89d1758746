from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QProgressBar, QToolButton

from gan_studio.core.config import BUILTIN_DIGITS
from gan_studio.core.jobs import NO_TASK, Cancelled
from gan_studio.gui.workers import dataset_loader
from gan_studio.gui.workers.dataset_loader import THREAD_PREFIX
from gan_studio.gui.widgets.data_panel import BUILTIN_TEXT, MAX_RECENT, OPEN_FOLDER, DataPanel
from gan_studio.gui.widgets.image_view import ImageView


@pytest.fixture
def panel(qtbot):
    panel = DataPanel()
    qtbot.addWidget(panel)
    yield panel
    panel.shutdown()
    assert not [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]


def png_folder(root, count=3, size=12, corrupt=0):
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(root / f"img{i}.png")
    for i in range(corrupt):
        (root / f"bad{i}.png").write_bytes(b"not a png at all")
    return root


def parts(panel):
    return (
        panel.findChild(QComboBox, "datasetCombo"),
        panel.findChild(ImageView, "dataPreview"),
        panel.findChild(QLabel, "dataFacts"),
        panel.findChild(QProgressBar, "dataProgress"),
    )


def test_builtin_digits_show_a_preview_grid_and_facts(qtbot, panel):
    combo, preview, facts, progress = parts(panel)
    assert combo.itemText(0) == BUILTIN_TEXT and combo.itemData(0) == BUILTIN_DIGITS
    assert panel.dataset() is None
    with qtbot.waitSignal(panel.datasetReady) as blocker:
        panel.set_source(BUILTIN_DIGITS)
        assert not progress.parentWidget().isHidden()
    grid = preview.image()
    assert grid.shape == (4 * 30 + 2, 8 * 30 + 2, 1)
    assert grid.min() < grid.max()
    assert facts.text().startswith("5000 images, 28×28×1, 10 classes")
    assert progress.parentWidget().isHidden()
    assert panel.dataset() is blocker.args[0]


def test_a_corrupt_file_is_counted_as_skipped(qtbot, panel, tmp_path):
    folder = png_folder(tmp_path / "pics", count=3, corrupt=1)
    with qtbot.waitSignal(panel.datasetReady):
        panel.set_source(str(folder))
    facts = parts(panel)[2]
    assert facts.text().startswith("3 images, 28×28×1, unlabelled · 1 file skipped")
    assert not facts.property("error")
    assert parts(panel)[1].image().shape == (30 + 2, 8 * 30 + 2, 1)  # one row for three images


def test_an_empty_folder_is_an_error_naming_it(qtbot, panel, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    with qtbot.waitSignal(panel.datasetReady):
        panel.set_source(BUILTIN_DIGITS)
    with qtbot.waitSignal(panel.datasetFailed) as blocker:
        panel.set_source(str(folder))
    _, preview, facts, progress = parts(panel)
    assert str(folder) in blocker.args[0]
    assert facts.text() == blocker.args[0] and facts.property("error") and "color" in facts.styleSheet()
    assert preview.image() is None and progress.parentWidget().isHidden()
    assert panel.dataset() is None


def test_new_image_options_reload_with_the_new_shape(qtbot, panel, tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, images=np.random.default_rng(0).integers(0, 256, (10, 8, 8, 3), dtype=np.uint8))
    panel.set_image_options(3, 16)  # before any source: nothing loads yet
    assert not panel.is_loading()
    with qtbot.waitSignal(panel.datasetReady) as blocker:
        panel.set_source(str(path))
    assert blocker.args[0].images.shape == (10, 16, 16, 3)
    panel.set_image_options(3, 16)  # unchanged: no reload
    assert not panel.is_loading() and panel.dataset() is blocker.args[0]
    with qtbot.waitSignal(panel.datasetReady) as blocker:
        panel.set_image_options(1, 32)
        assert panel.dataset() is None  # the old shape no longer matches
    assert blocker.args[0].images.shape == (10, 32, 32, 1)
    assert panel.data_config().channels == 1 and panel.data_config().image_size == 32


def drop_mime(*urls: QUrl) -> QMimeData:
    mime = QMimeData()
    mime.setUrls(list(urls))
    return mime


def test_dropping_a_folder_loads_it(qtbot, panel, tmp_path):
    folder = png_folder(tmp_path / "dropped")
    buttons, keys = Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    # Events do not own their QMimeData: keep each one referenced while its event lives.
    mime = drop_mime(QUrl.fromLocalFile(str(folder)))
    enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, buttons, keys)
    panel.dragEnterEvent(enter)
    assert enter.isAccepted()
    text = QMimeData()
    text.setText("hello")
    refused = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, text, buttons, keys)
    panel.dragEnterEvent(refused)
    assert not refused.isAccepted()

    drop = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, buttons, keys)
    with qtbot.waitSignals([panel.sourceChanged, panel.datasetReady], order="strict"):
        panel.dropEvent(drop)
    assert panel.source() == str(folder)
    assert panel.recent_sources() == [str(folder)]
    combo = parts(panel)[0]
    assert combo.currentText() == "dropped" and combo.currentData(Qt.ItemDataRole.ToolTipRole) == str(folder)

    panel.set_enabled_for_training(False)  # while training, drops change nothing
    assert not combo.isEnabled()
    other = png_folder(tmp_path / "other")
    other_mime = drop_mime(QUrl.fromLocalFile(str(other)))
    panel.dropEvent(QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, other_mime, buttons, keys))
    assert panel.source() == str(folder) and not panel.is_loading()


def test_recent_sources_are_capped_and_listed_by_name(qtbot, panel, tmp_path):
    paths = [str(tmp_path / f"set{i}") for i in range(10)]
    panel.set_recent_sources([paths[0], "", paths[0], BUILTIN_DIGITS, *paths[1:]])
    assert panel.recent_sources() == paths[:MAX_RECENT]
    combo = parts(panel)[0]
    assert [combo.itemText(i) for i in range(1, 1 + MAX_RECENT)] == [f"set{i}" for i in range(MAX_RECENT)]
    assert combo.itemData(3, Qt.ItemDataRole.ToolTipRole) == paths[2]
    assert combo.currentIndex() == 0 and combo.toolTip() and combo.accessibleName()
    for name in ("dataPreview", "dataFacts", "dataProgress", "dataCancel"):
        child = panel.findChild(object, name)
        assert child.toolTip() and child.accessibleName(), name


def test_open_folder_uses_the_dialog_and_cancel_restores_the_choice(qtbot, panel, tmp_path, monkeypatch):
    folder = png_folder(tmp_path / "chosen")
    answers = ["", str(folder)]
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: answers.pop(0))
    combo = parts(panel)[0]
    action = combo.findData(OPEN_FOLDER)
    combo.setCurrentIndex(action)
    combo.activated.emit(action)  # the dialog is cancelled
    assert combo.currentIndex() == 0 and panel.source() == BUILTIN_DIGITS and not panel.is_loading()

    combo.setCurrentIndex(combo.findData(OPEN_FOLDER))
    with qtbot.waitSignal(panel.datasetReady):
        combo.activated.emit(combo.currentIndex())
    assert panel.source() == str(folder) and combo.currentData() == str(folder)
    assert not answers


@pytest.fixture
def slow(monkeypatch):
    """load_dataset stand-in: "slow" reports 2 of 10, then waits until cancelled."""
    release = threading.Event()
    real = dataset_loader.load_dataset

    def load(config, task=NO_TASK):
        if config.source != "slow":
            return real(config, task)
        task.set_progress(2, 10)
        while not task.is_cancelled():  # polls the cancel flag every few ms, as real readers do per file
            if release.wait(0.005):
                break
        raise Cancelled("loading cancelled")

    monkeypatch.setattr(dataset_loader, "load_dataset", load)
    yield
    release.set()


def test_progress_shows_while_loading_and_cancel_stops_it(qtbot, panel, slow):
    _, preview, facts, progress = parts(panel)
    panel.set_source("slow")
    qtbot.waitUntil(lambda: progress.maximum() == 10 and progress.value() == 2)
    assert not progress.parentWidget().isHidden() and panel.is_loading()
    with qtbot.waitSignal(panel.datasetFailed) as blocker:
        panel.findChild(QToolButton, "dataCancel").click()
    assert blocker.args == ["Loading cancelled."]
    assert progress.parentWidget().isHidden() and not panel.is_loading()
    assert facts.property("error") and preview.image() is None


def test_a_newer_source_replaces_a_slow_load(qtbot, panel, slow):
    ready = []
    panel.datasetReady.connect(ready.append)
    panel.set_source("slow")
    with qtbot.waitSignal(panel.datasetReady):
        panel.set_source(BUILTIN_DIGITS)
    panel.shutdown()
    assert len(ready) == 1 and panel.dataset() is ready[0]
    assert parts(panel)[2].text().startswith("5000 images")
