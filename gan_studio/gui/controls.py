"""Controls: every button the tests and assistive tools find by name is made here, and a form
field's value is read and written here whatever its kind (combo, check box, spin box)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget


def named_button(name: str, text: str, tip: str) -> QPushButton:
    """A push button with an objectName, an accessible name (its text without a trailing "…")
    and a tooltip."""
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(text.rstrip("…"))
    button.setToolTip(tip)
    return button


def set_combo_value(combo: QComboBox, value: Any) -> None:
    combo.setCurrentIndex(combo.findData(value))  # -1 (blank) for a value the combo lacks


def combo_value(combo: QComboBox, fallback: Any) -> Any:
    data = combo.currentData()
    return fallback if data is None else data  # a blank combo keeps the (invalid) value it was given


def read_field(widget: QWidget, fallback: Any) -> Any:
    """A combo's item data (``fallback`` when blank), a check box's state or a spin box's value."""
    if isinstance(widget, QComboBox):
        return combo_value(widget, fallback)
    return widget.isChecked() if isinstance(widget, QCheckBox) else widget.value()


def write_field(widget: QWidget, value: Any) -> None:
    """The inverse of :func:`read_field`."""
    if isinstance(widget, QComboBox):
        set_combo_value(widget, value)
    elif isinstance(widget, QCheckBox):
        widget.setChecked(value)
    else:
        widget.setValue(value)


def two_field_row(first: QWidget, label: str, second: QWidget, first_label: str = "") -> QWidget:
    """Two fields in one form row, "[first] label [second]": a row less for the panel's height."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    if first_label:
        layout.addWidget(QLabel(first_label))
    layout.addWidget(first, 1)
    if label:
        layout.addWidget(QLabel(label))
    layout.addWidget(second, 1 if label else 0)
    return row
