"""Python's cyclic garbage collection, moved onto the GUI thread.

CPython collects in whichever thread allocates when a threshold is crossed, and the window's
training and render threads allocate all the time. A cycle holding Qt objects (a closed window's
pyqtgraph items) could then die off the GUI thread; a QObject destroyed there while the GUI
thread deletes its relatives deadlocks (an explicit collection in the training thread did just
that to the test suite, 2026-12-03). So automatic collection is turned off and a timer on the
GUI thread collects instead, by CPython's own rules.

pyqtgraph ships such a collector (``pyqtgraph.util.garbage_collector``), but it collects the old
generation every tenth middle one, without CPython's rule that waits until the old generation
has grown by a quarter: with the window, torch and pyqtgraph loaded (~223,000 objects) a full
collection takes ~110 ms, which it would run on the GUI thread every 100 young collections.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

# Often enough that the young generations stay small. At 1 s, an import or model-building burst
# in a worker left tens of thousands of young objects, and the middle generation took 45-80 ms
# on the GUI thread; at 20 ms the window benchmark's longest event-loop stall while training
# (29.7 and 39.6 ms) matched automatic collection's (38.0 and 36.6 ms), 2026-12-04, 2-core EPYC.
# A tick with nothing due costs one gc.get_count().
INTERVAL_MS = 20
_OLDEST = 2


class GenerationCollector:
    """CPython's rules for when a generation is due, for a caller that collects by hand on its
    own thread (the timer below; the test suite between tests). Making one turns automatic
    collection off."""

    def __init__(self) -> None:
        gc.disable()
        # CPython's long_lived_total and long_lived_pending: the old generation's size after the
        # last full collection, and the objects promoted into it since.
        self._old_after_full = len(gc.get_objects(generation=_OLDEST))  # ~26 ms for 223,000
        self._promoted_since = 0

    def collect_due(self) -> int | None:
        """Collect the oldest generation that is due, as CPython would; return it, or None."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[_OLDEST] > thresholds[_OLDEST] and self._promoted_since > self._old_after_full // 4:
            gc.collect(_OLDEST)
            self._old_after_full = len(gc.get_objects(generation=_OLDEST))
            self._promoted_since = 0
            return _OLDEST
        if counts[1] > thresholds[1]:
            young = len(gc.get_objects(generation=0)) + len(gc.get_objects(generation=1))
            self._promoted_since += max(0, young - gc.collect(1))  # the survivors move to the old generation
            return 1
        if counts[0] > thresholds[0]:
            gc.collect(0)
            return 0
        return None


class GuiThreadCollector(QObject):
    """Collects on a timer of the thread it lives in (make it on the GUI thread); keep it alive.
    ``rule``: a GenerationCollector to share (the tests keep one for the session), else a new one."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS,
                 rule: GenerationCollector | None = None) -> None:
        super().__init__(parent)
        gc.disable()
        self.rule = rule or GenerationCollector()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.rule.collect_due)
        self.timer.start()

    def stop(self) -> None:
        """Stop the timer; automatic collection stays off (turn it on again with ``gc.enable``)."""
        self.timer.stop()
