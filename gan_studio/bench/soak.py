"""Soak test: train in the real window (offscreen) for a while and watch memory and smoothness.

    python -m gan_studio.bench.soak --minutes 10 [--model mlp|dcgan] [--tiny] [--json report.json]

The window trains the built-in digits with the epochs set far out and is stopped after the
chosen time, as a user would (a checkpoint is saved). Meanwhile the process' resident memory
(RSS) is sampled, and a 10 ms heartbeat QTimer on the GUI thread measures event-loop stalls: a
stall is how late a tick came (actual interval - 10 ms). The report, as a table and as JSON:
RSS at the start, steady (the median after the warm-up), peak, and growth per minute after the
warm-up (a least-squares slope); stall p50, p99 and max. The warm-up is the start-up (torch,
data, models) and then the first quarter of the training time, at most a minute.

Growth that stays is a leak; the loss plot keeps every step's values (by design: 16 bytes per
point and curve), so a very fast model grows a little for that reason alone: the report also
gives the growth per 1000 steps. ``--tiny`` (a tiny MLP on 1024 digits, no quality checks) is
what the tests run for a few seconds. Runs and settings go to a temporary folder, removed after.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .memory import read_memory

HEARTBEAT_MS = 10
STALL_BIN_MS = 0.1  # stalls are counted in a fixed histogram: the soak itself must not grow
STALL_BINS = 100_000  # up to 10 s; longer stalls land in the last bin (the max is kept exactly)


def rss_mb() -> float:
    return read_memory()["rss_mb"]


def soak_config(model: str, tiny: bool):
    from ..core.config import preset_config

    config = preset_config("tutorial" if model == "mlp" else "default")
    config.train.epochs = 1_000_000  # stopped by the clock, not by the epochs
    config.train.device, config.train.threads = "cpu", 1
    if tiny:
        config.data.limit = 1024
        config.model.z_dim, config.model.hidden, config.model.width = 8, 16, 4
        config.train.batch_size, config.train.grid_size = 16, 4
        config.train.quality_every = -1
    return config


class _Heartbeat:
    """A precise 10 ms timer on the GUI thread; each tick's lateness goes into a histogram."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.counts = np.zeros(STALL_BINS, dtype=np.int64)
        self.max_ms = 0.0
        self.ticks = 0
        self._last: float | None = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        stall = max(0.0, (now - self._last) * 1000.0 - HEARTBEAT_MS)
        self._last = now
        self.ticks += 1
        self.max_ms = max(self.max_ms, stall)
        self.counts[min(int(stall / STALL_BIN_MS), STALL_BINS - 1)] += 1

    def percentile(self, q: float) -> float:
        if not self.ticks:
            return float("nan")
        rank = int(np.searchsorted(np.cumsum(self.counts), q / 100.0 * self.ticks, side="left"))
        return min((rank + 0.5) * STALL_BIN_MS, self.max_ms)


