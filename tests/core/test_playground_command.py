"""``gan-studio playground train|sample|render``."""

from __future__ import annotations

import json

import numpy as np

from gan_studio.cli.main import main
from gan_studio.core.images import load_png
from gan_studio.core.playground.distributions import read_points_csv
from gan_studio.core.playground.run import PlaygroundRun


def test_train_sample_and_render(tmp_path, capsys):
    run = tmp_path / "run"
    args = ["playground", "train", "--dist", "grid", "--preset", "remedy", "--pack", "2", "--steps", "6",
            "--batch", "8", "--threads", "1", "--out", str(run), "--quiet"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Trained 6 generator and 6 discriminator updates." in out
    assert "grid: " in out and "/25 modes" in out and "(2,500 samples)" in out
    opened = PlaygroundRun.open(run)
    assert opened.config.pack == 2 and opened.config.preset == "remedy"
    assert json.loads((run / "run.json").read_text())["coverage"]["samples"] == 2500
    assert len(opened.read_metrics()) == 12 and opened.last_checkpoint() is not None

    assert main(["playground", "sample", str(run), "--n", "2500", "--out", str(tmp_path / "points.csv")]) == 0
    lines = (tmp_path / "points.csv").read_text().splitlines()
    assert len(lines) == 2500 and len(lines[0].split(",")) == 2
    assert read_points_csv(tmp_path / "points.csv").shape == (2500, 2)

    assert main(["playground", "render", str(run), "--out", str(tmp_path / "frame.png"), "--size", "200"]) == 0
    picture = load_png(tmp_path / "frame.png")
    assert picture.shape == (200, 200, 3) and len(np.unique(picture.reshape(-1, 3), axis=0)) > 10


def test_a_csv_distribution_and_errors_are_one_line(tmp_path, capsys):
    points = tmp_path / "mine.csv"
    points.write_text("x,y\n0,0\n1,1\n1,0\n")
    assert main(["playground", "train", "--dist", "csv", "--points", str(points), "--steps", "2", "--batch", "4",
                 "--out", str(tmp_path / "run"), "--quiet"]) == 0
    assert main(["playground", "render", str(tmp_path / "run"), "--out", str(tmp_path / "f.png"), "--views", "real,nope"]) == 2
    assert "unknown view(s) nope" in capsys.readouterr().err
    assert main(["playground", "sample", str(tmp_path), "--out", str(tmp_path / "p.csv")]) == 2
    assert "no run.json" in capsys.readouterr().err
    assert main(["playground", "train", "--dist", "csv", "--out", str(tmp_path / "r2"), "--quiet"]) == 2
