from __future__ import annotations

from PySide6.QtCore import Qt

from gan_studio.core.latent.bookmarks import Bookmark
from gan_studio.gui.widgets.bookmark_list import BookmarkList


def make(qtbot) -> BookmarkList:
    widget = BookmarkList()
    qtbot.addWidget(widget)
    widget.set_bookmarks([Bookmark("one", [0.0, 1.0]), Bookmark("two", [2.0, 3.0], label=4, psi=0.5)])
    return widget


def test_enter_activates_and_delete_removes(qtbot):
    widget = make(qtbot)
    widget.setCurrentRow(1)
    with qtbot.waitSignal(widget.bookmarkActivated) as activated:
        qtbot.keyClick(widget, Qt.Key.Key_Return)
    assert activated.args[0].z == [2.0, 3.0] and activated.args[0].label == 4
    with qtbot.waitSignal(widget.bookmarksChanged):
        qtbot.keyClick(widget, Qt.Key.Key_Delete)
    assert [b.name for b in widget.bookmarks()] == ["one"] and widget.count() == 1


def test_renaming_keeps_the_point_and_refuses_empty_names(qtbot):
    widget = make(qtbot)
    with qtbot.waitSignal(widget.bookmarksChanged):
        widget.rename(0, "first")
    assert widget.bookmarks()[0] == Bookmark("first", [0.0, 1.0])
    with qtbot.assertNotEmitted(widget.bookmarksChanged):
        widget.rename(0, "  ")
    assert widget.item(0).text() == "first" and widget.bookmarks()[0].name == "first"


def test_add_selects_the_new_bookmark(qtbot):
    widget = make(qtbot)
    with qtbot.waitSignal(widget.bookmarksChanged):
        widget.add(Bookmark("three", [1.0, 1.0]))
    assert widget.currentRow() == 2 and widget.item(2).text() == "three"
