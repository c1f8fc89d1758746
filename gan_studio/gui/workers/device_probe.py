"""Finds the devices torch can train on, in a job (jobs.py) started once the window is up.

Listing GPUs needs torch, whose import takes a second or two: doing it here keeps the first paint
fast. The probe then warms torch up (the first optimizer of a process costs ~1.5 s), so that
pressing Train starts at once and the window does not stutter while the worker pays those costs.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from ...core.jobs import TaskState
from .jobs import Job, Jobs

# If the window is never painted (hidden, or tests), the probe starts after this long anyway.
START_FALLBACK_MS = 2000


def _probe(task: TaskState):
    """The calls into the core, in the job's thread: list the devices (imports torch), then warm up."""
    try:
        from ...core.device import available_devices

        devices = available_devices()
    except Exception:  # noqa: BLE001 - a broken GPU driver must not break the window
        devices = ["cpu"]
    yield devices  # a window closing now skips the warm-up
    try:
        from ...core.train.trainer import warm_up

        warm_up()
    except Exception:  # noqa: BLE001 - only a head start: training pays the cost if this fails
        pass


class DeviceProbe(QObject):
    found = Signal(list)  # ["cpu", "cuda:0", ...]
    warmedUp = Signal()  # torch is imported and warm: training starts without first-use delays

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = Jobs(self)
        self._job: Job | None = None
        self._waiting = False
        self._closed = False
        self.is_warm = False

    def start(self) -> None:
        """Start probing once the parent window has been painted for the first time.

        Importing torch in a thread while the window is being built and painted would slow the
        first paint (they share the GIL): it measured ~1.2-1.4 s instead of well under 1 s.
        """
        parent = self.parent()
        if self._job is not None or self._waiting:
            return
        if not isinstance(parent, QWidget):
            self._start_job()
            return
        self._waiting = True
        parent.installEventFilter(self)
        QTimer.singleShot(START_FALLBACK_MS, self, self._start_job)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if self._waiting and watched is self.parent() and event.type() == QEvent.Type.Paint:
            self._waiting = False
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self._start_job)  # once this paint is done
        return False

    def _start_job(self) -> None:
        if self._job is None and not self._closed:
            self._job = self._jobs.start(_probe, name="device-probe")
            self._job.yielded.connect(self._on_found)
            self._job.returned.connect(self._on_warm)

    def _on_found(self, devices: list) -> None:
        self.found.emit(devices)

    def _on_warm(self, _result: object) -> None:
        self.is_warm = True
        self.warmedUp.emit()

    def shutdown(self, timeout_s: float = 30.0) -> bool:
        self._closed = True  # a probe not started yet never starts
        return self._jobs.shutdown(int(timeout_s * 1000))
