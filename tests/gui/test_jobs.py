"""The one worker mechanism (gui/workers/jobs.py): jobs in threads, one relay, latest wins, shutdown."""

from __future__ import annotations

import threading
import warnings

import pytest
from PySide6.QtCore import QCoreApplication, QObject

from gan_studio.core.errors import DataError
from gan_studio.gui.workers.jobs import Jobs, Latest, job_threads, join_jobs, shutdown_all, stop_jobs


@pytest.fixture
def jobs(qtbot):
    registry = Jobs()
    yield registry
    assert registry.shutdown(5000)
    assert not registry.running()


def record(signal) -> list:
    received: list = []
    signal.connect(lambda *args: received.append((threading.current_thread(), *args)))
    return received


def test_a_function_job_runs_in_its_thread_and_delivers_on_the_gui_thread(qtbot, jobs):
    ran_in = []

    def work(task):
        ran_in.append(threading.current_thread())
        task.set_progress(1, 2)
        task.set_progress(2, 2)
        return {"answer": 42}

    job = jobs.start(work, name="test-function")
    progress, returned = record(job.progress), record(job.returned)
    with qtbot.waitSignals([job.returned, job.finished], order="strict", timeout=5000):
        pass
    assert ran_in[0].name == "test-function" and ran_in[0] is not threading.main_thread()
    assert returned == [(threading.main_thread(), {"answer": 42})]
    assert [p[1:] for p in progress] == [(1, 2), (2, 2)] and progress[0][0] is threading.main_thread()
    assert not job.is_running() and job.outcome == "returned"  # finished arrives once the thread has ended


def test_an_exception_becomes_one_sentence_and_the_traceback(qtbot, jobs, capsys):
    def broken(task):
        raise ValueError("boom\nand more lines")

    job = jobs.start(broken, name="test-bug", doing="Counting")
    with qtbot.waitSignal(job.failed, timeout=5000) as failed:
        pass
    message, details = failed.args
    assert message == "Counting failed: ValueError: boom"
    assert details.startswith("Traceback") and "in broken" in details and "and more lines" in details
    assert "in broken" in capsys.readouterr().err  # a bug's traceback is on the terminal too

    def mistake(task):
        raise DataError("the folder /x has no images")

    job = jobs.start(mistake, name="test-mistake", doing="Counting")
    with qtbot.waitSignal(job.failed, timeout=5000) as failed:
        pass
    assert failed.args[0] == "the folder /x has no images"
    assert capsys.readouterr().err == ""  # a user's mistake is only a sentence


def test_a_warning_in_a_job_fails_it_as_the_test_runs_filter_says(qtbot, jobs):
    def warns(task):
        warnings.warn("deprecated thing", DeprecationWarning, stacklevel=1)
        return "not reached under the 'error' filter"

    job = jobs.start(warns, name="test-warning")
    with qtbot.waitSignal(job.failed, timeout=5000) as failed:
        pass
    assert failed.args[0] == "DeprecationWarning: deprecated thing"


def test_latest_wins_drops_a_superseded_result_that_had_finished(qtbot, jobs):
    latest, returned = Latest(jobs), []
    first = latest.start(lambda task: "first", name="test-latest-1")
    first.returned.connect(returned.append)
    assert first.wait(5000)  # its result now waits in the GUI thread's queue
    second = latest.start(lambda task: "second", name="test-latest-2")
    second.returned.connect(returned.append)
    assert not first.pending() and latest.pending()
    with qtbot.waitSignal(second.finished, timeout=5000):
        pass
    QCoreApplication.sendPostedEvents()  # anything else queued is delivered now
    assert returned == ["second"]
    assert not latest.pending()


def test_shutdown_joins_a_running_generator_job_that_checks_for_stop(qtbot, jobs):
    closed = threading.Event()

    def counts(task):
        try:
            n = 0
            while True:
                n += 1
                yield n
                task.wait_cancelled(0.005)  # a poll interval: returns at once when cancelled
        finally:
            closed.set()

    job = jobs.start(counts, name="test-generator")
    cancelled = record(job.cancelled)
    with qtbot.waitSignal(job.yielded, timeout=5000) as first:
        pass
    assert first.args[0] >= 1
    assert jobs.shutdown(5000)
    assert not job.is_running() and closed.is_set()  # closed between two yields, its finally ran
    qtbot.waitUntil(lambda: len(cancelled) == 1, timeout=5000)


def test_a_job_with_its_own_stop_command_ends_by_itself(qtbot, jobs):
    stop = threading.Event()

    def trainer_like(task):
        while not stop.wait(0.005):
            yield "step"
        return "checkpoint saved"

    job = jobs.start(trainer_like, name="test-own-stop", stop=stop.set)
    with qtbot.waitSignal(job.yielded, timeout=5000):
        pass
    with qtbot.waitSignal(job.returned, timeout=5000) as returned:
        job.stop()
    assert returned.args == ["checkpoint saved"] and not job.task.is_cancelled()


def test_a_cancelled_job_delivers_nothing(qtbot, jobs):
    started = threading.Event()

    def slow(task):
        task.set_progress(1, 10)
        started.set()
        while not task.wait_cancelled(5):
            pass
        task.check()

    job = jobs.start(slow, name="test-cancel")
    signals = [record(job.progress), record(job.returned), record(job.failed), record(job.cancelled),
               record(job.finished)]
    assert started.wait(5)
    job.cancel()
    assert job.wait(5000)
    QCoreApplication.sendPostedEvents()
    assert signals == [[], [], [], [], []]
    assert job.outcome == "cancelled"  # it did end, as cancelled: only the delivery was dropped


def test_every_job_under_a_window_is_asked_to_stop_then_joined(qtbot):
    window = QObject()
    inner = QObject(window)
    blocked = []
    for owner in (window, inner):
        registry = Jobs(owner)
        for index in range(2):
            blocked.append(registry.start(lambda task: task.wait_cancelled(30), name=f"test-tree-{index}"))
    assert len(job_threads()) >= 4
    stop_jobs(window)
    assert join_jobs(window, 5000)
    assert not any(job.is_running() for job in blocked)


def test_nothing_is_left_after_shutdown_all(qtbot):
    owner = QObject()
    registry = Jobs(owner)
    registry.start(lambda task: task.wait_cancelled(30), name="test-left-behind")
    assert job_threads()
    assert shutdown_all(5000)
    assert not job_threads()
