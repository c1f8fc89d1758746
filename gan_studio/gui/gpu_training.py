"""The window's "Train on N GPUs", wired: the offer follows the device probe, the launch opens
the run folder once rank 0 has written it, Stop stops it (workers/launcher.py does the work)."""

from __future__ import annotations

from ..core.runs.folder import new_run_name
from .actions import offer_gpus
from .dialogs.messages import show_error
from .workers.launcher import GpuLauncher


def wire_gpu_training(window) -> GpuLauncher:
    """A GpuLauncher for ``window`` (a MainWindow, its actions made), connected."""
    launcher = GpuLauncher(window)
    actions = window.actions

    def train() -> None:
        busy = not window.controller.allows("train") or launcher.running
        config = None if busy else window.form_run_config()
        if config is not None:
            window.new_run()
            launcher.start(config, window.settings.runs_dir() / new_run_name(config))
            window.apply_state(window.controller.state)

    def ended(status: int, message: str) -> None:
        if status not in (0, 130):  # 130: stopped, rank 0 saved
            show_error(window, "Training on GPUs failed", message or f"the launcher exited with status {status}")
        if window.opened_run is not None:
            window.open_run(window.opened_run.path)  # read again: now with its last checkpoint, resumable here
        window.apply_state(window.controller.state)

    window.devices.found.connect(launcher.set_devices)
    launcher.offered.connect(lambda gpus: offer_gpus(actions.train_gpus, gpus))
    launcher.runReady.connect(window.open_run)
    launcher.ended.connect(ended)
    actions.train_gpus.triggered.connect(train)
    actions.stop.triggered.connect(launcher.stop)
    return launcher
