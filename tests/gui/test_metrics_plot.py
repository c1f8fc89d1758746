from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest

from gan_studio.gui.widgets.metrics_plot import MetricsPlot, ema, smoothing_window

from .helpers import legend_clear_of_the_data

LOSS_CURVES = [("d_loss", "D loss", "#1f77b4"), ("g_loss", "G loss", "#ff7f0e")]


@pytest.fixture
def plot(qtbot):
    widget = MetricsPlot(LOSS_CURVES, "Losses", "loss")
    widget.setObjectName("lossPlot")
    qtbot.addWidget(widget)
    return widget


def test_appended_points_are_drawn_on_flush_not_on_every_append(plot):
    plot.append(np.arange(1, 4), {"d_loss": np.array([1.0, 2.0, 3.0]), "g_loss": np.array([4.0, 5.0, 6.0])})
    assert plot.point_count("d_loss") == 3 and plot.point_count() == 6
    assert plot.curve_data("d_loss")[0].size == 0  # drawing waits for the timer
    plot.flush()
    x, y = plot.curve_data("g_loss")
    np.testing.assert_array_equal(x, [1, 2, 3])
    np.testing.assert_array_equal(y, [4, 5, 6])
    plot.append(np.array([4]), {"d_loss": np.array([7.0])})  # a column may be missing
    assert plot.point_count("d_loss") == 4 and plot.point_count("g_loss") == 3


def test_the_timer_redraws_by_itself(plot, qtbot):
    plot.show()
    plot.append(np.arange(5), {"d_loss": np.ones(5)})
    qtbot.waitUntil(lambda: plot.curve_data("d_loss")[0].size == 5, timeout=2000)


def test_nan_is_skipped_per_curve_and_unknown_keys_ignored(plot):
    steps = np.arange(1, 6)
    plot.append(steps, {
        "d_loss": np.array([1.0, 2.0, 3.0, 4.0, 5.0]),
        "g_loss": np.array([np.nan, 2.0, np.nan, 4.0, np.nan]),  # G stepped every other step
        "d_real": np.zeros(5),  # drawn by another plot
    })
    plot.flush()
    assert plot.point_count("d_loss") == 5 and plot.point_count("g_loss") == 2
    x, y = plot.curve_data("g_loss")
    np.testing.assert_array_equal(x, [2, 4])
    np.testing.assert_array_equal(y, [2.0, 4.0])
    with pytest.raises(ValueError):
        plot.append(steps, {"d_loss": np.zeros(3)})


def test_set_history_replaces_points_and_markers(plot):
    plot.append(np.arange(100), {"d_loss": np.ones(100), "g_loss": np.ones(100)})
    plot.add_marker(50, "epoch 1")
    plot.set_history(np.array([7, 8]), {"d_loss": np.array([0.5, 0.25])})
    assert plot.point_count() == 2 and plot.markers() == []
    np.testing.assert_array_equal(plot.curve_data("d_loss")[1], [0.5, 0.25])  # drawn at once
    assert plot.curve_data("g_loss")[0].size == 0
    plot.clear()
    assert plot.point_count() == 0 and plot.curve_data("d_loss")[0].size == 0


def test_smoothing_changes_what_is_drawn_not_what_is_held(plot):
    rng = np.random.default_rng(0)
    raw = rng.normal(1.0, 0.5, 500)
    plot.append(np.arange(500), {"d_loss": raw})
    plot.flush()
    assert not plot.smoothing_enabled()
    plot.set_smoothing(True)
    assert plot.smoothing_enabled()
    x, smooth = plot.curve_data("d_loss")
    assert x.size == 500 and plot.point_count("d_loss") == 500
    assert smooth.std() < raw.std() / 2
    # The live extension of the average matches computing it over everything at once.
    plot.append(np.arange(500, 510), {"d_loss": raw[:10]})
    plot.flush()
    full = ema(np.concatenate([raw, raw[:10]]), smoothing_window(510))
    np.testing.assert_allclose(plot.curve_data("d_loss")[1], full, rtol=1e-9)
    plot.set_smoothing(False)
    np.testing.assert_array_equal(plot.curve_data("d_loss")[1][:500], raw)


