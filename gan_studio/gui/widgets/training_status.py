"""The status bar's training facts: state, epoch and step, speed, ETA, device, progress bars."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from ...core.formatting import format_duration, format_speed


class TrainingStatus(QWidget):
    """Plain labels and two progress bars; fed with numbers, knows nothing of the trainer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        self.state_label = self._label("stateLabel", "Ready", "What training is doing now")
        self.position_label = self._label("positionLabel", "", "Epoch and step of the run")
        self.speed_label = self._label("speedLabel", "", "Training speed, real images per second")
        self.eta_label = self._label("etaLabel", "", "Estimated time until the run ends")
        self.device_label = self._label("deviceLabel", "", "Where the model trains")
        self.epoch_bar = self._bar("epochProgress", "Progress through the current epoch", 90)
        self.run_bar = self._bar("progressBar", "Progress through the whole run", 160)
        for widget in (
            self.state_label, self.position_label, self.epoch_bar, self.run_bar,
            self.speed_label, self.eta_label, self.device_label,
        ):
            layout.addWidget(widget)
        self.reset()

    def _label(self, name: str, text: str, tip: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setToolTip(tip)
        label.setAccessibleName(tip)
        return label

    def _bar(self, name: str, tip: str, width: int) -> QProgressBar:
        bar = QProgressBar()
        bar.setObjectName(name)
        bar.setToolTip(tip)
        bar.setAccessibleName(tip)
        bar.setFixedWidth(width)
        bar.setMaximumHeight(16)
        bar.setTextVisible(True)
        return bar

    def reset(self) -> None:
        self.position_label.setText("")
        self.speed_label.setText("")
        self.eta_label.setText("")
        for bar in (self.epoch_bar, self.run_bar):
            bar.setRange(0, 1)
            bar.setValue(0)
            bar.setFormat("")

    def set_state(self, text: str, active: bool = True) -> None:
        """The state's word; while no run is ``active`` the speed and the ETA (stale once a run
        ends: "ETA 00:00") make room for the status bar's message, such as the run's summary."""
        self.state_label.setText(text)
        self.speed_label.setVisible(active)
        self.eta_label.setVisible(active)

    def set_device(self, text: str) -> None:
        self.device_label.setText(text)

    def set_progress(
        self,
        epoch: int,
        total_epochs: int,
        step_in_epoch: int,
        steps_per_epoch: int,
        global_step: int,
        images_per_s: float | None = None,
        eta_s: float | None = None,
    ) -> None:
        total_steps = max(1, total_epochs * steps_per_epoch)
        self.position_label.setText(f"Epoch {epoch}/{total_epochs} · step {global_step:,}/{total_steps:,}")
        self.epoch_bar.setRange(0, max(1, steps_per_epoch))
        self.epoch_bar.setValue(min(step_in_epoch, steps_per_epoch))
        self.epoch_bar.setFormat(f"epoch {step_in_epoch * 100 // max(1, steps_per_epoch)}%")
        self.run_bar.setRange(0, total_steps)
        self.run_bar.setValue(min(global_step, total_steps))
        self.run_bar.setFormat(f"run {global_step * 100 // total_steps}%")
        if images_per_s is not None and math.isfinite(images_per_s):
            self.speed_label.setText(format_speed(images_per_s))
        if eta_s is not None:
            self.eta_label.setText(f"ETA {format_duration(eta_s)}")
