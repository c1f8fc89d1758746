"""Window vs plain loop, and how smooth the window stays while it trains.

The window runs in a child process, as the application does: offscreen Qt, the real MainWindow,
training started from its form on the built-in digits it loaded itself, live curves, the epoch
grid and the explorer updating on every epoch. Its GUI thread never runs a torch operation.
The plain loop runs in the parent (the benchmark's main thread, as a script would). The two
processes take turns, ABBA, driven through the child's stdin/stdout, so load from elsewhere
shifts both sides of a round alike. (Putting both in one process would hand each side the
other's OpenMP thread teams: a worker thread trained 31-36 % slower once the main thread had run a
multi-threaded torch op.)

A window round is one training run of 1 + E epochs: the first epoch (the worker thread starting,
first-use costs) is not timed; E whole epochs are, on the GUI thread, from the first epoch's
CheckpointSaved signal to the last one's. The plain round likewise trains one untimed epoch,
then E timed ones.

Smoothness: a 10 ms heartbeat QTimer (precise) on the GUI thread while the window trains; a
stall is how late a tick came, in ms.

    python -m gan_studio.bench.window --threads N --epochs E   # the child; speaks JSON lines
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEARTBEAT_MS = 10
READY_TIMEOUT_S = 120.0


# -- the child: the window ------------------------------------------------------------------------


class _WindowRounds:
    def __init__(self, threads: int, epochs: int, arch: str) -> None:
        from PySide6.QtCore import QSettings, Qt, QTimer

        from ..core.config import preset_config
        from ..gui.main_window import MainWindow
        from .memory import read_memory

        self.read_memory = read_memory
        self.folder = Path(tempfile.mkdtemp(prefix="gan-studio-bench-window-"))
        settings = QSettings(str(self.folder / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("run/runs_dir", str(self.folder / "runs"))
        self.window = MainWindow(settings=settings)
        self.window.confirm_stop_on_close = lambda: True
        config = preset_config("tutorial" if arch == "mlp" else "default")
        config.train.device, config.train.threads = "cpu", threads
        config.train.epochs = 1 + epochs
        config.train.quality_every = -1  # as in the engine benchmark: the optional evaluation is off
        config.train.checkpoint_every = 10**6
        self.window.form.set_config(config)
        self.window.resize(1280, 800)
        self.window.show()
        self.epochs = epochs
        self.heartbeat = QTimer()
        self.heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        self.heartbeat.setInterval(HEARTBEAT_MS)
        self.heartbeat.timeout.connect(self._tick)
        self.ticks: list[float] = []
        self.marks: list[float] = []
        self.rss: list[float] = []
        self.round = 0
        self.window.controller.checkpointSaved.connect(self._on_checkpoint)

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def _on_checkpoint(self, event) -> None:
        if event.reason == "epoch":
            self.marks.append(time.perf_counter())
            self.rss.append(self.read_memory()["rss_mb"])

    def wait_ready(self) -> None:
        """Until the window is ready to train, as a user would see it: digits loaded, torch warm."""
        panel, probe = self.window.data_panel, self.window.devices
        if panel.dataset() is None:
            _run_until([panel.datasetReady, panel.datasetFailed], READY_TIMEOUT_S)
        if panel.dataset() is None:
            raise RuntimeError("the window did not load the built-in digits")
        if not probe.is_warm:
            _run_until([probe.warmedUp], READY_TIMEOUT_S)

    def run_round(self) -> dict:
        self.round += 1
        self.ticks, self.marks, self.rss = [], [], []
        done: dict = {}
        window = self.window
        on_finished = lambda event: done.setdefault("event", event)  # noqa: E731
        on_failed = lambda message: done.setdefault("error", message)  # noqa: E731
        window.trainingFinished.connect(on_finished)
        window.trainingFailed.connect(on_failed)
        window.new_run()  # else Train would offer to continue the run the last round opened
        started = time.perf_counter()
        window.start_training(self.folder / f"run-{self.round}")
        self.heartbeat.start()
        self.ticks.append(time.perf_counter())
        try:
            _run_until([window.trainingFinished, window.trainingFailed], 3600.0)
        finally:
            self.heartbeat.stop()
            window.trainingFinished.disconnect(on_finished)
            window.trainingFailed.disconnect(on_failed)
        if "event" not in done:
            raise RuntimeError(f"the window's training failed: {done.get('error', 'timed out')}")
        ticks = self.ticks
        stalls = [max(0.0, (b - a) * 1000.0 - HEARTBEAT_MS) for a, b in zip(ticks, ticks[1:])]
        steps_per_epoch = done["event"].global_step // (1 + self.epochs)
        dataset = window.data_panel.dataset()
        batch = window.form.config().train.batch_size
        images_per_epoch = min(len(dataset.images), steps_per_epoch * batch)
        self._settle()
        return {
            "images": self.epochs * images_per_epoch,
            "seconds": self.marks[-1] - self.marks[0],
            "run_seconds": time.perf_counter() - started,
            "stalls_ms": stalls,
            "rss_mb": self.rss[1:],
        }

    def _settle(self) -> None:
        """Let the window finish reacting (it opens the run it trained) before the plain round."""
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        QTimer.singleShot(1000, loop.quit)
        loop.exec()

    def close(self) -> dict:
        memory = self.read_memory()
        self.window.close()
        self.window.shutdown()
        return {"rss_peak_mb": memory["peak_mb"], "rss_mb": memory["rss_mb"]}


def _run_until(signals, timeout_s: float) -> None:
    """Run the event loop until one of ``signals`` fires, or ``timeout_s`` passes."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    quit_loop = lambda *_args: loop.quit()  # noqa: E731
    for signal in signals:
        signal.connect(quit_loop)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    try:
        loop.exec()
    finally:
        for signal in signals:
            signal.disconnect(quit_loop)


