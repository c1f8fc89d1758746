"""The run's settings as a form: preset, model, images, loss, optimiser and hardware.

Bound to :mod:`gan_studio.core.config`. Values the form does not show (data source, L1/L2, init,
gradient-penalty weight, ...) are carried over from the last config set or preset chosen, so
``set_config(c)`` then ``config()`` gives back ``c``. The form never raises on bad values: it
shows :func:`validate`'s sentence in a red label instead.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QPushButton,
    QSpinBox, QVBoxLayout, QWidget,
)

from ...core.config import (
    LOSSES, MODEL_ARCHS, PRESETS, SCHEDULES, UPSAMPLES, Machine, RunConfig, preset_config, validate,
)
from ...core.device import cpu_count  # torch-free: torch is imported lazily there
from ...core.errors import ConfigError
from ..controls import combo_value, read_field, set_combo_value, two_field_row, write_field
from .collapsible_section import CollapsibleSection
from .ladder_spin_box import LadderSpinBox

_LR_LADDER = tuple(m * 10.0**e for e in range(-7, 1) for m in (1, 2, 5))  # 1e-7, 2e-7, 5e-7 ... 1
_EMA_LADDER = (0.0, 0.9, 0.99, 0.995, 0.999, 0.9995, 0.9999)
_SMOOTHABLE_LOSSES = ("minimax", "saturating", "ns", "ls")  # the losses that use a real target
_DEVICE_TIPS = {"auto": "CUDA if present, then Apple MPS, then the CPU", "cpu": "The processor"}


class ConfigForm(QWidget):
    """Edits the model, loss, schedule, hyper-parameters and device of a :class:`RunConfig`."""

    configChanged = Signal()  # any field edited, a preset chosen, or set_config
    learningRatesEdited = Signal(float, float)  # lr_g, lr_d edited while training is active

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base = RunConfig()  # carries the values the form does not show
        self._updating = True  # True while code, not the user, fills the fields (and while building)
        self._training = False
        self._last_loss = self._base.train.loss
        self._build()
        self.set_devices(["cpu"])
        self._fill(self._base)
        self._refresh()

    # -- construction ----------------------------------------------------------------------------

    def _control(self, widget: Any, name: str, accessible: str, tip: str, notify: bool = True) -> Any:
        """Name, describe and register a control; ``notify`` connects its edits to configChanged."""
        widget.setObjectName(name)
        widget.setAccessibleName(accessible)
        widget.setToolTip(tip)
        self._locked.append(widget)
        if isinstance(widget, QComboBox):
            # Long descriptions must not force the side panel wider than ~320 px.
            widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            widget.setMinimumContentsLength(8)
        if notify and not isinstance(widget, QPushButton):
            signal = {QComboBox: "currentIndexChanged", QCheckBox: "toggled"}.get(type(widget), "valueChanged")
            getattr(widget, signal).connect(self._edited)
        return widget

    def _spin(self, name: str, accessible: str, tip: str, low: int, high: int, step: int = 1) -> QSpinBox:
        spin = self._control(QSpinBox(), name, accessible, tip)
        spin.setRange(low, high)
        spin.setSingleStep(step)
        return spin

    def _ladder(self, name: str, accessible: str, tip: str, ladder: tuple[float, ...], low: float, high: float,
                scientific: bool = False, gap: float = 0.0) -> LadderSpinBox:
        return self._control(LadderSpinBox(ladder, low, high, scientific=scientific, gap=gap), name, accessible, tip)

    def _combo(self, name: str, accessible: str, tip: str, items: dict[Any, str], tips: dict[Any, str] | None = None,
               notify: bool = True) -> QComboBox:
        combo = self._control(QComboBox(), name, accessible, tip, notify)
        for value, text in items.items():
            combo.addItem(text, value)
            combo.setItemData(combo.count() - 1, (tips or items)[value], Qt.ItemDataRole.ToolTipRole)
        return combo

    def _group(self, title: str, rows: list[tuple[str, QWidget]], expanded: bool | None = None) -> None:
        """A group of rows: always open (``expanded`` None), or a section that folds away."""
        group = QGroupBox(title) if expanded is None else QWidget()
        form = QFormLayout(group)
        form.setContentsMargins(6, 6, 6, 6)  # narrow side panel: every pixel of width counts
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # labels go above fields when narrow
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label, widget in rows:
            if label:
                form.addRow(label, widget)
            else:
                form.addRow(widget)
        if expanded is not None:
            group = CollapsibleSection(title, group, expanded)
            group.setObjectName(f"{title.split()[0].lower()}Section")
            self._sections[title] = group
        self._layout.addWidget(group)

    def _build(self) -> None:
        self._locked: list[QWidget] = []  # every control set_training_active disables
        self._sections: dict[str, CollapsibleSection] = {}  # by title: the groups that fold away
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

        self._preset = self._combo(
            "presetCombo", "Preset", "Start from a tested recipe. Choosing one replaces the model, loss and training "
            "values; the data source, device and threads stay.", {name: name for name in PRESETS},
            {name: description for name, (description, _) in PRESETS.items()}, notify=False)
        self._preset.setPlaceholderText("custom")
        self._preset.activated.connect(lambda i: self._apply_preset(self._preset.itemData(i)))
        self._preset_text = QLabel()
        self._preset_text.setObjectName("presetDescription")
        self._preset_text.setWordWrap(True)
        self._tutorial = self._control(
            QPushButton("Tutorial preset"), "tutorialButton", "Tutorial preset", "Set up the tutorial's MLP GAN "
            "exactly: z 100-500-500-784, minimax BCE, Adam 1e-3, batch 128, 10 epochs.")
        self._tutorial.clicked.connect(lambda: self._apply_preset("tutorial"))

        self._error = QLabel()
        self._error.setObjectName("configError")
        self._error.setAccessibleName("Configuration problem")
        self._error.setWordWrap(True)
        self._error.setStyleSheet("color: #c62828;")
        self._error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self._model = self._combo(
            "modelCombo", "Model architecture", "The networks of G and D: the tutorial's fully connected MLP, or a "
            "convolutional DCGAN (sharper images, slower on a CPU).", MODEL_ARCHS)
        self._width = self._spin(
            "widthSpin", "DCGAN width", "DCGAN only: channels of the largest convolution layer; the others are "
            "multiples. Wider learns more detail but trains slower.", 1, 1024, 16)
        self._upsample = self._combo(
            "upsampleCombo", "DCGAN up-sampling", "DCGAN only: how G doubles its images' size. Transposed "
            "convolutions are DCGAN's own; resize + convolution cannot draw checkerboard patterns and "
            "costs about a third more CPU time.", UPSAMPLES)
        self._hidden = self._spin(
            "hiddenSpin", "MLP hidden units", "MLP only: units in each of the two hidden layers of G and of D "
            "(the tutorial uses 500).", 1, 8192, 50)
        self._z_dim = self._spin(
            "zDimSpin", "Latent size", "Length of the random vector z that G turns into an image; 100 is the "
            "classic choice.", 1, 4096)
        self._conditional = self._control(
            QCheckBox("Conditional (choose the class\nwhen sampling)"), "conditionalCheck", "Conditional",
            "Tell G and D the class of each image, so you can ask G for a chosen class later.")

        self._size = self._spin(
            "sizeSpin", "Image size", "Side of the square images the model sees, in pixels; images are resized "
            "on load. The DCGAN makes 28, 32 or 64; the MLP takes any size.", 8, 256, 4)
        self._size.setSuffix(" px")
        self._channels = self._combo(
            "channelsCombo", "Colour", "Grayscale (1 channel) or colour (3 channels, RGB); every image is "
            "converted to this on load.", {1: "Grayscale", 3: "RGB colour"})

        self._loss = self._combo(
            "lossCombo", "Loss", "What D and G try to optimise. Non-saturating BCE is a safe start; WGAN-GP is "
            "the most stable but slower (choose the wgan-gp preset for its Adam settings).", LOSSES, notify=False)
        self._loss.currentIndexChanged.connect(self._loss_edited)
        self._schedule = self._combo(
            "scheduleCombo", "Schedule", "Simultaneous: D and G step together on every batch (the tutorial; "
            "fastest). Alternating: D steps, then G after every k-th D step.", {k: k for k in SCHEDULES}, SCHEDULES)
        self._d_steps = self._spin(
            "dStepsSpin", "D steps per G step", "Alternating schedule: discriminator steps per generator step "
            "(5 is usual for WGAN-GP).", 1, 10)
        self._smoothing = self._ladder(
            "labelSmoothingSpin", "Label smoothing", "Train D towards 1 - this on real images instead of 1, so "
            "it is less over-confident (0.1 is common). Not used by the hinge and WGAN-GP losses.",
            tuple(i / 20 for i in range(10)), 0.0, 0.45)
        self._ema = self._ladder(
            "emaSpin", "EMA of G", "Keep a slowly-moving average of G's weights for sampling: smoother samples, "
            "same training. 0.999 is typical; off samples the plain G.", _EMA_LADDER, 0.0, 0.99999, gap=0.9)
        self._ema.setSpecialValueText("off")

        self._epochs = self._spin("epochsSpin", "Epochs", "Passes over the whole data set.", 1, 100_000)
        self._epochs.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self._minutes = self._control(QDoubleSpinBox(), "minutesSpin", "Train for minutes", "Or stop at the first "
                                      "epoch end after this many minutes of training (pauses left out), unless the "
                                      "epochs end it first. The ETA counts to that epoch end.")
        self._minutes.setRange(0.0, 100_000.0)
        self._minutes.setDecimals(1)
        self._minutes.setSuffix(" min")
        self._minutes.setSpecialValueText("no time limit")
        self._batch = self._spin(
            "batchSpin", "Batch size", "Real images per training step. Larger is smoother and faster per image "
            "but needs more memory; 64 or 128 are usual.", 1, 4096, 16)
        tip = ("Adam learning rate of the {}: how big each update is. 2e-4 is the DCGAN classic; too high makes "
               "training unstable. Can be changed while training.")
        self._lr_g = self._ladder("lrGSpin", "Generator learning rate", tip.format("generator"), _LR_LADDER,
                                  1e-7, 1.0, scientific=True)
        self._lr_d = self._ladder("lrDSpin", "Discriminator learning rate", tip.format("discriminator"),
                                  _LR_LADDER, 1e-7, 1.0, scientific=True)
        for spin in (self._lr_g, self._lr_d):
            spin.setKeyboardTracking(False)  # typing "1e-3" must not steer the trainer to 1 on the way
            spin.valueChanged.connect(self._lr_edited)
        self._beta1 = self._ladder(
            "beta1Spin", "Adam beta 1", "Adam's momentum: how much of past gradients each step keeps. GANs "
            "often use 0.5 (the tutorial 0.9, WGAN-GP 0).", (0.0, 0.5, 0.9, 0.95, 0.99), 0.0, 0.9999)
        self._beta2 = self._ladder(
            "beta2Spin", "Adam beta 2", "How slowly Adam's per-weight step size adapts: 0.999 is usual (0.9 "
            "for WGAN-GP).", (0.0, 0.9, 0.99, 0.999, 0.9999), 0.0, 0.99999)
        self._seed = self._spin(
            "seedSpin", "Seed", "Seeds the weights, data order and noise: the same seed gives the same run on "
            "the CPU.", 0, 2**31 - 1)

        self._device = self._combo(
            "deviceCombo", "Device", "Where to train: auto picks a GPU when there is one, else the CPU.", {})
        self._threads = self._spin(
            "threadsSpin", "CPU threads", "Processor threads for training. Auto leaves one core free so the "
            "window stays smooth.", 0, cpu_count())
        self._threads.setSpecialValueText("auto (all but one core)")
        self._lay_out()
        self._bindings = [  # (control, config section, field): read by config(), written by set_config()
            (self._size, "data", "image_size"), (self._channels, "data", "channels"),
            (self._model, "model", "arch"), (self._width, "model", "width"), (self._upsample, "model", "upsample"),
            (self._hidden, "model", "hidden"),
            (self._z_dim, "model", "z_dim"), (self._conditional, "model", "conditional"),
            (self._loss, "train", "loss"), (self._schedule, "train", "schedule"), (self._d_steps, "train", "d_steps"),
            (self._smoothing, "train", "label_smoothing"), (self._ema, "train", "ema_decay"),
            (self._epochs, "train", "epochs"), (self._minutes, "train", "minutes"), (self._batch, "train", "batch_size"),
            (self._lr_g, "train", "lr_g"),
            (self._lr_d, "train", "lr_d"), (self._beta1, "train", "beta1"), (self._beta2, "train", "beta2"),
            (self._seed, "train", "seed"), (self._device, "train", "device"), (self._threads, "train", "threads"),
        ]

    def _lay_out(self) -> None:
        # The most-used settings first, always open; the rest in sections that fold away, so at
        # 1280 x 800 the whole panel, data preview included, fits without scrolling.
        self._group("Preset", [("Preset", two_field_row(self._preset, "", self._tutorial)), ("", self._preset_text)])
        self._layout.addWidget(self._error)  # right under the preset, so a problem shows at once
        self._group("Training", [("Architecture", self._model), ("Loss", self._loss),
                                 ("Epochs", two_field_row(self._epochs, "Batch", self._batch)), ("Train for", self._minutes),
                                 ("Learning rate", two_field_row(self._lr_g, "D", self._lr_d, first_label="G"))])
        self._group("Loss details", [("Schedule", two_field_row(self._schedule, "D steps", self._d_steps)),
                                     ("Label smoothing", two_field_row(self._smoothing, "EMA of G", self._ema))],
                    expanded=True)  # smoothing and EMA share a row: the panel must fit 800 px high
        self._group("Model details", [("Width (DCGAN)", self._width), ("Up-sampling", self._upsample),
                                      ("Hidden units (MLP)", self._hidden),
                                      ("Latent size z", self._z_dim), ("", self._conditional)], expanded=False)
        self._group("Images", [("Size", self._size), ("Colour", self._channels)], expanded=False)
        self._group("Adam and seed", [("Adam β1", self._beta1), ("Adam β2", self._beta2), ("Seed", self._seed)],
                    expanded=False)
        self._group("Hardware", [("Device", self._device), ("CPU threads", self._threads)], expanded=False)
        self._layout.addStretch(1)

    # -- public API ------------------------------------------------------------------------------

    def set_config(self, config: RunConfig) -> None:
        """Show ``config``; emits configChanged once."""
        self._base = copy.deepcopy(config)
        self._fill(config)
        self._refresh()
        self.configChanged.emit()

    def show_recipe(self, config: RunConfig) -> None:
        """Show a run's or a preset's settings; the device and CPU threads stay this machine's."""
        self.set_config(self.machine().apply(copy.deepcopy(config)))

    def machine(self) -> Machine:
        """The device and CPU threads chosen here: what a new run and a resume train on."""
        return Machine.of(self.config())

    def config(self) -> RunConfig:
        """A new RunConfig from the fields (never raises; see validation_error)."""
        config = copy.deepcopy(self._base)
        for widget, section, name in self._bindings:
            part = getattr(config, section)
            setattr(part, name, read_field(widget, getattr(part, name)))
        return config

    def validation_error(self) -> str | None:
        try:
            validate(self.config())
        except ConfigError as error:
            return str(error)
        return None

    def set_devices(self, devices: list[str]) -> None:
        """Offer "auto" then ``devices``; the current choice stays if it is still offered."""
        current = self._device.currentText()
        names = list(dict.fromkeys(["auto", *devices]))
        self._updating = True
        try:
            self._device.clear()
            for name in names:
                self._device.addItem(name, name)
                self._device.setItemData(self._device.count() - 1, _DEVICE_TIPS.get(name, "A GPU"),
                                         Qt.ItemDataRole.ToolTipRole)
            self._device.setCurrentIndex(max(0, self._device.findText(current)))
        finally:
            self._updating = False
        if self._device.currentText() != current and current:
            self._edited()

    def expanded_sections(self) -> list[str]:
        """Titles of the folding sections that are open (the window remembers them)."""
        return [title for title, section in self._sections.items() if section.is_expanded()]

    def set_expanded_sections(self, titles: list[str]) -> None:
        """Open the sections named in ``titles`` and fold the others (unknown titles are ignored)."""
        for title, section in self._sections.items():
            section.set_expanded(title in titles)

    def set_training_active(self, active: bool) -> None:
        """Lock every field but the learning rates, which then steer the running trainer."""
        self._training = bool(active)
        self._update_enabled()

    # -- behaviour -------------------------------------------------------------------------------

    def _fill(self, config: RunConfig) -> None:
        self._updating = True
        try:
            set_combo_value(self._preset, config.preset)
            if self._device.findData(config.train.device) < 0:
                self._device.addItem(config.train.device, config.train.device)  # e.g. "cuda:1" from elsewhere
            self._threads.setMaximum(max(self._threads.maximum(), config.train.threads))
            # A spin box clamps a value outside its range (say a batch of 10,000) to the range.
            for widget, section, name in self._bindings:
                write_field(widget, getattr(getattr(config, section), name))
            self._last_loss = config.train.loss
        finally:
            self._updating = False

    def _apply_preset(self, name: str) -> None:
        keep = self.config()
        config = preset_config(name)
        d = config.data
        d.source, d.limit, d.resample = keep.data.source, keep.data.limit, keep.data.resample  # the data widget's
        self.show_recipe(config)

    def _edited(self, *_: Any) -> None:
        if self._updating:
            return
        self._refresh()
        self.configChanged.emit()

    def _loss_edited(self, *_: Any) -> None:
        # Sensible defaults per loss, on the user's change only: WGAN-GP's critic needs the
        # alternating schedule and classically 5 steps; other losses go back to 1.
        if self._updating:
            return
        loss = combo_value(self._loss, self._last_loss)
        self._updating = True
        try:
            if loss == "wgan-gp":
                if self._schedule.currentData() == "simultaneous":
                    set_combo_value(self._schedule, "alternating")
                if self._d_steps.value() == 1:
                    self._d_steps.setValue(5)
            elif self._last_loss == "wgan-gp" and self._d_steps.value() == 5:
                self._d_steps.setValue(1)
        finally:
            self._updating = False
        self._last_loss = loss
        self._edited()  # once, after the adjustments, so listeners see the final config

    def _lr_edited(self, *_: Any) -> None:
        if self._training and not self._updating:
            self.learningRatesEdited.emit(self._lr_g.value(), self._lr_d.value())

    def _refresh(self) -> None:
        self._update_enabled()
        error = self.validation_error()
        self._error.setText(error or "")
        self._error.setVisible(error is not None)
        preset = self._preset.currentData()
        self._preset_text.setText(PRESETS[preset][0] if preset in PRESETS else "Custom settings")

    def _update_enabled(self) -> None:
        editable = not self._training
        for widget in self._locked:
            widget.setEnabled(editable)
        for spin in (self._lr_g, self._lr_d):
            spin.setEnabled(True)
        if editable:
            arch, loss = self._model.currentData(), self._loss.currentData()
            self._width.setEnabled(arch != "mlp")
            self._upsample.setEnabled(arch != "mlp")
            self._hidden.setEnabled(arch != "dcgan")
            self._d_steps.setEnabled(self._schedule.currentData() != "simultaneous")
            self._smoothing.setEnabled(loss in _SMOOTHABLE_LOSSES or loss is None)
