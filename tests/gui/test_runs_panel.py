"""The Runs tab, built from plain summaries: table, filter, sort, open, rename, delete to the trash, compare."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

from gan_studio.core.config import RunConfig
from gan_studio.core.runs.catalogue import Catalogue, RunSummary, scan
from gan_studio.core.runs.folder import RunFolder
from gan_studio.gui.widgets.runs_panel import RunsPanel


def summary(name: str, *, preset="default", status="finished", epochs=(5, 5), best=math.nan, changed=0.0,
            data="5000 images, 28×28×1, 10 classes", folder=Path("/runs")) -> RunSummary:
    return RunSummary(
        path=folder / name, name=name, preset=preset, model="dcgan 28×28×1", data=data, epochs_done=epochs[0],
        epochs_planned=epochs[1], steps=epochs[0] * 78, images_seen=epochs[0] * 4992, score_name="FCD" if math.isfinite(best) else "",
        best_score=best, best_epoch=epochs[0] if math.isfinite(best) else 0, last_change=1_800_000_000 + changed,
        status=status, ended="completed" if status == "finished" else "", parent="", created="",
    )


RUNS = [
    summary("alpha", best=21.5, changed=30),
    summary("beta", preset="tutorial", status="stopped", epochs=(3, 10), best=210.0, changed=10),
    summary("gamma", preset="hinge", status="training", epochs=(1, 20), changed=50, data="800 images, 32×32×3"),
    summary("delta", preset="lsgan", epochs=(10, 10), changed=20),
]


def make_panel(qtbot, runs_dir: Path, folders=()) -> RunsPanel:
    """A panel whose message boxes fail the test instead of waiting for a click."""
    panel = RunsPanel(runs_dir, list(folders))
    panel.show_problem = lambda title, message: pytest.fail(f"unexpected message: {title}: {message}")
    qtbot.addWidget(panel)
    return panel


@pytest.fixture
def panel(qtbot, tmp_path):
    panel = make_panel(qtbot, tmp_path / "runs")
    panel.set_catalogue(Catalogue(list(RUNS)))
    yield panel
    panel.shutdown()


def shown(panel: RunsPanel, column: int = 0) -> list[str]:
    return [panel.proxy.index(row, column).data() for row in range(panel.proxy.rowCount())]


def select(panel: RunsPanel, *names: str) -> None:
    panel.table.clearSelection()
    for row, name in enumerate(shown(panel)):
        if name in names:
            panel.table.selectionModel().select(
                panel.proxy.index(row, 0),
                panel.table.selectionModel().SelectionFlag.Select | panel.table.selectionModel().SelectionFlag.Rows,
            )


def test_the_table_shows_every_column_newest_first(panel):
    assert shown(panel) == ["gamma", "alpha", "delta", "beta"]  # sorted by last change, newest first
    row = shown(panel).index("beta")
    assert [panel.proxy.index(row, c).data() for c in range(7)][:5] == ["beta", "tutorial", RUNS[1].data, "3 / 10", "FCD 210.00"]
    assert panel.proxy.index(row, 6).data() == "stopped"
    assert panel.summary.text() == "4 runs"


def test_sorting_is_by_value(panel):
    panel.table.sortByColumn(4, panel.table.horizontalHeader().sortIndicatorOrder().AscendingOrder)
    assert shown(panel)[:2] == ["alpha", "beta"]  # FCD 21.5, then 210; unscored runs after
    panel.table.sortByColumn(3, panel.table.horizontalHeader().sortIndicatorOrder().DescendingOrder)
    assert shown(panel)[0] == "delta"  # 10 epochs done
    panel.table.sortByColumn(0, panel.table.horizontalHeader().sortIndicatorOrder().AscendingOrder)
    assert shown(panel) == ["alpha", "beta", "delta", "gamma"]


def test_the_filter_matches_words_and_status(panel):
    panel.filter_edit.setText("32×32")
    assert shown(panel) == ["gamma"]
    panel.filter_edit.setText("TUTORIAL")
    assert shown(panel) == ["beta"]
    panel.filter_edit.setText("")
    panel.status_box.setCurrentIndex(panel.status_box.findData("finished"))
    assert sorted(shown(panel)) == ["alpha", "delta"]
    panel.filter_edit.setText("ls")
    assert shown(panel) == ["delta"]


def test_buttons_follow_the_selection_and_open_emits_the_path(panel, qtbot):
    assert not panel.buttons["open"].isEnabled() and not panel.buttons["compare"].isEnabled()
    select(panel, "alpha")
    assert panel.buttons["open"].isEnabled() and not panel.buttons["compare"].isEnabled()
    with qtbot.waitSignal(panel.openRequested) as opened:
        panel.buttons["open"].click()
    assert opened.args == [Path("/runs/alpha")]
    problems = []
    panel.show_problem = lambda title, message: problems.append(message)
    panel.buttons["start_from"].click()  # /runs/alpha is not on disk: said, not emitted
    assert problems and "not a GAN Studio run folder" in problems[0]
    select(panel, "alpha", "beta", "delta")
    assert panel.buttons["compare"].isEnabled() and not panel.buttons["open"].isEnabled()
    panel.set_catalogue(Catalogue(list(RUNS)))  # a refresh keeps the selection
    assert sorted(run.name for run in panel.selected_runs()) == ["alpha", "beta", "delta"]


def _make_runs(folder: Path, *names: str) -> list[Path]:
    for name in names:
        RunFolder.create(folder / name, RunConfig()).record_end("completed", 0, 0)
    return [folder / name for name in names]


def test_scanning_is_a_job_and_rename_renames_the_folder(qtbot, tmp_path):
    runs = tmp_path / "runs"
    _make_runs(runs, "first", "second")
    extra = tmp_path / "elsewhere"
    _make_runs(extra, "third")
    panel = make_panel(qtbot, runs, [extra])
    with qtbot.waitSignal(panel.scanned, timeout=10000):
        panel.refresh()
    assert sorted(shown(panel)) == ["first", "second", "third"]
    select(panel, "first")
    panel.ask_name = lambda current: "renamed"
    with qtbot.waitSignal(panel.scanned, timeout=10000):
        panel.rename_selected()
    assert (runs / "renamed" / "run.json").is_file() and not (runs / "first").exists()
    assert sorted(shown(panel)) == ["renamed", "second", "third"]
    problems = []
    panel.show_problem = lambda title, message: problems.append(message)
    select(panel, "renamed")
    panel.ask_name = lambda current: "second"
    with qtbot.waitSignal(panel.scanned, timeout=10000):
        panel.rename_selected()
    assert len(problems) == 1 and "already exists" in problems[0]
    panel.shutdown()


def test_delete_asks_then_moves_to_the_trash(qtbot, tmp_path):
    runs = tmp_path / "runs"
    _make_runs(runs, "keep", "drop")
    panel = make_panel(qtbot, runs)
    panel.set_catalogue(scan([runs]))
    select(panel, "drop")
    problems = []
    panel.show_problem = lambda title, message: problems.append(message)
    asked = []
    panel.confirm_delete = lambda chosen: asked.append([r.name for r in chosen]) or False
    panel.delete_selected()
    assert asked == [["drop"]] and (runs / "drop").exists()  # said no: nothing happens
    panel.confirm_delete = lambda chosen: True
    with qtbot.waitSignal(panel.scanned, timeout=10000):
        panel.delete_selected()
    assert problems == [] and not (runs / "drop").exists() and (runs / "keep").exists()
    trash = Path(os.environ["XDG_DATA_HOME"]) / "Trash" / "files"
    assert any(p.name.startswith("drop") for p in trash.iterdir())  # in the trash, not gone
    assert shown(panel) == ["keep"]
    panel.shutdown()


def test_a_run_being_trained_is_not_deleted(panel):
    select(panel, "gamma")
    problems = []
    panel.show_problem = lambda title, message: problems.append(message)
    panel.confirm_delete = lambda chosen: pytest.fail("must not ask")
    panel.delete_selected()
    assert problems and "being trained" in problems[0]


def test_folders_are_added_and_remembered(panel, qtbot, tmp_path):
    with qtbot.waitSignal(panel.foldersChanged) as changed:
        panel.add_folder(tmp_path / "more")
    assert changed.args == [[str(tmp_path / "more")]]
    assert panel.all_folders() == [tmp_path / "runs", tmp_path / "more"]


def test_compare_opens_a_window_with_the_selected_runs(qtbot, tmp_path):
    from gan_studio.core.images import save_png_atomic

    runs = tmp_path / "runs"
    for path in _make_runs(runs, "one", "two"):
        run = RunFolder.open(path)
        save_png_atomic(np.zeros((10, 10, 1), np.uint8), run.sample_path(1))
    panel = make_panel(qtbot, runs)
    panel.set_catalogue(scan([runs]))
    select(panel, "one", "two")
    with qtbot.waitSignal(panel.comparisonShown, timeout=10000) as shown_view:
        panel.buttons["compare"].click()
    view = shown_view.args[0]
    names = [run.name for run in view.comparison.runs]  # in the table's order
    assert sorted(names) == ["one", "two"] and view.isWindow()
    assert view.grid_labels[names.index("one")].text() == "one · epoch 1"
    panel.shutdown()
    assert panel.compare_windows == []
