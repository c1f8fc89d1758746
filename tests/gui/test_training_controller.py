"""The training controller: a real trainer in a worker thread, driven by commands."""

from __future__ import annotations

import pytest

from gan_studio.core.events import FinishReason
from gan_studio.core.jobs import user_message
from gan_studio.gui.workers.training import ALLOWED_ACTIONS, TrainingController, TrainingState


@pytest.fixture
def controller(qtbot):
    controller = TrainingController()
    yield controller
    assert controller.shutdown(30000)
    assert not controller.is_running()


def test_a_run_goes_through_its_states_and_finishes(qtbot, controller, tiny_config, tmp_path):
    states, epochs, metrics = [], [], []
    controller.stateChanged.connect(states.append)
    controller.epochEnded.connect(epochs.append)
    controller.metricsReceived.connect(metrics.append)
    with qtbot.waitSignal(controller.finished, timeout=60000) as blocker:
        controller.start_new(tiny_config, tmp_path / "run")
        assert not controller.allows("train") and controller.allows("stop")
    assert blocker.args[0].reason is FinishReason.COMPLETED
    assert states == [TrainingState.STARTING, TrainingState.RUNNING, TrainingState.IDLE]
    assert [e.epoch for e in epochs] == [1, 2]
    assert sum(len(m.steps) for m in metrics) == 8
    assert controller.allows("train")


def test_pause_resume_and_stop(qtbot, controller, tiny_config, tmp_path):
    tiny_config.train.epochs = 1000  # long enough to still be running when we act
    controller.start_new(tiny_config, tmp_path / "run")
    qtbot.waitUntil(lambda: controller.state is TrainingState.RUNNING, timeout=60000)
    with qtbot.waitSignal(controller.stateChanged, timeout=10000, check_params_cb=lambda s: s is TrainingState.PAUSED):
        controller.pause()
    assert controller.allows("resume") and not controller.allows("pause")
    with qtbot.waitSignal(controller.stateChanged, timeout=10000, check_params_cb=lambda s: s is TrainingState.RUNNING):
        controller.resume()
    with qtbot.waitSignal(controller.finished, timeout=30000) as blocker:
        controller.stop()
        assert controller.state is TrainingState.STOPPING and not ALLOWED_ACTIONS[controller.state]
    finished = blocker.args[0]
    assert finished.reason is FinishReason.STOPPED and finished.checkpoint.is_file()


def test_stop_while_starting_is_not_lost(qtbot, controller, tiny_config, tmp_path):
    tiny_config.train.epochs = 1000
    with qtbot.waitSignal(controller.finished, timeout=60000) as blocker:
        controller.start_new(tiny_config, tmp_path / "run")
        controller.stop()  # before the worker has even built the trainer
    assert blocker.args[0].reason is FinishReason.STOPPED


def test_a_failure_is_reported_as_a_sentence_and_the_controller_is_reusable(qtbot, controller, tiny_config, tmp_path):
    tiny_config.data.source = str(tmp_path / "missing")
    with qtbot.waitSignal(controller.failed, timeout=60000) as blocker:
        controller.start_new(tiny_config, tmp_path / "run")
    message, details = blocker.args
    assert "missing" in message and "does not exist" in message and "Traceback" in details
    assert controller.state is TrainingState.IDLE
    tiny_config.data.source = "builtin:digits"
    with qtbot.waitSignal(controller.finished, timeout=60000):
        controller.start_new(tiny_config, tmp_path / "run2")


def test_failure_messages():
    """What the training worker reports: user_message(error, "Training")."""
    assert "smaller batch" in user_message(RuntimeError("CUDA out of memory. Tried to allocate 2 GiB"), "Training")
    assert user_message(ValueError("boom"), "Training") == "Training failed: ValueError: boom"
    error = OSError(28, "No space left on device")
    error.filename = "/runs/x/checkpoints/last.pt"
    assert user_message(error, "Training") == "Could not write or read /runs/x/checkpoints/last.pt: No space left on device."
