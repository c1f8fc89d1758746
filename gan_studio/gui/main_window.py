"""The main window: composes the widgets and wires their signals; the work happens elsewhere."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QTabWidget,
)

from ..core.config import RunConfig
from ..core.events import CheckpointSaved, EpochEnd, Finished, FinishReason, HealthWarning, RunStarted, StepMetrics
from ..core.recipes import DataFacts
from ..core.runs.folder import new_run_name
from ..core.runs.lineage import InitFrom
from ..core.runs.lock import RunLocked, run_writer
from .actions import add_toolbar_and_menus, create_actions
from .dialogs.messages import show_about, show_error
from .gpu_training import wire_gpu_training
from .workers.device_probe import DeviceProbe
from .workers.jobs import stop_jobs
from .workers.judge import JudgeWorker
from .workers.run_watcher import RunHistory, RunWatcher
from .settings import AppSettings
from .workers.training import TrainingController, TrainingState
from .widgets.latent_explorer import LatentExplorer
from .widgets.playground_tab import PlaygroundTab
from .widgets.quality_panel import QualityPanel
from .widgets.runs_panel import RunsPanel
from .widgets.run_summary_banner import RunSummary, RunSummaryBanner
from .widgets.setup_panel import SetupPanel
from .widgets.training_page import TrainingPage
from .widgets.training_status import TrainingStatus

WARNING_COLOURS = {"diverged": "#d62728"}  # other warnings are orange

STATE_TEXT = {
    TrainingState.IDLE: "Ready",
    TrainingState.STARTING: "Starting…",
    TrainingState.RUNNING: "Training",
    TrainingState.PAUSED: "Paused",
    TrainingState.STOPPING: "Stopping…",
}


class MainWindow(QMainWindow):
    # Re-emitted from the controller, so tests and automation can wait on the window alone.
    trainingFinished = Signal(object)  # Finished
    trainingFailed = Signal(str)

    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("GAN Studio")
        self.setAcceptDrops(True)
        self.settings = AppSettings(settings)
        self.controller = TrainingController(self)
        self.watcher = RunWatcher(self)
        self.devices = DeviceProbe(self)
        self.judge_worker = JudgeWorker(self)  # trains a judge for the user's data (a classifier, or an encoder without labels)
        self.opened_run: RunHistory | None = None  # a run opened from disk (resumable)
        self._run_started: RunStarted | None = None  # the run being trained, for the explorer
        self._total_epochs = 0
        self._close_when_stopped = False
        self._finished: Finished | None = None  # the run just ended, summed up once its folder is read
        self._init_from: InitFrom | None = None  # the next new run starts from this run's weights

        self.page = TrainingPage()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.addTab(self.page, "Training")
        self.quality = QualityPanel()
        self.tabs.addTab(self.quality, "Quality")
        self.explorer = LatentExplorer()
        self.tabs.addTab(self.explorer, "Explore")
        self.playground = PlaygroundTab(self.settings.runs_dir())
        self.tabs.addTab(self.playground, "Playground")
        self.runs = RunsPanel(self.settings.runs_dir(), self.settings.run_folders())
        self.tabs.addTab(self.runs, "Runs")
        self.banner = RunSummaryBanner()  # the end of a run: where it is, its best, what next
        self.setCentralWidget(self.banner.above(self.tabs))

        self.setup = SetupPanel()
        self.data_panel, self.form, self.recipe = self.setup.data_panel, self.setup.form, self.setup.recipe
        self.setup_dock = QDockWidget("Setup", self)
        self.setup_dock.setObjectName("setupDock")
        self.setup_dock.setWidget(self.setup)
        self.setup_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.setup_dock)

        self.status = TrainingStatus()
        self.statusBar().addPermanentWidget(self.status)  # stretch 0: messages get the room on the left
        self.actions = create_actions(self)
        add_toolbar_and_menus(self, self.actions, self.setup_dock.toggleViewAction())
        self._connect()
        self.launcher = wire_gpu_training(self)  # "Train on N GPUs", where the probe finds several
        self._restore_settings()
        self.apply_state(TrainingState.IDLE)
        self.devices.start()

    # -- construction ----------------------------------------------------------------------------
    def _connect(self) -> None:
        a, c = self.actions, self.controller
        a.train.triggered.connect(self.start_training)
        a.pause.triggered.connect(self._toggle_pause)
        a.stop.triggered.connect(c.stop)
        a.save.triggered.connect(c.save_checkpoint)
        a.new_run.triggered.connect(self.new_run)
        a.open_run.triggered.connect(self._choose_run)
        a.show_run_folder.triggered.connect(self._show_run_folder)
        a.quit.triggered.connect(self.close)
        a.about.triggered.connect(lambda: show_about(self))
        c.stateChanged.connect(self.apply_state)
        c.runStarted.connect(self._on_run_started)
        c.metricsReceived.connect(self._on_metrics)
        c.epochEnded.connect(self._on_epoch)
        c.checkpointSaved.connect(self._on_checkpoint)
        c.learningRatesChanged.connect(lambda e: self.statusBar().showMessage(f"Learning rates now G {e.lr_g:g}, D {e.lr_d:g}", 5000))
        c.qualityMeasured.connect(self.quality.add_quality)
        c.healthWarning.connect(self._on_health_warning)
        c.finished.connect(self._on_finished)
        c.failed.connect(self._on_failed)
        self.form.configChanged.connect(self._on_config_changed)
        self.form.learningRatesEdited.connect(c.set_learning_rates)
        steps = self.page.step_controls  # D step, G step, both, slow motion, live loss and D steps
        steps.stepRequested.connect(c.step)
        steps.speedChanged.connect(c.set_speed)
        steps.settingsEdited.connect(c.edit_settings)
        c.runStarted.connect(lambda e: steps.show_run_config(e.config_json))
        c.samplesRefreshed.connect(lambda e: self.page.show_step_grid(e.global_step, e.grid))
        self.data_panel.datasetFailed.connect(lambda message: self.statusBar().showMessage(message, 8000))
        self.watcher.historyLoaded.connect(self._show_history)
        self.watcher.metricsAppended.connect(self._on_watched_metrics)
        self.watcher.epochAdded.connect(self._on_watched_epoch)
        self.watcher.failed.connect(lambda message: self._error("Cannot open run", message))
        self.devices.found.connect(self.form.set_devices)
        self.runs.openRequested.connect(lambda path: (self.open_run(path), self.tabs.setCurrentWidget(self.page)))
        self.runs.startFromRequested.connect(self.start_from)
        self.runs.foldersChanged.connect(self.settings.set_run_folders)
        self.quality.bind_judge_worker(self.judge_worker)
        self.banner.openFolderRequested.connect(self._show_run_folder)
        self.banner.exploreRequested.connect(lambda _: self.tabs.setCurrentWidget(self.explorer))
        self.banner.trainMoreRequested.connect(lambda _: self.start_training())
        self.data_panel.datasetReady.connect(self.judge_worker.inspect)  # -> quality.set_dataset_info
        self.data_panel.datasetReady.connect(
            lambda d: self.recipe.set_data(DataFacts.of(d.images, d.num_classes), self.data_panel.source()))
        self.recipe.recipeApplied.connect(self.form.set_config)
        self.quality.trainJudgeRequested.connect(
            lambda: self.judge_worker.train(self.data_panel.dataset(), self.form.config().train.threads))

    def _restore_settings(self) -> None:
        s = self.settings
        if s.geometry() is not None:
            self.restoreGeometry(s.geometry())
        else:
            self.resize(1280, 800)
        if s.window_state() is not None:
            self.restoreState(s.window_state())
        self.data_panel.set_recent_sources(s.recent_sources())
        self.form.set_expanded_sections(s.expanded_sections(self.form.expanded_sections()))
        config = s.last_config()
        if config is not None:
            self.form.set_config(config)
            self.data_panel.set_source(config.data.source)
        else:
            self.data_panel.set_source(self.form.config().data.source)
        self._on_config_changed()

    def save_settings(self) -> None:
        s = self.settings
        s.save_layout(self.saveGeometry(), self.saveState())
        config = self.form.config()
        config.data.source = self.data_panel.source()
        s.set_last_config(config)
        s.set_recent_sources(self.data_panel.recent_sources())
        s.set_expanded_sections(self.form.expanded_sections())
        s.sync()

    # -- commands --------------------------------------------------------------------------------
    def start_training(self, run_dir: Path | None = None) -> None:
        """Train: resume the opened run if there is one, else start a new run from the form."""
        if not self.controller.allows("train"):
            return
        if self.opened_run is not None and self.opened_run.has_checkpoint:
            self._resume_opened_run()
            return
        config = self.form_run_config()
        if config is None:
            return
        run_dir = Path(run_dir) if run_dir else self.settings.runs_dir() / new_run_name(config)
        self.page.clear()
        self.quality.clear()
        self.opened_run = None
        self._total_epochs = config.train.epochs
        # The panel's dataset is the whole source: with a limit (or another filter) the trainer
        # loads what the config asks for, so the run records the data that resuming will load.
        same = self.data_panel.data_config() == config.data
        self.controller.start_new(config, run_dir, dataset=self.data_panel.dataset() if same else None, init_from=self._init_from)
        self._init_from = None

    def form_run_config(self):
        """The form's config with the chosen data, or None after saying why it cannot train."""
        error = self.form.validation_error()
        if error:
            self._error("Cannot start training", error)
            return None
        config = self.form.config()
        config.data.source = self.data_panel.source()
        return config

    def _resume_opened_run(self) -> None:
        run = self.opened_run
        if (writer := run_writer(run.path)) is not None:  # the command line is training it: keep watching
            self._error("Cannot train this run", message := str(RunLocked(run.path, writer)))
            self.trainingFailed.emit(message)
            return
        extra = None
        if run.complete:
            extra, ok = QInputDialog.getInt(self, "Train more", "This run is complete. Train how many more epochs?", 10, 1, 100000)
            if not ok:
                return
        self.watcher.close_run()
        self._total_epochs = run.epochs_done + extra if extra else run.config.train.epochs
        self.controller.start_resume(run.path, extra_epochs=extra, machine=self.form.machine())

    def open_run(self, path: Path) -> None:
        """Show a run folder's history; it keeps updating if another process is writing it."""
        if self.controller.state.busy:
            return
        self.watcher.open(Path(path), follow=True)

    def start_from(self, path: Path, config: RunConfig) -> None:
        """A new run with this run's config that starts from its weights (Train starts it)."""
        if not self.controller.state.busy:
            self.new_run()
            self.form.set_config(config)
            self.data_panel.set_source(config.data.source)
            self._init_from = InitFrom(Path(path))
            self.statusBar().showMessage(f"The next run starts from {Path(path).name}'s weights: change the data or settings, then Train", 15000)

    def new_run(self) -> None:
        if self.controller.state.busy:
            return
        self._init_from = None
        self.watcher.close_run()
        self.opened_run = None
        self.page.clear()
        self.quality.clear()
        self.explorer.set_run_dir(None)
        self.status.reset()
        self.banner.hide()
        self.apply_state(self.controller.state)

    def _toggle_pause(self) -> None:
        if self.controller.allows("pause"):
            self.controller.pause()
        elif self.controller.allows("resume"):
            self.controller.resume()

    def _choose_run(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a run folder", self.settings.last_opened_dir())
        if path:
            self.settings.set_last_opened_dir(str(Path(path).parent))
            self.open_run(Path(path))

    def _show_run_folder(self, *_) -> None:
        folder = self.controller.run_dir or (self.opened_run.path if self.opened_run else None)
        if folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # -- reactions -------------------------------------------------------------------------------
    def apply_state(self, state: TrainingState) -> None:
        c, a = self.controller, self.actions
        launched = self.launcher.running  # a run on several GPUs: only Stop acts on it
        a.train.setEnabled(c.allows("train") and not launched and (self.opened_run is None or self.opened_run.has_checkpoint))
        a.train_gpus.setEnabled(c.allows("train") and not launched)
        resumable = self.opened_run is not None and self.opened_run.has_checkpoint
        a.train.setText("&Resume" if resumable and not self.opened_run.complete else "&Train more" if resumable else "&Train")
        a.pause.setEnabled(c.allows("pause") or c.allows("resume"))
        a.pause.setText("&Resume" if state is TrainingState.PAUSED else "&Pause")
        a.stop.setEnabled(c.allows("stop") or launched)
        a.save.setEnabled(c.allows("save"))
        a.open_run.setEnabled(c.allows("open"))
        a.new_run.setEnabled(c.allows("open"))
        self.form.set_training_active(state.busy)
        self.page.step_controls.set_active(c.allows("steer"))
        self.data_panel.set_enabled_for_training(not state.busy)
        self.status.set_state(STATE_TEXT[state], state.busy)

    def _on_config_changed(self) -> None:
        config = self.form.config()
        self.data_panel.set_image_options(config.data.channels, config.data.image_size)
        self.recipe.set_config(config)
        if not self.controller.allows("steer"):  # idle: the live controls show what Train will use
            self.page.step_controls.set_settings(config.train.loss, config.train.d_steps)

    def _on_run_started(self, event: RunStarted) -> None:
        self._run_started = event
        self.banner.hide()
        self.explorer.set_run_dir(event.run_dir)
        self._total_epochs = event.total_epochs
        self.status.set_device(event.device)
        self.status.set_time_limit(RunConfig.from_json(event.config_json).train.minutes)
        self.setWindowTitle(f"GAN Studio — {event.run_dir.name}")
        self.statusBar().showMessage(f"Training {event.dataset_summary} on {event.device}; run folder {event.run_dir}", 8000)
        self.status.set_progress(event.start_epoch + 1, event.total_epochs, event.step_in_epoch, event.steps_per_epoch, event.start_step)

    def _on_metrics(self, event: StepMetrics) -> None:
        self.page.add_metrics(event)
        self.status.set_progress(
            event.epoch, self._total_epochs, event.step_in_epoch, event.steps_per_epoch,
            event.global_step, event.images_per_s, event.eta_s,
        )

    def _on_epoch(self, event: EpochEnd) -> None:
        self.page.add_epoch(event)
        started = self._run_started
        if started is not None and event.generator_weights is not None:
            self.explorer.set_generator_weights(
                started.config_json, started.image_shape, started.num_classes, event.generator_weights, event.epoch
            )

    def _on_health_warning(self, event: HealthWarning) -> None:
        self.quality.add_warning(event)
        self.page.loss_plot.add_marker(event.step, event.title, WARNING_COLOURS.get(event.kind, "#ff7f0e"))
        self.statusBar().showMessage(f"{event.title}. {event.suggestion}", 10000)

    def _on_watched_epoch(self, epoch: int, grid) -> None:
        # A run another process is writing gained an epoch: newer weights, same directions.
        self.page.timeline.add_epoch(epoch, grid)
        if self.opened_run is not None:
            self.explorer.set_source_path(self.opened_run.path, keep_directions=True)

    def _on_checkpoint(self, event: CheckpointSaved) -> None:
        if event.reason != "epoch":
            self.statusBar().showMessage(f"Checkpoint saved: {event.path}", 5000)

    def _on_finished(self, event: Finished) -> None:
        self.statusBar().showMessage(event.message, 15000)
        if event.reason is FinishReason.DIVERGED:
            self._error("Training diverged", event.message)
        elif event.reason is FinishReason.OUT_OF_MEMORY:
            self._error("Out of memory", event.message)
        self.trainingFinished.emit(event)
        if self._close_when_stopped:
            self.close()
        elif self.controller.run_dir is not None:
            self._finished = event
            self.open_run(self.controller.run_dir)  # now a resumable run on disk; then the summary

    def _on_failed(self, message: str, details: str) -> None:
        self._error("Training failed", message, details)
        self.trainingFailed.emit(message)
        if self._close_when_stopped:
            self.close()
        elif self.opened_run is not None:
            self.open_run(self.opened_run.path)  # a resume that could not start: watch the run again

    def _show_history(self, history: RunHistory) -> None:
        self.opened_run = history
        self.page.set_history(history.metrics, history.grids)
        self.quality.set_history(history.quality, history.health)
        for warning in history.health:  # after set_history, which clears the plot's markers
            colour = WARNING_COLOURS.get(str(warning.get("kind")), "#ff7f0e")
            self.page.loss_plot.add_marker(int(warning["step"]), str(warning["title"]), colour)
        self.explorer.set_run_dir(history.path)
        if history.has_checkpoint:
            self.explorer.set_source_path(history.path)
        self.form.show_recipe(history.config)  # its recipe; the device and threads stay the form's
        self.data_panel.set_source(history.config.data.source)
        self.setWindowTitle(f"GAN Studio — {history.path.name}")
        done, total = history.epochs_done, history.config.train.epochs
        self.statusBar().showMessage(f"Opened {history.path}: {done} of {total} epochs done", 8000)
        steps = history.metrics.get("step")
        if steps is not None and len(steps):
            self.status.set_progress(max(done, 1), total, 0, max(1, int(steps[-1]) // max(done, 1)), int(steps[-1]))
        self.apply_state(self.controller.state)
        self._show_summary(history)

    def _show_summary(self, history: RunHistory) -> None:
        """After a run ends (and only then): its summary in the banner and the status bar."""
        finished, self._finished = self._finished, None
        self.banner.setVisible(finished is not None)  # another run opened: the last summary is not its
        if finished is not None:
            summary = RunSummary.from_quality(history.path, finished.reason, history.epochs_done,
                                              history.config.train.epochs, history.quality)
            self.banner.show_summary(summary)
            self.statusBar().showMessage(summary.status_text())

    def _on_watched_metrics(self, columns) -> None:
        if "step" in columns:
            self.page.append_columns(columns["step"].astype("int64"), columns)

    def _error(self, title: str, message: str, details: str = "") -> None:
        show_error(self, title, message, details)

    # -- dropping data, closing ------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        self.data_panel.dragEnterEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802
        self.data_panel.dropEvent(event)

    def confirm_stop_on_close(self) -> bool:
        """Asked when the window closes mid-training; tests replace it."""
        answer = QMessageBox.question(
            self, "Training is running",
            "Stop training, save a checkpoint and quit?\nYou can resume the run later from File › Open run.",
        )
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.controller.state.busy:
            if self._close_when_stopped or self.confirm_stop_on_close():
                self._close_when_stopped = True
                self.controller.stop()  # closes again once the checkpoint is saved
                self.statusBar().showMessage("Stopping: saving a checkpoint before quitting…")
            event.ignore()
            return
        self.save_settings()
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Ask every job to stop, then wait for each: no thread may outlive the window."""
        stop_jobs(self)  # all at once: the others end while the trainer saves its checkpoint
        self.explorer.shutdown()
        self.runs.shutdown()
        self.controller.shutdown()
        self.watcher.shutdown()
        self.data_panel.shutdown()
        self.devices.shutdown()
        self.judge_worker.shutdown()
        self.launcher.shutdown()  # a run on GPUs stops, and rank 0 saves
        self.playground.shutdown()
