"""The Runs tab: every run in the runs folder and the folders the user adds, as a table.

Filter and sort it (runs_model.py), open a run in the window, rename it, delete it to the trash
after asking, start a new run from it, or compare 2 to 6 of them (compare_view.py, a window of
its own). Reading the folders is a job (workers/jobs.py): a scan reads one small run in ~1-2 ms
here, but a folder on a network disk or with hundreds of runs must not freeze the window. The
table refreshes when shown, on Refresh, and every REFRESH_MS while shown (a run training in
another process changes its status and epochs).
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

from PySide6.QtCore import QFile, QItemSelectionModel, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import GanStudioError
from ...core.runs.catalogue import STATUSES, Catalogue, RunSummary, rename_run, scan
from ...core.runs.folder import RunFolder
from ...core.runs.compare import MAX_RUNS, MIN_RUNS, Comparison, load_comparison
from ..workers.jobs import Jobs, Latest
from .compare_view import CompareView
from .runs_model import RunsFilterProxy, RunsTableModel

REFRESH_MS = 10_000


class RunsPanel(QWidget):
    openRequested = Signal(object)  # Path: show this run in the window
    startFromRequested = Signal(object, object)  # Path, its RunConfig: set up a new run that starts from its weights
    foldersChanged = Signal(list)  # the added folders (strings), for the settings
    scanned = Signal()  # a scan's result is in the table (tests wait on it)
    comparisonShown = Signal(object)  # the CompareView just opened

    def __init__(self, runs_dir: Path, folders: list[Path] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs_dir = Path(runs_dir)
        self.folders = [Path(f) for f in folders if Path(f) != Path(runs_dir)]
        self.model = RunsTableModel(self)
        self.proxy = RunsFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._jobs = Jobs(self)
        self._scan = Latest(self._jobs)
        self._compare = Latest(self._jobs)
        self.compare_windows: list[CompareView] = []
        self.problems: list[tuple[Path, str]] = []

        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("runsFilter")
        self.filter_edit.setPlaceholderText("Filter: name, preset, data, model…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.set_text)
        self.status_box = QComboBox()
        self.status_box.addItem("all", "")
        for status in STATUSES:
            self.status_box.addItem(status, status)
        self.status_box.setToolTip("Show only the runs training now, finished, or stopped")
        self.status_box.currentIndexChanged.connect(lambda _: self.proxy.set_status(self.status_box.currentData()))

        self.table = QTableView()
        self.table.setObjectName("runsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(5, Qt.SortOrder.DescendingOrder)  # the newest first
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

        self.buttons: dict[str, QPushButton] = {}
        actions = (
            ("open", "Open", "Show the selected run in the Training, Quality and Explore tabs", self.open_selected),
            ("compare", "Compare", f"Compare {MIN_RUNS} to {MAX_RUNS} selected runs: curves, grids and configs", self.compare_selected),
            ("start_from", "Start from…", "Set up a new run that starts from this run's G and D (fine-tuning)", self.start_from_selected),
            ("rename", "Rename…", "Rename the selected run's folder", self.rename_selected),
            ("delete", "Delete…", "Move the selected runs to the trash (asks first)", self.delete_selected),
        )
        bottom = QHBoxLayout()
        for key, text, tip, slot in actions:
            button = QPushButton(text)
            button.setObjectName(f"runs_{key}")
            button.setToolTip(tip)
            button.clicked.connect(slot)
            bottom.addWidget(button)
            self.buttons[key] = button
        bottom.addStretch(1)
        self.summary = QLabel()
        bottom.addWidget(self.summary)

        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.status_box)
        for text, tip, slot in (
            ("Refresh", "Read the run folders again", self.refresh),
            ("Add folder…", "Also list the runs in another folder (remembered)", self.choose_folder),
            ("Remove folder", "Stop listing the folder of the selected run (its runs stay on disk)", self.remove_selected_folder),
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            top.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._refresh_if_shown)
        self._update_buttons()

    # -- the table -----------------------------------------------------------------------------
    def all_folders(self) -> list[Path]:
        return [self.runs_dir, *self.folders]

    def set_catalogue(self, catalogue: Catalogue) -> None:
        """Show these runs (keeping the selection by folder) and count the unreadable ones."""
        selected = set(self.selected_paths())
        self.model.set_runs(catalogue.runs)
        self.problems = list(catalogue.problems)
        selection = self.table.selectionModel()
        for row in range(self.proxy.rowCount()):
            if self.proxy.path_at(row) in selected:
                flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
                selection.select(self.proxy.index(row, 0), flags)
        skipped = f"; {len(self.problems)} unreadable (see tooltip)" if self.problems else ""
        self.summary.setText(f"{len(catalogue.runs)} runs{skipped}")
        self.summary.setToolTip("\n".join(f"{path}: {message}" for path, message in self.problems))
        self._update_buttons()

    def refresh(self) -> None:
        """Read every folder again, in a job; the newest scan wins."""
        job = self._scan.start(partial(_scan, self.all_folders()), name="runs-scan", doing="Listing the runs")
        job.returned.connect(lambda catalogue: (self.set_catalogue(catalogue), self.scanned.emit()))
        job.failed.connect(lambda message, _: self.summary.setText(message))

    def _refresh_if_shown(self) -> None:
        if self.isVisible() and not self._scan.pending():
            self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.refresh()
        self._timer.start()

    def hideEvent(self, event) -> None:  # noqa: N802
        super().hideEvent(event)
        self._timer.stop()

    def selected_runs(self) -> list[RunSummary]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.run_at(self.proxy.mapToSource(self.proxy.index(row, 0)).row()) for row in rows]

    def selected_paths(self) -> list[Path]:
        return [run.path for run in self.selected_runs()]

    def _update_buttons(self) -> None:
        count = len(self.table.selectionModel().selectedRows())
        for key in ("open", "rename", "start_from"):
            self.buttons[key].setEnabled(count == 1)
        self.buttons["delete"].setEnabled(count >= 1)
        self.buttons["compare"].setEnabled(MIN_RUNS <= count <= MAX_RUNS)

    # -- folders -------------------------------------------------------------------------------
    def add_folder(self, folder: Path) -> None:
        folder = Path(folder)
        if folder not in self.all_folders():
            self.folders.append(folder)
            self.foldersChanged.emit([str(f) for f in self.folders])
        self.refresh()

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of runs", str(self.runs_dir))
        if folder:
            self.add_folder(Path(folder))

    def remove_selected_folder(self) -> None:
        for run in self.selected_runs():
            for folder in list(self.folders):
                if run.path.is_relative_to(folder.expanduser().resolve()):
                    self.folders.remove(folder)
        self.foldersChanged.emit([str(f) for f in self.folders])
        self.refresh()

    # -- actions -------------------------------------------------------------------------------
    def open_selected(self) -> None:
        paths = self.selected_paths()
        if len(paths) == 1:
            self.openRequested.emit(paths[0])

    def start_from_selected(self) -> None:
        paths = self.selected_paths()
        if len(paths) != 1:
            return
        try:
            config = RunFolder.open(paths[0]).config
        except GanStudioError as error:
            self.show_problem("Cannot start from this run", str(error))
            return
        self.startFromRequested.emit(paths[0], config)

    def rename_selected(self) -> None:
        runs = self.selected_runs()
        if len(runs) != 1:
            return
        name = self.ask_name(runs[0].name)
        if name is None:
            return
        try:
            rename_run(runs[0].path, name)
        except GanStudioError as error:
            self.show_problem("Cannot rename the run", str(error))
        self.refresh()

    def delete_selected(self) -> None:
        runs = self.selected_runs()
        if not runs:
            return
        training = [run.name for run in runs if run.status == "training"]
        if training:
            self.show_problem("Cannot delete", f"{', '.join(training)} is being trained right now; stop it first.")
            return
        if not self.confirm_delete(runs):
            return
        failed = [run.path for run in runs if not move_to_trash(run.path)]
        if failed:
            self.show_problem(
                "Not moved to the trash",
                f"This system has no trash for {', '.join(map(str, failed))} (or it refused): nothing was deleted there. "
                "Delete the folder by hand if you really mean to.",
            )
        self.refresh()

    def compare_selected(self) -> None:
        paths = self.selected_paths()
        if not MIN_RUNS <= len(paths) <= MAX_RUNS:
            return
        job = self._compare.start(partial(_compare, paths), name="runs-compare", doing="Comparing the runs")
        job.returned.connect(self.show_comparison)
        job.failed.connect(lambda message, _: self.show_problem("Cannot compare the runs", message))

    def show_comparison(self, comparison: Comparison) -> CompareView:
        view = CompareView(comparison, self)
        view.setWindowFlag(Qt.WindowType.Window)
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view.destroyed.connect(lambda *_: self.compare_windows.remove(view) if view in self.compare_windows else None)
        view.resize(1280, 800)
        self.compare_windows.append(view)
        view.show()
        self.comparisonShown.emit(view)
        return view

    # -- questions (tests replace them) ---------------------------------------------------------
    def ask_name(self, current: str) -> str | None:
        name, ok = QInputDialog.getText(self, "Rename run", "New folder name:", text=current)
        return name if ok else None

    def confirm_delete(self, runs: list[RunSummary]) -> bool:
        names = "\n".join(f"  {run.name}  ({run.epochs_done} epochs, {run.path.parent})" for run in runs[:10])
        more = f"\n  … and {len(runs) - 10} more" if len(runs) > 10 else ""
        answer = QMessageBox.question(self, "Delete runs", f"Move {len(runs)} run(s) to the trash?\n\n{names}{more}")
        return answer == QMessageBox.StandardButton.Yes

    def show_problem(self, title: str, message: str) -> None:
        QMessageBox.warning(self, title, message)

    def shutdown(self) -> None:
        self._timer.stop()
        for view in self.compare_windows:
            view.close()
        self.compare_windows.clear()
        self._jobs.shutdown()


def move_to_trash(path: Path) -> bool:
    """QFile.moveToTrash (Qt 5.15+): False where the system has no trash or refuses."""
    if sys.platform.startswith("linux"):
        # The freedesktop trash is $XDG_DATA_HOME/Trash: Qt 6.11 refuses (returns False) while
        # that data folder does not exist yet, as on a fresh account.
        data_home = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
        if data_home:
            Path(data_home).mkdir(parents=True, exist_ok=True)
    result = QFile.moveToTrash(str(path))
    return bool(result[0] if isinstance(result, tuple) else result)


def _scan(folders: list[Path], task) -> Catalogue:  # noqa: ANN001 - a JobState
    return scan(folders, task)


def _compare(paths: list[Path], task) -> Comparison:  # noqa: ANN001
    return load_comparison(paths, task)
