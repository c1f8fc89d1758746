"""The one way the window runs work off its GUI thread: a *job* is a function or a generator in a thread.

    job = self._jobs.start(partial(load, config), name="dataset-loader-3")
    job.progress.connect(...)
    job.returned.connect(...)

The function takes one argument, the job's :class:`JobState` (core.jobs.TaskState: progress,
cancellation, partial results), runs in a thread of its own and never touches a widget. What it
reports reaches the GUI thread through the job's one relay, as values: ``yielded`` (each value a
generator yields, or ``set_partial``), ``progress``, then exactly one of ``returned`` (the return
value), ``failed`` (the sentence from core.jobs.user_message, and the traceback as details) or
``cancelled``, then ``finished``, by which time the thread has ended. Connecting after ``start``
is safe: nothing is delivered before the GUI thread's event loop runs again.

Stopping is cooperative; nothing is ever killed. ``stop()`` cancels the JobState (the job raises
Cancelled at its next check, and a generator is closed between two yields) or, for a job started
with a ``stop`` command of its own (the trainer, which saves a checkpoint and then returns), calls
that. ``cancel()`` also drops whatever the job still delivers: :class:`Latest` (the newest
request wins) relies on it, and because the check runs on the GUI thread, a superseded result
that is already queued is dropped too. Each object that starts jobs owns a :class:`Jobs`
registry; its ``shutdown(timeout)`` asks every job to stop, then joins them all, and
:func:`stop_jobs` / :func:`join_jobs` do the same for every registry under a window.

This follows superqt's ``thread_worker`` (napari's): long work as a generator, stop checked
between yields, yielded / returned / errored / finished signals. superqt itself is not used,
because with superqt 0.9 on this 2-core machine:
- importing its workers imports all of superqt, qtpy and pygments: 220-320 ms (6 runs, load
  0.0-0.8) more before the first paint, since the window starts loading its data while it is built;
- its workers share QThreadPool.globalInstance(), 2 threads here: of 3 jobs started together
  (a data load while training runs and a run is followed) only 2 ran, the third waited;
- WorkerBase.run() swaps the process-wide warnings filters while any worker runs: a warning on
  the GUI thread under the test run's "error" filter was not raised, and a worker's own warnings
  go to its ``warned`` signal instead of failing the job;
- ``start()`` from a running event loop is deferred by a 1 ms timer, so a job started just
  before ``WorkerBase.await_workers()`` ran after that had returned: it outlived the shutdown.
Plain Python threads have none of these, and keep names that tests and a debugger can see.
"""

from __future__ import annotations

import inspect
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from ...core.errors import GanStudioError, is_out_of_memory
from ...core.jobs import Cancelled, TaskState, user_message

Describe = Callable[[BaseException], str]  # an exception -> the sentence the user sees


