"""A section of the side panel that folds away: built from a plain label as its body."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from gan_studio.gui.widgets.collapsible_section import CollapsibleSection


def test_the_header_folds_and_unfolds_the_body(qtbot):
    section = CollapsibleSection("Model details", QLabel("width 64"), expanded=False)
    qtbot.addWidget(section)
    section.show()
    assert not section.is_expanded() and not section.body.isVisible()
    assert section.header.arrowType() == Qt.ArrowType.RightArrow
    assert "Show" in section.header.toolTip() and section.header.accessibleName() == "Model details"
    folded = section.sizeHint().height()
    with qtbot.waitSignal(section.toggled) as blocker:
        qtbot.mouseClick(section.header, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    assert section.is_expanded() and section.body.isVisible()
    assert section.header.arrowType() == Qt.ArrowType.DownArrow and "Hide" in section.header.toolTip()
    assert section.sizeHint().height() > folded  # the body takes room only when open
    with qtbot.assertNotEmitted(section.toggled):
        section.set_expanded(True)  # no change, no signal
    section.set_expanded(False)
    assert not section.body.isVisible() and section.title() == "Model details"
