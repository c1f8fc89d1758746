"""The Training tab: live curves on the left, the epoch grid and its timeline on the right."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from ...core.events import EpochEnd, StepMetrics
from .epoch_timeline import EpochTimeline
from .image_view import ImageView
from .metrics_plot import MetricsPlot
from .step_controls import StepControls

LOSS_CURVES = [("d_loss", "D loss", "#1f77b4"), ("g_loss", "G loss", "#ff7f0e")]
PROB_CURVES = [("d_real", "D(x)", "#2ca02c"), ("d_fake", "D(G(z))", "#d62728")]


class TrainingPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss_plot = MetricsPlot(LOSS_CURVES, "Losses", "loss")
        self.loss_plot.setObjectName("lossPlot")
        self.loss_plot.setToolTip("Discriminator and generator loss at every step")
        self.prob_plot = MetricsPlot(PROB_CURVES, "Discriminator outputs", "D output")
        self.prob_plot.setObjectName("probPlot")
        self.prob_plot.setToolTip("D(x): how real D finds real images; D(G(z)): how real it finds the fakes")
        self.smooth_check = QCheckBox("Smooth curves")
        self.smooth_check.setObjectName("smoothCheck")
        self.smooth_check.setToolTip("Show a moving average instead of the raw, noisy per-step values")
        self.smooth_check.setAccessibleName("Smooth curves")
        self.smooth_check.toggled.connect(self.loss_plot.set_smoothing)
        self.smooth_check.toggled.connect(self.prob_plot.set_smoothing)

        self.sample_grid = ImageView("Samples from fixed noise appear here after each epoch.")
        self.sample_grid.setObjectName("sampleGrid")
        self.sample_grid.setToolTip("The generator's samples from the same fixed noise, after the chosen epoch")
        self.sample_grid.setAccessibleName("Sample grid")
        self.grid_caption = QLabel("")
        self.grid_caption.setObjectName("gridCaption")
        self.grid_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.timeline = EpochTimeline()
        self.timeline.epochSelected.connect(self._show_epoch)

        plots = QWidget()
        plots_layout = QVBoxLayout(plots)
        plots_layout.setContentsMargins(0, 0, 0, 0)
        self.step_controls = StepControls()
        header = QHBoxLayout()
        header.addStretch(1)
        header.addWidget(self.smooth_check)
        plots_layout.addLayout(header)
        plot_split = QSplitter(Qt.Orientation.Vertical)
        plot_split.addWidget(self.loss_plot)
        plot_split.addWidget(self.prob_plot)
        plots_layout.addWidget(plot_split, 1)

        samples = QWidget()
        samples_layout = QVBoxLayout(samples)
        samples_layout.setContentsMargins(0, 0, 0, 0)
        samples_layout.addWidget(self.sample_grid, 1)
        samples_layout.addWidget(self.grid_caption)
        samples_layout.addWidget(self.timeline)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(plots)
        split.addWidget(samples)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([560, 500])  # the samples deserve room: they are what people came to see
        layout = QVBoxLayout(self)
        layout.addWidget(self.step_controls)  # a row across the page: neither side loses width to it
        layout.addWidget(split)

    # -- feeding ---------------------------------------------------------------------------------
    def clear(self) -> None:
        self.loss_plot.clear()
        self.prob_plot.clear()
        self.timeline.clear()
        self.sample_grid.set_image(None)
        self.grid_caption.setText("")

    def add_metrics(self, event: StepMetrics) -> None:
        self.append_columns(event.steps, {name: event.column(name) for name in ("d_loss", "g_loss", "d_real", "d_fake")})

    def append_columns(self, steps: np.ndarray, columns: dict[str, np.ndarray]) -> None:
        self.loss_plot.append(steps, {k: columns[k] for k, _, _ in LOSS_CURVES if k in columns})
        self.prob_plot.append(steps, {k: columns[k] for k, _, _ in PROB_CURVES if k in columns})

    def set_history(self, metrics: dict[str, np.ndarray], grids: list[tuple[int, np.ndarray]]) -> None:
        steps = metrics.get("step", np.empty(0)).astype(np.int64)
        self.loss_plot.set_history(steps, {k: metrics[k] for k, _, _ in LOSS_CURVES if k in metrics})
        self.prob_plot.set_history(steps, {k: metrics[k] for k, _, _ in PROB_CURVES if k in metrics})
        self.timeline.set_epochs(grids)
        if not grids:
            self.sample_grid.set_image(None)

    def show_step_grid(self, step: int, grid: np.ndarray) -> None:
        """The fixed-noise grid after a single or slow-motion step (SamplesRefreshed)."""
        self.sample_grid.set_image(grid)
        self.grid_caption.setText(f"Fixed-noise samples after step {step}")

    def add_epoch(self, event: EpochEnd) -> None:
        self.timeline.add_epoch(event.epoch, event.grid)

    def _show_epoch(self, epoch: int, grid: np.ndarray) -> None:
        self.sample_grid.set_image(grid)
        self.grid_caption.setText(f"Fixed-noise samples after epoch {epoch}")
