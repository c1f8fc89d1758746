from __future__ import annotations

from PySide6.QtWidgets import QPushButton

from gan_studio.core.playground.config import preset_config
from gan_studio.gui.widgets.playground_controls import SPEEDS, PlaygroundControls


def test_the_controls_describe_a_config_and_send_only_the_live_changes(qtbot):
    controls = PlaygroundControls()
    qtbot.addWidget(controls)
    assert controls.config() == preset_config("plain")  # the defaults, not the spin boxes' minimums
    controls.set_config(preset_config("remedy", dist="grid", lr_d=2e-4))
    config = controls.config()
    assert (config.dist, config.preset, config.pack, config.lr_d) == ("grid", "remedy", preset_config("remedy").pack, 2e-4)
    assert config.g_batch_norm == preset_config("remedy").g_batch_norm  # what no control shows comes from the preset
    with qtbot.waitSignal(controls.edited) as blocker:
        controls.d_steps_spin.setValue(3)
    assert blocker.args == [{"d_steps": 3}]
    with qtbot.waitSignal(controls.edited) as blocker:
        controls.loss_combo.setCurrentText("hinge")
    assert blocker.args == [{"loss": "hinge"}]


def test_choosing_a_preset_shows_its_settings_and_sends_its_live_ones_as_one_edit(qtbot):
    controls = PlaygroundControls()
    qtbot.addWidget(controls)
    controls.lr_g_spin.setValue(5e-4)
    with qtbot.waitSignal(controls.edited) as blocker:
        controls.preset_combo.setCurrentText("remedy")
    remedy = preset_config("remedy")
    assert blocker.args == [{"lr_g": remedy.lr_g, "lr_d": remedy.lr_d}]  # the live settings that differed
    assert controls.pack_spin.value() == remedy.pack
    assert controls.config() == remedy


def test_steps_play_and_speed_are_signals(qtbot):
    controls = PlaygroundControls()
    qtbot.addWidget(controls)
    for name, player in (("stepDButton", "d"), ("stepGButton", "g"), ("stepBothButton", "both")):
        with qtbot.waitSignal(controls.stepRequested) as blocker:
            controls.findChild(QPushButton, name).click()
        assert blocker.args == [player]
    with qtbot.waitSignal(controls.playToggled) as blocker:
        controls.play_button.click()
    assert blocker.args == [True] and controls.play_button.text() == "Pause"
    controls.set_playing(False)
    assert controls.play_button.text() == "Play"
    with qtbot.waitSignal(controls.speedChanged) as blocker:
        controls.speed_slider.setValue(0)
    assert blocker.args == [SPEEDS[0]] and controls.speed() == SPEEDS[0]
