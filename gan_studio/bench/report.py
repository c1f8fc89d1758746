"""The benchmark's figures as a readable table (with the targets) and as JSON."""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
from pathlib import Path
from typing import Any

# The keys every run produces (the smoke test checks them), in table order.
REQUIRED_KEYS = (
    "engine_vs_plain_mlp",
    "engine_vs_plain_dcgan",
    "window_vs_plain_mlp",
    "stall_p99_ms",
    "stall_max_ms",
    "explorer_p95_ms_mlp",
    "explorer_p95_ms_dcgan",
    "startup_first_paint_s",
    "roofline_fraction_mlp",
    "cache_second_load_s",
    "playground_fps",
    "playground_stall_max_ms",
)

# key -> (label, unit format, target as (comparison, bound) or None)
ROWS: list[tuple[str, str, str, tuple[str, float] | None]] = [
    ("engine_vs_plain_mlp", "Engine / plain loop, tutorial MLP", "{:.3f}x", (">=", 1.0)),
    ("engine_vs_plain_cpu_mlp", "  the same from CPU time", "{:.3f}x", None),
    ("engine_images_per_s_mlp", "  engine, images/s", "{:,.0f}", None),
    ("plain_images_per_s_mlp", "  plain loop, images/s", "{:,.0f}", None),
    ("engine_vs_plain_dcgan", "Engine / plain loop, DCGAN-28", "{:.3f}x", (">=", 1.0)),
    ("engine_vs_plain_cpu_dcgan", "  the same from CPU time", "{:.3f}x", None),
    ("engine_images_per_s_dcgan", "  engine, images/s", "{:,.0f}", None),
    ("plain_images_per_s_dcgan", "  plain loop, images/s", "{:,.0f}", None),
    ("window_vs_plain_mlp", "Window / plain loop, tutorial MLP", "{:.3f}x", (">=", 0.95)),
    ("window_images_per_s_mlp", "  window, images/s", "{:,.0f}", None),
    ("window_plain_images_per_s_mlp", "  plain loop, images/s", "{:,.0f}", None),
    ("stall_p50_ms", "Event-loop stall while training, p50", "{:.1f} ms", None),
    ("stall_p99_ms", "Event-loop stall while training, p99", "{:.1f} ms", ("<=", 20.0)),
    ("stall_max_ms", "Event-loop stall while training, max", "{:.1f} ms", ("<=", 100.0)),
    ("explorer_p50_ms_mlp", "Explorer slider to pixels, MLP, p50", "{:.1f} ms", None),
    ("explorer_p95_ms_mlp", "Explorer slider to pixels, MLP, p95", "{:.1f} ms", ("<=", 16.0)),
    ("explorer_p50_ms_dcgan", "Explorer slider to pixels, DCGAN, p50", "{:.1f} ms", None),
    ("explorer_p95_ms_dcgan", "Explorer slider to pixels, DCGAN, p95", "{:.1f} ms", ("<=", 33.0)),
    ("playground_fps", "Playground tab playing: frames painted a second", "{:.1f}", (">=", 20.0)),
    ("playground_stall_p99_ms", "  event-loop stall, p99", "{:.1f} ms", None),
    ("playground_stall_max_ms", "  event-loop stall, max", "{:.1f} ms", ("<=", 50.0)),
    ("playground_paint_p50_ms", "  one picture rendered and painted, p50", "{:.1f} ms", None),
    ("playground_g_updates_per_s", "  generator updates a second", "{:.0f}", None),
    ("startup_first_paint_s", "Start to first painted window", "{:.2f} s", ("<=", 1.5)),
    ("startup_ready_s", "Start to window ready to train", "{:.2f} s", None),
    ("rss_steady_mb_mlp", "Resident memory, engine MLP, steady", "{:.0f} MB", None),
    ("rss_peak_mb_dcgan", "Resident memory, engine DCGAN, peak", "{:.0f} MB", None),
    ("window_rss_steady_mb", "Resident memory, window training, steady", "{:.0f} MB", None),
    ("window_rss_peak_mb", "Resident memory, window process, peak", "{:.0f} MB", None),
    ("cache_load_one_core_s", "Image folder, one core, no cache", "{:.2f} s", None),
    ("cache_first_load_s", "  first load, parallel, into the cache", "{:.2f} s", None),
    ("cache_second_load_s", "  second load, from the cache", "{:.2f} s", ("<=", 1.0)),
    ("cache_mb", "  cache on disk", "{:.0f} MB", None),
    ("matmul_gflops", "Large matmul (2048^2 fp32)", "{:.0f} GFLOP/s", None),
    ("engine_gflops_mlp", "Engine, tutorial MLP", "{:.0f} GFLOP/s", None),
    ("roofline_fraction_mlp", "  fraction of the matmul", "{:.0%}", None),
    ("engine_gflops_dcgan", "Engine, DCGAN-28 (lower bound)", "{:.0f} GFLOP/s", None),
    ("roofline_fraction_dcgan", "  fraction of the matmul", "{:.0%}", None),
    ("hypothesis_fused_adam_step_ratio_mlp", "Step time, fused / default Adam, MLP", "{:.3f}x", None),
    ("hypothesis_channels_last_step_ratio_dcgan", "Step time, channels_last / contiguous, DCGAN", "{:.3f}x", None),
    ("hypothesis_mallopt_step_ratio_dcgan", "Step time, mallopt / glibc default, DCGAN", "{:.3f}x", None),
    ("hypothesis_gui_thread_first_step_ratio_mlp", "Worker step time, GUI thread ran torch first", "{:.3f}x", None),
]


def machine() -> dict[str, Any]:
    import torch

    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            model = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), model)
    except OSError:
        pass
    from ..core.device import cpu_count

    return {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": model,
        "cores": cpu_count(),
        "platform": platform.platform(terse=True),
        "python": platform.python_version(),
        "torch": torch.__version__,
    }


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return math.nan


def verdict(value: float, target: tuple[str, float] | None) -> str:
    if target is None or not isinstance(value, (int, float)) or math.isnan(value):
        return ""
    comparison, bound = target
    met = value >= bound if comparison == ">=" else value <= bound
    return "met" if met else "MISSED"


def format_table(figures: dict[str, Any]) -> str:
    lines = [f"{'measure':44s} {'value':>16s}  {'target':>8s}"]
    for key, label, fmt, target in ROWS:
        if key not in figures:
            continue
        value = figures[key]
        text = fmt.format(value) if isinstance(value, (int, float)) and not math.isnan(value) else "n/a"
        goal = f"{target[0]} {target[1]:g}" if target else ""
        lines.append(f"{label:44s} {text:>16s}  {goal:>8s}  {verdict(value, target)}".rstrip())
    lines.append(
        f"threads {figures.get('threads')}, {figures.get('cpu', '?')} ({figures.get('cores', '?')} cores), "
        f"load average {figures.get('load_before', math.nan):.2f} -> {figures.get('load_after', math.nan):.2f}, "
        f"{figures.get('date', '')}"
    )
    return "\n".join(lines)


def write_json(figures: dict[str, Any], path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")
