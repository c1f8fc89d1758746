"""Named controls: every button the tests and assistive tools find by name is made here."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton


def named_button(name: str, text: str, tip: str) -> QPushButton:
    """A push button with an objectName, an accessible name (its text without a trailing "…")
    and a tooltip."""
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(text.rstrip("…"))
    button.setToolTip(tip)
    return button