def test_ema_matches_the_recurrence_across_blocks():
    rng = np.random.default_rng(1)
    values = rng.normal(0, 1, 3000)
    for window in (10, 64, 1000):
        alpha = 2 / (window + 1)
        expected = np.empty_like(values)
        expected[0] = values[0]
        for i in range(1, values.size):
            expected[i] = alpha * values[i] + (1 - alpha) * expected[i - 1]
        np.testing.assert_allclose(ema(values, window), expected, rtol=1e-9, atol=1e-12)
    assert smoothing_window(5) == 10 and smoothing_window(1_000_000) in (8192, 16384)


def test_a_million_points_in_chunks(plot):
    chunk = np.linspace(0.0, 1.0, 1000)
    for i in range(1000):
        steps = np.arange(i * 1000, (i + 1) * 1000)
        plot.append(steps, {"d_loss": chunk, "g_loss": chunk})
    assert plot.point_count("d_loss") == 1_000_000 and plot.point_count() == 2_000_000
    plot.flush()
    x, y = plot.curve_data("d_loss")
    assert x.size == 1_000_000 and x[-1] == 999_999 and y[-1] == 1.0
    assert 100 <= plot.redraw_interval_ms() <= 1000  # never faster than 10 Hz, never stalled
    plot.set_smoothing(True)
    assert plot.curve_data("g_loss")[1].size == 1_000_000


def test_markers_and_style(plot):
    plot.add_marker(100, "epoch {1}")  # braces must not break pyqtgraph's label formatting
    plot.add_marker(200, "D collapsed", "#d62728")
    assert plot.markers() == [(100, "epoch {1}"), (200, "D collapsed")]
    lines = [item for item in plot.getPlotItem().items if isinstance(item, pg.InfiniteLine)]
    assert sorted(line.value() for line in lines) == [100, 200]
    assert lines[0].label.toPlainText() == "epoch {1}"
    assert plot.getPlotItem().getAxis("bottom").labelText == "step"
    assert [label.text for _, label in plot.getPlotItem().legend.items] == ["D loss", "G loss"]
    assert plot.backgroundBrush().color().name() == "#ffffff"


@pytest.mark.parametrize("size", [(480, 330), (900, 500)])  # the window's plots at 1280 x 800 and 1920 x 1080
def test_the_legend_sits_in_the_title_row_outside_the_curves(plot, qtbot, size):
    plot.resize(*size)
    plot.show()
    steps = np.arange(1, 500)
    plot.append(steps, {"d_loss": 1 + np.sin(steps / 30), "g_loss": 2 + np.cos(steps / 20)})
    plot.flush()
    qtbot.waitUntil(lambda: plot.getPlotItem().vb.sceneBoundingRect().width() > size[0] / 2)
    assert [label.text for _, label in plot.legend.items] == ["D loss", "G loss"]
    assert legend_clear_of_the_data(plot)
    assert plot.legend.sceneBoundingRect().right() <= plot.width()  # and on screen, on the right
    assert plot.legend.sceneBoundingRect().left() > plot.width() / 2


def test_a_curve_added_by_the_plots_owner_joins_the_legend_row(plot, qtbot):
    """The Quality tab adds its dashed FCD floor to the plot itself: a second legend row would
    reach into the curves."""
    plot.resize(480, 330)
    plot.show()
    plot.getPlotItem().addItem(pg.PlotDataItem([1, 2], [0.5, 0.5], name="floor"))
    qtbot.waitUntil(lambda: plot.getPlotItem().vb.sceneBoundingRect().width() > 240)
    assert [label.text for _, label in plot.legend.items] == ["D loss", "G loss", "floor"]
    assert legend_clear_of_the_data(plot)
