from __future__ import annotations

import json

from PySide6.QtWidgets import QPushButton

from gan_studio.gui.widgets.step_controls import SPEEDS, StepControls


def test_step_buttons_speed_and_live_settings_are_plain_signals(qtbot):
    controls = StepControls()
    qtbot.addWidget(controls)
    for name, player in (("trainingStepDButton", "d"), ("trainingStepGButton", "g"), ("trainingStepBothButton", "both")):
        with qtbot.waitSignal(controls.stepRequested) as blocker:
            controls.findChild(QPushButton, name).click()
        assert blocker.args == [player]
    with qtbot.waitSignal(controls.speedChanged) as blocker:
        controls.speed_slider.setValue(1)
    assert blocker.args == [SPEEDS[1]]
    controls.show_run_config(json.dumps({"train": {"loss": "ns", "d_steps": 2}}))
    assert (controls.loss_combo.currentText(), controls.d_steps_spin.value()) == ("ns", 2)
    with qtbot.waitSignal(controls.settingsEdited) as blocker:
        controls.loss_combo.setCurrentText("hinge")
    assert blocker.args == ["hinge", 2]
    controls.set_active(False)
    assert not controls.buttons["d"].isEnabled()
