"""The window's Runs tab: it lists the runs folder, opens a run, and sets up a run that starts from another."""

from __future__ import annotations

import json
import shutil

import torch

from gan_studio.core.runs.folder import RunFolder


def test_the_runs_tab_opens_a_run_and_starts_a_new_one_from_it(window, qtbot, tiny_run, settings):
    runs_dir = window.settings.runs_dir()
    parent = runs_dir / "parent"
    shutil.copytree(tiny_run, parent)
    window.tabs.setCurrentWidget(window.runs)  # shown: it scans
    qtbot.waitUntil(lambda: window.runs.model.rowCount() == 1, timeout=10000)
    window.runs.table.selectRow(0)
    with qtbot.waitSignal(window.watcher.historyLoaded, timeout=10000):
        window.runs.buttons["open"].click()
    assert window.opened_run.path == parent and window.tabs.currentWidget() is window.page

    window.runs.start_from_selected()
    assert window.opened_run is None and window.form.config().model == RunFolder.open(parent).config.model
    child = runs_dir / "child"
    with qtbot.waitSignal(window.trainingFinished, timeout=60000):
        window.start_training(child)
    record = json.loads((child / "run.json").read_text())["parent"]
    assert record["run"] == str(parent.resolve()) and record["checkpoint"].endswith(".pt")
    assert window._init_from is None  # only the next run starts from it
    assert torch.load(child / "checkpoints" / "last.pt", weights_only=True)["global_step"] > 0
