"""Plain Python worker threads for the window: starting, joining, and reporting back.

Workers touch no widget: they emit signals of a QObject that lives on the GUI thread, which Qt
queues there. ``emit_from_worker`` is how a worker reports; ``WorkerThreads`` keeps the threads
an object started, so its ``shutdown`` can join them all (no thread may outlive the window).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


def emit_from_worker(signal: Any, *args: Any) -> None:
    """Emit a bound signal from a worker thread; if its QObject is already gone, nobody listens."""
    try:
        signal.emit(*args)
    except RuntimeError:
        pass  # the object was deleted without its shutdown(): the result has nowhere to go


class WorkerThreads:
    """The daemon threads one object started, named ``prefix-N``, joined together on shutdown."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._threads: list[threading.Thread] = []

    def start(self, suffix: int | str, target: Callable[..., None], *args: Any) -> threading.Thread:
        """Run ``target(*args)`` in a new thread named ``prefix-suffix``."""
        thread = threading.Thread(target=target, args=args, name=f"{self.prefix}-{suffix}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()
        return thread

    def join(self, timeout_ms: int) -> bool:
        """Wait for every thread, ``timeout_ms`` in all; True when none is left running."""
        deadline = time.monotonic() + max(0, timeout_ms) / 1000
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = [t for t in self._threads if t.is_alive()]
        return not self._threads
