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
    value: object = None  # step: "d", "g" or "both"; speed: rounds a second (0 = full speed); edit: a dict


PLAYERS = ("d", "g", "both")


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

    def step(self, player: str) -> None:
        """While paused: one update of ``player`` ("d", "g", or "both": D's steps, then G's)."""
        if player not in PLAYERS:
            raise ValueError(f"player must be one of {PLAYERS}, got {player!r}")
        self._queue.put(Command("step", value=player))

    def set_speed(self, rounds_per_s: float) -> None:
        """Slow motion: at most this many rounds (D steps + one G step) a second; 0 = full speed."""
        self._queue.put(Command("speed", value=max(0.0, float(rounds_per_s))))

    def edit(self, **changes: object) -> None:
        """Change settings from the next step on (the loss, D steps, ...); the trainer checks them."""
        self._queue.put(Command("edit", value=dict(changes)))

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def pending(self) -> list[Command]:
        commands = []
        while not self._queue.empty():
            commands.append(self._queue.get_nowait())
        return commands

    def wait(self, timeout_s: float | None = None) -> Command | None:
        """The next command; None when ``timeout_s`` passes first (slow motion's pause between steps)."""
        try:
            return self._queue.get(timeout=timeout_s)
        except queue.Empty:
            return None
