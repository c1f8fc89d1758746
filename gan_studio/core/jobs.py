"""The job protocol: what long, Qt-free work (loading data, training a judge, exporting,
evaluating) is handed so that any face can show its progress and cancel it.

    def export_grid(..., task: TaskState = NO_TASK):
        for done, item in enumerate(items):
            task.check()                      # raises Cancelled once cancel() was called
            ...
            task.set_progress(done + 1, total)  # at most ~20 reports a second reach the face

The window gives a TaskState whose progress callback emits a Qt signal and cancels it from the GUI
thread; the command line gives one that draws the terminal bar; tests give one they can cancel.
Everything that goes wrong ends as :func:`user_message`: the one sentence a user sees.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .errors import GanStudioError, describe_os_error, is_out_of_memory, out_of_memory_message

PROGRESS_INTERVAL_S = 0.05  # at most ~20 progress reports a second: a Qt signal costs ~0.12 ms


class Cancelled(GanStudioError):
    """The job stopped because it was asked to; the message says what was kept."""


class TaskState:
    """Progress, cancellation and partial results of one job, shared between the job and its face.

    ``progress(done, total)`` is called only when the numbers change, at most every
    ``interval_s`` seconds, and always for the last step (done == total). ``partial(value)``, if
    given, receives intermediate results (a preview, a reconstruction so far). A face that already
    holds a stop flag passes it as ``cancel``: setting that event cancels the job. All methods may
    be called from any thread.
    """

    def __init__(
        self,
        progress: Callable[[int, int], None] | None = None,
        partial: Callable[[object], None] | None = None,
        interval_s: float = PROGRESS_INTERVAL_S,
        cancel: threading.Event | None = None,
    ) -> None:
        self._progress = progress
        self._partial = partial
        self._interval_s = interval_s
        self._cancel = cancel if cancel is not None else threading.Event()
        self._last_report = -float("inf")
        self._last_value: tuple[int, int] | None = None

    # -- the face's side ---------------------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the job to stop at its next check; it raises Cancelled there."""
        self._cancel.set()

    # -- the job's side ----------------------------------------------------------------------------
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self, message: str = "cancelled") -> None:
        """Raise Cancelled(message) if cancel() was called; call it between units of work."""
        if self.is_cancelled():
            raise Cancelled(message)

    def set_progress(self, done: int, total: int) -> None:
        """Report ``done`` of ``total``; throttled as the class says, so call it after every unit."""
        if self._progress is None or (done, total) == self._last_value:
            return
        now = time.monotonic()
        if done < total and now - self._last_report < self._interval_s:
            return
        self._last_report, self._last_value = now, (done, total)
        self._progress(done, total)

    def set_partial(self, value: object) -> None:
        if self._partial is not None:
            self._partial(value)


class _NoTask(TaskState):
    def cancel(self) -> None:
        raise RuntimeError("NO_TASK is shared by every caller and cannot be cancelled; make a TaskState")


NO_TASK = _NoTask()
"""For callers that want neither progress nor cancellation (it is never cancelled)."""


def user_message(error: BaseException, doing: str = "", *, terse: bool = False) -> str:
    """The one sentence a user sees for ``error``.

    A GanStudioError (bad input, a cancelled job) is its own message; out of memory gets the advice
    that usually works; a failed read or write names the file; anything else is a bug, shown with its
    type so it can be reported: ``"{doing} failed: ValueError: ..."``.

    ``terse``: the command line's form, which follows its own "gan-studio: error: " prefix: a
    failed read or write is just "PATH: reason" there.
    """
    if isinstance(error, GanStudioError):
        return str(error)
    if is_out_of_memory(error):
        return out_of_memory_message(error)
    if isinstance(error, OSError):
        return describe_os_error(error) if terse else f"Could not write or read {describe_os_error(error)}."
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    detail = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return f"{doing} failed: {detail}" if doing else detail
