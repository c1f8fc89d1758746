"""Quality monitoring during training: rows, events, the best checkpoint, the cadence, exact resume."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from gan_studio.core.quality.evaluate import JUDGE_METRICS, PIXEL_METRICS, evaluate_checkpoint
from gan_studio.core.events import CheckpointSaved, EpochEnd, FinishReason, QualityMeasured
from gan_studio.core.quality.monitor import INITIAL_EVAL_GUESS_S, QualityMonitor
from gan_studio.core.runs.folder import RunFolder
from gan_studio.core.train.trainer import Trainer

from .helpers import checkpoint_weights, run_to_end


def _quality(events) -> list[QualityMeasured]:
    return [e for e in events if isinstance(e, QualityMeasured)]


def test_every_epoch_is_scored_recorded_and_the_best_kept(tiny_config, tmp_path):
    tiny_config.train.quality_every = 1
    tiny_config.train.epochs = 3
    events, finished = run_to_end(Trainer.new(tiny_config, tmp_path / "run"))
    assert finished.reason is FinishReason.COMPLETED
    measured = _quality(events)
    assert [q.epoch for q in measured] == [1, 2, 3] and [q.global_step for q in measured] == [4, 8, 12]
    for q in measured:
        assert set(q.metrics) == set(JUDGE_METRICS)
        assert all(math.isfinite(v) for v in q.metrics.values())  # huge for a 3-epoch MLP, but finite
        assert len(q.class_histogram) == 10 and sum(q.class_histogram) == 1000
        assert q.seconds > 0
    # Scores follow the epoch's checkpoint: EpochEnd, CheckpointSaved, then QualityMeasured.
    kinds = [type(e) for e in events]
    first = kinds.index(QualityMeasured)
    assert kinds[first - 2 : first] == [EpochEnd, CheckpointSaved]

    run = RunFolder.open(tmp_path / "run")
    rows = run.read_quality()
    assert [row["epoch"] for row in rows] == [1, 2, 3] and [row["step"] for row in rows] == [4, 8, 12]
    assert rows[-1]["fcd"] == pytest.approx(measured[-1].metrics["fcd"], rel=1e-5)
    assert rows[-1]["class_histogram"] == measured[-1].class_histogram

    # best.pt is the checkpoint of the epoch with the lowest FCD, and is_best marks each new low.
    fcds = [q.metrics["fcd"] for q in measured]
    best_epoch = int(np.argmin(fcds)) + 1
    assert [q.is_best for q in measured] == [fcd == min(fcds[: i + 1]) for i, fcd in enumerate(fcds)]
    assert run.best_checkpoint() is not None
    assert run.best_checkpoint().read_bytes() == run.epoch_checkpoint_path(best_epoch).read_bytes()


def test_the_last_row_is_what_evaluate_checkpoint_says(tiny_config, tmp_path):
    tiny_config.train.quality_every = 1
    tiny_config.train.epochs = 1
    events, finished = run_to_end(Trainer.new(tiny_config, tmp_path / "run"))
    result = evaluate_checkpoint(finished.checkpoint)
    assert result["judge"] and result["epoch"] == 1 and result["n"] == 1000
    for name in JUDGE_METRICS:
        assert result["metrics"][name] == pytest.approx(_quality(events)[-1].metrics[name], rel=1e-9), name


def test_monitoring_moves_no_random_stream(tiny_config, tmp_path):
    tiny_config.train.ema_decay = 0.9
    tiny_config.train.quality_every = -1
    events, _ = run_to_end(Trainer.new(tiny_config, tmp_path / "off"))
    assert not _quality(events) and not (tmp_path / "off" / "quality.csv").exists()
    assert RunFolder.open(tmp_path / "off").best_checkpoint() is None
    tiny_config.train.quality_every = 1
    run_to_end(Trainer.new(tiny_config, tmp_path / "on"))
    off = checkpoint_weights(tmp_path / "off" / "checkpoints" / "last.pt")
    on = checkpoint_weights(tmp_path / "on" / "checkpoints" / "last.pt")
    assert all(torch.equal(off[k], on[k]) for k in off)


def test_resume_is_exact_with_monitoring_on(tiny_config, tmp_path):
    config = tiny_config
    config.model.arch, config.model.width = "dcgan", 4  # batch norm: eval-mode sampling must not touch it
    config.train.ema_decay = 0.9
    config.train.quality_every = 1
    straight_events, _ = run_to_end(Trainer.new(config, tmp_path / "straight"))

    config.train.epochs = 1
    run_to_end(Trainer.new(config, tmp_path / "split"))
    resumed_events, _ = run_to_end(Trainer.resume(tmp_path / "split", extra_epochs=1))

    straight = checkpoint_weights(tmp_path / "straight" / "checkpoints" / "last.pt")
    resumed = checkpoint_weights(tmp_path / "split" / "checkpoints" / "last.pt")
    assert all(torch.equal(straight[k], resumed[k]) for k in straight)
    assert [q.metrics["fcd"] for q in _quality(resumed_events)] == [_quality(straight_events)[-1].metrics["fcd"]]
    rows = RunFolder.open(tmp_path / "split").read_quality()
    assert [row["epoch"] for row in rows] == [1, 2]


def test_resuming_drops_quality_and_health_rows_after_the_checkpoint(tmp_path, tiny_config):
    run = RunFolder.create(tmp_path / "run", tiny_config)
    run.quality_path.write_text("epoch,step,seconds,fcd,class_histogram\n1,4,0.1,50,1 2\n2,8,0.1,40,3 4\n3,12,0.1,30,5 6\n")
    for step in (4, 8, 12):
        run.append_health({"kind": "mode_collapse", "step": step, "title": "t", "message": "m", "suggestion": "s"})
    run.truncate_metrics(after_step=8, after_epoch=2)
    assert [(r["epoch"], r["fcd"], r["class_histogram"]) for r in run.read_quality()] == [(1, 50, [1, 2]), (2, 40, [3, 4])]
    assert [r["step"] for r in run.read_health()] == [4, 8]


def test_other_data_is_scored_by_diversity_and_memorisation_without_a_best(tiny_config, tmp_path):
    rng = np.random.default_rng(0)
    images = (rng.random((64, 28, 28)) * 255).astype(np.uint8)
    np.savez(tmp_path / "noise.npz", images=images)
    tiny_config.data.source = str(tmp_path / "noise.npz")
    tiny_config.train.quality_every = 1
    tiny_config.train.epochs = 1
    events, _ = run_to_end(Trainer.new(tiny_config, tmp_path / "run"))
    (measured,) = _quality(events)
    assert set(measured.metrics) == set(PIXEL_METRICS) and measured.class_histogram is None
    assert all(math.isfinite(v) and v > 0 for v in measured.metrics.values())
    assert not measured.is_best and RunFolder.open(tmp_path / "run").best_checkpoint() is None
    assert RunFolder.open(tmp_path / "run").read_quality()[0]["diversity"] == pytest.approx(measured.metrics["diversity"], rel=1e-5)


def _monitor(every: int, tmp_path, tiny_config) -> QualityMonitor:
    run = RunFolder.create(tmp_path / "run", tiny_config)
    session = SimpleNamespace(config=tiny_config, image_shape=(1, 28, 28), epoch=0)
    return QualityMonitor(run, session, np.zeros((2, 28, 28, 1), np.uint8), every)


def test_the_automatic_cadence_keeps_evaluation_under_its_share(tmp_path, tiny_config):
    monitor = _monitor(0, tmp_path, tiny_config)
    monitor.eval_seconds = 0.4
    assert monitor.interval(epoch_seconds=10.0) == 1  # a DCGAN epoch: every epoch (4 %)
    assert monitor.interval(epoch_seconds=0.7) == 8  # a tutorial epoch: every 8th (7 %)
    assert monitor.due(8, 20, 0.7) and not monitor.due(7, 20, 0.7)
    monitor.last_evaluated = 8
    assert not monitor.due(15, 20, 0.7)  # 7 since the last
    assert not monitor.due(16, 18, 0.7)  # the final evaluation is two epochs away: skip this one
    assert monitor.due(18, 18, 0.7) and monitor.due(19, 18, 0.7)  # the last epoch, always
    fresh = _monitor(0, tmp_path / "b", tiny_config)
    assert fresh.interval(1.0) == math.ceil(INITIAL_EVAL_GUESS_S / 0.08)  # before any timing


def test_fixed_and_disabled_cadences(tmp_path, tiny_config):
    every_3 = _monitor(3, tmp_path / "a", tiny_config)
    assert [e for e in range(1, 11) if every_3.due(e, 10, 1.0)] == [3, 6, 9, 10]
    never = _monitor(-1, tmp_path / "b", tiny_config)
    assert not never.enabled and not any(never.due(e, 10, 1.0) for e in range(1, 11))
