"""The training loop: every loss and schedule trains; commands work between steps; resume is exact."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
import torch

from gan_studio.core.config import Machine
from gan_studio.core.runs.checkpoint import load_checkpoint
from gan_studio.core.errors import DataError, GanStudioError
from gan_studio.core.events import (
    CheckpointSaved,
    EpochEnd,
    Finished,
    FinishReason,
    LearningRatesChanged,
    Paused,
    Resumed,
    RunStarted,
    STEP_METRICS,
    StepMetrics,
)
from gan_studio.core.models.networks import build_models
from gan_studio.core.runs.folder import RunFolder
from gan_studio.core.train.trainer import Trainer

from .helpers import checkpoint_weights, run_to_end


@pytest.mark.parametrize(
    "arch,loss,schedule,d_steps",
    [
        ("mlp", "minimax", "simultaneous", 1),
        ("mlp", "saturating", "simultaneous", 1),
        ("mlp", "ns", "alternating", 1),
        ("mlp", "ls", "alternating", 2),
        ("mlp", "hinge", "simultaneous", 1),
        ("mlp", "wgan-gp", "alternating", 3),
        ("dcgan", "ns", "alternating", 1),
        ("dcgan", "ns", "simultaneous", 1),
        ("dcgan", "wgan-gp", "alternating", 2),
        ("dcgan", "hinge", "alternating", 1),
    ],
)
def test_every_loss_and_schedule_trains_and_moves_both_players(tiny_config, tmp_path, arch, loss, schedule, d_steps):
    config = tiny_config
    config.model.arch, config.model.width = arch, 4
    config.train.loss, config.train.schedule, config.train.d_steps = loss, schedule, d_steps
    config.train.epochs = 1
    events, finished = run_to_end(Trainer.new(config, tmp_path / "run"))
    assert finished.reason is FinishReason.COMPLETED
    metrics = np.concatenate([e.values for e in events if isinstance(e, StepMetrics)])
    assert metrics.shape == (4, len(STEP_METRICS))  # 64 images / batch 16
    assert np.isfinite(metrics[:, 0]).all()
    g_rows = metrics[~np.isnan(metrics[:, 1])]
    assert len(g_rows) == (4 if schedule == "simultaneous" else 4 // d_steps)
    assert np.isfinite(g_rows[:, :6]).all()  # r_t is NaN until ADA's first interval ends
    # Both players moved away from their initial weights.
    weights = checkpoint_weights(tmp_path / "run" / "checkpoints" / "last.pt")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.train.seed)
        g0, d0 = build_models(config.model, loss, (1, 28, 28), 0)
    for prefix, module in (("g.", g0), ("d.", d0)):
        initial = module.state_dict()
        moved = [not torch.equal(initial[k], weights[prefix + k]) for k in initial if initial[k].is_floating_point()]
        assert any(moved), f"{prefix} did not train"


def test_events_come_in_order_and_the_run_folder_records_them(tiny_config, tmp_path):
    events, finished = run_to_end(Trainer.new(tiny_config, tmp_path / "run"))
    kinds = [type(e) for e in events]
    assert kinds[0] is RunStarted
    epoch_ends = [e for e in events if isinstance(e, EpochEnd)]
    assert [e.epoch for e in epoch_ends] == [1, 2]
    for end in epoch_ends:
        assert end.grid.dtype == np.uint8 and end.grid.ndim == 3
        assert end.grid.std() > 0  # a picture, not a flat colour
        assert end.sample_path.is_file()
        assert set(end.generator_weights) == set(
            torch.load(tmp_path / "run" / "checkpoints" / "last.pt", weights_only=True)["generator"]
        )
    assert kinds.index(EpochEnd) < kinds.index(CheckpointSaved)
    assert finished.reason is FinishReason.COMPLETED and finished.global_step == 8
    run = RunFolder.open(tmp_path / "run")
    metrics = run.read_metrics()
    assert metrics["step"].tolist() == list(range(1, 9))
    assert [row["epoch"] for row in run.read_epochs()] == [1, 2]
    assert [epoch for epoch, _ in run.sample_paths()] == [1, 2]
    assert (run.checkpoints_dir / "epoch-0001.pt").is_file() and (run.checkpoints_dir / "epoch-0002.pt").is_file()
    assert run.info["dataset"]["fingerprint"] and run.info["versions"]["torch"] == torch.__version__


def _final_weights(trainer):
    run_to_end(trainer)
    return checkpoint_weights(trainer.run_dir / "checkpoints" / "last.pt")


@pytest.mark.parametrize("arch", ["mlp", "dcgan"])
def test_resume_is_exact(tiny_config, tmp_path, arch):
    config = tiny_config
    config.model.arch, config.model.width = arch, 4
    config.train.ema_decay = 0.9  # the EMA copy must resume exactly too
    config.train.schedule, config.train.d_steps = "alternating", 3  # and the D/G step phase

    straight = _final_weights(Trainer.new(config, tmp_path / "straight"))

    config.train.epochs = 1
    run_to_end(Trainer.new(config, tmp_path / "split"))
    resumed = _final_weights(Trainer.resume(tmp_path / "split", extra_epochs=1, machine=Machine("cpu", 1)))

    assert straight.keys() == resumed.keys()
    for name in straight:
        assert torch.equal(straight[name], resumed[name]), name
    metrics = RunFolder.open(tmp_path / "split").read_metrics()
    assert metrics["step"].tolist() == list(range(1, 9))


def test_stop_mid_epoch_saves_and_resume_continues_exactly(tiny_config, tmp_path):
    straight = _final_weights(Trainer.new(tiny_config, tmp_path / "straight"))

    trainer = Trainer.new(tiny_config, tmp_path / "stopped")
    events = []
    for event in trainer.events():
        events.append(event)
        if isinstance(event, RunStarted):
            trainer.events_per_second = 1e9  # a StepMetrics after every step
        if isinstance(event, StepMetrics) and event.global_step == 6:
            trainer.commands.stop()
    finished = events[-1]
    assert finished.reason is FinishReason.STOPPED
    assert finished.global_step == 6  # ended within one step of the request
    assert isinstance(events[-2], CheckpointSaved) and events[-2].reason == "stop"
    state = load_checkpoint(finished.checkpoint)
    assert (state["epoch"], state["step_in_epoch"]) == (1, 2)

    resumed = _final_weights(Trainer.resume(tmp_path / "stopped", machine=Machine("cpu", 1)))
    for name in straight:
        assert torch.equal(straight[name], resumed[name]), name


def test_pause_blocks_until_resume_and_learning_rates_can_change(tiny_config, tmp_path):
    trainer = Trainer.new(tiny_config, tmp_path / "run")
    trainer.events_per_second = 1e9
    seen = []
    for event in trainer.events():
        seen.append(event)
        if isinstance(event, StepMetrics) and event.global_step == 2:
            trainer.commands.pause()
            trainer.commands.set_learning_rates(lr_g=5e-4, lr_d=7e-4)
        if isinstance(event, Paused):
            paused_at = event.global_step
            trainer.commands.resume()  # queued: the loop is blocked reading it
    kinds = [type(e) for e in seen]
    assert paused_at == 2
    assert kinds.index(Paused) + 1 == kinds.index(Resumed)
    change = next(e for e in seen if isinstance(e, LearningRatesChanged))
    assert (change.lr_g, change.lr_d) == (5e-4, 7e-4)
    with open(tmp_path / "run" / "metrics.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert float(rows[0]["lr_g"]) == tiny_config.train.lr_g and float(rows[-1]["lr_d"]) == 7e-4


def test_stop_while_paused_ends_the_run(tiny_config, tmp_path):
    trainer = Trainer.new(tiny_config, tmp_path / "run")
    trainer.events_per_second = 1e9
    for event in trainer.events():
        if isinstance(event, StepMetrics) and event.global_step == 1:
            trainer.commands.pause()
        if isinstance(event, Paused):
            trainer.commands.stop()
    assert isinstance(event, Finished) and event.reason is FinishReason.STOPPED and event.global_step == 1


def test_a_nan_loss_stops_the_run_and_keeps_the_last_good_checkpoint(tiny_config, tmp_path):
    trainer = Trainer.new(tiny_config, tmp_path / "run")
    for event in trainer.events():
        if isinstance(event, CheckpointSaved) and event.epoch == 1:
            good = event.path.read_bytes()
            with torch.no_grad():  # poison G: its next output, and every loss, is NaN
                next(trainer.session.g.parameters()).fill_(math.nan)
    assert event.reason is FinishReason.DIVERGED
    assert "NaN" in event.message and "checkpoint" in event.message
    assert event.checkpoint.read_bytes() == good
    assert load_checkpoint(event.checkpoint)["epoch"] == 1


def test_batch_larger_than_dataset_is_a_clear_error(tiny_config, tmp_path):
    tiny_config.train.batch_size = 65
    with pytest.raises(DataError, match="batch size \\(65\\) is larger than the dataset \\(64 images\\)"):
        list(Trainer.new(tiny_config, tmp_path / "run").events())


def test_resume_of_a_finished_run_asks_for_more_epochs(tiny_config, tmp_path):
    tiny_config.train.epochs = 1
    run_to_end(Trainer.new(tiny_config, tmp_path / "run"))
    with pytest.raises(GanStudioError, match="already ran all 1 epochs"):
        list(Trainer.resume(tmp_path / "run").events())


def test_same_seed_same_run(tiny_config, tmp_path):
    tiny_config.train.epochs = 1
    first = _final_weights(Trainer.new(tiny_config, tmp_path / "a"))
    second = _final_weights(Trainer.new(tiny_config, tmp_path / "b"))
    assert all(torch.equal(first[k], second[k]) for k in first)
    tiny_config.train.seed = 1
    third = _final_weights(Trainer.new(tiny_config, tmp_path / "c"))
    assert not all(torch.equal(first[k], third[k]) for k in first)


def test_conditional_model_draws_one_class_per_grid_row(tiny_config, tmp_path):
    tiny_config.model.conditional = True
    tiny_config.data.limit = 100
    tiny_config.train.batch_size = 25
    events, finished = run_to_end(Trainer.new(tiny_config, tmp_path / "run"))
    assert finished.reason is FinishReason.COMPLETED
    state = load_checkpoint(finished.checkpoint)
    assert state["num_classes"] == 10
    assert state["fixed_labels"].tolist()[:8] == [0, 0, 0, 0, 1, 1, 1, 1]


def test_a_checkpoint_can_be_saved_while_paused(tiny_config, tmp_path):
    trainer = Trainer.new(tiny_config, tmp_path / "run")
    trainer.events_per_second = 1e9
    saved = []
    for event in trainer.events():
        if isinstance(event, StepMetrics) and event.global_step == 3:
            trainer.commands.pause()
        if isinstance(event, Paused):
            trainer.commands.save_checkpoint()
            trainer.commands.resume()
        if isinstance(event, CheckpointSaved) and event.reason == "requested":
            saved.append(load_checkpoint(event.path)["global_step"])
    assert saved == [3] and event.reason is FinishReason.COMPLETED
