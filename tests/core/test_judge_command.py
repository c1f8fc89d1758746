"""``gan-studio judge``: trains and saves a judge with a progress bar; one-line errors."""

from __future__ import annotations

import argparse
import io

import numpy as np
import pytest

from gan_studio.cli.main import main
from gan_studio.core.quality.judge_training import find_judge
from gan_studio.cli.evaluate import format_table
from gan_studio.cli.judge import run_judge
from gan_studio.cli.progress import describe_quality

from .shapes import write_shapes


@pytest.fixture(autouse=True)
def judges_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_judge_trains_saves_and_prints_the_accuracy_and_where(tmp_path, capsys):
    source = write_shapes(tmp_path / "shapes.npz")
    assert main(["judge", "--data", str(source), "--size", "16", "--epochs", "8", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "held-out accuracy" in out and "on 18 images (3 classes)" in out
    saved = out.split("saved ", 1)[1].splitlines()[0]
    assert saved.endswith("judge.safetensors") and str(tmp_path / "data-home" / "gan-studio" / "judges") in saved
    judge = find_judge(saved.split("/")[-2])
    assert judge is not None and judge.accuracy > 0.9 and judge.image_shape == (16, 16, 1)
    assert f"{judge.accuracy:.1%}" in out


def test_a_terminal_gets_a_progress_bar(tmp_path):
    source = write_shapes(tmp_path / "shapes.npz", per_class=20)
    args = argparse.Namespace(data=str(source), size=16, channels=3, limit=0, epochs=2, threads=1, seed=0, quiet=False)
    out, err = io.StringIO(), Terminal()
    assert run_judge(args, out, err) == 0
    bar = err.getvalue()
    assert "\rjudge [" in bar and "100%" in bar and "training a judge on 60 images, 16×16×3, 3 classes" in bar
    assert "16x16x3 are now scored with it" in out.getvalue()


def test_too_little_unlabelled_data_is_one_line_with_the_reason(tmp_path, capsys):
    np.savez(tmp_path / "faces.npz", images=np.zeros((20, 16, 16), np.uint8))
    assert main(["judge", "--data", str(tmp_path / "faces.npz"), "--size", "16"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("gan-studio: error: ")
    assert err.endswith("a judge of unlabelled data needs at least 24 images; " + str(tmp_path / "faces.npz") + " has 20")
    assert not (tmp_path / "data-home").exists()
    assert main(["judge", "--data", str(tmp_path / "faces.npz"), "--size", "8"]) == 2
    assert "--size must be between 16 and 1024" in capsys.readouterr().err


def test_evaluate_names_the_class_count_of_a_users_judge():
    metrics = {"fcd": 3.0, "kid": 0.01, "precision": 0.8, "recall": 0.7, "modes_covered": 3.0,
               "mean_confidence": 0.9, "fcd_floor": 1.5, "kid_floor": 0.0}
    row = {"name": "last", "epoch": 2, "step": 20, "n": 1000, "judge": True, "judge_kind": "user",
           "num_classes": 3, "metrics": metrics, "class_histogram": [300, 300, 400]}
    table = format_table([row])
    assert "3/3" in table and "judge trained for this data" in table and "3/3 classes" in table
    assert describe_quality(metrics, 3).endswith("classes 3/3") and describe_quality(metrics).endswith("digits 3/10")
