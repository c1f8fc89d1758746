"""Following a run folder that another process is writing."""

from __future__ import annotations

import numpy as np
import pytest

from gan_studio.core.config import RunConfig
from gan_studio.core.images import save_png_atomic
from gan_studio.core.runs.folder import METRICS_COLUMNS, CsvAppender, RunFolder
from gan_studio.gui.workers.run_watcher import RunWatcher


@pytest.fixture
def watcher(qtbot):
    watcher = RunWatcher()
    yield watcher
    assert watcher.shutdown()


def _row(step: int) -> list:
    return [1, step, 0.1 * step, 1.0, 2.0, 0.6, 0.4, 1.0, 1.0, 0.6, 0.2, 2e-4, 2e-4]


def test_history_then_live_rows_and_epochs(qtbot, watcher, tmp_path):
    run = RunFolder.create(tmp_path / "run", RunConfig())
    writer = CsvAppender(run.metrics_path, METRICS_COLUMNS)
    writer.write_rows([_row(1), _row(2)])
    save_png_atomic(np.full((8, 8, 1), 200, np.uint8), run.sample_path(1))

    with qtbot.waitSignal(watcher.historyLoaded, timeout=10000) as loaded:
        watcher.open(run.path, follow=True)
    history = loaded.args[0]
    assert history.metrics["step"].tolist() == [1, 2]
    assert [epoch for epoch, _ in history.grids] == [1]
    assert not history.has_checkpoint

    # The "other process" keeps writing: the watcher reports only what is new.
    with qtbot.waitSignal(watcher.metricsAppended, timeout=10000) as appended:
        writer.write_rows([_row(3)])
    assert appended.args[0]["step"].tolist() == [3]
    with qtbot.waitSignal(watcher.epochAdded, timeout=10000) as added:
        save_png_atomic(np.zeros((8, 8, 1), np.uint8), run.sample_path(2))
    assert added.args[0] == 2 and added.args[1].shape == (8, 8, 1)
    writer.close()


def test_a_folder_that_is_not_a_run_is_a_clear_failure(qtbot, watcher, tmp_path):
    with qtbot.waitSignal(watcher.failed, timeout=10000) as failed:
        watcher.open(tmp_path)
    assert "not a GAN Studio run folder" in failed.args[0]
