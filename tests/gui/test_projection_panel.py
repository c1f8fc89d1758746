"""The projection panel: a job that finds an image's latent, shown live, cancellable."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from gan_studio.core.images import save_png_atomic
from gan_studio.core.latent.projection import ProjectionSettings
from gan_studio.gui.dialogs.export_dialog import ExportSource
from gan_studio.gui.widgets.projection_panel import ProjectionPanel


@pytest.fixture
def digit(tmp_path):
    image = np.zeros((28, 28, 1), np.uint8)
    image[6:22, 12:16] = 255  # a "1"
    return save_png_atomic(image, tmp_path / "one.png")


@pytest.fixture
def panel(qtbot, tiny_run):
    widget = ProjectionPanel()
    qtbot.addWidget(widget)
    widget.settings = ProjectionSettings(steps=40, starts=2, feature_weight=0.0)
    widget.set_source_provider(lambda: ExportSource(source=("path", tiny_run), run_dir=None))
    widget.show()
    yield widget
    assert widget.shutdown()
    assert not widget.is_running()


def test_a_projection_shows_the_image_and_its_redrawing_and_hands_over_the_point(qtbot, panel, digit):
    with qtbot.waitSignal(panel.projected, timeout=30000) as found:
        assert panel.start(digit)
        assert panel.cancel_button.isEnabled() and not panel.choose_button.isEnabled()
    z, label = found.args
    assert z.shape == (100,) and z.dtype == np.float32 and label is None
    assert panel.target_view.image().shape == (28, 28, 1) and panel.result_view.image() is not None
    assert panel.status.text().startswith("Pixel error") and panel.progress.value() == panel.progress.maximum()
    assert panel.choose_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert panel.out_dir is None  # no run folder: nothing written


def test_cancel_stops_it_between_two_steps(qtbot, panel, digit):
    panel.settings = ProjectionSettings(steps=100000, starts=2, feature_weight=0.0)
    with qtbot.waitSignal(panel.projectionCancelled, timeout=30000):
        panel.start(digit)
        qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=30000)
        panel.cancel_button.click()
    assert "Cancelled" in panel.status.text() and panel.choose_button.isEnabled()


def test_a_bad_image_is_one_sentence(qtbot, panel, tmp_path):
    (tmp_path / "notes.png").write_text("not a picture")
    with qtbot.waitSignal(panel.projectionFailed, timeout=30000) as failed:
        panel.start(tmp_path / "notes.png")
    assert failed.args[0].startswith("cannot read image") and "not an image" in panel.status.text()


def test_nothing_to_project_into_yet(qtbot, panel, digit):
    panel.set_source_provider(lambda: ExportSource(source=None))
    assert not panel.start(digit)
    assert "open a run" in panel.status.text()


def test_a_dropped_image_is_projected_and_written_into_the_run(qtbot, panel, digit, tiny_run):
    panel.set_source_provider(lambda: ExportSource(source=("path", tiny_run), run_dir=tiny_run))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(digit))])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(panel.projected, timeout=30000):
        panel.dropEvent(event)
    assert panel.out_dir.parent == tiny_run / "projections" and panel.out_dir.name.startswith("one-")
    assert (panel.out_dir / "reconstruction.json").is_file() and (panel.out_dir / "loss.csv").is_file()
