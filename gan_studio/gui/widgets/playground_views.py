"""Check boxes that switch the playground's views on and off (plain data: a set of view names)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QWidget

from ...core.playground.render import VIEWS

LABELS = {
    "surface": ("D's decision surface", "Heat map of D's verdict: orange = real, purple = fake"),
    "manifold": ("G's manifold", "A grid of noise warped by G; darker cells: more of G's mass"),
    "real": ("Real points", "Samples of the distribution (green)"),
    "fake": ("Fake points", "G's samples of a fixed noise batch (purple)"),
    "arrows": ("Gradients", "Where a G step moves each fake point"),
    "chart": ("Chart", "Losses and the KL / JS divergence of the grid histograms"),
}
TOGGLES = (*VIEWS, "chart")


class PlaygroundViewToggles(QWidget):
    viewsChanged = Signal(object)  # the set of names switched on

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for name in TOGGLES:
            text, tip = LABELS[name]
            box = QCheckBox(text)
            box.setObjectName(f"view_{name}")
            box.setToolTip(tip)
            box.setChecked(True)
            box.toggled.connect(lambda _checked: self.viewsChanged.emit(self.views()))
            self.boxes[name] = box
            layout.addWidget(box)
        layout.addStretch(1)

    def views(self) -> set[str]:
        return {name for name, box in self.boxes.items() if box.isChecked()}
