"""The run folder: created once, opened by anyone, metrics readable while being written."""

from __future__ import annotations

import numpy as np
import pytest

from gan_studio.core.config import RunConfig
from gan_studio.core.errors import RunFolderError
from gan_studio.core.images import load_png, make_grid, save_png_atomic
from gan_studio.core.runs.folder import METRICS_COLUMNS, CsvAppender, MetricsReader, RunFolder


def test_create_then_open_gives_the_same_config(tmp_path):
    config = RunConfig(preset="x")
    config.train.epochs = 3
    RunFolder.create(tmp_path / "run", config, extra={"note": "hi"})
    run = RunFolder.open(tmp_path / "run")
    assert run.config == config and run.info["note"] == "hi"


def test_create_refuses_an_existing_run_or_a_non_empty_folder(tmp_path):
    RunFolder.create(tmp_path / "run", RunConfig())
    with pytest.raises(RunFolderError, match="already holds a run"):
        RunFolder.create(tmp_path / "run", RunConfig())
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "file.txt").write_text("x")
    with pytest.raises(RunFolderError, match="is not empty"):
        RunFolder.create(tmp_path / "other", RunConfig())


def test_open_explains_what_is_wrong(tmp_path):
    with pytest.raises(RunFolderError, match="not a GAN Studio run folder"):
        RunFolder.open(tmp_path)
    (tmp_path / "run.json").write_text("{broken")
    with pytest.raises(RunFolderError, match="cannot read"):
        RunFolder.open(tmp_path)
    (tmp_path / "run.json").write_text('{"format": 1, "config": {"train": {"epochs": 0}}}')
    with pytest.raises(RunFolderError, match="train.epochs must be at least 1"):
        RunFolder.open(tmp_path)


def test_metrics_reader_returns_only_complete_new_rows(tmp_path):
    path = tmp_path / "metrics.csv"
    reader = MetricsReader(path)
    assert reader.read_new() is None  # no file yet
    writer = CsvAppender(path, METRICS_COLUMNS)
    writer.write_rows([[1, 1, 0.1, 1, 2, 0.5, 0.5, 1, 1, 0.6, 0.2, 1e-3, 1e-3]])
    first = reader.read_new()
    assert first["step"].tolist() == [1.0] and first["g_loss"].tolist() == [2.0]
    assert reader.read_new() is None
    with path.open("a") as handle:  # a row half-written by another process
        handle.write("1,2,0.2,1.5,")
    assert reader.read_new() is None
    with path.open("a") as handle:
        handle.write(",0.4,0.6,1,1,0.6,0.2,1e-3,1e-3\n")
    second = reader.read_new()
    assert second["step"].tolist() == [2.0] and np.isnan(second["g_loss"][0])
    writer.close()


def test_truncate_drops_history_after_the_checkpoint(tmp_path):
    run = RunFolder.create(tmp_path / "run", RunConfig())
    writer = CsvAppender(run.metrics_path, METRICS_COLUMNS)
    writer.write_rows([[1 + s // 3, s, 0, 1, 1, 0.5, 0.5, 1, 1, 0.6, 0.2, 1, 1] for s in range(1, 10)])
    writer.close()
    for epoch in (1, 2, 3):
        save_png_atomic(np.zeros((4, 4, 1), np.uint8), run.sample_path(epoch))
    run.truncate_metrics(after_step=5, after_epoch=2)
    assert run.read_metrics()["step"].tolist() == [1, 2, 3, 4, 5]
    assert [e for e, _ in run.sample_paths()] == [1, 2]


def test_grid_layout_and_png_round_trip(tmp_path):
    images = np.stack([np.full((3, 2, 1), 10 * i, np.uint8) for i in range(5)])
    grid = make_grid(images, rows=2, columns=3, padding=1, background=255)
    assert grid.shape == (2 * 4 + 1, 3 * 3 + 1, 1)
    assert grid[1, 1, 0] == 0 and grid[1, 4, 0] == 10 and grid[5, 1, 0] == 30
    assert grid[0, 0, 0] == 255 and grid[5, 7, 0] == 255  # padding, and the empty sixth cell
    path = save_png_atomic(grid, tmp_path / "g.png")
    assert np.array_equal(load_png(path), grid)
    big = make_grid(images[:1], 1, 1, padding=0, scale=3)
    assert big.shape == (9, 6, 1)
