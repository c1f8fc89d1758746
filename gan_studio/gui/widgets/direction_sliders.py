"""A column of labelled sliders over -3..3, one per latent direction or per latent dimension.

QSlider is integer-only, so each slider runs -300..300 and its value is divided by 100. Moving
one emits its index and value at once (no timer): rendering is latest-wins downstream, so a
dragged slider costs at most one render in flight, never a backlog.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QSlider, QWidget

STEPS = 100  # slider units per unit of value
LIMIT = 3.0  # each slider spans -LIMIT..LIMIT


class SliderBank(QWidget):
    """``count`` horizontal sliders named ``<prefix>0``, ``<prefix>1`` ..., each with a caption."""

    valueChanged = Signal(int, float)  # index, value in -LIMIT..LIMIT (user moves only)

    def __init__(self, prefix: str, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._prefix = prefix
        self._tooltip = tooltip
        self._sliders: list[QSlider] = []
        self._captions: list[QLabel] = []
        self._values: list[QLabel] = []
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setVerticalSpacing(2)
        self._layout.setColumnStretch(1, 1)

    def set_labels(self, labels: list[str]) -> None:
        """One slider per label; sliders already there are kept (and keep their values)."""
        while len(self._sliders) > len(labels):
            for widget in (self._sliders.pop(), self._captions.pop(), self._values.pop()):
                self._layout.removeWidget(widget)
                widget.deleteLater()
        while len(self._sliders) < len(labels):
            self._add_slider(len(self._sliders))
        for index, text in enumerate(labels):
            self._captions[index].setText(text)
            self._sliders[index].setAccessibleName(text)

    def _add_slider(self, index: int) -> None:
        slider = QSlider(Qt.Orientation.Horizontal, self)
        slider.setObjectName(f"{self._prefix}{index}")
        slider.setRange(int(-LIMIT * STEPS), int(LIMIT * STEPS))
        slider.setSingleStep(5)
        slider.setPageStep(50)
        slider.setToolTip(self._tooltip)
        slider.valueChanged.connect(lambda value, i=index: self._on_value(i, value))
        caption = QLabel(self)
        caption.setToolTip(self._tooltip)
        value_label = QLabel("+0.00", self)
        value_label.setMinimumWidth(value_label.fontMetrics().horizontalAdvance("-3.00 "))
        value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._layout.addWidget(caption, index, 0)
        self._layout.addWidget(slider, index, 1)
        self._layout.addWidget(value_label, index, 2)
        self._sliders.append(slider)
        self._captions.append(caption)
        self._values.append(value_label)

    def _on_value(self, index: int, value: int) -> None:
        self._values[index].setText(f"{value / STEPS:+.2f}")
        self.valueChanged.emit(index, value / STEPS)

    def count(self) -> int:
        return len(self._sliders)

    def slider(self, index: int) -> QSlider:
        return self._sliders[index]

    def caption(self, index: int) -> str:
        return self._captions[index].text()

    def values(self) -> np.ndarray:
        return np.array([s.value() / STEPS for s in self._sliders], dtype=np.float64)

    def set_values(self, values) -> None:
        """Show ``values`` (clipped to the range) without emitting valueChanged."""
        for slider, label, value in zip(self._sliders, self._values, np.asarray(values, dtype=np.float64)):
            position = int(round(float(np.clip(value, -LIMIT, LIMIT)) * STEPS))
            blocked = slider.blockSignals(True)
            slider.setValue(position)
            slider.blockSignals(blocked)
            label.setText(f"{position / STEPS:+.2f}")

    def reset(self) -> None:
        self.set_values(np.zeros(len(self._sliders)))
