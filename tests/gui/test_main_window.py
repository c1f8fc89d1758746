"""The real window, offscreen: train, pause, resume, stop, close, open a run."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QWidget

from gan_studio.cli.main import main as cli_main
from gan_studio.core.runs.checkpoint import load_checkpoint
from gan_studio.core.config import BUILTIN_DIGITS
from gan_studio.core.events import FinishReason
from gan_studio.gui.workers.training import TrainingState

NAMES = (
    "trainButton", "pauseButton", "stopButton", "datasetCombo", "modelCombo", "lossCombo", "epochsSpin",
    "batchSpin", "deviceCombo", "lossPlot", "probPlot", "sampleGrid", "epochSlider", "progressBar",
)


def test_every_named_control_exists_with_a_tooltip(window):
    for name in NAMES:
        widget = window.findChild(QWidget, name)
        assert widget is not None, name
        assert widget.toolTip(), f"{name} has no tooltip"


def test_train_one_epoch_on_the_builtin_digits(qtbot, window, quick_config, tmp_path):
    window.form.set_config(quick_config)
    window.data_panel.set_source(BUILTIN_DIGITS)
    train = window.findChild(QWidget, "trainButton")
    with qtbot.waitSignal(window.trainingFinished, timeout=120000) as blocker:
        qtbot.mouseClick(train, qtbot_left())
        assert not train.isEnabled()  # the state machine: no second run while this one runs
    assert blocker.args[0].reason is FinishReason.COMPLETED
    assert window.page.loss_plot.point_count() > 0
    grid = window.page.sample_grid.image()
    assert grid is not None and grid.min() != grid.max()
    assert window.page.timeline.epoch_count() == 1
    run_dirs = list((tmp_path / "runs").iterdir())
    assert len(run_dirs) == 1 and (run_dirs[0] / "run.json").is_file()
    assert window.findChild(QWidget, "progressBar").value() == window.findChild(QWidget, "progressBar").maximum()


def qtbot_left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def _last_step(window) -> int:
    return window.page.loss_plot.point_count("d_loss")


def test_pause_really_pauses_resume_continues_stop_is_prompt(qtbot, window, quick_config):
    quick_config.train.epochs = 200
    window.form.set_config(quick_config)
    window.start_training()
    qtbot.waitUntil(lambda: _last_step(window) > 5, timeout=60000)
    with qtbot.waitSignal(window.controller.stateChanged, timeout=10000, check_params_cb=lambda s: s is TrainingState.PAUSED):
        window.actions.pause.trigger()
    assert window.actions.pause.text() == "&Resume"
    paused_at = window.status.run_bar.value()
    # While paused, nothing advances: the trainer is blocked, so a save (which it handles while
    # paused) comes back at exactly the paused step.
    with qtbot.waitSignal(window.controller.checkpointSaved, timeout=10000) as saved:
        window.actions.save.trigger()
    assert saved.args[0].global_step == paused_at
    assert window.status.run_bar.value() == paused_at
    with qtbot.waitSignal(window.controller.stateChanged, timeout=10000, check_params_cb=lambda s: s is TrainingState.RUNNING):
        window.actions.pause.trigger()
    qtbot.waitUntil(lambda: window.status.run_bar.value() > paused_at, timeout=30000)
    with qtbot.waitSignal(window.trainingFinished, timeout=30000) as blocker:
        window.actions.stop.trigger()
    finished = blocker.args[0]
    assert finished.reason is FinishReason.STOPPED
    # Stopped within one step of the request: the checkpoint holds the last step shown.
    assert load_checkpoint(finished.checkpoint)["global_step"] == finished.global_step


def test_closing_mid_epoch_stops_saves_and_leaves_no_thread(qtbot, window, quick_config):
    quick_config.train.epochs = 200
    window.form.set_config(quick_config)
    window.start_training()
    qtbot.waitUntil(lambda: _last_step(window) > 3, timeout=60000)
    run_dir = window.controller.run_dir
    with qtbot.waitSignal(window.trainingFinished, timeout=30000):
        window.close()
        assert window.isVisible()  # not yet: it first stops and saves
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)
    assert not window.controller.is_running()
    state = load_checkpoint(run_dir / "checkpoints" / "last.pt")
    assert 0 < state["step_in_epoch"] < 40  # mid-epoch


def test_opening_a_run_made_by_the_command_line_shows_its_history(qtbot, window, tmp_path):
    run = tmp_path / "cli-run"
    args = ["train", "--model", "mlp", "--epochs", "2", "--limit", "64", "--batch", "16", "--threads", "1", "--out", str(run), "--quiet"]
    assert cli_main(args) == 0
    with qtbot.waitSignal(window.watcher.historyLoaded, timeout=10000):
        window.open_run(run)
    assert window.page.loss_plot.point_count("d_loss") == 8
    assert window.page.timeline.epoch_count() == 2
    assert window.page.sample_grid.image() is not None
    assert window.form.config().model.arch == "mlp"
    assert window.actions.train.text() == "&Train more"  # complete: it can continue
    assert "cli-run" in window.windowTitle()


def test_settings_are_remembered(qtbot, settings, quick_config):
    from gan_studio.gui.main_window import MainWindow

    first = MainWindow(settings=settings)
    qtbot.addWidget(first)
    quick_config.train.batch_size = 77
    first.form.set_config(quick_config)
    first.close()
    second = MainWindow(settings=settings)
    qtbot.addWidget(second)
    assert second.form.config().train.batch_size == 77
    assert second.form.config().model.arch == "mlp"
    second.close()
    assert not np.isnan(0)


def test_the_minutes_choice_reaches_the_run_and_the_eta_and_the_recipe_shows(qtbot, window, quick_config, tmp_path):
    import json

    window.form.set_config(quick_config)
    window.data_panel.set_source(BUILTIN_DIGITS)
    qtbot.waitUntil(lambda: window.recipe.line.text().startswith("Grayscale set like the digits (5,000 images"),
                    timeout=60000)
    window.findChild(QWidget, "minutesSpin").setValue(0.5)
    with qtbot.waitSignal(window.trainingFinished, timeout=120000):
        window.start_training()
    run_dir = next((tmp_path / "runs").iterdir())
    assert json.loads((run_dir / "run.json").read_text())["config"]["train"]["minutes"] == 0.5
    assert window.status.eta_label.text().endswith("· limit 0.5 min")


def test_the_training_tab_steps_one_player_and_refreshes_the_grid(qtbot, window, quick_config):
    quick_config.train.epochs = 200
    window.form.set_config(quick_config)
    window.start_training()
    qtbot.waitUntil(lambda: _last_step(window) > 2, timeout=60000)
    with qtbot.waitSignal(window.controller.stateChanged, timeout=10000, check_params_cb=lambda s: s is TrainingState.PAUSED):
        window.actions.pause.trigger()
    paused_at = window.status.run_bar.value()
    with qtbot.waitSignal(window.controller.samplesRefreshed, timeout=30000) as refreshed:
        window.findChild(QWidget, "trainingStepDButton").click()
    assert refreshed.args[0].global_step == paused_at + 1
    assert window.page.grid_caption.text() == f"Fixed-noise samples after step {paused_at + 1}"
    assert window.page.sample_grid.image() is not None
    with qtbot.waitSignal(window.controller.settingsChanged, timeout=30000) as changed:
        window.findChild(QWidget, "trainingDStepsSpin").setValue(3)
    assert changed.args[0].d_steps == 3
    with qtbot.waitSignal(window.trainingFinished, timeout=30000):
        window.actions.stop.trigger()


def test_the_idle_training_tab_shows_the_loss_and_d_steps_train_will_use(window):
    from gan_studio.core.config import preset_config

    wgan = preset_config("wgan-gp")
    window.form.set_config(wgan)
    steps = window.page.step_controls
    assert steps.loss_combo.currentText() == wgan.train.loss == "wgan-gp"
    assert steps.d_steps_spin.value() == wgan.train.d_steps == 5
