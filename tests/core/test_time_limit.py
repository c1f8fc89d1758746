"""Training for M minutes (``train.minutes``, ``--minutes``): the run stops at the first epoch end
after M minutes of training time, with a checkpoint, resumably; the ETA counts to that epoch end.

The trainer's clock reads an injected time source here: ten seconds of "training" per step."""

from __future__ import annotations

import math

import pytest
import torch

from gan_studio.cli.main import main
from gan_studio.core.config import RunConfig
from gan_studio.core.errors import ConfigError
from gan_studio.core.events import CheckpointSaved, EpochEnd, FinishReason, StepMetrics
from gan_studio.core.runs.checkpoint import load_checkpoint
from gan_studio.core.runs.folder import RunFolder
from gan_studio.core.train.clock import TrainingClock
from gan_studio.core.train.trainer import Trainer

from .helpers import checkpoint_weights, run_to_end

SECONDS_PER_STEP = 10.0
TINY = ["--model", "mlp", "--limit", "64", "--batch", "16", "--threads", "1", "--device", "cpu", "--quiet"]


def step_timed(make):
    """A trainer whose clock advances SECONDS_PER_STEP with every step it has taken."""
    trainer = make(lambda: SECONDS_PER_STEP * (trainer.session.global_step if trainer.session else 0))
    trainer.events_per_second = 1e9  # a StepMetrics after every step
    return trainer


def test_the_clock_leaves_pauses_out_of_the_time_limit():
    now = [0.0]
    clock = TrainingClock(limit_s=20.0, now=lambda: now[0])
    clock.start()
    now[0] = 10.0
    clock.pause()
    now[0] = 500.0  # paused: not training time
    clock.start()
    now[0] = 509.0
    assert clock.elapsed() == 19.0 and not clock.out_of_time()
    now[0] = 510.0
    assert clock.out_of_time()
    assert not TrainingClock(now=lambda: now[0]).out_of_time()  # 0: no limit


def test_a_run_stops_at_the_first_epoch_end_after_its_minutes_and_resumes(tiny_config, tmp_path):
    tiny_config.train.epochs, tiny_config.train.minutes = 10, 1.0  # 4 steps an epoch: 40 s each
    trainer = step_timed(lambda now: Trainer.new(tiny_config, tmp_path / "run", now=now))
    events, finished = run_to_end(trainer)
    # 40 s after epoch 1, 80 s after epoch 2: the first epoch end past 60 s.
    assert finished.reason is FinishReason.COMPLETED
    assert finished.message == "Trained for 1 minute: 2 epochs (8 steps)."
    assert (finished.epoch, finished.global_step) == (2, 8)
    end, saved = events[-3:-1]
    assert isinstance(end, EpochEnd) and end.epoch == 2
    assert isinstance(saved, CheckpointSaved) and saved.reason == "epoch" and saved.path == finished.checkpoint
    state = load_checkpoint(finished.checkpoint)
    assert (state["epoch"], state["step_in_epoch"], state["elapsed_s"]) == (2, 0, 80.0)
    # Each StepMetrics' ETA: the time to step 8, where the limit stops it, not to step 40.
    etas = [(e.global_step, e.eta_s) for e in events if isinstance(e, StepMetrics)]
    assert etas == [(step, SECONDS_PER_STEP * (8 - step)) for step in range(1, 9)]

    # The limit counts per session: a resume trains up to a minute again, two more epochs here,
    # exactly as if the run had not stopped.
    resumed = step_timed(lambda now: Trainer.resume(tmp_path / "run", now=now))
    events, finished = run_to_end(resumed)
    assert finished.message == "Trained for 1 minute: 4 epochs (16 steps)."
    assert [e.eta_s for e in events if isinstance(e, StepMetrics)] == [SECONDS_PER_STEP * (16 - s) for s in range(9, 17)]
    assert RunFolder.open(tmp_path / "run").read_metrics()["step"].tolist() == list(range(1, 17))
    tiny_config.train.epochs, tiny_config.train.minutes = 4, 0.0
    run_to_end(Trainer.new(tiny_config, tmp_path / "straight"))
    straight = checkpoint_weights(tmp_path / "straight" / "checkpoints" / "last.pt")
    resumed = checkpoint_weights(finished.checkpoint)
    assert all(torch.equal(straight[k], resumed[k]) for k in straight)


def test_the_eta_without_a_limit_or_before_it_counts_the_planned_epochs(tiny_config, tmp_path):
    tiny_config.train.epochs = 3
    for minutes in (0.0, 60.0):  # no limit, and one far past the planned end
        tiny_config.train.minutes = minutes
        events, finished = run_to_end(step_timed(lambda now: Trainer.new(tiny_config, tmp_path / f"{minutes}", now=now)))
        etas = [(e.global_step, e.eta_s) for e in events if isinstance(e, StepMetrics)]
        assert etas == [(step, SECONDS_PER_STEP * (12 - step)) for step in range(1, 13)]
        assert finished.message == "Finished 3 epochs (12 steps)."


def test_the_time_limit_makes_the_last_epoch_scored(tiny_config, tmp_path):
    tiny_config.train.epochs, tiny_config.train.minutes, tiny_config.train.quality_every = 10, 1.0, 5
    events, _ = run_to_end(step_timed(lambda now: Trainer.new(tiny_config, tmp_path / "run", now=now)))
    assert [row["epoch"] for row in RunFolder.open(tmp_path / "run").read_quality()] == [2]


def test_minutes_on_the_command_line(tmp_path, capsys):
    run = tmp_path / "run"
    # A millionth of a minute: the first epoch end is past it.
    assert main(["train", "--epochs", "5", "--minutes", "0.000001", "--out", str(run), *TINY]) == 0
    assert capsys.readouterr().err.strip() == "Trained for 1e-06 minutes: 1 epochs (4 steps)."
    assert RunFolder.open(run).config.train.minutes == 1e-6
    assert load_checkpoint(run / "checkpoints" / "last.pt")["epoch"] == 1
    assert main(["resume", str(run), "--minutes", "0", "--quiet"]) == 0  # the limit removed: to the planned end
    assert capsys.readouterr().err.strip() == "Finished 5 epochs (20 steps)."
    assert RunFolder.open(run).config.train.minutes == 0


@pytest.mark.parametrize("command", ["train", "resume"])
@pytest.mark.parametrize("value", ["-1", "inf", "nan"])
def test_a_bad_time_limit_is_one_line(tmp_path, capsys, command, value):
    run = tmp_path / "run"
    if command == "resume":
        assert main(["train", "--epochs", "1", "--out", str(run), *TINY]) == 0
        capsys.readouterr()
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    args = ["train", "--out", str(run), *TINY] if command == "train" else ["resume", str(run), "--quiet"]
    assert main([*args, "--minutes", value]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gan-studio: error:") and "minutes must be 0 (no time limit) or a positive number" in err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing made or changed


@pytest.mark.parametrize("value", [-0.5, math.inf, math.nan])
def test_the_config_refuses_a_bad_time_limit(value):
    with pytest.raises(ConfigError, match=r"train.minutes must be 0 \(no time limit\)"):
        RunConfig.from_dict({"train": {"minutes": value}})
