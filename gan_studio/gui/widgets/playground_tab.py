"""The Playground tab (objectName ``playgroundTab``): tiny GANs on 2-D points, GAN Lab's views.

It composes the controls, the view toggles, two canvases (the live run, and a frame pinned as
"before" for comparing a remedy side by side) and the loss and divergence charts, and wires them
to its PlaygroundWorker (gui/workers/playground.py, a job of gui/workers/jobs.py). Nothing
starts until Play, a step or Reset is pressed: the window's start-up imports no torch for it.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget
from PySide6.QtCore import Qt

from ...core.playground.config import PlaygroundConfig
from ...core.playground.events import Frame, PlaygroundStarted
from ...core.runs.folder import default_runs_dir
from ..workers.playground import PlaygroundWorker
from .metrics_plot import MetricsPlot
from .playground_canvas import PlaygroundCanvas
from .playground_controls import PlaygroundControls
from .playground_views import PlaygroundViewToggles

LOSS_CURVES = [("d_loss", "D loss", "#1f77b4"), ("g_loss", "G loss", "#ff7f0e")]
DIVERGENCE_CURVES = [("kl", "KL(real || fake)", "#2ca02c"), ("js", "JS", "#d62728")]


class PlaygroundTab(QWidget):
    def __init__(self, runs_dir: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playgroundTab")
        self.runs_dir = Path(runs_dir) if runs_dir else default_runs_dir()
        self.worker = PlaygroundWorker(self)
        self._summary_at: int | None = None  # the update of the last KL/JS charted (Frame.summary_at)
        self.controls = PlaygroundControls()
        self.toggles = PlaygroundViewToggles()
        self.canvas = PlaygroundCanvas("now")
        self.canvas.setObjectName("playgroundCanvas")
        self.before = PlaygroundCanvas("before")
        self.before.setObjectName("beforeCanvas")
        self.before.hide()
        self.pin_button = QPushButton("Pin as before")
        self.pin_button.setObjectName("pinButton")
        self.pin_button.setToolTip("Keep this picture beside the live one, e.g. the plain GAN before trying the remedy")
        self.loss_plot = MetricsPlot(LOSS_CURVES, "Losses", "loss")
        # A short title: at 1280x800 the chart is ~300 px wide and a longer one ran under the legend.
        self.divergence_plot = MetricsPlot(DIVERGENCE_CURVES, "Divergence", "nats")
        self.divergence_plot.setToolTip("KL and JS divergence between histograms of the real and the fake points on a grid")
        for plot in (self.loss_plot, self.divergence_plot):
            plot.setMinimumWidth(120)  # below their size hints: the window keeps its 1280 px default
        self.status = QLabel("")
        self.status.setObjectName("playgroundStatus")
        self.status.setWordWrap(True)
        self._pending: list = []  # commands pressed before the run had started
        self._layout()
        self._connect()

    def _layout(self) -> None:
        pictures = QHBoxLayout()
        pictures.addWidget(self.before, 1)
        pictures.addWidget(self.canvas, 1)
        charts = QSplitter(Qt.Orientation.Horizontal)
        charts.addWidget(self.loss_plot)
        charts.addWidget(self.divergence_plot)
        self.charts = charts
        right = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.toggles, 1)
        top.addWidget(self.pin_button)
        right.addLayout(top)
        right.addLayout(pictures, 3)
        right.addWidget(charts, 1)
        right.addWidget(self.status)
        layout = QHBoxLayout(self)
        layout.addWidget(self.controls)
        layout.addLayout(right, 1)

    def _connect(self) -> None:
        c, w = self.controls, self.worker
        c.playToggled.connect(self.play)
        c.stepRequested.connect(self.step)
        c.speedChanged.connect(w.set_speed)
        c.edited.connect(self._on_edited)
        c.resetRequested.connect(self.reset)
        c.saveRequested.connect(w.save)
        c.loadRequested.connect(self._choose_run)
        self.toggles.viewsChanged.connect(self._on_views)
        self.pin_button.clicked.connect(self.pin)
        w.started.connect(self._on_started)
        w.frameReady.connect(self._on_frame)
        w.playingChanged.connect(c.set_playing)
        w.checkpointSaved.connect(lambda e: self.status.setText(f"Saved {e.path}"))
        w.finished.connect(lambda e: self.status.setText(e.message))
        w.failed.connect(lambda message, details: self.status.setText(message))

    # -- actions ---------------------------------------------------------------------------------
    def play(self, playing: bool = True) -> None:
        self._ensure_running()
        (self.worker.play if playing else self.worker.pause)()

    def step(self, player: str) -> None:
        self._ensure_running()
        self.worker.pause()
        self.worker.step(player)

    def reset(self) -> None:
        """Fresh players with the controls' settings, in a new run folder, paused."""
        self.stop()
        self._start(self.controls.config())

    def load_run(self, run_dir: Path) -> None:
        """Continue a saved playground run, paused at its checkpoint."""
        from ...core.playground.run import PlaygroundRun

        run = PlaygroundRun.open(run_dir)  # a wrong folder fails here, on the GUI thread, as a sentence
        self.stop()
        self.controls.set_config(run.config)
        self._clear()
        self.worker.start_resume(run.path, speed=self.controls.speed())

    def pin(self) -> None:
        self.before.caption = f"before ({self.controls.preset_combo.currentText()}, pack {self.controls.pack_spin.value()})"
        self.before.set_frame(self.canvas.frame)
        self.before.setVisible(self.canvas.frame is not None)

    def stop(self) -> None:
        """Stop the run (it saves a checkpoint) and wait for its thread."""
        if self.worker.is_running():
            self.worker.shutdown()

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        return self.worker.shutdown(timeout_ms)

    # -- internals -------------------------------------------------------------------------------
    def _ensure_running(self) -> None:
        if not self.worker.is_running():
            self._start(self.controls.config())

    def _start(self, config: PlaygroundConfig) -> None:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        self._clear()
        self.worker.start_new(config, self.runs_dir / f"playground-{stamp}-{config.dist}-{config.preset}",
                              speed=self.controls.speed())

    def _clear(self) -> None:
        self.loss_plot.clear()
        self.divergence_plot.clear()
        self.canvas.set_frame(None)

    def _choose_run(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a playground run", str(self.runs_dir))
        if folder:
            try:
                self.load_run(Path(folder))
            except Exception as error:  # noqa: BLE001 - shown as the sentence it carries
                self.status.setText(str(error))

    def _on_edited(self, changes: dict) -> None:
        if self.worker.is_running():
            self.worker.edit(changes)

    def _on_views(self, views: set) -> None:
        self.canvas.set_views(views)
        self.before.set_views(views)
        self.charts.setVisible("chart" in views)

    def _on_started(self, event: PlaygroundStarted) -> None:
        self.status.setText(f"Run folder: {event.run_dir}")
        self._summary_at = None

    def _on_frame(self, frame: Frame) -> None:
        self.canvas.set_frame(frame)
        self.worker.picture_request = self.canvas.picture_request()  # the next frames come drawn so
        step = np.array([frame.g_updates + frame.d_updates], dtype=np.float64)
        self.loss_plot.append(step, {"d_loss": np.array([frame.d_loss]), "g_loss": np.array([frame.g_loss])})
        if frame.summary_at != self._summary_at:  # KL/JS are recomputed every few frames
            self._summary_at = frame.summary_at
            at = np.array([frame.summary_at], dtype=np.float64)
            self.divergence_plot.append(at, {"kl": np.array([frame.kl]), "js": np.array([frame.js])})
