from __future__ import annotations

from PySide6.QtGui import QValidator

from gan_studio.gui.widgets.ladder_spin_box import LadderSpinBox, format_float

LADDER = (1e-4, 2e-4, 5e-4, 1e-3)


def test_the_arrows_walk_the_ladder_and_stop_at_its_ends(qtbot):
    spin = LadderSpinBox(LADDER, 1e-4, 1e-3, scientific=True)
    qtbot.addWidget(spin)
    spin.setValue(1.5e-4)  # between two rungs: the next rung either way
    spin.stepBy(1)
    assert spin.value() == 2e-4 and spin.text() == "2e-4"
    spin.stepBy(5)
    assert spin.value() == 1e-3
    spin.stepBy(-2)
    assert spin.value() == 2e-4


def test_typed_text_is_read_as_a_float_and_a_gap_cannot_be_typed(qtbot):
    spin = LadderSpinBox((0.0, 0.9, 0.99), 0.0, 0.999, scientific=False, gap=0.9)
    qtbot.addWidget(spin)
    spin.setSpecialValueText("off")
    assert spin.valueFromText("0.95") == 0.95 and spin.valueFromText("off") == 0.0
    assert spin.validate("0.99", 4)[0] == QValidator.State.Acceptable
    assert spin.validate("0.5", 3)[0] == QValidator.State.Intermediate  # between off and 0.9
    assert spin.validate("1e-", 3)[0] == QValidator.State.Intermediate  # may still become a number
    assert spin.validate("abc", 3)[0] == QValidator.State.Invalid
    assert format_float(0.0002, scientific=True) == "2e-4" and format_float(0.999, scientific=False) == "0.999"
