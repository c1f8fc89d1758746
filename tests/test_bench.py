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
