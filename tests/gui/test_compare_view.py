"""The compare view, built from plain data: curves on shared axes, grids at one epoch, the config diff."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor

from gan_studio.core.runs.compare import RUN_COLOURS, Comparison, RunCurves
from gan_studio.gui.widgets.compare_view import QUALITY, CompareView


def curves(index: int, epochs: int, steps_per_epoch: int, batch: int) -> RunCurves:
    steps = np.arange(1, epochs * steps_per_epoch + 1, dtype=np.float64)
    grids = {e: np.full((20, 20, 1), 10 * e + index, np.uint8) for e in range(1, epochs + 1)}
    return RunCurves(
        path=Path(f"/runs/run{index}"), name=f"run{index}", colour=RUN_COLOURS[index], config={}, parent="",
        epoch=steps / steps_per_epoch, images=steps * batch,
        values={"d_loss": 1 / steps, "g_loss": np.log1p(steps), "d_real": np.full_like(steps, 0.7), "d_fake": np.full_like(steps, 0.3)},
        score_name="FCD", quality_epoch=np.arange(1.0, epochs + 1), quality_images=np.arange(1.0, epochs + 1) * steps_per_epoch * batch,
        quality=np.linspace(50, 20, epochs), grids=grids,
    )


@pytest.fixture
def view(qtbot):
    comparison = Comparison(
        runs=[curves(0, 3, 10, 64), curves(1, 2, 5, 128)],
        diff=[("train.batch_size", ["64", "128"]), ("train.epochs", ["3", "2"])],
    )
    view = CompareView(comparison)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    return view


def test_curves_are_overlaid_by_epoch_or_by_images(view):
    x0, y0 = view.curve_data("d_loss", 0)
    x1, _ = view.curve_data("d_loss", 1)
    assert x0[-1] == 3 and x1[-1] == 2 and len(y0) == 30  # by epoch: both end at their last epoch
    view.set_align("images")
    x0, _ = view.curve_data("d_loss", 0)
    x1, _ = view.curve_data("d_loss", 1)
    assert x0[-1] == 30 * 64 and x1[-1] == 10 * 128  # the same images seen, whatever the batch
    qx, qy = view.curve_data(QUALITY, 1)
    assert list(qx) == [640.0, 1280.0] and list(qy) == [50.0, 20.0]
    assert view.align_box.currentData() == "images"
    view.align_box.setCurrentIndex(0)
    assert view.align() == "epoch"


def test_each_run_has_its_colour(view):
    for key in ("d_loss", QUALITY):
        for index, curve in enumerate(view._curves[key]):
            assert curve.opts["pen"].color() == QColor(RUN_COLOURS[index])
    assert view.diff_table.item(0, 1).foreground().color() == QColor(RUN_COLOURS[1])


def test_grids_side_by_side_at_a_shared_epoch(view):
    assert view.grid_epoch_shown() == 2 and view.epoch_box.maximum() == 2  # run1 has only 2 epochs
    assert [label.text() for label in view.grid_labels] == ["run0 · epoch 2", "run1 · epoch 2"]
    assert view.grid_views[0].image()[0, 0, 0] == 20 and view.grid_views[1].image()[0, 0, 0] == 21
    view.epoch_box.setValue(1)
    assert view.grid_views[1].image()[0, 0, 0] == 11 and view.grid_labels[0].text() == "run0 · epoch 1"


def test_the_config_diff_lists_what_differs(view):
    table = view.diff_table
    assert (table.rowCount(), table.columnCount()) == (2, 2)
    assert table.verticalHeaderItem(0).text() == "train.batch_size" and table.item(0, 1).text() == "128"
    assert table.horizontalHeaderItem(0).text() == "run0"
