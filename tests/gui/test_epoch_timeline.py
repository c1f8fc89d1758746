from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QLabel, QSlider, QToolButton

from gan_studio.gui.widgets.epoch_timeline import EpochTimeline


def grid(epoch: int, shape=(6, 8, 1)) -> np.ndarray:
    return np.full(shape, epoch, dtype=np.uint8)


@pytest.fixture
def timeline(qtbot):
    widget = EpochTimeline()
    qtbot.addWidget(widget)
    widget.selected = []  # (epoch, first pixel) of every epochSelected, in order
    widget.epochSelected.connect(lambda epoch, g: widget.selected.append((epoch, int(g.flat[0]))))
    return widget


def parts(timeline):
    return (timeline.findChild(QSlider, "epochSlider"), timeline.findChild(QToolButton, "playButton"),
            timeline.findChild(QLabel, "epochLabel"))


def test_empty_timeline_is_disabled(timeline):
    slider, button, label = parts(timeline)
    assert not slider.isEnabled() and not button.isEnabled()
    assert label.text() == "No epochs yet"
    assert timeline.epoch_count() == 0 and timeline.current_epoch() is None
    timeline.add_epoch(1, grid(1))
    assert slider.isEnabled() and label.text() == "Epoch 1 of 1"
    timeline.clear()
    assert not slider.isEnabled() and label.text() == "No epochs yet" and timeline.current_epoch() is None


def test_follows_live_until_scrubbed_back(timeline):
    slider, _, label = parts(timeline)
    for epoch in (1, 2, 3):
        timeline.add_epoch(epoch, grid(epoch))
    assert timeline.selected == [(1, 1), (2, 2), (3, 3)]
    assert slider.value() == 2 and label.text() == "Epoch 3 of 3"
    slider.setValue(0)  # the user scrubs back
    assert timeline.current_epoch() == 1 and timeline.selected[-1] == (1, 1)
    timeline.add_epoch(4, grid(4))
    assert slider.maximum() == 3 and slider.value() == 0 and timeline.current_epoch() == 1
    assert label.text() == "Epoch 1 of 4" and len(timeline.selected) == 4
    timeline.select_epoch(4)  # back at the end: following again
    timeline.add_epoch(5, grid(5))
    assert timeline.current_epoch() == 5 and timeline.selected[-2:] == [(4, 4), (5, 5)]
    with pytest.raises(KeyError):
        timeline.select_epoch(99)


def test_play_runs_to_the_last_epoch_in_order(timeline, qtbot):
    _, button, _ = parts(timeline)
    timeline.set_epochs([(epoch, grid(epoch)) for epoch in range(1, 6)])
    assert timeline.current_epoch() == 5 and timeline.selected == [(5, 5)]
    timeline.selected.clear()
    timeline.set_frames_per_second(200)
    icon_before = button.icon().cacheKey()
    timeline.play()  # at the end: starts over from the first epoch
    assert timeline.is_playing() and button.icon().cacheKey() != icon_before
    qtbot.waitUntil(lambda: not timeline.is_playing(), timeout=3000)
    assert [epoch for epoch, _ in timeline.selected] == [1, 2, 3, 4, 5]
    assert timeline.current_epoch() == 5 and button.icon().cacheKey() == icon_before
    # From the middle it plays on from there.
    timeline.select_epoch(3)
    timeline.selected.clear()
    with qtbot.waitSignal(timeline.epochSelected, timeout=3000) as blocker:
        button.click()
    assert blocker.args[0] == 4
    qtbot.waitUntil(lambda: not timeline.is_playing(), timeout=3000)
    assert [epoch for epoch, _ in timeline.selected] == [4, 5]


def test_grids_round_trip_exactly(timeline):
    rng = np.random.default_rng(0)
    grids = {epoch: rng.integers(0, 256, (34, 50, 3), dtype=np.uint8) for epoch in (1, 2, 3)}
    for epoch, g in grids.items():
        timeline.add_epoch(epoch, g)
    for epoch, g in grids.items():
        np.testing.assert_array_equal(timeline.grid_for(epoch), g)
    assert not timeline.grid_for(3).flags.writeable  # cached: receivers must not change it
    with pytest.raises(KeyError):
        timeline.grid_for(7)
    with pytest.raises(ValueError):
        timeline.add_epoch(4, np.zeros((2, 2), np.float32))


def test_set_epochs_replaces_and_a_repeated_epoch_replaces_its_grid(timeline):
    timeline.add_epoch(1, grid(1))
    timeline.set_epochs([(2, grid(2)), (1, grid(1))])  # sorted on the way in
    assert timeline.epochs() == [1, 2] and timeline.current_epoch() == 2
    timeline.add_epoch(2, grid(9))
    assert timeline.epoch_count() == 2 and timeline.selected[-1] == (2, 9)
    assert timeline.grid_for(2)[0, 0, 0] == 9
