"""`gan-studio bench` in its quickest form: every figure is produced (their values are not judged)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from gan_studio.bench.report import REQUIRED_KEYS, format_table, verdict


def test_the_smoke_benchmark_produces_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    result = subprocess.run(
        [sys.executable, "-m", "gan_studio", "bench", "--smoke", "--threads", "1", "--json", str(out)],
        capture_output=True, text=True, timeout=240, cwd=tmp_path, env=env,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    figures = json.loads(out.read_text())
    for key in REQUIRED_KEYS:
        assert isinstance(figures.get(key), (int, float)) and math.isfinite(figures[key]), key
    assert figures["threads"] == 1 and figures["mode"] == "smoke"
    assert figures["startup_torch_before_paint"] == 0.0  # the window paints before torch is imported
    assert "Engine / plain loop, tutorial MLP" in result.stdout  # the table


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [(1.02, (">=", 1.0), "met"), (0.98, (">=", 1.0), "MISSED"), (25.0, ("<=", 20.0), "MISSED"),
     (math.nan, ("<=", 20.0), ""), (3.0, None, "")],
)
def test_verdicts(value, target, expected):
    assert verdict(value, target) == expected


def test_the_table_shows_values_targets_and_verdicts():
    table = format_table({"engine_vs_plain_mlp": 1.234, "stall_p99_ms": 31.0, "threads": 1})
    assert "1.234x" in table and ">= 1" in table and "met" in table
    assert "31.0 ms" in table and "MISSED" in table


def test_every_baseline_variant_is_a_valid_config_and_the_table_shows_cpu_time_and_balance():
    from gan_studio.bench.baseline import VARIANTS, _configure, balance, markdown_table

    for name, (preset, overrides) in VARIANTS.items():
        assert _configure(preset, overrides, 1, None, 1).train.seed == 1, name
    assert balance([10, 20, 40]) == 4.0 and balance([0, 5]) == float("inf")
    metrics = {"fcd": 7.5, "fcd_floor": 0.46, "kid": 0.01, "precision": 0.75, "recall": 0.8, "modes_covered": 10}
    row = {"preset": "shipped", "seed": 1, "model": "dcgan", "loss": "ns", "epochs": 30, "name": "final", "epoch": 30,
           "metrics": metrics, "class_histogram": [90] * 5 + [110] * 5, "wall_s": 290.0, "cpu_s": 300.0, "load": 3.2}
    line = markdown_table([row]).splitlines()[-1]
    assert "shipped seed 1" in line and "| 1.2 |" in line and "300 s" in line and "| 3.2 |" in line


def test_the_colour_set_is_a_folder_of_colour_images(tmp_path):
    from gan_studio.bench.colour_set import write_colour_set
    from gan_studio.core.config import DataConfig
    from gan_studio.core.data import load_dataset

    write_colour_set(tmp_path / "set", count=12, size=16, seed=3)
    dataset = load_dataset(DataConfig(source=str(tmp_path / "set"), channels=3, image_size=16))
    assert dataset.images.shape == (12, 16, 16, 3) and dataset.labels is None
    assert dataset.images[..., 0].std() > 10 and (dataset.images[..., 0] != dataset.images[..., 1]).any()
