"""Finds the devices torch can train on, in a background thread after the window is up.

Listing GPUs needs torch, whose import takes a second or two: doing it here keeps the first paint
fast. The probe then warms torch up (the first optimizer of a process costs ~1.5 s), so that
pressing Train starts at once and the window does not stutter while the worker pays those costs.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from .background import emit_from_worker

# If the window is never painted (hidden, or tests), the probe starts after this long anyway.
START_FALLBACK_MS = 2000


class DeviceProbe(QObject):
    found = Signal(list)  # ["cpu", "cuda:0", ...]
    warmedUp = Signal()  # torch is imported and warm: training starts without first-use delays

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None
        self._waiting = False
        self._closed = False
        self.is_warm = False

    def start(self) -> None:
        """Start probing once the parent window has been painted for the first time.

        Importing torch in a thread while the window is being built and painted would slow the
        first paint (they share the GIL): it measured ~1.2-1.4 s instead of well under 1 s.
        """
        parent = self.parent()
        if self._thread is not None or self._waiting:
            return
        if not isinstance(parent, QWidget):
            self._start_thread()
            return
        self._waiting = True
        parent.installEventFilter(self)
        QTimer.singleShot(START_FALLBACK_MS, self, self._start_thread)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if self._waiting and watched is self.parent() and event.type() == QEvent.Type.Paint:
            self._waiting = False
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self._start_thread)  # once this paint is done
        return False

    def _start_thread(self) -> None:
        if self._thread is None and not self._closed:
            self._thread = threading.Thread(target=self._probe, name="device-probe", daemon=True)
            self._thread.start()

    def _probe(self) -> None:
        try:
            from ...core.device import available_devices

            devices = available_devices()
        except Exception:  # noqa: BLE001 - a broken GPU driver must not break the window
            devices = ["cpu"]
        emit_from_worker(self.found, devices)
        try:
            from ...core.train.trainer import warm_up

            warm_up()
        except Exception:  # noqa: BLE001 - only a head start: training pays the cost if this fails
            pass
        self.is_warm = True
        emit_from_worker(self.warmedUp)

    def shutdown(self, timeout_s: float = 30.0) -> None:
        self._closed = True  # a probe not started yet never starts
        if self._thread is not None:
            self._thread.join(timeout_s)
