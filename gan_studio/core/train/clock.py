"""Training time: a clock that leaves pauses out, and the ETA."""

from __future__ import annotations

import math
import time


class TrainingClock:
    """Seconds of training in this session, pauses left out: the run's elapsed time and the ETA read it."""

    def __init__(self) -> None:
        self._now = time.perf_counter
        self._total = 0.0
        self._since: float | None = None

    def start(self) -> None:
        self._since = self._now()

    def pause(self) -> None:
        if self._since is not None:
            self._total += self._now() - self._since
            self._since = None

    def elapsed(self) -> float:
        running = self._now() - self._since if self._since is not None else 0.0
        return self._total + running

    def eta(self, elapsed: float, steps_done: int, steps_left: int) -> float:
        """Seconds to the end of the run at this session's pace (``steps_done`` steps in ``elapsed``
        seconds). NaN before the first step."""
        if not steps_done:
            return math.nan
        return elapsed / steps_done * steps_left
