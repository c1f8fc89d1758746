"""Requests to a running trainer, sent from any thread and read between steps (no torch here)."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    lr_g: float | None = None
    lr_d: float | None = None


class TrainerCommands:
    """Thread-safe requests to a running trainer, read between steps."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._stop = threading.Event()

    def pause(self) -> None:
        self._queue.put(Command("pause"))

    def resume(self) -> None:
        self._queue.put(Command("resume"))

    def stop(self) -> None:
        """Stop at the next step boundary, after saving a checkpoint (also unblocks a pause)."""
        self._stop.set()
        self._queue.put(Command("stop"))

    def save_checkpoint(self) -> None:
        self._queue.put(Command("save"))

    def set_learning_rates(self, lr_g: float | None = None, lr_d: float | None = None) -> None:
        self._queue.put(Command("lr", lr_g, lr_d))

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def pending(self) -> list[Command]:
        commands = []
        while not self._queue.empty():
            commands.append(self._queue.get_nowait())
        return commands

    def wait(self) -> Command:
        return self._queue.get()
