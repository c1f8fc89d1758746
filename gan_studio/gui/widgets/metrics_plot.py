"""A live line plot of per-step metrics that stays fast for runs of millions of steps.

Points go into growable numpy buffers (capacity doubling) and the curves are redrawn from a timer
at most ~10 times a second, never on every append: the GUI thread's CPU time is taken from
training (at 10 % of a core of Python work there, the tutorial MLP trained 12-21 % slower on a
2-core machine). pyqtgraph's peak downsampling and clip-to-view keep each redraw cheap.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QWidget

REDRAW_INTERVAL_MS = 100  # at most ~10 redraws a second
MAX_REDRAW_INTERVAL_MS = 1000
# Share of one core a plot may spend redrawing: when setData + paint get slow (a million points
# costs ~30-40 ms), redraws are spaced out instead of taking CPU from training. A redraw of a
# live plot costs ~9-15 ms of CPU even with few points (the axes are laid out again whenever the
# range grows), and `gan-studio bench` measured the window training the tutorial MLP at 0.86x
# the plain loop with 0.1 per plot (two plots: ~20 % of a core, ~30 % of the training speed),
# and at the plain loop's speed with 0.015. At 0.02 a plot redraws about twice a second.
REDRAW_BUDGET = 0.02
MIN_SMOOTHING_WINDOW = 10
LEGEND_COLUMNS = 8

_style_applied = False


def apply_plot_style() -> None:
    """White background, dark axes, no antialiasing: set once, before the first plot is built."""
    global _style_applied
    if not _style_applied:
        pg.setConfigOptions(background="w", foreground="k", antialias=False)
        _style_applied = True


def smoothing_window(n: int) -> int:
    """The EMA window for ``n`` points: about 1 % of them, at least 10, rounded to a power of two
    so it changes rarely and the smoothed curve can be extended instead of recomputed."""
    target = max(MIN_SMOOTHING_WINDOW, n / 100)
    return max(MIN_SMOOTHING_WINDOW, 2 ** round(math.log2(target)))


def ema(values: np.ndarray, window: int, start: float | None = None) -> np.ndarray:
    """Exponential moving average (alpha = 2 / (window + 1)), vectorised.

    Within a block, y_k = d^k * (y_0 + alpha * cumsum(x_j / d^j)) with d = 1 - alpha; blocks are
    short enough that d^-k stays far from overflow. ``start`` continues an earlier average (the
    first value seeds it otherwise). ``values`` must be finite.
    """
    values = np.asarray(values, dtype=np.float64)
    out = np.empty_like(values)
    if values.size == 0:
        return out
    alpha = 2.0 / (window + 1.0)
    decay = 1.0 - alpha
    block = max(1, int(200.0 / -math.log(decay)))  # decay ** -block <= e**200
    previous = float(values[0]) if start is None else float(start)
    for begin in range(0, values.size, block):
        chunk = values[begin:begin + block]
        powers = decay ** np.arange(1, chunk.size + 1, dtype=np.float64)
        out[begin:begin + chunk.size] = powers * (previous + alpha * np.cumsum(chunk / powers))
        previous = float(out[begin + chunk.size - 1])
    return out


class _Series:
    """One curve's finite points in buffers that double when full."""

    def __init__(self) -> None:
        self.x = np.empty(1024, dtype=np.float64)
        self.y = np.empty(1024, dtype=np.float64)
        self.n = 0
        # The smoothed y for the first `smoothed_n` points, made with `smoothed_window`.
        self.smoothed = np.empty(0, dtype=np.float64)
        self.smoothed_n = 0
        self.smoothed_window = 0

    def append(self, x: np.ndarray, y: np.ndarray) -> None:
        keep = np.isfinite(y)
        x, y = x[keep], y[keep]
        needed = self.n + x.size
        if needed > self.x.size:
            capacity = self.x.size
            while capacity < needed:
                capacity *= 2
            self.x = _grown(self.x, capacity, self.n)
            self.y = _grown(self.y, capacity, self.n)
        self.x[self.n:needed] = x
        self.y[self.n:needed] = y
        self.n = needed

    def clear(self) -> None:
        self.__init__()

    def smoothed_y(self) -> np.ndarray:
        """The EMA of the held points, extended incrementally while the window stays the same."""
        window = smoothing_window(self.n)
        if window != self.smoothed_window or self.smoothed_n > self.n:
            self.smoothed_n, self.smoothed_window = 0, window
        if self.smoothed.size < self.n:
            self.smoothed = _grown(self.smoothed, self.x.size, self.smoothed_n)
        if self.smoothed_n < self.n:
            start = None if self.smoothed_n == 0 else self.smoothed[self.smoothed_n - 1]
            self.smoothed[self.smoothed_n:self.n] = ema(self.y[self.smoothed_n:self.n], window, start)
            self.smoothed_n = self.n
        return self.smoothed[:self.n]