class JobState(TaskState):
    """The TaskState a job is handed; a job that polls (the run watcher) can also wait on it."""

    def __init__(self, progress=None, partial=None) -> None:  # noqa: ANN001 - TaskState's callbacks
        self._cancelled = threading.Event()
        super().__init__(progress=progress, partial=partial, cancel=self._cancelled)

    def wait_cancelled(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` (a poll interval); True, at once, when the job is cancelled."""
        return self._cancelled.wait(timeout_s)


def failure_report(error: BaseException, describe: Describe | None = None) -> tuple[str, str]:
    """(the sentence a user sees, the traceback) for ``error``; call it where the error was caught.

    A bug (not a user's mistake, nor a failed read or write, nor out of memory) also prints its
    traceback on the terminal, where a report can quote it.
    """
    details = traceback.format_exc()
    try:
        message = describe(error) if describe is not None else user_message(error)
    except Exception:  # noqa: BLE001 - a broken description must not hide the error itself
        message = user_message(error)
    if not isinstance(error, (GanStudioError, OSError)) and not is_out_of_memory(error):
        print(details, file=sys.stderr, end="", flush=True)
    return message, details


class _JobThread(threading.Thread):
    """A job's thread: a type of its own, so :func:`job_threads` finds every one left running."""


_LIVE: set[Job] = set()  # jobs whose thread has not ended, for shutdown_all (test teardown)
_LIVE_LOCK = threading.Lock()


class Job(QObject):
    """One function or generator running in its own thread; its signals arrive on the GUI thread."""

    yielded = Signal(object)  # each value the generator yields (or the function's set_partial)
    progress = Signal(int, int)  # done, total (JobState.set_progress: when it changes, ~20 a second)
    returned = Signal(object)  # the return value
    failed = Signal(str, str)  # one sentence, details (the traceback)
    cancelled = Signal()  # it stopped because it was asked to
    finished = Signal()  # last, after one of the three above; the thread has ended

    # The relay: emitted in the job's thread, always queued to this object's (the GUI) thread.
    _relay_yielded = Signal(object)
    _relay_progress = Signal(int, int)
    _relay_ended = Signal(str, object, str)  # "returned" / "failed" / "cancelled", value or sentence, details

    def __init__(self, function: Callable[[JobState], Any], *, name: str, stop: Callable[[], None] | None = None,
                 describe: Describe | None = None, doing: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.task = JobState(progress=self._report_progress, partial=self._report_partial)
        self.outcome: str | None = None  # set on the GUI thread when the job's end is delivered
        self._function = function
        self._own_stop = stop
        self._describe = describe or (lambda error: user_message(error, doing))
        self._wanted = True  # False once cancel()led: nothing more is delivered
        self._thread = _JobThread(target=self._run, name=name, daemon=True)
        queued = Qt.ConnectionType.QueuedConnection
        self._relay_yielded.connect(self._deliver_yielded, queued)
        self._relay_progress.connect(self._deliver_progress, queued)
        self._relay_ended.connect(self._deliver_ended, queued)

    # -- the GUI thread's side ------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask the job to stop: it ends at its next check (a generator: between two yields)."""
        if self._own_stop is not None:
            self._own_stop()
        else:
            self.task.cancel()

    def cancel(self) -> None:
        """Stop, and deliver nothing more (not even a result already on its way)."""
        self._wanted = False
        self.stop()

    def pending(self) -> bool:
        """True until the job's end is delivered, or it is cancelled."""
        return self._wanted and self.outcome is None

    def is_running(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Join the thread (``timeout_ms``; None: for as long as it takes); True when it has ended."""
        if self._thread.ident is not None:
            self._thread.join(None if timeout_ms is None else max(0, timeout_ms) / 1000)
        return not self._thread.is_alive()

    def _start(self) -> None:
        with _LIVE_LOCK:
            _LIVE.add(self)
        self._thread.start()

    @Slot(object)
    def _deliver_yielded(self, value: object) -> None:
        if self._wanted:
            self.yielded.emit(value)

    @Slot(int, int)
    def _deliver_progress(self, done: int, total: int) -> None:
        if self._wanted:
            self.progress.emit(done, total)

    @Slot(str, object, str)
    def _deliver_ended(self, outcome: str, value: object, details: str) -> None:
        self._thread.join()  # it sent this as its last act: it ends at once
        self.outcome = outcome
        if self._wanted:
            if outcome == "returned":
                self.returned.emit(value)
            elif outcome == "failed":
                self.failed.emit(str(value), details)
            else:
                self.cancelled.emit()
            self.finished.emit()
        self.deleteLater()  # its owner may keep the Python object: stop()/pending() stay safe to call

    # -- the job's thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            result = self._function(self.task)
            if inspect.isgenerator(result):
                result = self._iterate(result)
        except Exception as error:  # noqa: BLE001 - every failure reaches the GUI thread as a sentence
            if isinstance(error, Cancelled) or self.task.is_cancelled():
                ended: tuple[str, object, str] = ("cancelled", None, "")
            else:
                ended = ("failed", *failure_report(error, self._describe))
        else:
            ended = ("returned", result, "")
        self._emit("_relay_ended", *ended)
        with _LIVE_LOCK:
            _LIVE.discard(self)

    def _iterate(self, generator) -> object:  # noqa: ANN001 - any generator
        """Relay each value; a job stopped through its JobState ends between two yields."""
        try:
            while True:
                if self._own_stop is None and self.task.is_cancelled():
                    raise Cancelled("cancelled")
                try:
                    value = next(generator)
                except StopIteration as end:
                    return end.value
                self._emit("_relay_yielded", value)
        finally:
            generator.close()  # runs the generator's own finally blocks, in this thread

    def _report_progress(self, done: int, total: int) -> None:
        self._emit("_relay_progress", int(done), int(total))

    def _report_partial(self, value: object) -> None:
        self._emit("_relay_yielded", value)

    def _emit(self, name: str, *args: object) -> None:
        try:
            getattr(self, name).emit(*args)
        except RuntimeError:
            pass  # the owner was deleted without its shutdown(): the value has nowhere to go


class Jobs(QObject):
    """The jobs one object started; ``shutdown`` asks each to stop, then joins them all."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._started: list[Job] = []

    def start(self, function: Callable[[JobState], Any], *, name: str, stop: Callable[[], None] | None = None,
              describe: Describe | None = None, doing: str = "") -> Job:
        """Run ``function(job_state)`` in a thread named ``name``; see the module's docstring.

        ``stop``: the job's own stop command, instead of cancelling its JobState. ``describe``:
        the sentence for a failure, instead of ``user_message(error, doing)``.
        """
        self._started = [job for job in self._started if job.is_running()]
        job = Job(function, name=name, stop=stop, describe=describe, doing=doing, parent=self)
        self._started.append(job)
        job._start()
        return job

    def running(self) -> list[Job]:
        return [job for job in self._started if job.is_running()]

    def stop(self) -> None:
        """Ask every running job to stop (each ends at its next check)."""
        for job in self.running():
            job.stop()

    def join(self, timeout_ms: int) -> bool:
        """Wait for every job, ``timeout_ms`` in all; True when none is left running."""
        return _join(self.running(), timeout_ms)

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        self.stop()
        return self.join(timeout_ms)


class Latest:
    """The newest request of one kind wins: ``start`` cancels the job started before it."""

    def __init__(self, jobs: Jobs) -> None:
        self._jobs = jobs
        self.job: Job | None = None

    def start(self, function: Callable[[JobState], Any], **options: Any) -> Job:
        self.cancel()
        self.job = self._jobs.start(function, **options)
        return self.job

    def cancel(self) -> None:
        """Stop the newest job; nothing it still sends is delivered."""
        if self.job is not None:
            self.job.cancel()
            self.job = None

    def pending(self) -> bool:
        """True from ``start`` until the newest job's end is delivered, or it is cancelled."""
        return self.job is not None and self.job.pending()


def _join(jobs: list[Job], timeout_ms: int) -> bool:
    deadline = time.monotonic() + max(0, timeout_ms) / 1000
    return all([job.wait(int(max(0.0, deadline - time.monotonic()) * 1000)) for job in jobs])


def _registries(root: QObject) -> list[Jobs]:
    found = list(root.findChildren(Jobs))
    return [root, *found] if isinstance(root, Jobs) else found


def stop_jobs(root: QObject) -> None:
    """Ask every job of every registry under ``root`` (a window) to stop, all at once."""
    for jobs in _registries(root):
        jobs.stop()


def join_jobs(root: QObject, timeout_ms: int) -> bool:
    """Wait for every job under ``root``, ``timeout_ms`` in all; True when none is left running."""
    return _join([job for jobs in _registries(root) for job in jobs.running()], timeout_ms)


def shutdown_all(timeout_ms: int = 30000) -> bool:
    """Stop and join every job in the process, whoever started it (test teardown)."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    for job in live:
        job.stop()
    return _join(live, timeout_ms)


def job_threads() -> list[threading.Thread]:
    """The jobs' threads still running in this process."""
    return [thread for thread in threading.enumerate() if isinstance(thread, _JobThread)]
