"""The window at its default size, 1280 x 800 (and on a 1920 x 1080 screen): the Setup panel fits
without scrolling, the epoch grid fills its area with crisp pixels, the legends leave the curves
alone."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QWidget

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
        control = window.findChild(QWidget, name)
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
