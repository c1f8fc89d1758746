"""A float spin box that steps along a ladder of round values and reads what is typed as a float."""

from __future__ import annotations

import re

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox

_NUMBER_PREFIX = re.compile(r"[0-9]*\.?[0-9]*(?:[eE][-+]?[0-9]*)?")  # what may still become a number


def format_float(value: float, scientific: bool) -> str:
    """2e-4 rather than 0.000200000000; 0.999 rather than 0.999000."""
    if scientific and 0 < abs(value) < 1e-2:
        mantissa, exponent = f"{value:.5e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return f"{value:.6f}".rstrip("0").rstrip(".")


class LadderSpinBox(QDoubleSpinBox):
    """A float spin box whose arrows walk a ladder of round values (1e-4, 2e-4, 5e-4 ...) and whose
    text is read as a plain float ("2e-4" or "0.0002"). Values in (minimum, gap) cannot be typed:
    for the EMA, "off" or at least 0.9 makes sense, 0.3 does not."""

    def __init__(self, ladder: tuple[float, ...], minimum: float, maximum: float, *,
                 scientific: bool, gap: float = 0.0) -> None:
        super().__init__()
        self._scientific, self._gap = scientific, gap
        self._ladder = tuple(v for v in ladder if minimum <= v <= maximum)
        self.setDecimals(12)  # Qt rounds every value to this many places: keep 1e-7 exact
        self.setRange(minimum, maximum)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        return format_float(value, self._scientific)

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt's name
        text = text.strip()
        if self.specialValueText() and text == self.specialValueText():
            return self.minimum()
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> object:
        stripped, special = text.strip(), self.specialValueText()
        if special and stripped == special:
            return QValidator.State.Acceptable, text, pos
        try:
            value = float(stripped)
        except ValueError:
            partial = _NUMBER_PREFIX.fullmatch(stripped) or (special and special.startswith(stripped))
            return (QValidator.State.Intermediate if partial else QValidator.State.Invalid), text, pos
        fits = self.minimum() <= value <= self.maximum() and not (self.minimum() < value < self._gap)
        return (QValidator.State.Acceptable if fits else QValidator.State.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        value = self.value()
        for _ in range(abs(steps)):  # the relative margin skips the rung the value already is on
            up = [v for v in self._ladder if v > value * (1 + 1e-9)]
            down = [v for v in self._ladder if v < value * (1 - 1e-9)]
            rungs = up[:1] if steps > 0 else down[-1:]
            value = rungs[0] if rungs else value
        self.setValue(value)
