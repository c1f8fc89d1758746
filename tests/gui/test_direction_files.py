"""Saving and loading the explorer's directions from the window."""

from __future__ import annotations

import numpy as np
import pytest

from gan_studio.core.latent.direction_files import Directions
from gan_studio.gui.widgets.direction_files import DirectionFiles


@pytest.fixture
def widget(qtbot):
    vectors = np.eye(3, 8, dtype=np.float32)
    directions = Directions(vectors, np.array([0.5, 0.3, 0.1], np.float32), np.ones(3, np.float32))
    files = DirectionFiles()
    qtbot.addWidget(files)
    files.set_provider(lambda: (directions, {"z_dim": 8, "generator": "run/last.pt", "epoch": 2, "class": None}))
    files.directions = directions
    return files


@pytest.mark.parametrize("name", ["d.json", "d.npz", "d"])
def test_save_then_load_gives_the_same_directions(qtbot, widget, tmp_path, name):
    widget.choose_path = lambda saving: str(tmp_path / name)
    with qtbot.waitSignal(widget.saved) as saved:
        widget.save_button.click()
    path = saved.args[0]
    assert path.suffix in (".json", ".npz")
    widget.choose_path = lambda saving: str(path)
    with qtbot.waitSignal(widget.loaded) as loaded:
        widget.load_button.click()
    np.testing.assert_array_equal(loaded.args[0].vectors, widget.directions.vectors)
    np.testing.assert_array_equal(loaded.args[0].explained, widget.directions.explained)


def test_directions_of_another_generator_are_refused_in_one_sentence(qtbot, widget, tmp_path):
    widget.save(tmp_path / "d.json")
    widget.set_provider(lambda: (None, {"z_dim": 100}))
    with qtbot.waitSignal(widget.failed) as failed:
        assert widget.load(tmp_path / "d.json") is None
    assert failed.args[0] == "d.json holds directions in 8 latent dimensions; this generator has 100"
    with qtbot.waitSignal(widget.failed) as failed:
        assert widget.save(tmp_path / "e.json") is None
    assert failed.args[0] == "There are no directions to save yet."
