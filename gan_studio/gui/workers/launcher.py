"""Training on several GPUs from the window: torchrun's launcher as a child process, in a job.

On a machine where the device probe finds two or more CUDA GPUs the window offers "Train on N
GPUs". That starts ``gan-studio train --nproc N`` with the form's config (core/train/launch.py);
once rank 0 has written the run folder the window opens it and follows it, as it follows any run
another process writes (run_watcher.py); Stop sends the launcher SIGINT, every rank stops at the
same step and rank 0 saves. The job waits on the child process and never touches a widget.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ...core.config import RunConfig
from ...core.train.launch import STOP_GRACE_S, LaunchedRun, follow_launch, gpu_count
from .jobs import Job, Jobs

MIN_GPUS = 2  # one GPU trains in the window itself


class GpuLauncher(QObject):
    offered = Signal(int)  # GPUs the offer would use; 0: no offer (fewer than MIN_GPUS)
    runReady = Signal(object)  # the run folder (Path) exists: open and follow it
    ended = Signal(int, str)  # the launcher's exit status, its one-line error ("" if none)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = Jobs(self)
        self._job: Job | None = None
        self.gpus = 0
        self.device = "cuda"  # what each rank trains on; tests launch "cpu" ranks (gloo) instead

    def set_devices(self, devices: list) -> None:
        """What the device probe found, or what a test injects."""
        self.gpus = gpu_count(devices)
        self.offered.emit(self.gpus if self.gpus >= MIN_GPUS else 0)

    @property
    def running(self) -> bool:
        return self._job is not None and self._job.pending()

    def start(self, config: RunConfig, run_dir: Path, nproc: int | None = None) -> None:
        if self.running:
            return
        config = config.copy()
        config.train.device = self.device
        launched = LaunchedRun(config, Path(run_dir), nproc or self.gpus)  # a fork and exec: milliseconds
        self._job = job = self._jobs.start(partial(follow_launch, launched), name="gpu-launch", stop=launched.request_stop)
        job.yielded.connect(lambda _ready: self.runReady.emit(launched.run_dir))
        job.returned.connect(lambda result: self.ended.emit(*result))
        job.failed.connect(lambda message, _details: self.ended.emit(-1, message))

    def stop(self) -> None:
        """Every rank stops at its next step and rank 0 saves (the job waits for it)."""
        if self.running:
            self._job.stop()

    def shutdown(self, timeout_s: float = STOP_GRACE_S + 10) -> bool:
        return self._jobs.shutdown(int(timeout_s * 1000))
