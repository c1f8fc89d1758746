"""Starting a distributed run as a child process, for the window (no torch, no Qt here).

The window trains on several GPUs by running ``gan-studio train --nproc N`` (torchrun's launcher
on this machine, cli/distributed.py) with the form's config, then follows the run folder as it
does for any run another process writes. Stop sends SIGINT to the launcher, as Ctrl-C in its
terminal would: it passes it on to every rank, all of them stop at the same step and rank 0
saves a checkpoint. :func:`gpu_count` reads what the window's device probe found.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from ..config import RunConfig
from ..jobs import NO_TASK, TaskState

POLL_S = 0.2  # how often the run folder and the launcher are looked at while waiting
STOP_GRACE_S = 60.0  # after Stop: the ranks' last step and rank 0's checkpoint, then SIGKILL


def gpu_count(devices: Sequence[str]) -> int:
    """CUDA GPUs among the devices the probe found (["cpu", "cuda:0", "cuda:1"] -> 2)."""
    return sum(1 for device in devices if device.startswith("cuda"))


class LaunchedRun:
    """``gan-studio train --nproc N --config ... --out RUN`` running in a session of its own."""

    def __init__(self, config: RunConfig, run_dir: Path, nproc: int, python: str = sys.executable) -> None:
        self.run_dir = Path(run_dir)
        self.nproc = nproc
        handle, config_path = tempfile.mkstemp(prefix="gan-studio-launch-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(config.to_json())
        self._config_path = Path(config_path)
        self._log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self.command = [python, "-m", "gan_studio", "train", "--nproc", str(nproc), "--config", config_path,
                        "--out", str(self.run_dir), "--quiet"]
        # A session of its own: the window's Ctrl-C or a terminal hang-up never reach it, and
        # Stop reaches the launcher alone, which stops its ranks in order.
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=self._log, start_new_session=True)
        self._stop_asked: float | None = None  # when Stop was sent (time.monotonic)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def wait_for_run_folder(self, task: TaskState = NO_TASK) -> bool:
        """Block until rank 0 has written run.json (True) or the launcher has ended (False)."""
        while not (self.run_dir / "run.json").is_file():
            if not self.running:
                return False
            if task.is_cancelled():
                self.request_stop()
            time.sleep(POLL_S)  # another process writes the folder: polling is the way to see it
        return True

    def request_stop(self) -> None:
        """Ask every rank to stop at its next step, rank 0 saving (returns at once)."""
        if self.running and self._stop_asked is None:
            self.process.send_signal(signal.SIGINT)
            self._stop_asked = time.monotonic()

    def wait(self, task: TaskState = NO_TASK) -> int:
        """Block until the launcher ends (a cancelled ``task`` asks it to stop); its status. A
        launcher still running ``STOP_GRACE_S`` after a stop request is killed with its ranks."""
        while self.running:
            if task.is_cancelled():
                self.request_stop()
            if self._stop_asked is not None and time.monotonic() - self._stop_asked > STOP_GRACE_S:
                os.killpg(self.process.pid, signal.SIGKILL)
            time.sleep(POLL_S)
        return self.finish()

    def stop(self) -> int:
        self.request_stop()
        return self.wait()

    def finish(self) -> int:
        status = self.process.wait()
        self._config_path.unlink(missing_ok=True)
        return status

    def error_line(self) -> str:
        """The launcher's or a rank's one-line error, if it printed one."""
        self._log.seek(0)
        lines = [line.strip() for line in self._log.read().splitlines() if line.startswith("gan-studio: error:")]
        return lines[-1].removeprefix("gan-studio: error:").strip() if lines else ""

    def close(self) -> None:
        self._log.close()


def follow_launch(launched: LaunchedRun, task: TaskState):
    """The window's job: yields "ready" once the run folder is there, returns (status, error
    line). Its stop is :meth:`LaunchedRun.request_stop`; the job never leaves a process behind."""
    try:
        if launched.wait_for_run_folder(task):
            yield "ready"
        status = launched.wait(task)
    finally:  # also when the generator is closed at its yield
        if launched.running:
            launched.stop()
    message = launched.error_line()
    launched.close()
    return status, message
