"""Long runs: the loss plot stays responsive with a million points, nothing keeps a per-step history,
the epoch timeline keeps its grids compressed, and the soak script reports memory and stalls.

tests/gui/test_metrics_plot.py (test_a_million_points_in_chunks) checks the plot holds a million
points and slows its redraws rather than stall; here, what is actually drawn.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import torch

from gan_studio.core.config import DataConfig
from gan_studio.core.data import load_dataset
from gan_studio.core.events import EpochEnd, FinishReason
from gan_studio.core.images import make_grid
from gan_studio.core.train.trainer import Trainer
from gan_studio.gui.widgets.epoch_timeline import EpochTimeline
from gan_studio.gui.widgets.metrics_plot import MetricsPlot

ROOT = Path(__file__).resolve().parents[2]


def test_a_million_points_are_drawn_downsampled_and_clipped_to_the_view(qtbot):
    plot = MetricsPlot([("d_loss", "D loss", "#1f77b4"), ("g_loss", "G loss", "#ff7f0e")], "Losses", "loss")
    qtbot.addWidget(plot)
    plot.resize(800, 300)
    plot.show()
    qtbot.waitExposed(plot)
    steps = np.arange(1_000_000)
    values = np.sin(steps / 5000.0) + np.random.default_rng(0).normal(0, 0.1, steps.size)
    for start in range(0, steps.size, 100_000):  # as it arrives: in chunks
        plot.append(steps[start:start + 100_000], {"d_loss": values[start:start + 100_000], "g_loss": values[start:start + 100_000]})
    started = time.perf_counter()
    plot.flush()
    plot.grab()  # a real paint
    seconds = time.perf_counter() - started
    item = next(i for i in plot.getPlotItem().listDataItems() if i.name() == "D loss")
    x, _ = item.getData()  # what the curve draws, after downsampling and clipping
    assert 0 < x.size < 20_000, x.size  # a few points per pixel column, not a million
    assert seconds < 2.0  # a gross bound: ~50 ms here; a drawn million would take many times this
    plot.getPlotItem().setXRange(990_000, 1_000_000, padding=0)
    plot.grab()
    x, _ = item.getData()
    assert x.size < 12_000 and x.min() >= 980_000  # clipped to the view (with a margin)


def test_the_epoch_timeline_keeps_its_grids_compressed(qtbot):
    digits = load_dataset(DataConfig(limit=640)).images
    grids = [make_grid(digits[(i % 10) * 64:(i % 10 + 1) * 64], 8, 8) for i in range(10)]
    timeline = EpochTimeline()
    qtbot.addWidget(timeline)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for epoch in range(1, 301):
            timeline.add_epoch(epoch, grids[epoch % 10].copy())  # each grid is new, as from training
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    raw = 300 * grids[0].nbytes
    assert timeline.epoch_count() == 300
    assert held < raw / 3, f"{held / 2**20:.1f} MiB held for {raw / 2**20:.1f} MiB of grids"


def container_sizes(obj, prefix: str = "", depth: int = 3, seen: set | None = None) -> dict[str, int]:
    """Sizes of every list, dict, set, deque, array and tensor reachable through the attributes of
    ``obj`` and of the gan_studio objects it holds (``depth`` levels down)."""
    seen = set() if seen is None else seen
    if id(obj) in seen or not hasattr(obj, "__dict__"):
        return {}
    seen.add(id(obj))
    sizes: dict[str, int] = {}
    for name, value in vars(obj).items():
        key = f"{prefix}{name}"
        if isinstance(value, (list, dict, set, tuple)) or type(value).__name__ == "deque":
            sizes[key] = len(value)
        elif isinstance(value, np.ndarray):
            sizes[key] = value.size
        elif isinstance(value, torch.Tensor):
            sizes[key] = value.numel()
        elif depth > 0 and type(value).__module__.startswith("gan_studio"):
            sizes.update(container_sizes(value, key + ".", depth - 1, seen))
    return sizes


def still_growing(snapshots: list[dict[str, int]]) -> dict[str, list[int]]:
    """Containers that grew between every pair of snapshots (filled once and then steady is fine)."""
    keys = set().union(*snapshots)
    sizes = {k: [snapshot.get(k, 0) for snapshot in snapshots] for k in keys}
    return {k: v for k, v in sizes.items() if all(b > a for a, b in zip(v, v[1:]))}


# Histories that grow on purpose, each bounded and far slower than one entry a step.
BOUNDED = {
    "health._blocks": "one mean G loss per OSCILLATION_BLOCK steps, the last 10,000 kept",
}
SNAPSHOT_EPOCHS = (4, 8, 12)


def test_the_trainer_keeps_no_per_step_history(tiny_config, tmp_path):
    tiny_config.data.limit = 256  # 16 steps an epoch
    tiny_config.train.epochs = 12
    trainer = Trainer.new(tiny_config, tmp_path / "run")
    trainer.events_per_second = 1e9  # a StepMetrics after every step: the most events a run sends
    snapshots = []
    for event in trainer.events():
        if isinstance(event, EpochEnd) and event.epoch in SNAPSHOT_EPOCHS:
            snapshots.append(container_sizes(trainer))
    assert event.reason is FinishReason.COMPLETED
    assert len(snapshots[0]) > 10  # the walk did reach the session, the step, the monitors
    growing = still_growing(snapshots)
    assert set(growing) <= set(BOUNDED), growing
    steps = (SNAPSHOT_EPOCHS[-1] - SNAPSHOT_EPOCHS[0]) * 16
    assert all(sizes[-1] - sizes[0] < steps / 10 for sizes in growing.values()), growing


def test_the_window_keeps_no_per_step_history_outside_the_plots(qtbot, window, tiny_config, tmp_path):
    tiny_config.data.limit = 256
    tiny_config.train.epochs = 12
    window.form.set_config(tiny_config)
    snapshots = []

    def on_epoch(event) -> None:
        if event.epoch in SNAPSHOT_EPOCHS:
            snapshots.append({
                **container_sizes(window.controller, "controller."),
                **container_sizes(window.explorer, "explorer."),
                **container_sizes(window.quality, "quality."),
                **container_sizes(window.status, "status."),
            })

    window.controller.epochEnded.connect(on_epoch)
    with qtbot.waitSignal(window.trainingFinished, timeout=60000):
        window.start_training(tmp_path / "runs" / "long")
    assert len(snapshots) == 3 and len(snapshots[0]) > 5
    assert still_growing(snapshots) == {}
    assert window.page.timeline.epoch_count() == 12  # one compressed grid an epoch, by design


def test_the_soak_script_reports_memory_and_stalls(tmp_path):
    report_path = tmp_path / "soak.json"
    command = [sys.executable, "-m", "gan_studio.bench.soak", "--minutes", "0.25", "--tiny", "--json", str(report_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(report_path.read_text())
    assert "memory (RSS)" in done.stdout and "stall p50" in done.stdout
    fields = ("seconds", "steps", "epochs", "warmup_s", "rss_start_mb", "rss_steady_mb", "rss_peak_mb",
              "rss_growth_mb_per_min", "rss_growth_kb_per_1000_steps", "ticks", "stall_p50_ms", "stall_p99_ms",
              "stall_max_ms", "rss_samples")
    assert set(fields) <= set(report)
    assert report["finished"] == "stopped" and report["steps"] > 0 and 14 < report["seconds"] < 60
    assert 0 < report["rss_start_mb"] <= report["rss_steady_mb"] <= report["rss_peak_mb"] < 4000
    assert len(report["rss_samples"]) >= 20
    # Gross sanity only: a leak of tensors or pixmaps per step would be far above this.
    assert report["rss_growth_mb_per_min"] < 50
    assert report["ticks"] > 100 and 0 <= report["stall_p50_ms"] <= report["stall_p99_ms"] <= report["stall_max_ms"] < 2000
