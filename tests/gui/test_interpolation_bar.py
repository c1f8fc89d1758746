from __future__ import annotations

from gan_studio.gui.widgets.interpolation_bar import CURRENT, InterpolationBar


def test_play_sweeps_t_back_and_forth(qtbot):
    bar = InterpolationBar()
    qtbot.addWidget(bar)
    assert not bar.play_button.isEnabled()  # only the current point: nothing to move between
    bar.set_endpoints(["A", "B"])
    assert [bar.from_combo.itemText(i) for i in range(3)] == [CURRENT, "A", "B"]
    bar.to_combo.setCurrentIndex(2)
    bar.speed_slider.setValue(bar.speed_slider.maximum())  # t moves 0.1 a tick
    frames = []
    bar.frameRequested.connect(lambda a, b, mode, t: frames.append((a, b, mode, t)))
    bar.play()
    qtbot.waitUntil(lambda: len(frames) >= 14, timeout=5000)
    bar.stop()
    ts = [f[3] for f in frames]
    assert frames[0] == (0, 2, "slerp", 0.0)
    assert max(ts) == 1.0 and ts.index(1.0) < len(ts) - 1 and ts[-1] < 1.0  # reached B, came back
    assert not bar.is_playing() and bar.play_button.text() == "Play"


def test_endpoints_keep_their_choice_by_name(qtbot):
    bar = InterpolationBar()
    qtbot.addWidget(bar)
    bar.set_endpoints(["A", "B"])
    bar.from_combo.setCurrentText("B")
    bar.set_endpoints(["X", "B"])
    assert bar.from_combo.currentText() == "B"
    bar.play()
    bar.set_endpoints([])
    assert not bar.is_playing()
