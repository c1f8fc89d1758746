"""The playground's controls: what to train (distribution, preset, packing), play / pause / single
steps / slow motion, the live settings, and reset, save and load.

Plain data in and out: ``config()`` is the PlaygroundConfig the controls describe, the signals
carry strings, numbers and dicts of the changed live settings; no worker is touched here.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...core.playground.config import DISTRIBUTIONS, LOSSES, OPTIMIZERS, PRESETS, PlaygroundConfig, preset_config

# The speed slider's stops: rounds a second (one round is D's steps then a G step); 0 = full speed.
SPEEDS = (1.0, 2.0, 5.0, 10.0, 30.0, 100.0, 0.0)


class PlaygroundControls(QWidget):
    playToggled = Signal(bool)  # True: play, False: pause
    stepRequested = Signal(str)  # "d", "g" or "both"
    speedChanged = Signal(float)  # rounds a second, 0 = full speed
    edited = Signal(dict)  # live settings that changed: {"lr_d": 5e-4, ...}
    resetRequested = Signal()
    saveRequested = Signal()
    loadRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._quiet = False  # True while set_config fills the controls: no edited signals then
        self.dist_combo = self._combo("playgroundDistCombo", DISTRIBUTIONS, "The 2-D distribution the generator learns")
        self.preset_combo = self._combo("playgroundPresetCombo", list(PRESETS), "\n".join(f"{name}: {text}" for name, (text, _) in PRESETS.items()))
        self.pack_spin = self._spin("playgroundPackSpin", 1, 16, "PacGAN packing: how many samples D judges at once (Reset to apply)")
        self.preset_combo.currentTextChanged.connect(self._apply_preset)

        self.play_button = self._button("playgroundPlayButton", "Play", "Train continuously (F6-like: press again to pause)")
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self._on_play)
        self.step_d_button = self._button("stepDButton", "D step", "One discriminator update, then pause")
        self.step_g_button = self._button("stepGButton", "G step", "One generator update, then pause")
        self.step_both_button = self._button("stepBothButton", "Both", "D's steps then one G step, then pause")
        self.step_d_button.clicked.connect(lambda: self.stepRequested.emit("d"))
        self.step_g_button.clicked.connect(lambda: self.stepRequested.emit("g"))
        self.step_both_button.clicked.connect(lambda: self.stepRequested.emit("both"))
        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setObjectName("playgroundSpeedSlider")
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setValue(len(SPEEDS) - 1)
        self.speed_slider.setToolTip("Slow motion: rounds (D steps + a G step) a second; right end = full speed")
        self.speed_label = QLabel()
        self.speed_slider.valueChanged.connect(self._on_speed)
        self._on_speed(self.speed_slider.value(), emit=False)

        self.loss_combo = self._combo("playgroundLossCombo", LOSSES, "The adversarial loss (live)")
        self.optimizer_combo = self._combo("playgroundOptimizerCombo", OPTIMIZERS, "The optimiser of both players (live; its state restarts)")
        self.lr_g_spin = self._rate("playgroundLrGSpin", "Generator learning rate (live)")
        self.lr_d_spin = self._rate("playgroundLrDSpin", "Discriminator learning rate (live)")
        self.d_steps_spin = self._spin("playgroundDStepsSpin", 1, 20, "D updates per G update (live)")
        self.batch_spin = self._spin("playgroundBatchSpin", 1, 2000, "Samples per update (live)")
        self.z_dim_spin = self._spin("playgroundZDimSpin", 1, 16, "Noise dimension (live; G's first layer is resized)")
        self.gp_spin = QDoubleSpinBox()
        self.gp_spin.setObjectName("playgroundGpSpin")
        self.gp_spin.setRange(0.0, 100.0)
        self.gp_spin.setToolTip("Gradient penalty weight on D, as in WGAN-GP (live; 0 = off)")
        for widget in (self.loss_combo, self.optimizer_combo):
            widget.currentTextChanged.connect(self._on_edit)
        for widget in (self.lr_g_spin, self.lr_d_spin, self.d_steps_spin, self.batch_spin, self.z_dim_spin, self.gp_spin):
            widget.valueChanged.connect(self._on_edit)

        self.reset_button = self._button("playgroundResetButton", "Reset", "Start again from fresh players with these settings")
        self.save_button = self._button("playgroundSaveButton", "Save", "Save a checkpoint of the run now")
        self.load_button = self._button("playgroundLoadButton", "Load…", "Open a saved playground run")
        self.reset_button.clicked.connect(self.resetRequested)
        self.save_button.clicked.connect(self.saveRequested)
        self.load_button.clicked.connect(self.loadRequested)
        self._layout()
        self.set_config(preset_config("plain"))  # the controls start empty: fill them from the defaults

    # -- building --------------------------------------------------------------------------------
    def _combo(self, name: str, items, tip: str) -> QComboBox:  # noqa: ANN001 - names
        combo = QComboBox()
        combo.setObjectName(name)
        combo.addItems(list(items))
        combo.setToolTip(tip)
        return combo

    def _spin(self, name: str, low: int, high: int, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setToolTip(tip)
        return spin

    def _rate(self, name: str, tip: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setObjectName(name)
        spin.setDecimals(5)
        spin.setRange(1e-5, 0.5)
        spin.setSingleStep(1e-4)
        spin.setToolTip(tip)
        return spin

    def _button(self, name: str, text: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        return button

    def _layout(self) -> None:
        what = QGroupBox("What to train")
        form = QFormLayout(what)
        form.addRow("Distribution", self.dist_combo)
        form.addRow("Preset", self.preset_combo)
        form.addRow("Packing", self.pack_spin)
        control = QGroupBox("Control")
        grid = QGridLayout(control)
        grid.addWidget(self.play_button, 0, 0, 1, 3)
        grid.addWidget(self.step_d_button, 1, 0)
        grid.addWidget(self.step_g_button, 1, 1)
        grid.addWidget(self.step_both_button, 1, 2)
        grid.addWidget(self.speed_slider, 2, 0, 1, 2)
        grid.addWidget(self.speed_label, 2, 2)
        live = QGroupBox("Live settings (from the next step)")
        form = QFormLayout(live)
        form.addRow("Loss", self.loss_combo)
        form.addRow("Optimiser", self.optimizer_combo)
        form.addRow("G learning rate", self.lr_g_spin)
        form.addRow("D learning rate", self.lr_d_spin)
        form.addRow("D steps", self.d_steps_spin)
        form.addRow("Batch", self.batch_spin)
        form.addRow("Noise dimension", self.z_dim_spin)
        form.addRow("Gradient penalty", self.gp_spin)
        run = QHBoxLayout()
        for button in (self.reset_button, self.save_button, self.load_button):
            run.addWidget(button)
        layout = QVBoxLayout(self)
        for box in (what, control, live):
            layout.addWidget(box)
        layout.addLayout(run)
        layout.addStretch(1)

    # -- data in and out -------------------------------------------------------------------------
    def config(self) -> PlaygroundConfig:
        """The settings the controls show, on top of the chosen preset."""
        return preset_config(
            self.preset_combo.currentText(), dist=self.dist_combo.currentText(), pack=self.pack_spin.value(),
            loss=self.loss_combo.currentText(), optimizer=self.optimizer_combo.currentText(),
            lr_g=self.lr_g_spin.value(), lr_d=self.lr_d_spin.value(), d_steps=self.d_steps_spin.value(),
            batch_size=self.batch_spin.value(), z_dim=self.z_dim_spin.value(), gp_weight=self.gp_spin.value(),
        )

    def set_config(self, config: PlaygroundConfig) -> None:
        """Show ``config`` (a loaded run's) without sending edits."""
        self._quiet = True
        try:
            self.dist_combo.setCurrentText(config.dist)
            if config.preset in PRESETS:
                self.preset_combo.setCurrentText(config.preset)
            self.pack_spin.setValue(config.pack)
            self.loss_combo.setCurrentText(config.loss)
            self.optimizer_combo.setCurrentText(config.optimizer)
            self.lr_g_spin.setValue(config.lr_g)
            self.lr_d_spin.setValue(config.lr_d)
            self.d_steps_spin.setValue(config.d_steps)
            self.batch_spin.setValue(config.batch_size)
            self.z_dim_spin.setValue(config.z_dim)
            self.gp_spin.setValue(config.gp_weight)
        finally:
            self._quiet = False
        self._last = self.config()

    def set_playing(self, playing: bool) -> None:
        """Show the worker's state without sending a command."""
        self._quiet = True
        try:
            self.play_button.setChecked(playing)
            self.play_button.setText("Pause" if playing else "Play")
        finally:
            self._quiet = False

    def speed(self) -> float:
        return SPEEDS[self.speed_slider.value()]

    def _on_play(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        if not self._quiet:
            self.playToggled.emit(playing)

    def _on_speed(self, index: int, emit: bool = True) -> None:
        speed = SPEEDS[index]
        self.speed_label.setText("full speed" if speed == 0 else f"{speed:g} / s")
        if emit:
            self.speedChanged.emit(speed)

    def _apply_preset(self, name: str) -> None:
        """Show the preset's settings; a running playground gets its live ones as one edit, the rest
        (packing, G's shape, the schedule) at Reset."""
        if self._quiet:
            return
        last = self._last
        self.set_config(preset_config(name, dist=self.dist_combo.currentText()))
        self._last = last
        self._on_edit()

    def _on_edit(self, *_: object) -> None:
        if self._quiet:
            return
        new = self.config()
        changes = {k: getattr(new, k) for k in ("loss", "optimizer", "lr_g", "lr_d", "d_steps", "batch_size", "z_dim", "gp_weight")
                   if getattr(new, k) != getattr(self._last, k)}
        self._last = new
        if changes:
            self.edited.emit(changes)
