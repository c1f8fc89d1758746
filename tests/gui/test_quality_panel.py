from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressBar, QPushButton, QWidget

from gan_studio.core.events import HealthWarning, QualityMeasured
from gan_studio.gui.workers.judge import THREAD_PREFIX
from gan_studio.gui.widgets.quality_panel import QualityPanel

from ..core.shapes import shape_dataset


@pytest.fixture
def panel(qtbot):
    widget = QualityPanel()
    qtbot.addWidget(widget)
    return widget


def digits(epoch: int, fcd: float, modes: int, histogram: list[int], best: bool = False) -> QualityMeasured:
    metrics = {
        "fcd": fcd, "kid": fcd / 100, "precision": 0.5, "recall": 0.25, "modes_covered": float(modes),
        "mean_confidence": 0.9, "fcd_floor": 0.46, "kid_floor": -0.008,
    }
    return QualityMeasured(epoch, epoch * 78, metrics, histogram, best, 0.3)


def warning(kind: str, step: int, title: str) -> HealthWarning:
    return HealthWarning(kind, step, title, f"{title} happened.", f"Fix {title}.")


def test_quality_events_draw_curves_floor_histogram_and_summary(panel):
    panel.add_quality(digits(1, 120.0, 2, [0, 0, 500, 0, 0, 0, 0, 0, 500, 0], best=True))
    panel.add_quality(digits(2, 40.0, 10, [100] * 10, best=True))
    x, y = panel.fcd_plot.curve_data("fcd")
    np.testing.assert_array_equal(x, [1, 2])
    np.testing.assert_array_equal(y, [120.0, 40.0])
    np.testing.assert_array_equal(panel.pr_plot.curve_data("recall")[1], [0.25, 0.25])
    np.testing.assert_array_equal(panel.floor_data()[1], [0.46, 0.46])
    assert panel.histogram_counts() == [100] * 10
    assert panel.modes_label.text() == "Modes covered 10/10 · mean confidence 0.90"
    assert "FCD 40.00" in panel.summary.text() and "best" in panel.summary.text()
    assert panel.fcd_plot.isVisibleTo(panel) and not panel.diversity_plot.isVisibleTo(panel)
    assert "FCD" in panel.help.text()


def test_other_data_shows_diversity_instead_of_the_judge(panel):
    metrics = {"diversity": 5.0, "memorisation": 3.0, "diversity_real": 6.0, "memorisation_real": 3.5}
    panel.add_quality(QualityMeasured(1, 10, metrics, None, False, 0.2))
    np.testing.assert_array_equal(panel.diversity_plot.curve_data("diversity_real")[1], [6.0])
    np.testing.assert_array_equal(panel.memorisation_plot.curve_data("memorisation")[1], [3.0])
    assert panel.diversity_plot.isVisibleTo(panel) and not panel.histogram.isVisibleTo(panel)
    assert "Diversity" in panel.help.text() and "diversity 5.000" in panel.summary.text()


def test_warnings_are_listed_newest_first_with_the_suggestion_in_the_tooltip(panel):
    panel.add_warning(warning("d_winning", 200, "The discriminator is winning"))
    panel.add_warning(warning("diverged", 900, "Training diverged"))
    assert panel.warning_count() == 2
    top = panel.warnings.item(0)
    assert top.text() == "Training diverged (step 900)"
    assert "Training diverged happened." in top.toolTip() and "Fix Training diverged." in top.toolTip()
    assert not top.icon().isNull()


