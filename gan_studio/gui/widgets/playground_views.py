"""Check boxes that switch the playground's views on and off (plain data: a set of view names)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QWidget

from ...core.playground.render import VIEWS

LABELS = {
    "surface": ("D's surface", "Heat map of D's verdict: orange = real, purple = fake"),
    "manifold": ("G's manifold", "A grid of noise warped by G; darker cells: more of G's mass"),
    "real": ("Real", "Samples of the distribution (green)"),
    "fake": ("Fake", "G's samples of a fixed noise batch (purple)"),
    "arrows": ("Gradients", "Where a G step moves each fake point"),
    "chart": ("Chart", "Losses and the KL / JS divergence of the grid histograms"),
}
TOGGLES = (*VIEWS, "chart")


class PlaygroundViewToggles(QWidget):
    viewsChanged = Signal(object)  # the set of names switched on

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QGridLayout(self)  # two rows of three: the window keeps its 1280 px default width
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for index, name in enumerate(TOGGLES):
            text, tip = LABELS[name]
            box = QCheckBox(text)
            box.setObjectName(f"view_{name}")
            box.setToolTip(tip)
            box.setChecked(True)
            box.toggled.connect(lambda _checked: self.viewsChanged.emit(self.views()))
            self.boxes[name] = box
            layout.addWidget(box, index // 3, index % 3)

    def views(self) -> set[str]:
        return {name for name, box in self.boxes.items() if box.isChecked()}
