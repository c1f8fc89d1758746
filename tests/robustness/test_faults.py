"""Faults: killed mid-write, a bug in the training thread, out of memory, Ctrl-C mid-epoch.

Closing the window mid-epoch is tested in tests/gui/test_main_window.py
(test_closing_mid_epoch_stops_saves_and_leaves_no_thread); a loss that becomes NaN in
tests/core/test_trainer.py (test_a_nan_loss_stops_the_run_and_keeps_the_last_good_checkpoint).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from PySide6.QtWidgets import QMessageBox

from gan_studio.core.runs.checkpoint import load_checkpoint
from gan_studio.core.events import CheckpointSaved, Finished, FinishReason
from gan_studio.core.runs.folder import RunFolder
from gan_studio.core.train.session import TrainingSession
from gan_studio.core.train.trainer import Trainer
from gan_studio.gui.workers.training import TrainingState

from .helpers import TINY, cli, temporaries

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, timeout: float, what: str) -> None:
    """Poll an external process' files until ``condition()`` holds (a deadline, not a sleep)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout} s for {what}")
        time.sleep(0.01)


def metrics_rows(run: Path) -> int:
    path = run / "metrics.csv"
    return path.read_text().count("\n") - 1 if path.is_file() else 0


# -- killed while writing a checkpoint ---------------------------------------------------------

# A fork server: it imports torch once, then for each version number read from stdin forks a
# writer that saves versions n, n+1, ... of a 32 MB checkpoint as fast as it can, until killed.
# Each version's tensor is filled with its number, so a loaded file shows whether it is whole.
WRITER = """
import os, sys
import torch
from gan_studio.core.runs.checkpoint import save_checkpoint

path, weights = sys.argv[1], torch.empty(8 * 2**20)
for line in sys.stdin:
    version = int(line)
    pid = os.fork()
    if pid == 0:
        try:
            while True:
                weights.fill_(version)
                save_checkpoint({"n": version, "weights": weights}, path)
                version += 1
        finally:
            os._exit(1)
    print(pid, flush=True)
    os.waitpid(pid, 0)
    print("reaped", flush=True)
"""


def test_killing_a_checkpoint_writer_at_random_moments_never_loses_the_last_checkpoint(tmp_path):
    path = tmp_path / "checkpoints" / "last.pt"
    server = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    rng = random.Random(6)
    seen, torn_writes, version, write_s = [], 0, 1, 0.0
    with server:
        for kill in range(20):
            server.stdin.write(f"{version}\n")
            server.stdin.flush()
            writer = int(server.stdout.readline())
            if kill == 0:  # how long one write takes here sets the range of the kill moments
                started = time.monotonic()
                wait_for(path.exists, 60, "the first checkpoint")
                write_s = time.monotonic() - started
            time.sleep(rng.uniform(0.0, min(2.5 * write_s, 0.6)))  # the random moment of the kill, not a wait
            os.kill(writer, signal.SIGKILL)
            assert server.stdout.readline().strip() == "reaped"
            state = load_checkpoint(path)  # never torn: the previous version or the new one
            assert bool((state["weights"] == state["n"]).all()), f"version {state['n']} is not whole"
            assert not seen or state["n"] >= seen[-1]
            seen.append(state["n"])
            left = temporaries(path.parent)
            torn_writes += bool(left)
            for stale in left:  # what RunFolder.remove_stale_temporaries does on resume
                stale.unlink()
            version = state["n"] + 1
        server.stdin.close()  # the server ends when its input does
    assert torn_writes >= 1, "no kill landed mid-write: the test proved nothing"
    assert len(set(seen)) >= 2, seen  # new versions replaced old ones between the kills


def test_a_training_process_killed_mid_run_resumes(tmp_path, capsys):
    run = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "gan_studio", "train", "--out", str(run), "--epochs", "1000", *TINY],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
    )
    with process:  # on any exit from this block the process is killed (SIGKILL: no handler, no cleanup)
        try:
            wait_for(lambda: (run / "checkpoints" / "last.pt").exists() and metrics_rows(run) > 6, 60, "training")
        finally:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    done = load_checkpoint(run / "checkpoints" / "last.pt")["epoch"]
    status, err = cli(capsys, "resume", run, "--epochs", "1", "--quiet")
    assert status == 0, err
    history = RunFolder.open(run)
    assert history.read_metrics()["step"].tolist() == list(range(1, 4 * (done + 1) + 1))  # no step lost or twice
    assert [row["epoch"] for row in history.read_epochs()] == list(range(1, done + 2))
    assert not temporaries(run)


# -- Ctrl-C in the terminal --------------------------------------------------------------------


