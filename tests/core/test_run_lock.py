"""The run lock: one holder at a time, named in one sentence; a dead holder's lock is taken over."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from filelock import FileLock

from gan_studio.core.runs.lock import HOLDER_NAME, LOCK_NAME, RunLock, RunLocked, hold_run, read_holder, run_writer, this_host

HOLD = (
    "import sys, time\n"
    "from gan_studio.core.runs.lock import RunLock\n"
    "RunLock(sys.argv[1]).acquire()\n"
    "print('holding', flush=True)\n"
    "time.sleep(600)\n"
)


@pytest.fixture
def holder_process(tmp_path):
    """Another process holding tmp_path's lock until killed."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "holding"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait()
    process.stdout.close()


def test_a_second_holder_in_this_process_is_refused_with_the_holder_named(tmp_path):
    with hold_run(tmp_path) as first:
        assert first.held and run_writer(tmp_path).pid == os.getpid()
        with pytest.raises(RunLocked) as refused:
            RunLock(tmp_path).acquire()
        message = str(refused.value)
        assert message.startswith(f"{tmp_path} is being trained by another process (pid {os.getpid()} on host {this_host()}, since ")
        assert "\n" not in message and refused.value.holder.pid == os.getpid()
    assert run_writer(tmp_path) is None and read_holder(tmp_path) is None
    RunLock(tmp_path).acquire().release()  # free again


def test_another_process_holds_it_until_killed_then_it_is_taken_over_silently(tmp_path, holder_process):
    with pytest.raises(RunLocked, match=f"pid {holder_process.pid} on host "):
        RunLock(tmp_path).acquire()
    assert run_writer(tmp_path).pid == holder_process.pid
    os.kill(holder_process.pid, signal.SIGKILL)
    holder_process.wait()
    # Its record is still there, naming a process that is gone: a reader sees nobody writing.
    assert read_holder(tmp_path).pid == holder_process.pid and run_writer(tmp_path) is None
    with hold_run(tmp_path):
        assert read_holder(tmp_path).pid == os.getpid()


def _record(tmp_path, host, age_s):
    record = {"pid": 1, "host": host, "since": "2026-12-02T09:00:00+00:00", "refreshed": time.time() - age_s}
    (tmp_path / HOLDER_NAME).write_text(json.dumps(record))


def test_another_hosts_lock_is_taken_over_once_its_lease_expires(tmp_path):
    # A writer on another machine, as a network share shows it: its lock still held, its record
    # refreshed 10 s ago (alive) or 120 s ago (the machine is gone).
    server_side = FileLock(tmp_path / LOCK_NAME, timeout=0, thread_local=False)
    server_side.acquire()
    try:
        _record(tmp_path, "lab-7", age_s=10)
        with pytest.raises(RunLocked, match=r"\(pid 1 on host lab-7, since 2026-12-02 09:00:00\)"):
            RunLock(tmp_path).acquire()
        _record(tmp_path, "lab-7", age_s=120)
        assert run_writer(tmp_path) is None
        with hold_run(tmp_path):
            assert read_holder(tmp_path).host == this_host()
    finally:
        server_side.release(force=True)


def test_the_holder_refreshes_its_lease(tmp_path):
    lock = RunLock(tmp_path, refresh_s=0.02).acquire()
    try:
        first = read_holder(tmp_path).refreshed
        deadline = time.monotonic() + 10
        while read_holder(tmp_path) is None or read_holder(tmp_path).refreshed == first:
            assert time.monotonic() < deadline, "the record was never refreshed"
            time.sleep(0.01)
    finally:
        lock.release()
    assert not lock.held and read_holder(tmp_path) is None


def test_a_record_whose_pid_now_belongs_to_another_process_is_stale(tmp_path):
    # A killed writer's pid, reused later by an unrelated process (here: this one), with the
    # start time of the process that wrote the record, which differs.
    if not os.path.exists(f"/proc/{os.getpid()}/stat"):
        pytest.skip("process start times are read from /proc")
    record = {"pid": os.getpid(), "host": this_host(), "since": "2026-12-02T09:00:00+00:00",
              "refreshed": time.time(), "started": 1}
    (tmp_path / HOLDER_NAME).write_text(json.dumps(record))
    assert run_writer(tmp_path) is None
    record.pop("started")  # an older record without it: the pid alone decides
    (tmp_path / HOLDER_NAME).write_text(json.dumps(record))
    assert run_writer(tmp_path).pid == os.getpid()


def test_a_record_that_cannot_be_written_lets_the_lock_go(tmp_path, monkeypatch):
    import errno

    from gan_studio.core.errors import RunFolderError

    real_replace = os.replace

    def full_disk(src, dst, *args, **kwargs):
        if str(dst).endswith(HOLDER_NAME):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", full_disk)
        with pytest.raises(RunFolderError, match=f"cannot write in run folder {tmp_path}: No space left on device"):
            RunLock(tmp_path).acquire()
    RunLock(tmp_path).acquire().release()  # not left held
