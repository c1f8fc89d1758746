"""The window's garbage collection: cycles die on the GUI thread, by CPython's own rules."""

from __future__ import annotations

import gc
import threading

from gan_studio.gui.garbage_collection import GenerationCollector, GuiThreadCollector


def test_a_cycle_a_worker_thread_drops_is_collected_on_the_gui_thread(qtbot):
    gc.enable()  # as a process starts; the collector must turn the automatic one off
    collector = GuiThreadCollector()
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
        qtbot.waitUntil(lambda: bool(died_in), timeout=5000)  # the collector's timer
        assert died_in == ["MainThread"]
    finally:
        collector.stop()


def test_the_old_generation_is_collected_once_it_has_grown_by_a_quarter(qtbot):
    gc.collect()
    collector = GenerationCollector()  # the timer's rule, driven by hand below
    old = len(gc.get_objects(generation=2))
    # Slow growth: when the count makes the old generation due (~130 rounds) it has grown ~7 %.
    per_round = max(1, old // 2000)
    kept: list[list] = []
    collected: list[int | None] = []

    def cycle() -> None:
        loop: list = []
        loop.append(loop)

    while 2 not in collected and len(kept) < old:
        kept.extend([] for _ in range(per_round))  # long-lived: they survive into the old generation
        for _ in range(1000):
            cycle()  # garbage that only a collection frees: the young generation fills up
        collected.append(collector.collect_due())
    assert collected[-1] == 2  # the full collection came
    # once about a quarter as much again had been promoted (the kept lists, and a few objects of
    # the test's own), not before:
    assert len(kept) > old // 5
    assert collected.count(1) > 2 * gc.get_threshold()[2]  # the count alone was due long before
