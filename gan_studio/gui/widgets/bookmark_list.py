"""The explorer's bookmarks: double-click to go there, F2 or a second click to rename, Delete to remove.

The list holds :class:`Bookmark` values and says when they changed; saving them (to the run
folder) is the owner's job.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QMenu, QWidget

from ...core.latent.bookmarks import Bookmark


class BookmarkList(QListWidget):
    bookmarkActivated = Signal(object)  # Bookmark: the user wants to go there
    bookmarksChanged = Signal()  # added, renamed or deleted

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bookmarks: list[Bookmark] = []
        self.setObjectName("bookmarkList")
        self.setAccessibleName("Bookmarks")
        self.setToolTip("Saved latent points. Double-click to go there; F2 or a second click renames; Delete removes")
        # Double-click means "go there", so editing starts from F2 or a click on the selected row.
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.itemDoubleClicked.connect(lambda item: self._activate(self.row(item)))
        self.itemChanged.connect(self._renamed)

    # -- contents ------------------------------------------------------------------------------
    def set_bookmarks(self, bookmarks: list[Bookmark]) -> None:
        """Replace the contents (no bookmarksChanged: nothing was edited)."""
        blocked = self.blockSignals(True)
        self.clear()
        self._bookmarks = list(bookmarks)
        for bookmark in self._bookmarks:
            self._add_item(bookmark)
        self.blockSignals(blocked)

    def bookmarks(self) -> list[Bookmark]:
        return list(self._bookmarks)

    def add(self, bookmark: Bookmark) -> None:
        self._bookmarks.append(bookmark)
        blocked = self.blockSignals(True)
        self._add_item(bookmark)
        self.blockSignals(blocked)
        self.setCurrentRow(len(self._bookmarks) - 1)
        self.bookmarksChanged.emit()

    def remove(self, row: int) -> None:
        if 0 <= row < len(self._bookmarks):
            del self._bookmarks[row]
            self.takeItem(row)
            self.bookmarksChanged.emit()

    def rename(self, row: int, name: str) -> None:
        if 0 <= row < len(self._bookmarks):
            self.item(row).setText(name)  # itemChanged -> _renamed

    def _add_item(self, bookmark: Bookmark) -> None:
        item = QListWidgetItem(bookmark.name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        item.setToolTip(self._describe(bookmark))
        self.addItem(item)

    @staticmethod
    def _describe(bookmark: Bookmark) -> str:
        parts = [f"ψ {bookmark.psi:.2f}"]
        if bookmark.label is not None:
            parts.append(f"class {bookmark.label}")
        if bookmark.created:
            parts.append(f"saved {bookmark.created}")
        return ", ".join(parts)

    # -- reactions -----------------------------------------------------------------------------
    def _renamed(self, item: QListWidgetItem) -> None:
        row = self.row(item)
        if not 0 <= row < len(self._bookmarks):
            return
        name = item.text().strip()
        old = self._bookmarks[row]
        if not name:  # an empty name would leave an invisible row: keep the old one
            blocked = self.blockSignals(True)
            item.setText(old.name)
            self.blockSignals(blocked)
            return
        if name != old.name:
            self._bookmarks[row] = dataclasses.replace(old, name=name)
            self.bookmarksChanged.emit()

    def _activate(self, row: int) -> None:
        if 0 <= row < len(self._bookmarks):
            self.bookmarkActivated.emit(self._bookmarks[row])

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        row = self.currentRow()
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and row >= 0:
            self.remove(row)
            event.accept()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and row >= 0:
            self._activate(row)
            event.accept()
        else:
            super().keyPressEvent(event)

    def _context_menu(self, position) -> None:
        item = self.itemAt(position)
        if item is None:
            return
        row = self.row(item)
        menu = QMenu(self)
        for text, slot in (("Go there", lambda: self._activate(row)), ("Rename", lambda: self.editItem(item)), ("Delete", lambda: self.remove(row))):
            action = QAction(text, menu)
            action.triggered.connect(slot)
            menu.addAction(action)
        menu.popup(self.viewport().mapToGlobal(position))