def child_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_studio.bench.window")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--arch", choices=("mlp", "dcgan"), default="mlp")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ..gui.app import create_application, prepare_environment

    prepare_environment()
    app = create_application()
    from ..gui.garbage_collection import GuiThreadCollector

    GuiThreadCollector(app)  # as the app runs it
    rounds = _WindowRounds(args.threads, args.epochs, args.arch)
    rounds.wait_ready()
    _say({"ready": True})
    for line in sys.stdin:
        command = line.strip()
        if command == "round":
            _say(rounds.run_round())
        elif command == "quit":
            break
    _say(rounds.close())
    return 0


def _say(payload: dict) -> None:
    print(json.dumps(payload), flush=True)


# -- the parent: plain rounds in this process -------------------------------------------------------


class WindowChild:
    """The child process, one JSON line per answer."""

    def __init__(self, threads: int, epochs: int, arch: str = "mlp") -> None:
        env = dict(os.environ)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        command = [sys.executable, "-m", "gan_studio.bench.window", "--threads", str(threads), "--epochs", str(epochs),
                   "--arch", arch]
        # stderr to a file, not a pipe: Qt's warnings must never fill a pipe nobody reads and
        # block the child.
        self.errors = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, text=True, env=env
        )
        self._read()  # {"ready": true}

    def _read(self) -> dict:
        while True:
            line = self.process.stdout.readline()
            if not line:
                self.process.wait(30)
                self.errors.seek(0)
                error = self.errors.read()
                raise RuntimeError(f"the window benchmark's child process ended: {error.strip()[-2000:]}")
            line = line.strip()
            if line.startswith("{"):
                return json.loads(line)

    def round(self) -> dict:
        self.process.stdin.write("round\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> dict:
        try:
            self.process.stdin.write("quit\n")
            self.process.stdin.flush()
            result = self._read()
            self.process.wait(60)
            return result
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            for stream in (self.process.stdin, self.process.stdout, self.errors):
                stream.close()


def compare_window_plain(*, threads: int, rounds: int, epochs_per_round: int, log=print) -> dict:
    """Interleaved window/plain rounds of the tutorial MLP; ratios, stalls and the window's memory."""
    import statistics

    import torch

    from ..core.config import DataConfig
    from ..core.data import load_dataset
    from .engine import bench_config
    from .plain_loop import PlainLoop, plain_data, spec_from_config

    config = bench_config("mlp", threads, 0, epochs=1)
    torch.set_num_threads(threads)
    plain = PlainLoop(spec_from_config(config), plain_data(load_dataset(DataConfig()).images, "mlp"))
    child = WindowChild(threads, epochs_per_round)
    ratios, window_rates, plain_rates, stalls, rss = [], [], [], [], []
    try:
        for index in range(rounds):
            rates = {}
            for side in (("window", "plain") if index % 2 == 0 else ("plain", "window")):
                if side == "window":
                    answer = child.round()
                    rates[side] = answer["images"] / answer["seconds"]
                    stalls += answer["stalls_ms"]
                    rss += answer["rss_mb"]
                else:
                    plain.run_epoch()  # untimed, as the window's first epoch
                    images, seconds = plain.timed_epochs(epochs_per_round)
                    rates[side] = images / seconds
            window_rates.append(rates["window"])
            plain_rates.append(rates["plain"])
            ratios.append(rates["window"] / rates["plain"])
            log(f"  window round {index + 1}/{rounds}: window {rates['window']:.0f} img/s, "
                f"plain {rates['plain']:.0f} img/s, ratio {ratios[-1]:.3f}")
    finally:
        final = child.close()
    import numpy as np

    values = np.asarray(stalls or [0.0])
    return {
        "window_vs_plain_mlp": statistics.median(ratios),
        "window_images_per_s_mlp": statistics.median(window_rates),
        "window_plain_images_per_s_mlp": statistics.median(plain_rates),
        "stall_p50_ms": float(np.percentile(values, 50)),
        "stall_p99_ms": float(np.percentile(values, 99)),
        "stall_max_ms": float(values.max()),
        "stall_ticks": int(len(stalls)),
        "window_rss_steady_mb": statistics.median(rss) if rss else float("nan"),
        "window_rss_peak_mb": final["rss_peak_mb"],
        "window_ratios": ratios,
    }


if __name__ == "__main__":
    raise SystemExit(child_main())