def test_set_history_replaces_everything_and_clear_empties(panel):
    panel.add_quality(digits(1, 120.0, 2, [1000] + [0] * 9))
    panel.add_warning(warning("d_winning", 5, "old"))
    rows = [
        {"epoch": 3.0, "step": 234.0, "seconds": 0.3, "fcd": 30.0, "kid": 0.1, "precision": 0.7, "recall": 0.6,
         "modes_covered": 9.0, "mean_confidence": 0.8, "fcd_floor": 0.46, "kid_floor": 0.0, "class_histogram": [100] * 9 + [0]},
        {"epoch": 6.0, "step": 468.0, "seconds": 0.3, "fcd": 35.0, "kid": 0.1, "precision": 0.7, "recall": 0.6,
         "modes_covered": 9.0, "mean_confidence": 0.8, "fcd_floor": 0.46, "kid_floor": 0.0, "class_histogram": [0] + [100] * 9},
    ]
    records = [{"kind": "mode_collapse", "step": 100, "title": "Mode collapse", "message": "m", "suggestion": "s"},
               {"kind": "oscillation", "step": 400, "title": "Oscillating", "message": "m", "suggestion": "s"}]
    panel.set_history(rows, records)
    np.testing.assert_array_equal(panel.fcd_plot.curve_data("fcd")[0], [3, 6])
    assert panel.histogram_counts() == [0] + [100] * 9
    assert [panel.warnings.item(i).text() for i in range(2)] == ["Oscillating (step 400)", "Mode collapse (step 100)"]
    assert "Epoch 6" in panel.summary.text() and "best" not in panel.summary.text()  # 30 at epoch 3 was better
    panel.clear()
    assert panel.fcd_plot.point_count() == 0 and panel.warning_count() == 0
    assert panel.histogram_counts() == [0] * 10 and panel.floor_data()[0].size == 0
    assert panel.modes_label.text() == ""


def test_every_control_is_named_for_assistive_technology(panel):
    for name in ("fcdPlot", "precisionRecallPlot", "diversityPlot", "memorisationPlot", "classHistogram",
                 "modesLabel", "healthList", "qualityHelp", "qualitySummary", "trainJudgeButton", "judgeProgress",
                 "cancelJudgeButton", "judgeStatus"):
        child = panel.findChild(QWidget, name)
        assert child is not None, name
        assert child.accessibleName() and child.toolTip(), name


# -- a judge for the user's labelled data ---------------------------------------------------------


@pytest.fixture
def worker(tmp_path):
    from gan_studio.gui.workers.judge import JudgeWorker

    judge_worker = JudgeWorker(root=tmp_path / "judges", epochs=8)
    yield judge_worker
    assert judge_worker.shutdown()
    assert not [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]  # joined


def test_the_judge_row_shows_only_for_labelled_data_without_a_judge(panel):
    button = panel.findChild(QPushButton, "trainJudgeButton")
    assert not button.isVisibleTo(panel)  # nothing loaded yet
    panel.set_dataset_info(True, False, "180 images, 16×16×1, 3 classes")
    assert button.isVisibleTo(panel) and button.isEnabled() and "180 images" in panel.judge_status.text()
    assert not panel.findChild(QProgressBar, "judgeProgress").isVisibleTo(panel)
    panel.set_dataset_info(True, True, "5000 images, 28×28×1, 10 classes")
    assert not panel.judge_row.isVisibleTo(panel)
    panel.set_dataset_info(False, False, "300 images, 64×64×3, unlabelled")
    assert not panel.judge_row.isVisibleTo(panel)


def test_the_button_trains_a_judge_and_the_panel_shows_its_accuracy(panel, worker, qtbot):
    dataset = shape_dataset()
    panel.bind_judge_worker(worker)
    panel.trainJudgeRequested.connect(lambda: worker.train(dataset, threads=1))
    with qtbot.waitSignal(worker.inspected) as inspected:
        worker.inspect(dataset)
    assert inspected.args == [True, False, dataset.summary()]
    progress = []
    worker.progress.connect(lambda done, total: progress.append((done, total)))
    with qtbot.waitSignal(worker.finished, timeout=30000) as finished:
        qtbot.mouseClick(panel.train_judge_button, Qt.MouseButton.LeftButton)
        assert panel.judge_progress.isVisibleTo(panel) and panel.cancel_judge_button.isVisibleTo(panel)
        assert not panel.train_judge_button.isVisibleTo(panel) and panel.is_training_judge()
    result = finished.args[0]
    assert progress and progress[-1][0] == progress[-1][1] == panel.judge_progress.value()
    assert result["accuracy"] > 0.9 and result["num_classes"] == 3 and result["heldout"] == 18
    assert f"{result['accuracy']:.1%} accuracy on 18 held-out images" in panel.judge_status.text()
    assert panel.judge_row.isVisibleTo(panel) and not panel.judge_progress.isVisibleTo(panel)
    assert not panel.is_training_judge()
    with qtbot.waitSignal(worker.inspected) as inspected:
        worker.inspect(dataset)
    assert inspected.args[:2] == [True, True]  # the judge is found by the data's fingerprint now
    assert "accuracy" in panel.judge_status.text()  # still shown: the same data


