"""A titled section of a side panel whose body folds away under its header (an arrow button)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSizePolicy, QToolButton, QVBoxLayout, QWidget


class CollapsibleSection(QWidget):
    """A header button with an arrow and a body that it shows or hides.

    A folded section takes one row of the panel (~24 px at the default font), so the rarely
    changed settings can wait below the most-used ones without pushing them off screen.
    """

    toggled = Signal(bool)  # expanded

    def __init__(self, title: str, body: QWidget | None = None, expanded: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        self.header = QToolButton(self)
        self.header.setText(title)
        self.header.setCheckable(True)
        self.header.setAutoRaise(True)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.header.setAccessibleName(title)
        font = self.header.font()
        font.setBold(True)
        self.header.setFont(font)
        self.header.toggled.connect(self._on_toggled)
        self.body = body if body is not None else QWidget()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._layout.addWidget(self.header)
        self._layout.addWidget(self.body)
        self.header.setChecked(expanded)
        self._apply(expanded)

    def title(self) -> str:
        return self._title

    def is_expanded(self) -> bool:
        return self.header.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        """Show or hide the body; emits toggled only when that changes."""
        self.header.setChecked(bool(expanded))

    def _on_toggled(self, expanded: bool) -> None:
        self._apply(expanded)
        self.toggled.emit(expanded)

    def _apply(self, expanded: bool) -> None:
        self.body.setVisible(expanded)
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        verb = "Hide" if expanded else "Show"
        self.header.setToolTip(f"{verb} the {self._title.lower()} settings")
