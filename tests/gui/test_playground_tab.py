"""The Playground tab driven by objectName: one player per step, live edits in metrics.csv, reset, load."""

from __future__ import annotations

import torch
from PySide6.QtWidgets import QPushButton, QSpinBox

from gan_studio.core.playground.run import PlaygroundRun
from gan_studio.gui.widgets.playground_tab import PlaygroundTab


def _tab(qtbot, tmp_path) -> PlaygroundTab:
    tab = PlaygroundTab(tmp_path / "runs")
    qtbot.addWidget(tab)
    tab.resize(1100, 700)
    tab.show()
    return tab


def _weights(tab):
    steps = tab.worker.live_trainer.steps
    return [[p.detach().clone() for p in m.parameters()] for m in (steps.g, steps.d)]


def _changed(before, after):
    return [not all(torch.equal(a, b) for a, b in zip(x, y)) for x, y in zip(before, after)]


def _press_and_wait(qtbot, tab, name, d_updates, g_updates):
    tab.findChild(QPushButton, name).click()
    qtbot.waitUntil(lambda: tab.canvas.frame is not None
                    and (tab.canvas.frame.d_updates, tab.canvas.frame.g_updates) == (d_updates, g_updates), timeout=60000)


def test_each_step_button_updates_exactly_one_player(qtbot, tmp_path):
    tab = _tab(qtbot, tmp_path)
    tab.controls.batch_spin.setValue(16)
    _press_and_wait(qtbot, tab, "stepDButton", 1, 0)
    before = _weights(tab)
    _press_and_wait(qtbot, tab, "stepGButton", 1, 1)
    middle = _weights(tab)
    assert _changed(before, middle) == [True, False]  # G moved, D did not
    _press_and_wait(qtbot, tab, "stepDButton", 2, 1)
    assert _changed(middle, _weights(tab)) == [False, True]
    _press_and_wait(qtbot, tab, "stepBothButton", 3, 2)
    assert tab.canvas.renders >= 1
    # After the first frame the worker draws them, as the canvas asked, off the GUI thread.
    assert tab.canvas.frame.picture is not None and tab.canvas.frame.picture.views == frozenset(tab.canvas.views)
    tab.stop()
    rows = PlaygroundRun.open(tab.worker.run_dir).read_metrics()
    assert [r["player"] for r in rows] == ["d", "g", "d", "d", "g"]


def test_a_live_edit_reaches_metrics_csv_and_a_run_loads_again(qtbot, tmp_path):
    tab = _tab(qtbot, tmp_path)
    tab.controls.batch_spin.setValue(16)
    _press_and_wait(qtbot, tab, "stepBothButton", 1, 1)
    with qtbot.waitSignal(tab.worker.settingsChanged, timeout=60000):
        tab.findChild(QSpinBox, "playgroundDStepsSpin").setValue(2)
    _press_and_wait(qtbot, tab, "stepBothButton", 3, 2)
    tab.stop()
    run_dir = tab.worker.run_dir
    rows = PlaygroundRun.open(run_dir).read_metrics()
    assert [(r["player"], r["d_steps"]) for r in rows] == [("d", "1"), ("g", "1"), ("d", "2"), ("d", "2"), ("g", "2")]

    tab.load_run(run_dir)
    qtbot.waitUntil(lambda: tab.canvas.frame is not None and tab.canvas.frame.g_updates == 2, timeout=60000)
    assert tab.controls.d_steps_spin.value() == 1  # the run's starting settings; the checkpoint holds 2
    _press_and_wait(qtbot, tab, "stepGButton", 3, 3)
    tab.findChild(QPushButton, "pinButton").click()
    assert tab.before.isVisible() and tab.before.frame.g_updates == 3
    tab.findChild(QPushButton, "playgroundResetButton").click()
    qtbot.waitUntil(lambda: tab.canvas.frame is not None and tab.canvas.frame.g_updates == 0, timeout=60000)
    assert tab.worker.run_dir != run_dir
    # The stopped run's last frame (at 3 + 3 updates) was queued before the new run's first one,
    # so it reached the GUI after Reset had started the new run: dropped, not drawn in its chart.
    _press_and_wait(qtbot, tab, "stepBothButton", 1, 1)
    tab.loss_plot.flush()
    for curve in ("d_loss", "g_loss"):  # the new run's one frame with losses, after its 2 updates
        assert tab.loss_plot.curve_data(curve)[0].tolist() == [2.0]
