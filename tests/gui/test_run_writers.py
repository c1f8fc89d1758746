"""The window as a writer of runs: it resumes on its own machine settings, and it never trains a
run that another process (the command line) is writing; it keeps watching it instead."""

from __future__ import annotations

import json

import torch

from gan_studio.core.events import EpochEnd, FinishReason
from gan_studio.core.runs.folder import RunFolder
from gan_studio.core.train.trainer import Trainer


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
