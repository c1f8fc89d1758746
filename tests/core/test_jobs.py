"""The job protocol: TaskState's throttled progress and cancellation, and user_message's sentences."""

from __future__ import annotations

import errno
import threading
import time

import pytest

from gan_studio.core.errors import DataError, GanStudioError
from gan_studio.core.jobs import NO_TASK, PROGRESS_INTERVAL_S, Cancelled, TaskState, user_message


@pytest.fixture
def clock(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    return now


def test_progress_is_throttled_and_always_reports_the_end(clock):
    calls: list[tuple[int, int]] = []
    task = TaskState(lambda d, t: calls.append((d, t)))
    for done in range(1, 101):
        clock[0] += 0.001  # 1 ms per item: 100 items in 0.1 s
        task.set_progress(done, 100)
    assert len(calls) <= 4 and calls[-1] == (100, 100)
    assert calls[0] == (1, 100)  # the first report goes out at once
    times = [i * 0.001 for i, _ in calls[:-1]]
    assert all(b - a >= PROGRESS_INTERVAL_S - 1e-9 for a, b in zip(times, times[1:]))


def test_progress_is_reported_only_when_it_changes(clock):
    calls: list[tuple[int, int]] = []
    task = TaskState(lambda d, t: calls.append((d, t)), interval_s=0)
    for done in (0, 0, 1, 1, 1, 2, 2):
        clock[0] += 1.0
        task.set_progress(done, 2)
    assert calls == [(0, 2), (1, 2), (2, 2)]
    task.set_progress(2, 2)  # the end once more: already said
    assert calls == [(0, 2), (1, 2), (2, 2)]


def test_the_last_step_is_reported_even_within_the_interval(clock):
    calls: list[tuple[int, int]] = []
    task = TaskState(lambda d, t: calls.append((d, t)), interval_s=10.0)
    task.set_progress(1, 3)
    task.set_progress(2, 3)  # too soon: dropped
    task.set_progress(3, 3)  # done == total: always
    assert calls == [(1, 3), (3, 3)]


def test_cancel_makes_check_raise_cancelled_with_the_message():
    task = TaskState()
    task.check("not yet")  # nothing asked: no error
    assert not task.is_cancelled()
    task.cancel()
    assert task.is_cancelled()
    with pytest.raises(Cancelled, match="^export cancelled after 2 of 5$") as raised:
        task.check("export cancelled after 2 of 5")
    assert isinstance(raised.value, GanStudioError)  # the faces show it as the user's sentence


def test_a_faces_own_stop_flag_cancels_the_task():
    flag = threading.Event()
    task = TaskState(cancel=flag)
    assert not task.is_cancelled()
    flag.set()
    with pytest.raises(Cancelled):
        task.check()
    task = TaskState(cancel=threading.Event())
    task.cancel()
    assert task.is_cancelled()


def test_partial_results_reach_the_face():
    seen: list[object] = []
    TaskState(partial=seen.append).set_partial("preview")
    TaskState().set_partial("nobody listens")  # no callback: nothing happens
    assert seen == ["preview"]


def test_no_task_can_never_be_cancelled():
    with pytest.raises(RuntimeError, match="cannot be cancelled"):
        NO_TASK.cancel()
    assert not NO_TASK.is_cancelled()
    NO_TASK.check()
    NO_TASK.set_progress(1, 2)  # no face: nothing happens


# -- user_message ----------------------------------------------------------------------------------


def test_a_users_mistake_is_its_own_sentence():
    assert user_message(DataError("/data/x does not exist"), "Loading") == "/data/x does not exist"
    assert user_message(Cancelled("loading cancelled")) == "loading cancelled"


def test_out_of_memory_gets_the_advice():
    message = user_message(RuntimeError("CUDA out of memory. Tried to allocate 2 GiB"), "Training")
    assert message.startswith("The device ran out of memory (CUDA out of memory.") and "smaller batch size" in message
    assert "smaller batch size" in user_message(MemoryError())


def test_a_failed_read_or_write_names_the_file():
    error = OSError(errno.ENOSPC, "No space left on device")
    error.filename = "/runs/x/checkpoints/last.pt"
    assert user_message(error, "Training") == "Could not write or read /runs/x/checkpoints/last.pt: No space left on device."
    assert user_message(error, terse=True) == "/runs/x/checkpoints/last.pt: No space left on device"


def test_a_bug_shows_its_type_and_first_line():
    assert user_message(ValueError("boom\nmore detail"), "Training") == "Training failed: ValueError: boom"
    assert user_message(KeyError(), "Exporting") == "Exporting failed: KeyError"
    assert user_message(TypeError("bad")) == "TypeError: bad"
