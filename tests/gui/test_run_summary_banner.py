"""The end-of-run banner, built from plain values: what it says, and what its buttons ask for."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from gan_studio.core.events import FinishReason
from gan_studio.gui.widgets.run_summary_banner import RunSummary, RunSummaryBanner, short_path

RUN = Path(os.path.expanduser("~")) / "runs" / "20261202-140000-default-dcgan"
ROWS = [  # quality.csv rows as RunFolder.read_quality gives them
    {"epoch": 2.0, "step": 156.0, "fcd": 60.5, "fcd_floor": 0.46, "modes_covered": 8.0},
    {"epoch": 4.0, "step": 312.0, "fcd": 21.07, "fcd_floor": 0.46, "modes_covered": 10.0},
    {"epoch": 6.0, "step": 468.0, "fcd": 25.0, "fcd_floor": 0.46, "modes_covered": 10.0},
    {"epoch": 8.0, "step": 624.0, "fcd": math.nan, "fcd_floor": 0.46},  # an evaluation that failed
]


@pytest.fixture
def banner(qtbot):
    widget = RunSummaryBanner()
    qtbot.addWidget(widget)
    return widget


def test_the_summary_names_the_best_epoch_as_best_pt_was_chosen():
    summary = RunSummary.from_quality(RUN, FinishReason.COMPLETED, 8, 8, ROWS)
    assert (summary.best_epoch, summary.best_fcd, summary.fcd_floor) == (4, 21.07, 0.46)
    assert summary.headline() == "Training complete: 8 of 8 epochs."
    assert summary.best_text() == "Best: epoch 4, FCD 21.07 (floor 0.46), kept as checkpoints/best.pt."
    assert summary.status_text() == (
        "Training complete: 8 of 8 epochs · best epoch 4, FCD 21.07 · 20261202-140000-default-dcgan")
    unscored = RunSummary.from_quality(Path("/data/run"), FinishReason.STOPPED, 3, 20, [{"epoch": 3.0, "diversity": 5.0}])
    assert unscored.best_epoch is None and unscored.headline() == "Training stopped: 3 of 20 epochs."
    assert "no best epoch" in unscored.best_text() and unscored.status_text() == "Training stopped: 3 of 20 epochs · run"
    assert short_path(Path("/elsewhere/run")) == "/elsewhere/run"
    # Unlabelled data with an encoder's judge: its rows have no classes, and the score is an FD.
    encoder = RunSummary.from_quality(RUN, FinishReason.COMPLETED, 2, 2, [{"epoch": 2.0, "fcd": 3.5, "fcd_floor": 0.2}])
    assert encoder.best_text() == "Best: epoch 2, FD 3.50 (floor 0.20), kept as checkpoints/best.pt."
    assert "best epoch 2, FD 3.50" in encoder.status_text()


def test_the_banner_shows_where_the_run_is_and_its_best(banner):
    assert banner.isHidden() and banner.summary() is None
    summary = RunSummary.from_quality(RUN, FinishReason.COMPLETED, 8, 8, ROWS)
    banner.show_summary(summary)
    assert not banner.isHidden() and banner.summary() == summary
    assert banner.headline.text() == "Training complete: 8 of 8 epochs."
    assert "epoch 4, FCD 21.07" in banner.best.text()
    assert banner.folder.text() == "Run folder: ~/runs/20261202-140000-default-dcgan"
    assert banner.folder.toolTip() == str(RUN)
    assert [b.text() for b in (banner.open_button, banner.explore_button, banner.train_more_button)] == [
        "Open folder", "Explore", "Train more"]
    assert "#e8f5e9" in banner.styleSheet()  # ended well: green
    banner.show_summary(RunSummary(RUN, FinishReason.DIVERGED, 3, 8))
    assert banner.headline.text() == "Training diverged: 3 of 8 epochs." and "#fff3e0" in banner.styleSheet()


@pytest.mark.parametrize("button,signal", [("open_button", "openFolderRequested"), ("explore_button", "exploreRequested"),
                                           ("train_more_button", "trainMoreRequested")])
def test_each_button_asks_for_its_action_on_the_run_folder(banner, qtbot, button, signal):
    banner.show_summary(RunSummary(RUN, FinishReason.COMPLETED, 8, 8))
    banner.show()
    with qtbot.waitSignal(getattr(banner, signal)) as blocker:
        qtbot.mouseClick(getattr(banner, button), Qt.MouseButton.LeftButton)
    assert blocker.args == [RUN]
    assert not banner.isHidden()  # an action leaves the summary up; only the close button hides it


def test_the_close_button_dismisses_it(banner, qtbot):
    banner.show_summary(RunSummary(RUN, FinishReason.STOPPED, 2, 8))
    with qtbot.waitSignal(banner.dismissed):
        qtbot.mouseClick(banner.close_button, Qt.MouseButton.LeftButton)
    assert banner.isHidden()
    with qtbot.assertNotEmitted(banner.dismissed):
        banner.dismiss()  # already hidden
