from __future__ import annotations

import numpy as np

from gan_studio.gui.widgets.direction_sliders import SliderBank


def test_sliders_map_to_values_and_keep_them_when_relabelled(qtbot):
    bank = SliderBank("directionSlider", "tip")
    qtbot.addWidget(bank)
    bank.set_labels(["PC1", "PC2", "PC3"])
    assert bank.count() == 3 and bank.slider(2).objectName() == "directionSlider2"
    with qtbot.waitSignal(bank.valueChanged) as moved:
        bank.slider(1).setValue(-150)
    assert moved.args == [1, -1.5]
    bank.set_labels(["a", "b"])
    assert bank.count() == 2 and bank.caption(1) == "b" and bank.values()[1] == -1.5


def test_set_values_clips_and_stays_silent(qtbot):
    bank = SliderBank("latentSlider", "tip")
    qtbot.addWidget(bank)
    bank.set_labels(["z0", "z1"])
    with qtbot.assertNotEmitted(bank.valueChanged):
        bank.set_values([5.0, -0.256])
    np.testing.assert_allclose(bank.values(), [3.0, -0.26])
    bank.reset()
    assert not bank.values().any()
