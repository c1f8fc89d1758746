"""Comparing runs: the data (curves on shared axes, grids at one epoch, config diff) and the picture."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from gan_studio.cli.main import main
from gan_studio.core.errors import GanStudioError
from gan_studio.core.images import load_png
from gan_studio.core.runs.compare import RUN_COLOURS, bin_columns, config_diff, load_comparison
from gan_studio.core.runs.compare_picture import SIZE, nice_ticks, render_comparison
from gan_studio.core.train.trainer import Trainer

from .helpers import run_to_end
from .tiny_runs import tiny_run_config


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two tiny runs that differ in learning rate and length (2 and 3 epochs), quality unscored."""
    folder = tmp_path_factory.mktemp("compare")
    paths = []
    for name, epochs, lr in (("slow", 2, 1e-3), ("fast", 3, 3e-3)):
        config = tiny_run_config()
        config.train.epochs, config.train.lr_g, config.train.quality_every = epochs, lr, -1
        run_to_end(Trainer.new(config, folder / name))
        paths.append(folder / name)
    return paths


def _has_colour(image: np.ndarray, colour: str) -> bool:
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)
    return bool((image.reshape(-1, 3) == rgb).all(axis=1).any())


def test_comparison_aligns_the_runs_by_epoch_and_by_images(two_runs):
    comparison = load_comparison(two_runs)
    slow, fast = comparison.runs
    assert (slow.colour, fast.colour) == RUN_COLOURS[:2]
    # 64 images, batch 16: 4 steps and 64 images an epoch; the last step of each run ends its last epoch.
    assert slow.epoch[-1] == 2 and fast.epoch[-1] == 3
    assert fast.images[-1] == 3 * 64 and np.allclose(fast.images, fast.epoch * 64)
    assert np.isfinite(fast.values["d_loss"]).all() and len(fast.values["g_loss"]) == 12
    assert comparison.common_epochs() == [1, 2] and comparison.grid_epoch() == 2 and comparison.grid_epoch(1) == 1
    assert comparison.grid_epoch(3) == 2  # only one run has epoch 3
    assert dict(comparison.diff) == {"train.epochs": ["2", "3"], "train.lr_g": ["0.001", "0.003"]}


def test_compare_picture_has_its_size_and_each_runs_colour(two_runs, tmp_path, capsys):
    out = tmp_path / "compare.png"
    assert main(["compare", *map(str, two_runs), "--out", str(out), "--align", "images"]) == 0
    assert "2 runs, 2 config differences" in capsys.readouterr().out
    picture = load_png(out)
    assert picture.shape == (SIZE[1], SIZE[0], 3)
    for colour in RUN_COLOURS[:2]:
        assert _has_colour(picture, colour)
    assert not _has_colour(picture, RUN_COLOURS[2])
    # Nothing is overwritten without --force.
    assert main(["compare", *map(str, two_runs), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["compare", *map(str, two_runs), "--out", str(out), "--force", "--epoch", "1"]) == 0


def test_the_grids_row_shows_each_runs_grid_at_the_same_epoch(two_runs):
    comparison = load_comparison(two_runs)
    at_1, at_2 = render_comparison(comparison, epoch=1), render_comparison(comparison, epoch=2)
    bottom = slice(SIZE[1] // 2, None)
    assert not np.array_equal(at_1[bottom], at_2[bottom])  # the grids changed with the epoch
    assert np.array_equal(at_1[: SIZE[1] // 2], at_2[: SIZE[1] // 2])  # the curves did not


@pytest.mark.parametrize("count", [1, 7])
def test_compare_takes_two_to_six_runs(two_runs, count):
    with pytest.raises(GanStudioError, match="compare takes 2 to 6 runs"):
        load_comparison([two_runs[0]] * count)


def test_the_same_run_twice_is_refused(two_runs):
    with pytest.raises(GanStudioError, match="named twice"):
        load_comparison([two_runs[0], two_runs[0]])


def test_config_diff_lists_only_what_differs():
    diff = config_diff([{"a": 1, "b": 2.5, "c": True}, {"a": 1, "b": 3.0, "d": "x"}])
    assert diff == [("b", ["2.5", "3"]), ("c", ["true", "—"]), ("d", ["—", "x"])]


def test_binning_averages_finite_values():
    steps = np.arange(1, 1001, dtype=np.float64)
    values = np.where(steps % 2 == 0, np.nan, steps)  # every other step has no value
    x, binned = bin_columns(steps, {"v": values}, max_points=10)
    assert len(x) == 10 and x[0] == pytest.approx(50.5)
    assert binned["v"][0] == pytest.approx(50.0)  # the mean of 1, 3, ..., 99
    x, binned = bin_columns(steps[:5], {"v": values[:5]}, max_points=10)
    assert np.array_equal(x, steps[:5]) and np.isnan(binned["v"][1])


def test_nice_ticks_are_round():
    assert nice_ticks(0.0, 1.0) == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert nice_ticks(3.0, 3.0) == [3.0]


def test_runs_and_compare_load_neither_torch_nor_qt(two_runs, tmp_path):
    code = (
        "import sys; from gan_studio.cli.main import main; "
        f"assert main(['compare', *{list(map(str, two_runs))!r}, '--out', {str(tmp_path / 'c.png')!r}]) == 0; "
        f"assert main(['runs', {str(two_runs[0].parent)!r}, '--json']) == 0; "
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'pyqtgraph')]; "
        "assert not loaded, loaded"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
