"""2 to 6 runs side by side: curves overlaid on shared axes, grids at one epoch, the config diff.

Built from a :class:`~gan_studio.core.runs.compare.Comparison` (numpy arrays and file paths,
read by a job: runs_panel.py), the same data the Pillow picture of ``gan-studio compare`` draws.
One colour per run everywhere: curves, grid captions, config values. The grids of the chosen
epoch are read when it changes, on the GUI thread: a 242-pixel grid PNG decodes in ~0.3 ms and
a 64-pixel RGB one (530 x 530) in ~3 ms, so six runs stay under ~20 ms per change.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.images import load_png
from ...core.runs.compare import ALIGNMENTS, CURVES, Comparison
from .image_view import ImageView
from .metrics_plot import apply_plot_style

ALIGN_TEXT = {"epoch": "by epoch", "images": "by images seen"}
QUALITY = "quality"


class CompareView(QWidget):
    def __init__(self, comparison: Comparison, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        apply_plot_style()
        self.comparison = comparison
        self._align = "epoch"
        runs = comparison.runs
        self.setWindowTitle("Compare runs: " + ", ".join(run.name for run in runs))

        header = QHBoxLayout()
        for run in runs:
            label = QLabel(f"<span style='color:{run.colour}; font-size:16px'>■</span> {run.name}")
            label.setToolTip(str(run.path))
            header.addWidget(label)
        header.addStretch(1)
        header.addWidget(QLabel("Align"))
        self.align_box = QComboBox()
        self.align_box.setObjectName("compareAlign")
        for align in ALIGNMENTS:
            self.align_box.addItem(ALIGN_TEXT[align], align)
        self.align_box.setToolTip("Put the curves on a shared x axis: epochs, or real images seen (runs with other batch sizes or data sizes)")
        self.align_box.currentIndexChanged.connect(lambda _: self.set_align(self.align_box.currentData()))
        header.addWidget(self.align_box)
        header.addWidget(QLabel("Grids at epoch"))
        self.epoch_box = QSpinBox()
        self.epoch_box.setObjectName("compareEpoch")
        common = comparison.common_epochs()
        self.epoch_box.setRange(min(common, default=0), max(common, default=0))
        self.epoch_box.setEnabled(len(common) > 1)
        self.epoch_box.setToolTip("The epoch of the fixed-noise grids below: one that every run has")
        header.addWidget(self.epoch_box)

        self.plots: dict[str, pg.PlotWidget] = {}
        self._curves: dict[str, list[pg.PlotDataItem]] = {}
        grid = QGridLayout()
        titles = dict(CURVES)
        score = comparison.score_name()
        places = {"d_loss": (0, 0), "g_loss": (0, 1), QUALITY: (0, 2), "d_real": (1, 0), "d_fake": (1, 1)}
        for key, (row, column) in places.items():
            title = titles.get(key) or (f"{score} (lower is better)" if score else "quality (not scored)")
            grid.addWidget(self._make_plot(key, title), row, column)
        self.diff_table = self._make_diff_table()
        grid.addWidget(self.diff_table, 1, 2)

        grids_row = QHBoxLayout()
        self.grid_views: list[ImageView] = []
        self.grid_labels: list[QLabel] = []
        for run in runs:
            column = QVBoxLayout()
            caption = QLabel()
            caption.setStyleSheet(f"color: {run.colour}; font-weight: bold")
            view = ImageView("no grid yet")
            view.setMinimumSize(120, 120)
            column.addWidget(caption)
            column.addWidget(view, 1)
            grids_row.addLayout(column)
            self.grid_labels.append(caption)
            self.grid_views.append(view)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(grid, 3)
        layout.addLayout(grids_row, 2)
        self._draw_curves()
        self.epoch_box.setValue(comparison.grid_epoch() or 0)
        self.epoch_box.valueChanged.connect(self.set_grid_epoch)
        self.set_grid_epoch(self.epoch_box.value())

    # -- building ------------------------------------------------------------------------------
    def _make_plot(self, key: str, title: str) -> pg.PlotWidget:
        plot = pg.PlotWidget()
        item = plot.getPlotItem()
        item.setTitle(title)
        item.showGrid(x=True, y=True, alpha=0.15)
        for side in ("left", "bottom"):
            item.getAxis(side).setStyle(maxTickLevel=0)
        symbol = {"symbol": "o", "symbolSize": 6} if key == QUALITY else {}
        self._curves[key] = [
            item.plot(pen=pg.mkPen(run.colour, width=2), name=run.name,
                      **({**symbol, "symbolBrush": run.colour, "symbolPen": run.colour} if symbol else {}))
            for run in self.comparison.runs
        ]
        plot.setAccessibleName(title)
        self.plots[key] = plot
        return plot

    def _make_diff_table(self) -> QTableWidget:
        runs, diff = self.comparison.runs, self.comparison.diff
        table = QTableWidget(len(diff), len(runs))
        table.setObjectName("configDiff")
        table.setHorizontalHeaderLabels([run.name for run in runs])
        table.setVerticalHeaderLabels([key for key, _ in diff])
        for row, (_, values) in enumerate(diff):
            for column, (value, run) in enumerate(zip(values, runs)):
                item = QTableWidgetItem(value)
                item.setForeground(QBrush(QColor(run.colour)))
                item.setToolTip(value)
                table.setItem(row, column, item)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setToolTip("The config values that differ between the runs" if diff else "The configs are the same")
        return table

    # -- showing -------------------------------------------------------------------------------
    def set_align(self, align: str) -> None:
        """Curves against epochs ("epoch") or real images seen ("images")."""
        if align not in ALIGNMENTS:
            raise ValueError(f"align must be one of {ALIGNMENTS}, got {align!r}")
        self._align = align
        self.align_box.setCurrentIndex(ALIGNMENTS.index(align))
        self._draw_curves()

    def align(self) -> str:
        return self._align

    def _draw_curves(self) -> None:
        x_label = "epoch" if self._align == "epoch" else "real images seen"
        for key, curves in self._curves.items():
            for run, curve in zip(self.comparison.runs, curves):
                if key == QUALITY:
                    x, y = run.quality_x(self._align), run.quality
                else:
                    x, y = run.x(self._align), run.values.get(key, np.empty(0))
                keep = np.isfinite(y)
                curve.setData(np.asarray(x)[keep], np.asarray(y)[keep])
            self.plots[key].getPlotItem().setLabel("bottom", x_label)
            self.plots[key].getPlotItem().enableAutoRange()

    def curve_data(self, key: str, run_index: int) -> tuple[np.ndarray, np.ndarray]:
        """What one run's curve in one plot holds now (x, y): for tests."""
        x, y = self._curves[key][run_index].getData()
        return (np.empty(0), np.empty(0)) if x is None else (np.asarray(x), np.asarray(y))

    def set_grid_epoch(self, epoch: int) -> None:
        """Show every run's grid of ``epoch`` (when every run has it; else the latest they share,
        or each run's own latest when they share none)."""
        shown = self.comparison.grid_epoch(epoch)
        for run, view, caption in zip(self.comparison.runs, self.grid_views, self.grid_labels):
            at = shown if shown is not None else (max(run.grids) if run.grids else None)
            image = None
            if at is not None:
                source = run.grids[at]
                try:
                    image = source if isinstance(source, np.ndarray) else load_png(source)
                except OSError:
                    view.set_placeholder("the grid cannot be read")
            view.set_image(image)
            caption.setText(f"{run.name} · epoch {at}" if at is not None else f"{run.name} · no grid yet")

    def grid_epoch_shown(self) -> int:
        return self.epoch_box.value()
