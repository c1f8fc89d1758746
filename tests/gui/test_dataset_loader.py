from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QCoreApplication

from gan_studio.core.config import BUILTIN_DIGITS, DataConfig
from gan_studio.core.jobs import NO_TASK, Cancelled
from gan_studio.gui.workers import dataset_loader
from gan_studio.gui.workers.dataset_loader import THREAD_PREFIX, DatasetLoader


def loader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]


@pytest.fixture
def loader(qtbot):
    loader = DatasetLoader()
    yield loader
    assert loader.shutdown(5000)
    assert not loader_threads()


class FakeLoads:
    """Stands in for load_dataset: "slow" waits until cancelled, anything else returns at once."""

    def __init__(self) -> None:
        self.threads: dict[str, threading.Thread] = {}
        self.slow_started = threading.Event()
        self.slow_cancelled = threading.Event()
        self.release = threading.Event()  # set by the test to end a slow load that was never cancelled

    def __call__(self, config, task=NO_TASK):
        self.threads[config.source] = threading.current_thread()
        if config.source == "slow":
            task.set_progress(1, 10)
            self.slow_started.set()
            # Wakes every few ms to poll the loader's cancel flag, as the real readers do per file.
            while not task.is_cancelled():
                if self.release.wait(0.005):
                    break
            self.slow_cancelled.set()
            raise Cancelled("loading cancelled")
        if config.source == "broken":
            raise ValueError("boom")
        task.set_progress(3, 3)
        return f"dataset:{config.source}"


@pytest.fixture
def fake(monkeypatch):
    fake = FakeLoads()
    monkeypatch.setattr(dataset_loader, "load_dataset", fake)
    yield fake
    fake.release.set()


def record(signal) -> list:
    received: list = []
    signal.connect(lambda *args: received.append(args))
    return received


def test_loads_the_builtin_digits_off_the_gui_thread(qtbot, loader, monkeypatch):
    threads = []
    real = dataset_loader.load_dataset

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(dataset_loader, "load_dataset", spy)
    with qtbot.waitSignal(loader.loaded) as blocker:
        request = loader.load(DataConfig(source=BUILTIN_DIGITS, limit=50))
        assert loader.is_loading()
    assert request == 1
    assert blocker.args[0].images.shape == (50, 28, 28, 1)
    assert threads and threads[0] is not threading.main_thread()
    assert not loader.is_loading()


def test_a_data_error_is_reported_as_its_sentence(qtbot, loader, tmp_path):
    with qtbot.waitSignal(loader.failed) as blocker:
        loader.load(DataConfig(source=str(tmp_path)))
    assert str(tmp_path) in blocker.args[0] and "no images found" in blocker.args[0]
    assert not loader.is_loading()


def test_an_unexpected_exception_names_source_and_type(qtbot, loader, fake):
    with qtbot.waitSignal(loader.failed) as blocker:
        loader.load(DataConfig(source="broken"))
    assert blocker.args == ["could not load broken: ValueError: boom"]


def test_progress_then_result_for_the_request(qtbot, loader, fake):
    progress = record(loader.progress)
    with qtbot.waitSignal(loader.loaded) as blocker:
        loader.load(DataConfig(source="fast"))
    assert blocker.args == ["dataset:fast"]
    assert progress == [(3, 3)]


def test_newest_request_wins_and_the_older_one_is_cancelled(qtbot, loader, fake):
    loaded, failed, progress = record(loader.loaded), record(loader.failed), record(loader.progress)
    first = loader.load(DataConfig(source="slow"))
    assert fake.slow_started.wait(5)
    with qtbot.waitSignal(loader.loaded) as blocker:
        second = loader.load(DataConfig(source="fast"))
    assert second == first + 1
    assert blocker.args == ["dataset:fast"]
    assert fake.slow_cancelled.wait(5)
    assert loader.shutdown(5000)
    QCoreApplication.sendPostedEvents()  # anything the slow worker queued is delivered now
    assert loaded == [("dataset:fast",)] and failed == []
    assert (1, 10) not in progress  # the slow request's progress may not leak once superseded
    assert fake.threads["slow"] is not fake.threads["fast"]


def test_a_result_queued_just_before_a_newer_request_is_dropped(qtbot, loader, fake):
    loaded = record(loader.loaded)
    first = loader.load(DataConfig(source="a"))
    # Let the first worker finish: its result now waits in the GUI thread's event queue.
    for thread in loader_threads():
        if thread.name == f"{THREAD_PREFIX}-{first}":
            thread.join(5)
    with qtbot.waitSignal(loader.loaded) as blocker:
        loader.load(DataConfig(source="b"))
    assert blocker.args == ["dataset:b"]
    QCoreApplication.sendPostedEvents()
    assert loaded == [("dataset:b",)]


def test_cancel_emits_nothing_and_shutdown_joins_the_worker(qtbot, loader, fake):
    loaded, failed = record(loader.loaded), record(loader.failed)
    loader.load(DataConfig(source="slow"))
    assert fake.slow_started.wait(5)
    assert loader_threads()
    loader.cancel()
    assert not loader.is_loading()
    assert loader.shutdown(5000)
    assert not loader_threads()
    assert fake.slow_cancelled.is_set()
    QCoreApplication.sendPostedEvents()
    assert loaded == [] and failed == []
