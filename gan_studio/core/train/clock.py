"""Training time: a clock that leaves pauses out, the time limit (``train.minutes``) and the ETA."""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class TrainingClock:
    """Seconds of training in this session, pauses left out: the run's elapsed time, the ETA and
    the time limit all read it. ``limit_s``: stop at the first epoch end past this (0: no limit);
    ``now``: the time source (a test passes a fake one to reach a limit without waiting)."""

    def __init__(self, limit_s: float = 0.0, now: Callable[[], float] = time.perf_counter) -> None:
        self.limit_s = limit_s
        self._now = now
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

    def out_of_time(self) -> bool:
        return self.limit_s > 0 and self.elapsed() >= self.limit_s

    def eta(self, elapsed: float, steps_done: int, steps_left: int, steps_per_epoch: int, step_in_epoch: int) -> float:
        """Seconds to the end of the run at this session's pace (``steps_done`` steps in ``elapsed``
        seconds): to the planned last step, or, when the time limit comes first, to the first
        epoch end past it, where the run stops. NaN before the first step."""
        if not steps_done:
            return math.nan
        per_step = elapsed / steps_done
        if self.limit_s > 0 and per_step > 0:
            to_epoch_end = steps_per_epoch - step_in_epoch
            after = self.limit_s - elapsed - per_step * to_epoch_end  # time the limit leaves after this epoch
            epochs = math.ceil(after / (per_step * steps_per_epoch)) if after > 0 else 0
            steps_left = min(steps_left, to_epoch_end + epochs * steps_per_epoch)
        return per_step * steps_left
