"""The runs table's model (one row per RunSummary) and the proxy that filters and sorts it.

Sorting is by value, not by the text shown: epochs by epochs done, "best" by the score (runs
without one last), "last change" by time. The filter matches a text against name, preset, data,
model and status (case-insensitive, every word must match somewhere) and can keep one status.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from ...core.runs.catalogue import RunSummary

COLUMNS = ("Name", "Preset", "Data", "Epochs", "Best", "Last change", "Status")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # the value a column sorts by
PATH_ROLE = Qt.ItemDataRole.UserRole + 2  # the run's folder, as a Path

_Index = QModelIndex | QPersistentModelIndex


def _display(run: RunSummary, column: int) -> str:
    return (
        run.name, run.preset, run.data, f"{run.epochs_done} / {run.epochs_planned}", run.best_text,
        run.last_change_text(), run.status_text,
    )[column]


def _sort_key(run: RunSummary, column: int):
    if column == 3:
        return float(run.epochs_done)
    if column == 4:  # unscored runs sort after every score
        return run.best_score if math.isfinite(run.best_score) else math.inf
    if column == 5:
        return run.last_change
    return _display(run, column).casefold()


def _tooltip(run: RunSummary) -> str:
    lines = [str(run.path), f"{run.model}; {run.steps:,} steps, {run.images_seen:,} images seen"]
    if run.best_text:
        lines.append(f"best {run.best_text} at epoch {run.best_epoch}")
    if run.parent:
        lines.append(f"started from {run.parent}")
    return "\n".join(lines)


class RunsTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:  # noqa: ANN001 - a QObject
        super().__init__(parent)
        self._runs: list[RunSummary] = []

    def set_runs(self, runs: list[RunSummary]) -> None:
        self.beginResetModel()
        self._runs = list(runs)
        self.endResetModel()

    def runs(self) -> list[RunSummary]:
        return list(self._runs)

    def run_at(self, row: int) -> RunSummary:
        return self._runs[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt's name and default
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        run = self._runs[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(run, index.column())
        if role == SORT_ROLE:
            return _sort_key(run, index.column())
        if role == PATH_ROLE:
            return run.path
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(run)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None


class RunsFilterProxy(QSortFilterProxyModel):
    """Filters by words and by status; sorts by SORT_ROLE."""

    def __init__(self, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._words: list[str] = []
        self._status = ""

    def set_text(self, text: str) -> None:
        self._refilter(words=text.casefold().split())

    def set_status(self, status: str) -> None:
        """Keep only runs of this status ("" for all)."""
        self._refilter(status=status)

    def _refilter(self, **values) -> None:  # noqa: ANN003 - the attributes to change
        # Qt 6.9 added begin/endFilterChange and deprecates invalidateRowsFilter; 6.8 has only the latter.
        begin = getattr(self, "beginFilterChange", None)
        if begin is not None:
            begin()
        for name, value in values.items():
            setattr(self, f"_{name}", value)
        if begin is not None:
            self.endFilterChange()
        else:
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, row: int, parent: _Index) -> bool:  # noqa: N802 - Qt's name
        model = self.sourceModel()
        if not isinstance(model, RunsTableModel):
            return True
        run = model.run_at(row)
        if self._status and run.status != self._status:
            return False
        haystack = " ".join((run.name, run.preset, run.data, run.model, run.status_text, run.parent)).casefold()
        return all(word in haystack for word in self._words)

    def path_at(self, row: int) -> Path:
        return self.data(self.index(row, 0), PATH_ROLE)
