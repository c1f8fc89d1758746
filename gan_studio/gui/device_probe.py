"""Finds the devices torch can train on, in a background thread after the window is up.

Listing GPUs needs torch, whose import takes a second or two: doing it here keeps the first paint
fast and warms torch up before the user presses Train.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal


class DeviceProbe(QObject):
    found = Signal(list)  # ["cpu", "cuda:0", ...]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._probe, name="device-probe", daemon=True)
            self._thread.start()

    def _probe(self) -> None:
        try:
            from ..core.device import available_devices

            devices = available_devices()
        except Exception:  # noqa: BLE001 - a broken GPU driver must not break the window
            devices = ["cpu"]
        self.found.emit(devices)

    def shutdown(self, timeout_s: float = 30.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout_s)
