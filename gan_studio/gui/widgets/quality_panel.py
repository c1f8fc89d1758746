"""The Quality tab: how good the samples are, epoch by epoch, and what the health monitor noticed.

Fed with QualityMeasured and HealthWarning events while a run trains, or with the rows of a run's
quality.csv and health.jsonl (RunFolder.read_quality / read_health) when one is opened. On the
built-in digits it shows FCD against its floor, precision/recall and the judge's class histogram;
on labelled data with a judge trained for it, the same against its held-out images; on unlabelled
data with an encoder trained for it, FD against its floor, precision/recall, and diversity and
distance to the nearest training image in its features; on other data, those two in pixels, beside
the real data's.

For data without a judge it offers to train one (``set_dataset_info`` says when): the
button emits ``trainJudgeRequested``, and a JudgeWorker bound with ``bind_judge_worker`` reports
progress and the result back here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ...core.events import HealthWarning, QualityMeasured
from ...core.formatting import format_value
from .metrics_plot import MetricsPlot, apply_plot_style
from .quality_texts import EMPTY_TEXT, JUDGE_DONE, JUDGE_HELP, JUDGE_OFFER, JUDGE_TRAINING, PIXEL_HELP, SSL_DONE, SSL_HELP

FCD_CURVES = [("fcd", "FCD", "#1f77b4")]
PR_CURVES = [("precision", "precision", "#2ca02c"), ("recall", "recall", "#9467bd")]
DIVERSITY_CURVES = [("diversity", "samples", "#1f77b4"), ("diversity_real", "real data", "#7f7f7f")]
MEMORISATION_CURVES = [("memorisation", "samples", "#ff7f0e"), ("memorisation_real", "real data", "#7f7f7f")]
FLOOR_COLOUR = "#d62728"
NUM_CLASSES = 10

JUDGE_ERROR_STYLE = "color: #c62828;"
_META = ("epoch", "step", "seconds", "class_histogram")


class QualityPanel(QWidget):
    """Quality curves per epoch, the class histogram and the health warnings of one run."""

    trainJudgeRequested = Signal()  # the user asked for a judge of the current data
    cancelJudgeRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        apply_plot_style()
        self.setObjectName("qualityPanel")
        self.setAccessibleName("Sample quality")
        self._judge: bool | None = None  # unknown until the first measurement
        self._floor_x: list[float] = []
        self._floor_y: list[float] = []
        self._num_classes = NUM_CLASSES
        self._dataset_info: tuple[bool, bool, str] = (False, True, "")  # trainable, has_judge, summary
        self._judge_training = False
        self._done_summary = ""  # the data of the judge just trained, while its accuracy shows

        self.summary = QLabel(EMPTY_TEXT)
        self.summary.setObjectName("qualitySummary")
        self.summary.setWordWrap(True)
        self.summary.setToolTip("The latest measurement of sample quality")
        self.summary.setAccessibleName("Quality summary")

        self.fcd_plot = self._plot(FCD_CURVES, "Distance to real digits (FCD)", "FCD", "fcdPlot",
                                   "Fréchet distance in the judge's features to 1,000 held-out digits: lower is better; "
                                   "the dashed line is the floor, real digits against real digits")
        self._floor_curve = pg.PlotDataItem(pen=pg.mkPen(FLOOR_COLOUR, width=1, style=Qt.PenStyle.DashLine), name="floor")
        self.fcd_plot.getPlotItem().addItem(self._floor_curve)
        self.pr_plot = self._plot(PR_CURVES, "Precision and recall", "share", "precisionRecallPlot",
                                  "Precision: samples that look like real digits. Recall: real digits the samples reach")
        self.pr_plot.getPlotItem().setYRange(0.0, 1.0)  # shares: a fixed scale shows 0.3 as low
        self.pr_plot.getPlotItem().enableAutoRange(axis="y", enable=False)
        self.diversity_plot = self._plot(DIVERSITY_CURVES, "Diversity", "mean distance", "diversityPlot",
                                         "Mean pixel distance between samples, beside the real data's")
        self.memorisation_plot = self._plot(MEMORISATION_CURVES, "Distance to the nearest training image", "distance",
                                            "memorisationPlot",
                                            "Median pixel distance of a sample to its nearest training image; "
                                            "far below the real data's means copying")

        self.histogram = pg.PlotWidget()
        self.histogram.setObjectName("classHistogram")
        self.histogram.setAccessibleName("Class histogram")
        self.histogram.setToolTip("How many of the samples the judge reads as each digit")
        item = self.histogram.getPlotItem()
        item.setTitle("Digits the judge sees")
        item.setLabel("bottom", "digit")
        item.setLabel("left", "samples")
        item.getAxis("bottom").setTicks([[(i, str(i)) for i in range(NUM_CLASSES)]])
        item.setMouseEnabled(x=False, y=False)
        self._bars = pg.BarGraphItem(x=np.arange(NUM_CLASSES), height=np.zeros(NUM_CLASSES), width=0.7, brush="#1f77b4")
        item.addItem(self._bars)
        self._build_judge_row()
        self.modes_label = QLabel("")
        self.modes_label.setObjectName("modesLabel")
        self.modes_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.modes_label.setToolTip("Digits drawn in at least 2 % of the samples, and the judge's mean confidence")
        self.modes_label.setAccessibleName("Modes covered")

        self.warnings = QListWidget()
        self.warnings.setObjectName("healthList")
        self.warnings.setAccessibleName("Training health warnings")
        self.warnings.setToolTip("Warnings about training, newest first; hover one for what to try")
        self.warnings.setWordWrap(True)
        warnings_title = QLabel("<b>Training health</b>")
        warnings_title.setToolTip("What the health monitor noticed while training")
        warnings_title.setAccessibleName("Training health")

        self.help = QLabel(JUDGE_HELP)
        self.help.setObjectName("qualityHelp")
        self.help.setWordWrap(True)
        self.help.setTextFormat(Qt.TextFormat.RichText)
        self.help.setToolTip("How to read the quality numbers")
        self.help.setAccessibleName("What do these numbers mean?")

        curves = self._curve_split = QSplitter(Qt.Orientation.Vertical)
        for plot in (self.fcd_plot, self.pr_plot, self.diversity_plot, self.memorisation_plot):
            curves.addWidget(plot)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.histogram, 2)
        right_layout.addWidget(self.modes_label)
        right_layout.addWidget(warnings_title)
        right_layout.addWidget(self.warnings, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(curves)
        split.addWidget(right)
        split.setSizes([600, 400])
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.judge_row)
        layout.addWidget(split, 1)
        layout.addWidget(self.help)
        self._show_mode(True)

    def _build_judge_row(self) -> None:
        self.judge_status = QLabel("")
        self.judge_status.setObjectName("judgeStatus")
        self.judge_status.setWordWrap(True)
        self.judge_status.setToolTip("Whether a judge scores this data, and how well it reads held-out images")
        self.judge_status.setAccessibleName("Judge status")
        self.train_judge_button = QPushButton("Train a judge for this data")
        self.train_judge_button.setObjectName("trainJudgeButton")
        self.train_judge_button.setToolTip(
            "Train a small classifier on 90 % of each class of your labelled data; the other 10 % measure "
            "its accuracy and are the real images every sample is compared with"
        )
        self.train_judge_button.setAccessibleName("Train a judge for this data")
        self.train_judge_button.clicked.connect(self._request_training)
        self.judge_progress = QProgressBar()
        self.judge_progress.setObjectName("judgeProgress")
        self.judge_progress.setToolTip("Training the judge: batches done")
        self.judge_progress.setAccessibleName("Judge training progress")
        self.cancel_judge_button = QPushButton("Cancel")
        self.cancel_judge_button.setObjectName("cancelJudgeButton")
        self.cancel_judge_button.setToolTip("Stop training the judge; nothing is saved")
        self.cancel_judge_button.setAccessibleName("Cancel training the judge")
        self.cancel_judge_button.clicked.connect(self.cancelJudgeRequested)
        self.judge_row = QWidget()
        self.judge_row.setObjectName("judgeRow")
        row = QHBoxLayout(self.judge_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.judge_status, 1)
        for widget in (self.train_judge_button, self.judge_progress, self.cancel_judge_button):
            row.addWidget(widget)
        self.judge_row.hide()

    def _plot(self, curves: list[tuple[str, str, str]], title: str, y_label: str, name: str, tip: str) -> MetricsPlot:
        plot = MetricsPlot(curves, title, y_label)
        plot.getPlotItem().setLabel("bottom", "epoch")
        plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)  # "share (x0.001)" reads badly
        plot.setObjectName(name)
        plot.setToolTip(tip)
        return plot

    # -- feeding ---------------------------------------------------------------------------------
    def add_quality(self, event: QualityMeasured) -> None:
        self._add(event.epoch, event.metrics, event.class_histogram, event.is_best)
        for plot in self._plots():
            plot.flush()  # one point per epoch: drawing now costs nothing

    def add_warning(self, event: HealthWarning) -> None:
        self._add_warning(event.kind, event.step, event.title, event.message, event.suggestion)

    def set_history(self, quality_rows: list[dict[str, Any]], warnings: list[dict[str, Any]]) -> None:
        """Show an opened run: rows of RunFolder.read_quality() and read_health(), oldest first."""
        self.clear()
        best = math.inf
        for row in quality_rows:
            metrics = {k: float(v) for k, v in row.items() if k not in _META}
            fcd = metrics.get("fcd", math.nan)
            is_best = math.isfinite(fcd) and fcd < best
            best = min(best, fcd) if math.isfinite(fcd) else best
            self._add(int(row.get("epoch", 0)), metrics, row.get("class_histogram") or None, is_best)
        for plot in self._plots():
            plot.flush()
        for record in warnings:
            self._add_warning(str(record.get("kind", "")), int(record.get("step", 0)), str(record.get("title", "")),
                              str(record.get("message", "")), str(record.get("suggestion", "")))

    def clear(self) -> None:
        for plot in self._plots():
            plot.clear()
        self._floor_x, self._floor_y = [], []
        self._floor_curve.setData([], [])
        self._set_class_count(NUM_CLASSES)
        self._bars.setOpts(height=np.zeros(NUM_CLASSES))
        self.modes_label.setText("")
        self.summary.setText(EMPTY_TEXT)
        self.warnings.clear()
        self._judge = None
        self._show_mode(True)

    # -- a judge for the user's data -----------------------------------------------------------
    def bind_judge_worker(self, worker) -> None:  # noqa: ANN001 - a gui.judge_worker.JudgeWorker
        """Show what ``worker`` reports, and let the cancel button stop it."""
        worker.inspected.connect(self.set_dataset_info)
        worker.progress.connect(self.judge_progress_changed)
        worker.finished.connect(self.judge_finished)
        worker.failed.connect(self.judge_failed)
        worker.cancelled.connect(self.judge_cancelled)
        self.cancelJudgeRequested.connect(worker.cancel)

    def set_dataset_info(self, trainable: bool, has_judge: bool, summary: str) -> None:
        """The current data: the judge row shows when a judge could be trained and none knows it yet."""
        self._dataset_info = (bool(trainable), bool(has_judge), summary)
        if not self._judge_training:  # a training in flight keeps its row until it ends
            self._show_judge_offer()

    def judge_progress_changed(self, done: int, total: int) -> None:
        self.judge_progress.setRange(0, max(1, total))
        self.judge_progress.setValue(done)

    def judge_finished(self, result: dict) -> None:
        """Show the trained judge's held-out accuracy (a JudgeWorker.finished payload)."""
        self._judge_training = False
        labelled, has_judge, summary = self._dataset_info
        trained = str(result.get("summary", summary))
        self._dataset_info = (labelled, has_judge or trained == summary, summary)
        self._done_summary = trained
        if result.get("num_classes"):
            text = JUDGE_DONE.format(summary=trained, accuracy=float(result["accuracy"]), heldout=result.get("heldout", "?"))
        else:  # an encoder of unlabelled data: no accuracy to show, its own line
            text = SSL_DONE.format(summary=trained, message=result.get("message", "a judge without labels"))
        self._set_judge_row(text, False, False)

    def judge_failed(self, message: str) -> None:
        self._judge_training = False
        self._set_judge_row(f"Could not train a judge: {message}", True, False, error=True)

    def judge_cancelled(self) -> None:
        self._judge_training = False
        self._show_judge_offer()
        self.judge_status.setText("Training the judge was cancelled; nothing was saved. " + self.judge_status.text())

    def is_training_judge(self) -> bool:
        return self._judge_training

    def _request_training(self) -> None:
        self._judge_training = True
        self.judge_progress.setRange(0, 0)  # busy until the first count
        self._set_judge_row(JUDGE_TRAINING.format(summary=self._dataset_info[2] or "this data"), False, True)
        self.trainJudgeRequested.emit()

    def _show_judge_offer(self) -> None:
        labelled, has_judge, summary = self._dataset_info
        if labelled and not has_judge:
            self._done_summary = ""
            classes = "" if "unlabelled" in summary else ", classes covered"
            self._set_judge_row(JUDGE_OFFER.format(summary=summary, classes=classes), True, False)
        elif summary != self._done_summary:  # the accuracy of a judge just trained stays until the data changes
            self.judge_row.hide()

    def _set_judge_row(self, text: str, offer: bool, training: bool, error: bool = False) -> None:
        self.judge_status.setText(text)
        self.judge_status.setStyleSheet(JUDGE_ERROR_STYLE if error else "")
        self.train_judge_button.setVisible(offer)
        self.train_judge_button.setEnabled(offer)
        self.judge_progress.setVisible(training)
        self.cancel_judge_button.setVisible(training)
        self.judge_row.show()

    # -- reading back (tests, the window) --------------------------------------------------------
    def histogram_counts(self) -> list[int]:
        return [int(v) for v in self._bars.opts["height"]]

    def warning_count(self) -> int:
        return self.warnings.count()

    def floor_data(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._floor_curve.getData()
        return (np.empty(0), np.empty(0)) if x is None else (np.asarray(x), np.asarray(y))

    # -- internals -------------------------------------------------------------------------------
    def _plots(self) -> tuple[MetricsPlot, ...]:
        return (self.fcd_plot, self.pr_plot, self.diversity_plot, self.memorisation_plot)

    def _add(self, epoch: int, metrics: dict[str, float], histogram: list[int] | None, is_best: bool) -> None:
        judge = "fcd" in metrics
        if self._judge is None:
            self._judge = judge
            self._show_mode(judge, "modes_covered" in metrics or not judge)
        x = np.array([epoch], dtype=np.int64)
        columns = {k: np.array([v], dtype=np.float64) for k, v in metrics.items()}
        for plot in self._plots():
            plot.append(x, columns)
        floor = metrics.get("fcd_floor", math.nan)
        if math.isfinite(floor):
            self._floor_x.append(float(epoch))
            self._floor_y.append(floor)
            self._floor_curve.setData(self._floor_x, self._floor_y)
        if histogram:
            self._set_class_count(len(histogram))
            self._bars.setOpts(height=np.asarray(histogram, dtype=np.float64))
        if judge and "modes_covered" not in metrics:  # an encoder's row: no classes
            text = f"Epoch {epoch}: FD {_fmt(metrics.get('fcd'), '{:.2f}')} (floor {_fmt(floor, '{:.2f}')})"
            text += f", precision {_fmt(metrics.get('precision'), '{:.2f}')}, recall {_fmt(metrics.get('recall'), '{:.2f}')}"
            text += f", nearest training image {_fmt(metrics.get('memorisation'), '{:.2f}')} (real {_fmt(metrics.get('memorisation_real'), '{:.2f}')})"
            self.summary.setText(text + (" — the best so far, kept as checkpoints/best.pt" if is_best else ""))
        elif judge:
            modes, confidence = metrics.get("modes_covered", math.nan), metrics.get("mean_confidence", math.nan)
            self.modes_label.setText(f"Modes covered {_fmt(modes, '{:.0f}')}/{self._num_classes} · mean confidence {_fmt(confidence, '{:.2f}')}")
            text = f"Epoch {epoch}: FCD {_fmt(metrics.get('fcd'), '{:.2f}')} (floor {_fmt(floor, '{:.2f}')})"
            text += f", precision {_fmt(metrics.get('precision'), '{:.2f}')}, recall {_fmt(metrics.get('recall'), '{:.2f}')}"
            self.summary.setText(text + (" — the best so far, kept as checkpoints/best.pt" if is_best else ""))
        else:
            self.summary.setText(
                f"Epoch {epoch}: diversity {_fmt(metrics.get('diversity'), '{:.3f}')} "
                f"(real data {_fmt(metrics.get('diversity_real'), '{:.3f}')}), nearest training image "
                f"{_fmt(metrics.get('memorisation'), '{:.3f}')} (real data {_fmt(metrics.get('memorisation_real'), '{:.3f}')})"
            )

    def _set_class_count(self, count: int) -> None:
        # The shipped judge knows 10 digits; a user's judge knows as many classes as its data has.
        if count == self._num_classes:
            return
        self._num_classes = count
        self._bars.setOpts(x=np.arange(count), height=np.zeros(count))
        step = max(1, count // 20)  # at most ~20 labels on the axis
        self.histogram.getPlotItem().getAxis("bottom").setTicks([[(i, str(i)) for i in range(0, count, step)]])
        digits = count == NUM_CLASSES
        self.histogram.getPlotItem().setLabel("bottom", "digit" if digits else "class")
        self.histogram.getPlotItem().setTitle("Digits the judge sees" if digits else "Classes the judge sees")

    def _show_mode(self, judge: bool, classes: bool = True) -> None:
        """``judge``: a judge's distance and precision/recall; ``classes``: a classifier's histogram
        (else diversity and nearest-train curves: pixels without a judge, features with an encoder)."""
        for widget in (self.fcd_plot, self.pr_plot):
            widget.setVisible(judge)
        for widget in (self.histogram, self.modes_label):
            widget.setVisible(judge and classes)
        for widget in (self.diversity_plot, self.memorisation_plot):
            widget.setVisible(not judge or not classes)
        name = "FD" if judge and not classes else "FCD"  # an encoder's Fréchet distance, or a classifier's
        self.fcd_plot.getPlotItem().setTitle("Distance to real images (FD)" if name == "FD" else "Distance to real digits (FCD)")
        self.fcd_plot.getPlotItem().setLabel("left", name)
        for _, label in self.fcd_plot.legend.items:
            if label.text in ("FCD", "FD"):
                label.setText(name)
        self.help.setText(PIXEL_HELP if not judge else JUDGE_HELP if classes else SSL_HELP)
        # Plots hidden at first come back at zero height: share the column among those shown.
        shown = [not plot.isHidden() for plot in self._plots()]
        self._curve_split.setSizes([600 // max(1, sum(shown)) if on else 0 for on in shown])

    def _add_warning(self, kind: str, step: int, title: str, message: str, suggestion: str) -> None:
        pixmap = QStyle.StandardPixmap.SP_MessageBoxCritical if kind == "diverged" else QStyle.StandardPixmap.SP_MessageBoxWarning
        item = QListWidgetItem(self.style().standardIcon(pixmap), f"{title} (step {step})")
        item.setToolTip(f"{message}\n\nWhat to try: {suggestion}")
        item.setData(Qt.ItemDataRole.UserRole, {"kind": kind, "step": step})
        self.warnings.insertItem(0, item)  # newest first


def _fmt(value: Any, fmt: str) -> str:
    return format_value(value, fmt, missing="–")  # an en dash: the window's blank