def test_cancel_stops_the_training_and_saves_nothing(panel, worker, qtbot, tmp_path):
    worker.epochs = 10_000  # far longer than the test: only cancelling ends it
    panel.bind_judge_worker(worker)
    panel.set_dataset_info(True, False, "180 images")
    panel.trainJudgeRequested.connect(lambda: worker.train(shape_dataset(), threads=1))
    with qtbot.waitSignal(worker.progress, timeout=30000):
        panel.train_judge_button.click()
    assert not worker.train(shape_dataset())  # one at a time
    with qtbot.waitSignal(worker.cancelled, timeout=30000):
        qtbot.mouseClick(panel.cancel_judge_button, Qt.MouseButton.LeftButton)
    assert not worker.is_training() and not (tmp_path / "judges").exists()
    assert "cancelled" in panel.judge_status.text() and panel.train_judge_button.isEnabled()
    assert panel.train_judge_button.isVisibleTo(panel)


def test_the_button_trains_a_judge_without_labels_for_unlabelled_data(panel, worker, qtbot):
    dataset = shape_dataset(per_class=40)  # 120 images
    dataset.labels, dataset.class_names = None, []
    worker.epochs = 2
    panel.bind_judge_worker(worker)
    panel.trainJudgeRequested.connect(lambda: worker.train(dataset, threads=1))
    with qtbot.waitSignal(worker.inspected) as inspected:
        worker.inspect(dataset)
    assert inspected.args == [True, False, dataset.summary()]  # unlabelled, and still offered a judge
    assert panel.train_judge_button.isVisibleTo(panel) and "unlabelled" in panel.judge_status.text()
    with qtbot.waitSignal(worker.finished, timeout=60000) as finished:
        qtbot.mouseClick(panel.train_judge_button, Qt.MouseButton.LeftButton)
        assert panel.judge_progress.isVisibleTo(panel) and panel.cancel_judge_button.isVisibleTo(panel)
    result = finished.args[0]
    assert result["kind"] == "ssl" and result["num_classes"] == 0 and result["heldout"] == 24
    assert "contrastive encoder" in panel.judge_status.text() and "FD floor" in panel.judge_status.text()
    with qtbot.waitSignal(worker.inspected) as inspected:
        worker.inspect(dataset)
    assert inspected.args[:2] == [True, True]


def test_an_encoders_rows_show_distance_precision_recall_diversity_and_copies(panel):
    metrics = {"fcd": 4.0, "kid": 0.1, "precision": 0.8, "recall": 0.6, "fcd_floor": 1.2, "kid_floor": 0.0,
               "diversity": 5.0, "diversity_real": 6.0, "memorisation": 2.0, "memorisation_real": 2.2}
    panel.add_quality(QualityMeasured(1, 10, metrics, None, True, 0.2))
    for name in ("fcd_plot", "pr_plot", "diversity_plot", "memorisation_plot"):
        assert getattr(panel, name).isVisibleTo(panel), name
    assert not panel.histogram.isVisibleTo(panel) and not panel.modes_label.isVisibleTo(panel)
    assert panel.summary.text().startswith("Epoch 1: FD 4.00 (floor 1.20), precision 0.80, recall 0.60")
    assert "best so far" in panel.summary.text() and "without labels" in panel.help.text()
    assert "(FD)" in panel.fcd_plot.getPlotItem().titleLabel.text


def test_a_users_judge_shows_its_own_class_count(panel):
    metrics = {"fcd": 3.0, "kid": 0.01, "precision": 0.8, "recall": 0.7, "modes_covered": 2.0,
               "mean_confidence": 0.9, "fcd_floor": 1.0, "kid_floor": 0.0}
    panel.add_quality(QualityMeasured(1, 10, metrics, [500, 0, 500], False, 0.2))
    assert panel.histogram_counts() == [500, 0, 500]
    assert panel.modes_label.text().startswith("Modes covered 2/3")
    panel.clear()
    assert panel.histogram_counts() == [0] * 10
