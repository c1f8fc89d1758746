"""The window as a writer of runs: it resumes on its own machine settings, and it never trains a
run that another process (the command line) is writing; it keeps watching it instead."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import torch
from PySide6.QtWidgets import QMessageBox

from gan_studio.core.events import EpochEnd, FinishReason
from gan_studio.core.runs.folder import RunFolder
from gan_studio.core.runs.lock import hold_run, run_writer
from gan_studio.core.train.trainer import Trainer
from gan_studio.gui.workers.training import TrainingState


def _half_trained(tiny_config, path, device="cuda:3", threads=7):
    """A run stopped after epoch 1 of 2, whose config says it trained on another machine."""
    trainer = Trainer.new(tiny_config, path)
    for event in trainer.events():
        if isinstance(event, EpochEnd):
            trainer.commands.stop()
    for file in (path / "run.json",):
        info = json.loads(file.read_text())
        info["config"]["train"].update(device=device, threads=threads)
        file.write_text(json.dumps(info))
    state = torch.load(path / "checkpoints" / "last.pt", weights_only=True)
    config = json.loads(state["config"])
    config["train"].update(device=device, threads=threads)
    state["config"] = json.dumps(config)
    torch.save(state, path / "checkpoints" / "last.pt")
    return path


def test_the_window_resumes_on_its_own_device_and_threads(qtbot, window, tiny_config, tmp_path):
    run = _half_trained(tiny_config, tmp_path / "run")
    window.form.set_config(tiny_config)  # cpu, 1 thread: this machine's settings
    with qtbot.waitSignal(window.watcher.historyLoaded, timeout=10000):
        window.open_run(run)
    assert window.form.config().model.hidden == tiny_config.model.hidden  # the run's recipe shows
    assert (window.form.machine().device, window.form.machine().threads) == ("cpu", 1)  # not cuda:3, 7
    with qtbot.waitSignal(window.trainingFinished, timeout=60000) as finished:
        window.start_training()
    assert finished.args[0].reason is FinishReason.COMPLETED and finished.args[0].epoch == 2
    last = RunFolder.open(run).info["sessions"][-1]
    assert (last["kind"], last["device"], last["threads"]) == ("resume", "cpu", 1)


def test_the_window_refuses_to_train_a_run_the_command_line_is_writing_and_keeps_watching(
    qtbot, window, tiny_config, tmp_path
):
    run = _half_trained(tiny_config, tmp_path / "run", device="cpu", threads=1)
    with qtbot.waitSignal(window.watcher.historyLoaded, timeout=10000):
        window.open_run(run)
    cli = subprocess.Popen([sys.executable, "-m", "gan_studio", "resume", str(run), "--epochs", "100000",
                            "--threads", "1", "--device", "cpu", "--quiet"], stderr=subprocess.PIPE, text=True)
    try:
        qtbot.waitUntil(lambda: (w := run_writer(run)) is not None and w.pid == cli.pid, timeout=120000)
        with qtbot.waitSignal(window.trainingFailed, timeout=10000) as refused:
            window.start_training()
        message = refused.args[0]
        assert message.startswith(f"{run} is being trained by another process (pid {cli.pid} on host ")
        box = window.findChild(QMessageBox, "errorDialog")
        assert box is not None and box.text() == message
        box.accept()
        assert window.controller.state is TrainingState.IDLE and not window.controller.is_running()
        # Still following the run the command line writes: its new steps keep arriving.
        with qtbot.waitSignal(window.watcher.metricsAppended, timeout=30000):
            pass
    finally:
        cli.send_signal(signal.SIGINT)  # it stops at the next step, saves and exits
        cli.communicate(timeout=120)
    assert cli.returncode == 130


def test_past_the_windows_check_the_trainer_itself_refuses_and_the_window_watches_again(
    qtbot, window, tiny_config, tmp_path, monkeypatch
):
    run = _half_trained(tiny_config, tmp_path / "run", device="cpu", threads=1)
    with qtbot.waitSignal(window.watcher.historyLoaded, timeout=10000):
        window.open_run(run)
    monkeypatch.setattr("gan_studio.gui.main_window.run_writer", lambda path: None)  # the other writer came later
    messages = []
    window.trainingFailed.connect(messages.append)
    with hold_run(run):
        with qtbot.waitSignals([window.trainingFailed, window.watcher.historyLoaded], timeout=30000, order="strict"):
            window.start_training()
    assert len(messages) == 1 and "is being trained by another process" in messages[0]
    assert window.opened_run is not None and window.opened_run.path == run
    window.findChild(QMessageBox, "errorDialog").accept()
