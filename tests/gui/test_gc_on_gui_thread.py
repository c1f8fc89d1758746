"""The window's garbage collection: cycles die on the GUI thread, whichever thread made them."""

from __future__ import annotations

import gc
import threading

from gan_studio.gui.app import collect_garbage_on_gui_thread


def test_a_cycle_a_worker_thread_drops_is_collected_on_the_gui_thread(qtbot):
    gc.enable()  # as a process starts; the app's collector must turn the automatic one off
    collector = collect_garbage_on_gui_thread()
    died_in: list[str] = []

    class Cycle:
        def __init__(self) -> None:
            self.me = self

        def __del__(self) -> None:
            died_in.append(threading.current_thread().name)

    kept: list[list] = []

    def worker() -> None:
        Cycle()  # unreachable at once; only the cyclic collector can free it
        # 20,000 live containers: far past the 700 allocations that start an automatic collection.
        kept.extend([] for _ in range(20_000))

    try:
        thread = threading.Thread(target=worker, name="worker")
        thread.start()
        thread.join()
        assert not gc.isenabled()
        assert died_in == []  # the worker's allocations collected nothing
        qtbot.waitUntil(lambda: bool(died_in), timeout=5000)  # the collector's one-second timer
        assert died_in == ["MainThread"]
    finally:
        collector.timer.stop()