def test_ctrl_c_mid_epoch_saves_a_checkpoint_and_exits_130_and_resume_continues(tmp_path, capsys):
    run = tmp_path / "run"
    # One long epoch (250 steps): the first metrics come after ~0.1 s of it, so Ctrl-C lands mid-epoch.
    args = ["--model", "mlp", "--limit", "4000", "--batch", "16", "--threads", "1", "--device", "cpu", "--epochs", "1"]
    process = subprocess.Popen(
        [sys.executable, "-m", "gan_studio", "train", "--out", str(run), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    with process:
        try:
            wait_for(lambda: metrics_rows(run) > 0, 60, "the first metrics")
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=60)
        finally:
            process.kill()
    assert process.returncode == 130, err
    assert "stopping after this step" in err and "saved a checkpoint" in err and "Traceback" not in err
    state = load_checkpoint(run / "checkpoints" / "last.pt")
    assert state["epoch"] == 0 and 0 < state["step_in_epoch"] < 250  # mid-epoch
    status, err = cli(capsys, "resume", run, "--quiet")
    assert status == 0, err
    assert RunFolder.open(run).read_metrics()["step"].tolist() == list(range(1, 251))
    assert load_checkpoint(run / "checkpoints" / "last.pt")["epoch"] == 1


# -- a bug in the training thread --------------------------------------------------------------


def fail_at_step(monkeypatch, step: int, error: BaseException) -> None:
    """The training step number ``step`` raises ``error`` before it computes anything."""
    real_step = TrainingSession.step

    def failing(self, *args, **kwargs):
        if self.global_step + 1 == step:
            raise error
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(TrainingSession, "step", failing)


def error_dialog(window) -> QMessageBox:
    box = window.findChild(QMessageBox, "errorDialog")
    assert box is not None and box.isVisible()
    return box


def test_an_exception_in_the_training_thread_is_shown_and_the_window_trains_again(qtbot, window, tiny_config, tmp_path, monkeypatch):
    window.form.set_config(tiny_config)
    with monkeypatch.context() as patch:
        fail_at_step(patch, 3, ValueError("a bug in a step"))
        with qtbot.waitSignal(window.trainingFailed, timeout=60000) as failed:
            window.start_training(tmp_path / "runs" / "first")
    assert failed.args[0] == "Training failed: ValueError: a bug in a step"
    box = error_dialog(window)
    assert box.text() == failed.args[0] and "Traceback" in box.detailedText()
    box.accept()
    assert window.controller.state is TrainingState.IDLE and not window.controller.is_running()
    assert window.actions.train.isEnabled()
    with qtbot.waitSignal(window.trainingFinished, timeout=60000) as finished:
        window.start_training(tmp_path / "runs" / "second")
    assert finished.args[0].reason is FinishReason.COMPLETED


# -- out of memory -----------------------------------------------------------------------------

OOM = torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")


def test_out_of_memory_saves_the_state_before_the_step_and_says_what_to_try(tiny_config, tmp_path, monkeypatch):
    with monkeypatch.context() as patch:
        fail_at_step(patch, 6, OOM)  # in the second epoch (4 steps an epoch)
        events = list(Trainer.new(tiny_config, tmp_path / "run").events())
    finished = events[-1]
    assert isinstance(finished, Finished) and finished.reason is FinishReason.OUT_OF_MEMORY
    assert finished.message.startswith("The device ran out of memory (CUDA out of memory. Tried to allocate 2.00 GiB).")
    assert "Try a smaller batch size (e.g. 8 instead of 16)" in finished.message
    assert "Saved a checkpoint at step 5; the run can be resumed." in finished.message
    assert isinstance(events[-2], CheckpointSaved) and events[-2].reason == "out-of-memory"
    state = load_checkpoint(finished.checkpoint)
    assert (state["epoch"], state["step_in_epoch"], state["global_step"]) == (1, 1, 5)
    resumed = list(Trainer.resume(tmp_path / "run").events())
    assert resumed[-1].reason is FinishReason.COMPLETED
    assert RunFolder.open(tmp_path / "run").read_metrics()["step"].tolist() == list(range(1, 9))


def test_out_of_memory_on_the_command_line_is_one_message_and_status_1(tmp_path, capsys, monkeypatch):
    fail_at_step(monkeypatch, 2, OOM)
    status, err = cli(capsys, "train", "--out", tmp_path / "run", "--epochs", "1", *TINY)
    assert status == 1 and "Traceback" not in err
    assert err.strip().startswith("The device ran out of memory") and "smaller batch size" in err
    monkeypatch.setattr(TrainingSession, "__init__", lambda *args, **kwargs: (_ for _ in ()).throw(OOM))
    status, err = cli(capsys, "resume", tmp_path / "run", "--quiet")  # out of memory outside a step
    assert status == 1
    assert err.strip() == (
        "gan-studio: error: The device ran out of memory (CUDA out of memory. Tried to allocate 2.00 GiB). "
        "Try a smaller batch size or a smaller model width."
    )


def test_out_of_memory_in_the_window_is_a_dialog_and_the_run_stays_resumable(qtbot, window, tiny_config, tmp_path, monkeypatch):
    window.form.set_config(tiny_config)
    with monkeypatch.context() as patch:
        fail_at_step(patch, 4, OOM)
        with qtbot.waitSignal(window.trainingFinished, timeout=60000) as finished:
            window.start_training(tmp_path / "runs" / "oom")
    assert finished.args[0].reason is FinishReason.OUT_OF_MEMORY
    box = error_dialog(window)
    assert box.windowTitle() == "Out of memory" and "smaller batch size" in box.text()
    box.accept()
    assert window.controller.state is TrainingState.IDLE and not window.controller.is_running()
    qtbot.waitUntil(lambda: window.opened_run is not None, timeout=10000)  # the run is opened, resumable
    assert window.actions.train.text() == "&Resume"
    with qtbot.waitSignal(window.trainingFinished, timeout=60000) as resumed:
        window.start_training()
    assert resumed.args[0].reason is FinishReason.COMPLETED


@pytest.mark.parametrize("error", [RuntimeError("CUDA error: out of memory"), MemoryError()])
def test_other_out_of_memory_errors_are_recognised(tiny_config, tmp_path, monkeypatch, error):
    fail_at_step(monkeypatch, 2, error)
    finished = list(Trainer.new(tiny_config, tmp_path / "run").events())[-1]
    assert finished.reason is FinishReason.OUT_OF_MEMORY and "smaller batch size" in finished.message
