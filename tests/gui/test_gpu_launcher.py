"""The window's "Train on N GPUs": offered only with several GPUs; it starts torchrun's launcher
as a child process, follows the run folder, and Stop stops every rank with a checkpoint. There
are no GPUs here, so the GPU count is injected and the ranks train on the CPU (gloo)."""

from __future__ import annotations

import csv

import pytest
import torch

from gan_studio.core.config import preset_config


def _without_the_probe(qtbot, window):
    # The device probe reports this machine's devices (no GPU) once torch is warm: let it
    # finish first, so it cannot take back the GPUs a test injects.
    qtbot.waitUntil(lambda: window.devices.is_warm, timeout=120000)


def test_the_offer_appears_only_with_several_gpus(qtbot, window):
    action = window.actions.train_gpus
    assert not action.isVisible()  # this machine: no GPU
    window.launcher.set_devices(["cpu", "cuda:0"])
    assert not action.isVisible()  # one GPU trains in the window itself
    window.launcher.set_devices(["cpu", "cuda:0", "cuda:1", "cuda:2"])
    assert action.isVisible() and action.text() == "Train on 3 &GPUs"
    window.launcher.set_devices(["cpu"])
    assert not action.isVisible()


@pytest.mark.slow
def test_train_on_gpus_launches_follows_the_run_folder_and_stop_saves(qtbot, window, tmp_path):
    _without_the_probe(qtbot, window)
    config = preset_config("tutorial")
    config.data.limit = 512
    config.train.epochs, config.train.batch_size, config.train.threads = 500, 16, 1
    window.form.set_config(config)
    window.launcher.device = "cpu"  # each "GPU" a gloo rank on the CPU
    window.launcher.set_devices(["cpu", "cuda:0", "cuda:1"])

    with qtbot.waitSignal(window.launcher.runReady, timeout=180000) as ready:
        window.actions.train_gpus.trigger()
    run = ready.args[0]
    assert window.actions.stop.isEnabled() and not window.actions.train.isEnabled()
    # The window follows the folder rank 0 writes, as it does any run another process writes.
    qtbot.waitUntil(lambda: window.opened_run is not None and window.opened_run.path == run, timeout=60000)
    qtbot.waitUntil(lambda: window.page.loss_plot.point_count("d_loss") > 0, timeout=120000)

    with qtbot.waitSignal(window.watcher.historyLoaded, timeout=120000):  # opened again, as it now is
        with qtbot.waitSignal(window.launcher.ended, timeout=120000) as ended:
            window.actions.stop.trigger()
    assert ended.args == [130, ""]
    state = torch.load(run / "checkpoints" / "last.pt", weights_only=True)
    with (run / "metrics.csv").open(newline="") as handle:
        assert int(list(csv.DictReader(handle))[-1]["step"]) == state["global_step"]
    assert window.actions.train.isEnabled() and window.actions.train.text() == "&Resume"  # in one process
    assert (window.opened_run.info["world_size"], window.opened_run.info["backend"]) == (2, "gloo")
