"""The window at its default size, 1280 x 800 (and on a 1920 x 1080 screen): the Setup panel fits
without scrolling, the epoch grid fills its area with crisp pixels, the legends leave the curves
alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject, QRect, QSize, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QInputDialog, QWidget

from .helpers import drawn_pixels, legend_clear_of_the_data

LOSS_SETTINGS = ("lossCombo", "scheduleCombo", "dStepsSpin", "labelSmoothingSpin", "emaSpin")
MOST_USED = ("datasetCombo", "dataPreview", "presetCombo", "modelCombo", "epochsSpin", "batchSpin", "lrGSpin", "lrDSpin")


def test_the_default_size_is_1280_by_800(window):
    assert window.size() == QSize(1280, 800)


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_the_setup_panel_fits_without_scrolling_with_the_loss_settings_in_view(window, qtbot, size):
    window.resize(*size)
    panel = window.setup
    qtbot.waitExposed(window)
    # The scroll bar goes once the layout has settled (it shows while the first layout runs).
    def settled() -> bool:
        viewport = panel.viewport()
        return viewport.height() >= size[1] - 120 and viewport.width() == panel.widget().width() and not panel.needs_scrolling()

    try:
        qtbot.waitUntil(settled, timeout=5000)
    except AssertionError:
        pytest.fail(f"the Setup panel scrolls: viewport {panel.viewport().size()}, needs {panel.widget().sizeHint()}")
    view = QRect(0, 0, panel.viewport().width(), panel.viewport().height())
    for name in LOSS_SETTINGS + MOST_USED:
        control = panel.findChild(QWidget, name)  # the panel's: the Playground tab has a lossCombo too
        assert control.isVisible(), name
        assert view.contains(QRect(control.mapTo(panel.viewport(), control.rect().topLeft()), control.size())), name


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_the_epoch_grid_fills_its_area_nearest_neighbour(window, qtbot, size):
    window.resize(*size)
    # An 8 x 8 grid of 28 px digits with 2 px gaps: 242 px, drawn at 1x before.
    grid = (np.random.default_rng(0).random((242, 242, 1)) > 0.5).astype(np.uint8) * 255
    window.page.timeline.add_epoch(1, grid)
    view = window.page.sample_grid
    qtbot.waitUntil(lambda: view.width() > 400)
    rect = view.target_rect()
    assert rect.width() == min(view.width(), view.height()) and rect.width() > 1.6 * 242
    assert set(np.unique(drawn_pixels(view))) == {0, 255}  # nothing blended: crisp


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_the_legends_stay_off_the_curves(window, qtbot, size):
    window.resize(*size)
    steps = np.arange(1, 400)
    window.page.append_columns(steps, {"d_loss": 1 + np.sin(steps / 30), "g_loss": 2 + np.cos(steps / 20),
                                       "d_real": 0.5 + 0.4 * np.sin(steps / 25), "d_fake": 0.3 + 0.1 * np.cos(steps / 9)})
    for plot in (window.page.loss_plot, window.page.prob_plot):
        plot.flush()
        qtbot.waitUntil(lambda plot=plot: plot.getPlotItem().vb.sceneBoundingRect().height() > 150)
        assert legend_clear_of_the_data(plot), plot.objectName()


class UrlCatcher(QObject):
    """Stands in for the file manager: QDesktopServices hands it the URLs it would open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_the_end_of_a_run_is_summed_up_with_what_to_do_next(qtbot, window, quick_config, monkeypatch):
    window.form.set_config(quick_config)
    assert window.banner.isHidden()
    with qtbot.waitSignal(window.trainingFinished, timeout=120000):
        window.start_training()
    banner = window.banner
    qtbot.waitUntil(lambda: not banner.isHidden(), timeout=30000)  # once the run folder is read
    summary = banner.summary()
    run_dir = window.controller.run_dir
    assert summary.run_dir == run_dir and (summary.epochs_done, summary.total_epochs) == (1, 1)
    assert summary.best_epoch == 1 and summary.best_fcd > 0  # the judge scored the built-in digits
    assert banner.headline.text() == "Training complete: 1 of 1 epochs."
    assert run_dir.name in banner.folder.text() and banner.folder.toolTip() == str(run_dir)
    assert window.statusBar().currentMessage() == summary.status_text()
    assert "best epoch 1, FCD" in summary.status_text() and run_dir.name in summary.status_text()
    # QStatusBar paints its message left of the permanent widgets: room to read it beside the facts.
    assert window.status.geometry().left() > 400
    assert window.status.eta_label.isHidden() and window.status.speed_label.isHidden()  # stale once it ended
    # The banner sits above the tabs, in full view, its buttons too.
    assert banner.geometry().bottom() < window.tabs.geometry().top() + 1
    assert all(b.isVisible() for b in (banner.open_button, banner.explore_button, banner.train_more_button))

    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        qtbot.mouseClick(banner.open_button, Qt.MouseButton.LeftButton)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(url.toLocalFile()) for url in catcher.urls] == [run_dir]
    qtbot.mouseClick(banner.explore_button, Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.explorer

    # Train more: the complete run asks how many more epochs, then resumes it.
    monkeypatch.setattr(QInputDialog, "getInt", lambda *args, **kwargs: (1, True))
    with qtbot.waitSignal(window.trainingFinished, timeout=120000) as blocker:
        qtbot.mouseClick(banner.train_more_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(banner.isHidden)  # a run is going: the summary of the last one goes
    assert blocker.args[0].epoch == 2 and window.controller.run_dir == run_dir
    qtbot.waitUntil(lambda: not banner.isHidden(), timeout=30000)
    assert banner.headline.text() == "Training complete: 2 of 2 epochs."
    with qtbot.waitSignal(banner.dismissed):
        qtbot.mouseClick(banner.close_button, Qt.MouseButton.LeftButton)
    assert banner.isHidden()


def test_which_sections_are_open_is_remembered(qtbot, settings):
    from gan_studio.gui.main_window import MainWindow

    first = MainWindow(settings=settings)
    qtbot.addWidget(first)
    first.form.set_expanded_sections(["Hardware", "Images"])
    first.close()
    second = MainWindow(settings=settings)
    qtbot.addWidget(second)
    assert second.form.expanded_sections() == ["Images", "Hardware"]  # the panel's order
    second.form.set_expanded_sections([])
    second.close()
    third = MainWindow(settings=settings)
    qtbot.addWidget(third)
    assert third.form.expanded_sections() == []
    third.close()
