"""The recipe for the data in the Setup panel: which one the data's facts chose (named in the
choice), what it sets (the choice's tooltip), and a choice of another one or none (core/recipes.py).

Fed with plain data (the facts of the loaded data and the form's config); it never touches the
form: Apply, or a new data source while "Automatic" is chosen, emits ``recipeApplied`` with the
config to show, and the window puts it into the form, where every value stays editable.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from ...core.config import RunConfig
from ...core.errors import ConfigError
from ...core.recipes import AUTOMATIC, NONE, RECIPES, DataFacts, apply_recipe, describe, resolve


class RecipeBox(QWidget):
    """One row, so the Setup panel still fits 1280 x 800 unscrolled: "Recipe", the choice (its
    Automatic entry names the recipe the data chose), Apply; the line of what it sets below it,
    one line, elided to the panel's width, whole in its tooltip."""

    recipeApplied = Signal(object)  # RunConfig: the form's config with the recipe's values

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recipeBox")
        self._facts: DataFacts | None = None
        self._source: str | None = None
        self._config = RunConfig()
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 0, 6, 0)
        self.choice = QComboBox()
        self.choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.choice.setMinimumContentsLength(8)
        self.choice.setObjectName("recipeCombo")
        self.choice.setAccessibleName("Recipe")
        self.choice.setToolTip("Settings chosen from the data's count, image size and colour. Automatic follows "
                               "the data; None keeps the preset as it is. Any value can be changed after.")
        self.choice.addItem("Automatic (from the data)", AUTOMATIC)
        for name, recipe in RECIPES.items():
            self.choice.addItem(recipe.title.capitalize(), name)
        self.choice.addItem("None (the preset as it is)", NONE)
        self.choice.currentIndexChanged.connect(self._refresh)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("recipeApplyButton")
        self.apply_button.setToolTip("Put the recipe's values into the settings below")
        self.apply_button.clicked.connect(self.apply)
        # The line is kept as a label (tests and tools read it) but shown as the choice's tooltip.
        self.line = QLabel("Load data to see its recipe.")
        self.line.setObjectName("recipeLine")
        self.line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.line.hide()
        row.addWidget(QLabel("Recipe"))
        row.addWidget(self.choice, 1)
        row.addWidget(self.apply_button)

    def set_config(self, config: RunConfig) -> None:
        """The form's config, which the recipe's values go on top of."""
        self._config = config
        self._refresh()

    def set_data(self, facts: DataFacts, source: str) -> None:
        """The loaded data; a new source (not the first one shown) under Automatic applies its recipe."""
        first, changed = self._source is None, source != self._source
        self._facts, self._source = facts, source
        self._refresh()
        if changed and not first and self.choice.currentData() == AUTOMATIC:
            self.apply()

    def chosen(self) -> RunConfig | None:
        """The config with the chosen recipe applied (None before any data or if it is invalid)."""
        if self._facts is None:
            return None
        try:
            return apply_recipe(self._config, resolve(self.choice.currentData(), self._facts), self._facts)
        except ConfigError:
            return None

    def apply(self) -> None:
        config = self.chosen()
        if config is not None:
            self.recipeApplied.emit(config)

    def _refresh(self, *_: object) -> None:
        config = self.chosen()
        self.apply_button.setEnabled(config is not None)
        if self._facts is None:
            return
        if config is None:
            self.line.setText("This recipe does not fit the settings below (see the red message).")
            return
        recipe = resolve(self.choice.currentData(), self._facts)
        self.line.setText(describe(recipe, self._facts, config))
        self.choice.setItemText(0, f"Automatic: {resolve(AUTOMATIC, self._facts).title}")
        self.choice.setToolTip(self.line.text())
