"""The Training tab's step-by-step control: D step, G step, both, slow motion, and the loss and D
steps edited live (beside the learning rates the setup form already steers).

Plain data out: signals with strings and numbers; the window sends them to the trainer's commands.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QWidget

from ...core.config import LOSSES

# Slider stops: steps a second; 0 = full speed.
SPEEDS = (0.5, 1.0, 2.0, 5.0, 20.0, 0.0)


class StepControls(QWidget):
    stepRequested = Signal(str)  # "d", "g" or "both"
    speedChanged = Signal(float)  # steps a second, 0 = full speed
    settingsEdited = Signal(str, int)  # loss, D steps

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.buttons = {}
        for player, name, text, tip in (("d", "trainingStepDButton", "D step", "One discriminator update on the next batch, then pause"),
                                        ("g", "trainingStepGButton", "G step", "One generator update on the next batch, then pause"),
                                        ("both", "trainingStepBothButton", "Both", "D then G on the next batch, then pause")):
            button = QPushButton(text)
            button.setObjectName(name)
            button.setToolTip(tip)
            button.clicked.connect(lambda _checked=False, p=player: self.stepRequested.emit(p))
            layout.addWidget(button)
            self.buttons[player] = button
        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setObjectName("trainingSpeedSlider")
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setValue(len(SPEEDS) - 1)
        self.speed_slider.setToolTip("Slow motion: steps a second, the sample grid refreshed after each; right end = full speed")
        self.speed_slider.setMaximumWidth(120)
        self.speed_label = QLabel("full speed")
        self.speed_slider.valueChanged.connect(self._on_speed)
        self.loss_combo = QComboBox()
        self.loss_combo.setObjectName("trainingLossCombo")
        self.loss_combo.addItems(list(LOSSES))
        self.loss_combo.setToolTip("The loss, changed from the next step on")
        self.d_steps_spin = QSpinBox()
        self.d_steps_spin.setObjectName("trainingDStepsSpin")
        self.d_steps_spin.setRange(1, 20)
        self.d_steps_spin.setToolTip("D steps per G step (alternating schedule), changed from the next step on")
        self._quiet = False
        self.loss_combo.currentTextChanged.connect(self._on_edit)
        self.d_steps_spin.valueChanged.connect(self._on_edit)
        layout.addWidget(QLabel("Slow motion"))
        layout.addWidget(self.speed_slider)
        layout.addWidget(self.speed_label)
        layout.addWidget(QLabel("Loss"))
        layout.addWidget(self.loss_combo)
        layout.addWidget(QLabel("D steps"))
        layout.addWidget(self.d_steps_spin)
        layout.addStretch(1)

    def set_settings(self, loss: str, d_steps: int) -> None:
        """Show a run's settings without sending an edit."""
        self._quiet = True
        try:
            self.loss_combo.setCurrentText(loss)
            self.d_steps_spin.setValue(d_steps)
        finally:
            self._quiet = False

    def show_run_config(self, config_json: str) -> None:
        """Show the loss and D steps of a run that started (RunStarted.config_json)."""
        train = json.loads(config_json).get("train", {})
        self.set_settings(str(train.get("loss", self.loss_combo.currentText())), int(train.get("d_steps", 1)))

    def set_active(self, active: bool) -> None:
        """Steps and edits only mean something while a run trains or is paused."""
        for widget in (*self.buttons.values(), self.loss_combo, self.d_steps_spin):
            widget.setEnabled(active)

    def speed(self) -> float:
        return SPEEDS[self.speed_slider.value()]

    def _on_speed(self, index: int) -> None:
        speed = SPEEDS[index]
        self.speed_label.setText("full speed" if speed == 0 else f"{speed:g} / s")
        self.speedChanged.emit(speed)

    def _on_edit(self, *_: object) -> None:
        if not self._quiet:
            self.settingsEdited.emit(self.loss_combo.currentText(), self.d_steps_spin.value())
