"""Runs across two gloo processes on the CPU, started the way a user starts them (torchrun,
``gan-studio train --nproc 2``): a run and its resumes at other world sizes, the gradient
penalty under DDP, a killed rank, and Ctrl-C on the launcher. Tiny models, one thread a rank.
Each launch starts three Python processes that import torch: 10-20 s on 2 busy cores."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gan_studio.core.models.losses import make_loss
from gan_studio.core.train.trainer import Trainer

from .distributed_penalty_worker import critic_and_batch, critic_loss
from .helpers import run_to_end

LAUNCH_TIMEOUT_S = 240  # a generous bound on a machine shared by several test runs
TINY = ["--preset", "tutorial", "--limit", "128", "--batch", "16", "--threads", "1", "--device", "cpu"]


def _env() -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    env.pop("RANK", None)
    return env


def _gan_studio(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gan_studio", *args], cwd=cwd, env=_env(), capture_output=True, text=True,
        timeout=LAUNCH_TIMEOUT_S,
    )


def _steps(run: Path) -> list[int]:
    with (run / "metrics.csv").open(newline="") as handle:
        return [int(row["step"]) for row in csv.DictReader(handle)]


def _info(run: Path) -> dict:
    return json.loads((run / "run.json").read_text())


@pytest.mark.slow
def test_two_processes_train_one_run_that_resumes_in_one_and_again_in_two(tmp_path):
    run = tmp_path / "run"
    done = _gan_studio("train", "--nproc", "2", *TINY, "--epochs", "2", "--out", str(run), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 processes (gloo), global batch 32" in done.stderr
    # One writer: every step once (128 images / 32 a step = 4 steps an epoch), one header.
    assert _steps(run) == list(range(1, 9))
    assert len((run / "epochs.csv").read_text().splitlines()) == 3
    assert [p.name for p in sorted((run / "samples").iterdir())] == ["epoch-0001.png", "epoch-0002.png"]
    assert (_info(run)["world_size"], _info(run)["backend"]) == (2, "gloo")
    state = torch.load(run / "checkpoints" / "last.pt", weights_only=True)
    assert state["world_size"] == 2 and len(state["noise_rng_ranks"]) == 2
    assert not torch.equal(state["noise_rng_ranks"][0], state["noise_rng_ranks"][1])  # own noise per rank

    # 2 -> 1: the window's Train more and `gan-studio resume` are this one process.
    _, finished = run_to_end(Trainer.resume(run, extra_epochs=1))
    assert finished.reason.name == "COMPLETED"
    assert _steps(run) == list(range(1, 9 + 8))  # 16 images a step now: 8 steps for the epoch

    # 1 -> 2
    done = _gan_studio("resume", str(run), "--nproc", "2", "--epochs", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _steps(run) == list(range(1, 17 + 4))
    trainings = [(t["world_size"], t["backend"]) for t in _info(run)["sessions"]]
    assert trainings == [(2, "gloo"), (1, None), (2, "gloo")]


def test_the_gradient_penalty_under_ddp_gives_the_gradients_of_one_process(tmp_path):
    out = tmp_path / "grads.pt"
    worker = Path(__file__).with_name("distributed_penalty_worker.py")
    launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", str(worker), str(out)]
    done = subprocess.run(launch, env=dict(_env(), PYTHONPATH=str(Path(__file__).parents[2])), capture_output=True,
                          text=True, timeout=LAUNCH_TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    distributed = torch.load(out, weights_only=True)

    critic, real, fake = critic_and_batch()  # one process, the whole batch of 2 x BATCH
    critic_loss(critic, real, fake, torch.Generator().manual_seed(2)).backward()
    single = {name: p.grad for name, p in critic.named_parameters()}
    assert single.keys() == distributed.keys()
    for name in single:
        torch.testing.assert_close(distributed[name], single[name], rtol=1e-4, atol=1e-6, msg=name)

    # The check has teeth: without the penalty the gradients are far from these.
    critic.zero_grad()
    make_loss("wgan-gp").d_loss(critic(real, None), critic(fake, None)).backward()
    assert max((p.grad - single[name]).abs().max().item() for name, p in critic.named_parameters()) > 1e-3


def _launch_long_run(run: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "gan_studio", "train", "--nproc", "2", *TINY, "--limit", "512", "--epochs", "500",
               "--out", str(run)]
    return subprocess.Popen(command, cwd=run.parent, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_first_checkpoint(launcher: subprocess.Popen, run: Path) -> None:
    deadline = time.monotonic() + LAUNCH_TIMEOUT_S
    while not (run / "checkpoints" / "last.pt").is_file():
        assert launcher.poll() is None, launcher.communicate()
        assert time.monotonic() < deadline, "no checkpoint in time"
        time.sleep(0.2)  # polling a file another process writes; not synchronising threads


def _ranks(launcher: subprocess.Popen) -> list[int]:
    agent = Path(f"/proc/{launcher.pid}/task/{launcher.pid}/children")
    return [int(pid) for pid in agent.read_text().split()]


@pytest.mark.slow
def test_a_killed_rank_ends_the_job_on_every_rank_with_one_line_and_the_checkpoint_resumes(tmp_path):
    run = tmp_path / "run"
    launcher = _launch_long_run(run)
    _wait_for_first_checkpoint(launcher, run)
    ranks = _ranks(launcher)
    assert len(ranks) == 2
    killed = time.monotonic()
    os.kill(ranks[1], signal.SIGKILL)
    _, stderr = launcher.communicate(timeout=60)
    ended_after = time.monotonic() - killed
    errors = [line for line in stderr.splitlines() if "error" in line.lower()]
    assert errors == [f"gan-studio: error: rank 1 was killed by SIGKILL; the launcher stopped every rank; "
                      f"the last checkpoint is kept: {run / 'checkpoints' / 'last.pt'}"], stderr
    assert launcher.returncode == 1
    assert ended_after < 30, ended_after  # seconds, not the collective timeout (120 s)
    for pid in ranks:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    state = torch.load(run / "checkpoints" / "last.pt", weights_only=True)  # whole and loadable
    _, finished = run_to_end(Trainer.resume(run, extra_epochs=1))
    assert finished.reason.name == "COMPLETED" and finished.global_step > state["global_step"]


@pytest.mark.slow
def test_ctrl_c_on_the_launcher_stops_every_rank_and_rank_0_saves(tmp_path):
    run = tmp_path / "run"
    launcher = _launch_long_run(run)
    _wait_for_first_checkpoint(launcher, run)
    launcher.send_signal(signal.SIGINT)  # what Ctrl-C in its terminal does: the ranks have sessions of their own
    _, stderr = launcher.communicate(timeout=60)
    assert launcher.returncode == 130, stderr
    assert "Stopped at epoch" in stderr and "saved a checkpoint" in stderr
    state = torch.load(run / "checkpoints" / "last.pt", weights_only=True)
    assert _steps(run)[-1] == state["global_step"]  # saved where every rank stopped
    _, finished = run_to_end(Trainer.resume(run, extra_epochs=1))
    assert finished.reason.name == "COMPLETED"


@pytest.mark.slow
def test_a_mistake_is_one_line_from_rank_0_with_status_2_and_no_run_folder(tmp_path):
    run = tmp_path / "run"
    done = _gan_studio("train", "--nproc", "2", *TINY, "--batch", "80", "--out", str(run), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "gan-studio: error: the global batch (80 a process x 2 processes = 160) is larger than the dataset "
        "(128 images): choose a batch of at most 64 a process"
    ]
    assert not run.exists()
