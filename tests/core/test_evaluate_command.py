"""`gan-studio evaluate RUN` and the baseline table's formatting."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from gan_studio.bench.baseline import markdown_table
from gan_studio.core.errors import ConfigError, GanStudioError
from gan_studio.core.runs.folder import RunFolder
from gan_studio.core.train.trainer import Trainer
from gan_studio.cli.evaluate import add_evaluate_parser, run_evaluate

from .helpers import run_to_end


def evaluate(*argv: str) -> str:
    parser = argparse.ArgumentParser(prog="gan-studio")
    add_evaluate_parser(parser.add_subparsers(dest="command"))
    out = io.StringIO()
    assert run_evaluate(parser.parse_args(["evaluate", *argv]), out=out) == 0
    return out.getvalue()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from gan_studio.core.config import DataConfig, ModelConfig, RunConfig, TrainConfig

    config = RunConfig(
        data=DataConfig(limit=64), model=ModelConfig(arch="mlp", z_dim=8, hidden=16),
        train=TrainConfig(epochs=2, batch_size=16, loss="ns", schedule="simultaneous", lr_g=1e-3, lr_d=1e-3,
                          threads=1, device="cpu", grid_size=4, checkpoint_every=1, quality_every=1),
    )
    path = tmp_path_factory.mktemp("evaluate") / "run"
    run_to_end(Trainer.new(config, path))
    return path


def test_a_run_prints_its_last_and_best_checkpoints_and_the_floor(run_dir):
    text = evaluate(str(run_dir), "--n", "200")
    lines = text.splitlines()
    assert lines[0].split()[:5] == ["checkpoint", "epoch", "step", "FCD", "KID"]
    assert lines[1].split()[:3] == ["last", "2", "8"] and lines[2].split()[0] == "best"
    assert "200 samples each" in text and "Floor" in text and "FCD 0.46" in text


def test_json_matches_quality_csv_at_the_training_settings(run_dir):
    summary = json.loads(evaluate(str(run_dir), "--json").strip().splitlines()[-1])  # one object, the last line
    assert [r["name"] for r in summary["checkpoints"]] == ["last", "best"] and summary["checkpoint"] == "last"
    assert {"fd", "fd_floor", "kid", "precision", "recall", "coverage"} <= set(summary)
    assert summary["judge_kind"] == "builtin" and summary["n"] == 1000 and summary["num_classes"] == 10
    row = RunFolder.open(run_dir).read_quality()[-1]
    assert summary["fd"] == pytest.approx(row["fcd"], rel=1e-5)  # same seed, same n, same weights
    assert summary["coverage"] == pytest.approx(row["modes_covered"] / 10)
    assert summary["checkpoints"][0]["metrics"]["fcd"] == summary["fd"]


def test_a_checkpoint_file_alone_is_evaluated(run_dir):
    text = evaluate(str(run_dir / "checkpoints" / "epoch-0001.pt"), "--n", "50")
    assert text.splitlines()[1].split()[:3] == ["epoch-0001", "1", "4"]


def test_user_errors(run_dir, tmp_path):
    with pytest.raises(ConfigError, match="--n must be at least 4"):
        evaluate(str(run_dir), "--n", "2")
    with pytest.raises(GanStudioError, match="not a GAN Studio run folder"):
        evaluate(str(tmp_path))


def test_the_baseline_table_is_markdown():
    metrics = {"fcd": 12.345, "fcd_floor": 0.458, "kid": 0.01234, "precision": 0.8, "recall": 0.7, "modes_covered": 10.0}
    rows = [
        {"preset": "default", "model": "dcgan", "loss": "ns", "epochs": 10, "wall_s": 95.2, "name": "final", "epoch": 10, "metrics": metrics},
        {"preset": "default", "model": "dcgan", "loss": "ns", "epochs": 10, "wall_s": 95.2, "name": "best", "epoch": 8, "metrics": metrics},
    ]
    lines = markdown_table(rows).splitlines()
    assert lines[0].startswith("| preset | model | loss | epochs |") and set(lines[1]) <= set("|-")
    assert lines[2] == "| default | dcgan | ns | 10 | final (epoch 10) | 12.35 (0.46) | 0.0123 | 0.800 | 0.700 | 10/10 | 95 s |"
    assert "best (epoch 8)" in lines[3] and lines[3].endswith("|  |")
