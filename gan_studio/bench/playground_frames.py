"""The Playground tab's live redraw: frames painted a second and GUI-thread stalls while it plays.

    python -m gan_studio.bench.playground_frames [--seconds S] [--dist ring|grid] [--preset plain|remedy]

The real tab (offscreen) plays the distribution at full speed for ``seconds``; its canvas counts
the pictures it paints (every view on, rendered on the GUI thread), and a 10 ms heartbeat
QTimer on the GUI thread records how late each tick came (a stall). Targets: 20 frames a second
or more, no stall over 50 ms. Prints one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

HEARTBEAT_MS = 10


def measure_playground_frames(seconds: float = 10.0, dist: str = "ring", preset: str = "remedy") -> dict:
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from gan_studio.gui.widgets.playground_tab import PlaygroundTab

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        tab = PlaygroundTab(runs_dir=folder)
        tab.resize(1280, 800)
        tab.show()
        tab.controls.dist_combo.setCurrentText(dist)
        tab.controls.preset_combo.setCurrentText(preset)
        loop = QEventLoop()
        tab.worker.frameReady.connect(lambda _frame: loop.quit())
        tab.play(True)
        QTimer.singleShot(120_000, loop.quit)
        loop.exec()  # the first frame: torch imported and the players built
        ticks: list[float] = []
        heartbeat = QTimer()
        heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        heartbeat.setInterval(HEARTBEAT_MS)
        heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
        tab.canvas.paint_ms.clear()
        renders_before, started, cpu_before = tab.canvas.renders, time.perf_counter(), time.process_time()
        heartbeat.start()
        measuring = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), measuring.quit)
        measuring.exec()
        heartbeat.stop()
        elapsed = time.perf_counter() - started
        frames = tab.canvas.renders - renders_before
        paints = sorted(tab.canvas.paint_ms) or [0.0]
        trainer = tab.worker.live_trainer
        updates = trainer.steps.g_updates if trainer is not None and trainer.steps is not None else 0
        tab.shutdown()
        app.processEvents()
    stalls = sorted(max(0.0, (b - a) * 1000 - HEARTBEAT_MS) for a, b in zip(ticks, ticks[1:])) or [0.0]
    return {
        "playground_fps": frames / elapsed,
        "playground_stall_p50_ms": stalls[len(stalls) // 2],
        "playground_stall_p99_ms": stalls[min(len(stalls) - 1, int(len(stalls) * 0.99))],
        "playground_stall_max_ms": stalls[-1],
        "playground_paint_p50_ms": paints[len(paints) // 2],
        "playground_paint_max_ms": paints[-1],
        "playground_g_updates_per_s": updates / elapsed,
        "playground_seconds": elapsed,
        "playground_cpu_share": (time.process_time() - cpu_before) / elapsed,
        "playground_load": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--dist", default="ring")
    parser.add_argument("--preset", default="remedy")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from gan_studio.gui.app import prepare_environment

    prepare_environment()
    print(json.dumps(measure_playground_frames(args.seconds, args.dist, args.preset)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