def _grown(buffer: np.ndarray, capacity: int, used: int) -> np.ndarray:
    bigger = np.empty(capacity, dtype=buffer.dtype)
    bigger[:used] = buffer[:used]
    return bigger


class MetricsPlot(pg.PlotWidget):
    """Curves of per-step values against the global step, appended live or set from a saved run.

    ``curves`` lists (key, label, colour); ``append``/``set_history`` take a dict of columns by
    key and ignore keys the plot does not draw, so one dict of all metrics can feed every plot.
    """

    def __init__(self, curves: list[tuple[str, str, str]], title: str, y_label: str,
                 parent: QWidget | None = None) -> None:
        apply_plot_style()  # before PlotWidget reads the background colour
        super().__init__(parent)
        # PlotWidget copies PlotItem.clear onto the instance, which would shadow our clear()
        # (and wipe the curves themselves): drop that copy.
        del self.clear
        item = self.getPlotItem()
        # The title on the left and the legend on the right of the title row, outside the data:
        # pyqtgraph's own legend sits inside the view box, on top of the curves it names.
        item.setTitle(title, justify="left")
        item.setLabel("bottom", "step")
        item.setLabel("left", y_label)
        item.showGrid(x=True, y=True, alpha=0.15)
        # Ticks and grid lines at the major ticks only: the minor levels took ~40 % of a redraw,
        # and a redraw (~6 ms of CPU) is time the window's event loop stands still while training.
        for side in ("left", "bottom"):
            item.getAxis(side).setStyle(maxTickLevel=0)
            # Probabilities of 0.1-0.9 read "100-900 (x0.001)" with pyqtgraph's SI prefixes.
            item.getAxis(side).enableAutoSIPrefix(False)
        # Set on the plot item before the curves exist, so every curve inherits them.
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        # One row, however many entries: a second row (the FCD plot's "floor" line is added by
        # its owner) would reach into the view box. Unused columns take no width.
        self.legend = pg.LegendItem(colCount=LEGEND_COLUMNS, offset=None, frame=False, labelTextSize="8pt")
        self.legend.setParentItem(item)  # the plot item: the title row is its top 30 px
        self.legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-4, 0))
        self.legend.layout.setContentsMargins(0, 4, 0, 0)  # one 20 px row: it fits the 30 px title row
        item.legend = self.legend  # item.plot(name=...) adds each curve to it
        self._series: dict[str, _Series] = {}
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._drawn: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for key, label, colour in curves:
            if key in self._series:
                raise ValueError(f"duplicate curve key {key!r}")
            # Non-finite values never reach the buffers, so pyqtgraph may skip its own check.
            curve = item.plot(name=label, pen=pg.mkPen(colour, width=1), skipFiniteCheck=True)
            self._series[key] = _Series()
            self._curves[key] = curve
            self._drawn[key] = (np.empty(0), np.empty(0))
        self._markers: list[tuple[int, str, pg.InfiniteLine]] = []
        self._smoothing = False
        self._dirty = False
        self._data_cost_s = 0.0  # the last setData round
        self._paint_cost_s = 0.0  # the last paint
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer)
        self.setAccessibleName(title)
        self.setToolTip(
            f"{title}. Scroll to zoom, drag to pan, right-click for options; "
            "the 'A' button in the corner returns to auto-range."
        )

    # -- data ----------------------------------------------------------------------------------

    def append(self, steps: np.ndarray, columns: dict[str, np.ndarray]) -> None:
        """Add points; non-finite values (NaN: e.g. no G step that step) are skipped per curve.
        The curves are redrawn later, from a timer."""
        x = np.asarray(steps, dtype=np.float64).ravel()
        for key, values in columns.items():
            series = self._series.get(key)
            if series is None:
                continue
            y = np.asarray(values, dtype=np.float64).ravel()
            if y.shape != x.shape:
                raise ValueError(f"column {key!r} has {y.size} values for {x.size} steps")
            series.append(x, y)
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start()

    def set_history(self, steps: np.ndarray, columns: dict[str, np.ndarray]) -> None:
        """Replace every point and marker (opening a saved run), and redraw now."""
        self._clear_data()
        self.append(steps, columns)
        self.flush()

    def clear(self) -> None:
        """Remove every point and marker, and redraw now."""
        self._clear_data()
        self.flush()

    def _clear_data(self) -> None:
        for series in self._series.values():
            series.clear()
        for _, _, line in self._markers:
            self.getPlotItem().removeItem(line)
        self._markers.clear()

    def point_count(self, key: str | None = None) -> int:
        """Points held for one curve, or for all curves together."""
        if key is not None:
            return self._series[key].n
        return sum(series.n for series in self._series.values())

    def curve_data(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Copies of what the curve was last given to draw (x, y): call :meth:`flush` first to
        include points appended since the last redraw."""
        x, y = self._drawn[key]
        return x.copy(), y.copy()

    # -- smoothing -----------------------------------------------------------------------------

    def set_smoothing(self, enabled: bool) -> None:
        """Draw an exponential moving average (window ~1 % of the points, at least 10) instead
        of the raw values; the raw values are kept, so switching back is exact."""
        self._smoothing = bool(enabled)
        self.flush()

    def smoothing_enabled(self) -> bool:
        return self._smoothing

    # -- markers -------------------------------------------------------------------------------

    def add_marker(self, step: int, text: str, colour: str = "#888") -> None:
        """A labelled vertical line at ``step`` (an epoch boundary, a warning)."""
        # InfiniteLine formats its label with str.format: escape braces in the text.
        label = text.replace("{", "{{").replace("}", "}}")
        line = pg.InfiniteLine(
            pos=step, angle=90, movable=False,
            pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine),
            label=label, labelOpts={"position": 0.95, "color": colour, "anchors": [(0, 0), (0, 0)]},
        )
        # A marker must not stretch the auto-range (a warning may sit beyond the last point).
        self.getPlotItem().addItem(line, ignoreBounds=True)
        self._markers.append((int(step), text, line))

    def markers(self) -> list[tuple[int, str]]:
        """(step, text) of every marker, in the order they were added."""
        return [(step, text) for step, text, _ in self._markers]

    # -- drawing -------------------------------------------------------------------------------

    def flush(self) -> None:
        """Redraw now, whatever the timer says."""
        self._timer.stop()
        self._redraw()

    def _on_timer(self) -> None:
        # A hidden plot (another tab) waits until it is shown: no point drawing what no one sees.
        if self.isVisible():
            self._redraw()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._dirty and not self._timer.isActive():
            self._timer.start()

    def redraw_interval_ms(self) -> int:
        """The timer's delay: 100 ms, or longer when redraws cost more than the budget."""
        cost_ms = 1000.0 * (self._data_cost_s + self._paint_cost_s) / REDRAW_BUDGET
        return int(min(MAX_REDRAW_INTERVAL_MS, max(REDRAW_INTERVAL_MS, cost_ms)))

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        started = time.perf_counter()
        super().paintEvent(event)
        self._paint_cost_s = time.perf_counter() - started

    def _redraw(self) -> None:
        started = time.perf_counter()
        for key, series in self._series.items():
            # Views into the buffers, not copies: later appends write past `n` only, and a
            # growth reallocates, so what the curve holds never changes under it.
            x = series.x[:series.n]
            y = series.smoothed_y() if self._smoothing else series.y[:series.n]
            self._curves[key].setData(x, y)
            self._drawn[key] = (x, y)
        self._dirty = False
        self._data_cost_s = time.perf_counter() - started
        self._timer.setInterval(self.redraw_interval_ms())