def run_soak(minutes: float, model: str = "mlp", tiny: bool = False) -> dict:
    """Train in the window for ``minutes``, then stop it; returns the report (see the module doc)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # numpy on the GUI thread must not compete
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from ..gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    duration_s = max(1.0, minutes * 60.0)
    with tempfile.TemporaryDirectory(prefix="gan-studio-soak-") as folder:
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("run/runs_dir", str(Path(folder) / "runs"))
        window = MainWindow(settings=settings)
        window.confirm_stop_on_close = lambda: True
        window.show()
        config = soak_config(model, tiny)
        window.form.set_config(config)
        window.data_panel.set_source(config.data.source)

        samples: list[tuple[float, float]] = [(0.0, rss_mb())]  # ~1 a second: a few KB an hour
        progress = {"step": 0, "epoch": 0, "first_s": None}  # first_s: when the first metrics came
        result: dict = {}
        heartbeat = _Heartbeat()
        sampler = QTimer()
        sampler.setInterval(int(min(1000.0, duration_s * 1000.0 / 60.0)))
        loop = QEventLoop()
        started = time.perf_counter()

        def sample() -> None:
            samples.append((time.perf_counter() - started, rss_mb()))

        def on_metrics(event) -> None:
            progress["step"], progress["epoch"] = event.global_step, event.epoch
            if progress["first_s"] is None:
                progress["first_s"] = time.perf_counter() - started

        def on_finished(event) -> None:
            result["finished"] = event.reason.value
            loop.quit()

        def on_failed(message: str) -> None:
            result["finished"] = f"failed: {message}"
            loop.quit()

        sampler.timeout.connect(sample)
        window.controller.metricsReceived.connect(on_metrics)
        window.trainingFinished.connect(on_finished)
        window.trainingFailed.connect(on_failed)
        QTimer.singleShot(int(duration_s * 1000), window.controller.stop)
        heartbeat.start()
        sampler.start()
        window.start_training(Path(folder) / "runs" / "soak")
        loop.exec()
        elapsed = time.perf_counter() - started
        heartbeat.timer.stop()
        sampler.stop()
        sample()
        window.shutdown()
        window.close()
        window.deleteLater()
        app.processEvents()

    # Warm-up: loading torch, the data and the models, then the first quarter of training
    # (allocator pools, caches, the plots' first buffers); growth is measured after it.
    first = progress["first_s"] if progress["first_s"] is not None else 0.0
    warmup_s = first + min(60.0, max(2.0, 0.25 * (elapsed - first)))
    times, rss = (np.array(column, dtype=np.float64) for column in zip(*samples))
    after = times >= warmup_s
    slope = np.polyfit(times[after], rss[after], 1)[0] if after.sum() >= 3 else float("nan")  # MiB per second
    steps = progress["step"]
    return {
        "model": model,
        "tiny": tiny,
        "minutes": minutes,
        "seconds": round(elapsed, 2),
        "finished": result.get("finished", "not finished"),
        "steps": steps,
        "epochs": progress["epoch"],
        "warmup_s": round(warmup_s, 2),
        "rss_start_mb": round(float(rss[0]), 1),
        "rss_steady_mb": round(float(np.median(rss[after])) if after.any() else float("nan"), 1),
        "rss_peak_mb": round(float(rss.max()), 1),
        "rss_growth_mb_per_min": round(float(slope * 60.0), 2),
        "rss_growth_kb_per_1000_steps": round(float(slope * elapsed / max(steps, 1) * 1000 * 1024), 2),
        "ticks": heartbeat.ticks,
        "stall_p50_ms": round(heartbeat.percentile(50), 2),
        "stall_p99_ms": round(heartbeat.percentile(99), 2),
        "stall_max_ms": round(heartbeat.max_ms, 2),
        "rss_samples": [[round(t, 2), round(m, 1)] for t, m in samples],
    }


def format_report(report: dict) -> str:
    size = "tiny " if report["tiny"] else ""
    return "\n".join([
        f"soak: {size}{report['model']}, {report['seconds']:.0f} s, {report['steps']:,} steps "
        f"({report['epochs']} epochs), {report['finished']}",
        f"{'memory (RSS)':16s}start {report['rss_start_mb']:.0f} MB   steady {report['rss_steady_mb']:.0f} MB   "
        f"peak {report['rss_peak_mb']:.0f} MB   growth {report['rss_growth_mb_per_min']:+.1f} MB/min "
        f"({report['rss_growth_kb_per_1000_steps']:+.0f} KB per 1000 steps) after {report['warmup_s']:.0f} s",
        f"{'event loop':16s}{report['ticks']:,} ticks of {HEARTBEAT_MS} ms   stall p50 {report['stall_p50_ms']:.1f} ms   "
        f"p99 {report['stall_p99_ms']:.1f} ms   max {report['stall_max_ms']:.1f} ms",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_studio.bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to train (default: %(default)s)")
    parser.add_argument("--model", choices=("mlp", "dcgan"), default="mlp", help="the tutorial MLP or the default DCGAN")
    parser.add_argument("--tiny", action="store_true", help="a tiny model on 1024 digits, no quality checks (for tests)")
    parser.add_argument("--json", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    if args.minutes <= 0:
        parser.error("--minutes must be positive")
    report = run_soak(args.minutes, args.model, args.tiny)
    print(format_report(report))
    print(json.dumps({k: v for k, v in report.items() if k != "rss_samples"}))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1))
    return 0 if report["finished"] == "stopped" else 1


if __name__ == "__main__":
    raise SystemExit(main())
