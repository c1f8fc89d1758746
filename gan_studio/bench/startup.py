"""Start-up: from launching ``python -m gan_studio`` to the first painted window, and to the window
ready to train (digits loaded, torch imported and warmed up by the device probe).

The child is the real application with GAN_STUDIO_STARTUP_PROBE=1 (see gui/startup_probe.py),
offscreen, with its own settings folder. Times are from just before the launch, as the parent
saw it, to the ``time.time()`` the child printed. The first launch may find cold file caches;
the median of several is reported, and the first one separately.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

TIMEOUT_S = 120.0


def launch_once() -> dict:
    with tempfile.TemporaryDirectory(prefix="gan-studio-bench-startup-") as folder:
        env = dict(os.environ)
        env.update(QT_QPA_PLATFORM=env.get("QT_QPA_PLATFORM", "offscreen"), GAN_STUDIO_STARTUP_PROBE="1",
                   XDG_CONFIG_HOME=folder)
        started = time.time()
        result = subprocess.run(
            [sys.executable, "-m", "gan_studio"], env=env, cwd=folder, capture_output=True, text=True, timeout=TIMEOUT_S
        )
    times, torch_before_paint = {}, None
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "startup-probe":
            times[parts[1]] = float(parts[2]) - started
            if parts[1] == "first-paint":
                torch_before_paint = any(p == "torch-imported=1" for p in parts[3:])
    if "first-paint" not in times or "ready" not in times:
        raise RuntimeError(f"the application did not report its start-up (exit {result.returncode}): "
                           f"{(result.stdout + result.stderr).strip()[-1500:]}")
    return {"first_paint_s": times["first-paint"], "ready_s": times["ready"], "torch_before_paint": torch_before_paint}


def measure_startup(launches: int = 3, log=print) -> dict:
    runs = []
    for index in range(launches):
        runs.append(launch_once())
        log(f"  start-up {index + 1}/{launches}: first paint {runs[-1]['first_paint_s']:.2f} s, "
            f"ready to train {runs[-1]['ready_s']:.2f} s")
    return {
        "startup_first_paint_s": statistics.median(r["first_paint_s"] for r in runs),
        "startup_ready_s": statistics.median(r["ready_s"] for r in runs),
        "startup_first_launch_paint_s": runs[0]["first_paint_s"],
        "startup_torch_before_paint": float(any(r["torch_before_paint"] for r in runs)),
    }
