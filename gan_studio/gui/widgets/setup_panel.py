"""The Setup dock's contents: the data, then the run's settings, in one column that scrolls only
when the window is too short for it."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from .config_form import ConfigForm
from .data_panel import DataPanel
from .recipe_box import RecipeBox

MIN_WIDTH = 340  # at least; wider when the rows need it (minimumSizeHint)


class SetupPanel(QScrollArea):
    """A :class:`DataPanel`, the :class:`RecipeBox` for its data, then a :class:`ConfigForm`; all
    three stay reachable as attributes."""

    def __init__(self, data_panel: DataPanel | None = None, form: ConfigForm | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupPanel")
        self.data_panel = data_panel if data_panel is not None else DataPanel()
        self.form = form if form is not None else ConfigForm()
        self.recipe = RecipeBox()
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(6, 2, 6, 2)  # tighter than Qt's 9 px: every row counts at 800 px high
        layout.setSpacing(2)
        layout.addWidget(self.data_panel)
        layout.addWidget(self.recipe)
        layout.addWidget(self.form)
        layout.addStretch(1)
        self.setWidget(inner)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # rows wrap instead

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # As wide as the column's own minimum, plus the vertical scroll bar for a short window:
        # with the horizontal bar off, a narrower dock would cut off the fields' right edges.
        inner = self.widget().minimumSizeHint().width() + 2 * self.frameWidth()
        width = max(MIN_WIDTH, inner + self.verticalScrollBar().sizeHint().width())
        return QSize(width, super().minimumSizeHint().height())

    def needs_scrolling(self) -> bool:
        """Whether part of the panel is out of view (laid-out geometry, so call after showing)."""
        return self.verticalScrollBar().maximum() > 0
