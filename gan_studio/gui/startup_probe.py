"""Start-up timing for ``gan-studio bench``: with GAN_STUDIO_STARTUP_PROBE=1 in the environment,
the application prints when its window was first painted and when it was ready to train, then
quits. Each line is ``startup-probe <what> <time.time()>``, so the parent process can measure
from the moment it launched the program.

"Ready to train" means the built-in digits are loaded and the device probe has imported and
warmed up torch: pressing Train then starts training at once.
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer

ENVIRONMENT_VARIABLE = "GAN_STUDIO_STARTUP_PROBE"
PREFIX = "startup-probe"


def requested() -> bool:
    return os.environ.get(ENVIRONMENT_VARIABLE, "") not in ("", "0")


class StartupProbe(QObject):
    """Install before ``window.show()``; it quits the application once the window is ready."""

    def __init__(self, app, window) -> None:
        super().__init__(window)
        self._app, self._window = app, window
        self._painted = False
        self._done = False
        window.installEventFilter(self)
        window.devices.warmedUp.connect(self._check_ready)
        window.data_panel.datasetReady.connect(self._check_ready)
        window.data_panel.datasetFailed.connect(self._failed)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if not self._painted and watched is self._window and event.type() == QEvent.Type.Paint:
            self._painted = True
            QTimer.singleShot(0, self._on_painted)  # runs once this paint (children too) is done
        return False

    def _on_painted(self) -> None:
        _say("first-paint", f"torch-imported={int('torch' in sys.modules)}")
        self._check_ready()

    def _check_ready(self, *_args) -> None:
        if self._done or not self._painted:
            return
        if self._window.devices.is_warm and self._window.data_panel.dataset() is not None:
            self._done = True
            _say("ready")
            self._quit()

    def _failed(self, message: str) -> None:
        _say("failed", message.replace("\n", " "))
        self._quit()

    def _quit(self) -> None:
        self._window.close()
        self._app.quit()


def _say(what: str, detail: str = "") -> None:
    print(f"{PREFIX} {what} {time.time():.6f} {detail}".rstrip(), flush=True)
