"""The playground's core: distributions, PacGAN's coverage, one player per step, live edits, resume."""

from __future__ import annotations

import queue
import threading

import numpy as np
import pytest
import torch

from gan_studio.core.errors import ConfigError
from gan_studio.core.events import CheckpointSaved, Finished, FinishReason
from gan_studio.core.playground.config import PlaygroundConfig, preset_config
from gan_studio.core.playground.coverage import grid_divergences, mode_coverage
from gan_studio.core.playground.distributions import GRID, RING, make_distribution, read_points_csv, write_points_csv
from gan_studio.core.playground.events import Frame, SettingsChanged
from gan_studio.core.playground.render import render_frame
from gan_studio.core.playground.run import PlaygroundRun
from gan_studio.core.playground.trainer import PlaygroundTrainer, load_players
from gan_studio.core.playground.views import SURFACE


def tiny(**changes) -> PlaygroundConfig:
    return PlaygroundConfig(g_hidden=8, g_layers=1, d_hidden=8, d_layers=1, maxout=2, batch_size=16, threads=1, **changes)


def test_the_mixtures_are_pacgans():
    assert RING.means.shape == (8, 2) and RING.sigma == 0.01
    assert np.allclose(np.hypot(RING.means[:, 0], RING.means[:, 1]), 1.0)
    assert np.allclose(RING.means[2], [0.0, 1.0])
    assert GRID.means.shape == (25, 2) and GRID.sigma == 0.05
    assert sorted(set(GRID.means[:, 0])) == [-4, -2, 0, 2, 4]


@pytest.mark.parametrize("name", ["ring", "grid", "line", "moons", "spiral", "disc"])
def test_each_distribution_draws_points_inside_its_view(name):
    distribution = make_distribution(name)
    points = distribution.sample(500, np.random.default_rng(0))
    x0, x1, y0, y1 = distribution.extent
    assert points.shape == (500, 2) and points.dtype == np.float32
    assert (points[:, 0] > x0).all() and (points[:, 0] < x1).all() and (points[:, 1] > y0).all() and (points[:, 1] < y1).all()


def test_a_csv_of_points_round_trips_and_bad_lines_are_named(tmp_path):
    path = tmp_path / "points.csv"
    write_points_csv(path, np.array([[0.0, 1.0], [2.5, -3.0]]))
    assert path.read_text().splitlines() == ["0,1", "2.5,-3"]
    assert np.allclose(read_points_csv(path), [[0, 1], [2.5, -3]])
    (tmp_path / "bad.csv").write_text("x,y\n1,2\n3,oops\n")
    with pytest.raises(ConfigError, match="line 3"):
        read_points_csv(tmp_path / "bad.csv")
    assert make_distribution("csv", str(path)).sample(10, np.random.default_rng(0)).shape == (10, 2)


def test_coverage_counts_as_pacgans_code_does():
    rng = np.random.default_rng(0)
    exact = RING.means[rng.integers(8, size=2500)] + RING.sigma * rng.standard_normal((2500, 2))
    full = mode_coverage(exact, RING)
    assert full.modes_captured == 8 and full.modes == 8
    assert 0.98 < full.high_quality < 1.0  # P(|x| < 3 sigma) of a 2-D Gaussian: 98.9 %
    assert full.reverse_kl < 0.01
    collapsed = mode_coverage(np.tile(RING.means[:1], (100, 1)), RING)
    assert collapsed.modes_captured == 1 and collapsed.high_quality == 1.0
    assert collapsed.reverse_kl == pytest.approx(np.log(8))
    # Just inside and just outside 3 sigma of the mode at (1, 0); one sample is enough to capture it.
    edge = mode_coverage(np.array([[1.0 + 2.9 * 0.01, 0.0], [1.0 + 3.1 * 0.01, 0.0]]), RING)
    assert edge.per_mode.tolist() == [1, 0, 0, 0, 0, 0, 0, 0] and edge.high_quality == 0.5
    assert mode_coverage(np.zeros((10, 2)), GRID).modes_captured == 1  # (0, 0) is a grid mode


def test_divergences_are_zero_for_the_same_points_and_js_at_most_ln2():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2500, 2))
    assert grid_divergences(a, a, (-3, 3, -3, 3)) == pytest.approx((0.0, 0.0), abs=1e-9)
    kl, js = grid_divergences(a, a + 100, (-3, 3, -3, 3))
    assert kl > 1 and 0 < js <= np.log(2) + 1e-9


def test_presets_and_validation():
    assert preset_config("plain").pack == 1 and preset_config("remedy").pack > 1
    with pytest.raises(ConfigError, match="lr_g"):
        PlaygroundConfig(lr_g=-1).copy()
    with pytest.raises(ConfigError, match="unknown distribution"):
        preset_config("plain", dist="circle")


def _snapshot(steps):
    def weights(module):
        return [p.detach().clone() for p in module.parameters()]

    def moments(opt):
        return sum(len(s) for s in opt.state.values())

    return weights(steps.g), weights(steps.d), moments(steps.opt_g), moments(steps.opt_d)


def _changed(before, after):
    return [not all(torch.equal(a, b) for a, b in zip(x, y)) for x, y in zip(before[:2], after[:2])]


def _until(events, kind):
    for event in events:
        if isinstance(event, kind):
            return event
    raise AssertionError(f"no {kind.__name__}")


def test_a_single_step_updates_exactly_one_player(tmp_path):
    trainer = PlaygroundTrainer.new(tiny(), tmp_path / "run", paused=True)
    events = trainer.events()
    _until(events, Frame)  # the first frame; now it waits for a command
    for player, expected in (("d", [False, True]), ("g", [True, False]), ("d", [False, True])):
        before = _snapshot(trainer.steps)
        trainer.commands.step(player)
        frame = _until(events, Frame)
        after = _snapshot(trainer.steps)
        assert _changed(before, after) == expected, player
        assert (after[2] > before[2]) == expected[0] or after[2] == before[2] != 0
    assert (frame.d_updates, frame.g_updates) == (2, 1)
    trainer.commands.step("both")
    assert (_until(events, Frame).d_updates, trainer.steps.g_updates) == (3, 2)
    trainer.commands.stop()
    assert _until(events, Finished).reason is FinishReason.STOPPED
    rows = PlaygroundRun.open(tmp_path / "run").read_metrics()
    assert [r["player"] for r in rows] == ["d", "g", "d", "d", "g"]


def test_a_live_edit_takes_effect_at_the_next_step_and_is_in_metrics_csv(tmp_path):
    trainer = PlaygroundTrainer.new(tiny(), tmp_path / "run", paused=True)
    events = trainer.events()
    _until(events, Frame)
    trainer.commands.step("d")
    _until(events, Frame)
    trainer.commands.edit(loss="hinge", lr_d=5e-4, d_steps=2, batch_size=8, z_dim=3, optimizer="rmsprop")
    changed = _until(events, SettingsChanged)
    assert set(changed.changed) == {"loss", "lr_d", "d_steps", "batch_size", "z_dim", "optimizer"}
    _until(events, Frame)  # the views of the edited players, before any step
    trainer.commands.step("both")
    _until(events, Frame)
    trainer.commands.stop()
    list(events)
    rows = PlaygroundRun.open(tmp_path / "run").read_metrics()
    assert [(r["player"], r["loss"], r["d_steps"], r["z_dim"]) for r in rows] == [
        ("d", "ns", "1", "2"), ("d", "hinge", "2", "3"), ("d", "hinge", "2", "3"), ("g", "hinge", "2", "3")]
    assert float(rows[-1]["lr_d"]) == 5e-4 and rows[-1]["optimizer"] == "rmsprop" and rows[-1]["batch_size"] == "8"
    assert trainer.steps.g.z_dim == 3
    with pytest.raises(ConfigError, match="pack"):
        PlaygroundTrainer.new(tiny(), tmp_path / "run2", paused=True)._edit({"pack": 2}).__next__()


@pytest.mark.parametrize("extra", [{}, {"g_batch_norm": True, "lr_decay": 0.1, "steps": 10}], ids=["plain", "bn-decay"])
def test_playing_trains_to_the_goal_and_resume_continues_exactly(tmp_path, extra):
    straight = PlaygroundTrainer.new(tiny(dist="grid", pack=2, **extra), tmp_path / "a", steps=12, frames=False)
    assert isinstance(list(straight.events())[-1], Finished)
    first = PlaygroundTrainer.new(tiny(dist="grid", pack=2, **extra), tmp_path / "b", steps=7, frames=False)
    events = list(first.events())
    assert any(isinstance(e, CheckpointSaved) for e in events)
    second = PlaygroundTrainer.resume(tmp_path / "b", steps=5, frames=False)
    assert list(second.events())[-1].global_step == 12
    for a, b in zip(straight.steps.g.state_dict().values(), second.steps.g.state_dict().values()):
        assert torch.equal(a, b)  # weights, and batch norm's running statistics where G has it
    assert len(PlaygroundRun.open(tmp_path / "b").read_metrics()) == 24  # 12 rounds of D then G, no duplicates
    assert np.array_equal(load_players(tmp_path / "b").sample(5, 1), second.steps.sample(5, 1))


def test_slow_motion_still_hears_commands(tmp_path):
    trainer = PlaygroundTrainer.new(tiny(), tmp_path / "run")
    trainer.commands.set_speed(0.01)  # one round every 100 s: it must stop without waiting for it
    received: queue.Queue = queue.Queue()
    thread = threading.Thread(target=lambda: [received.put(e) for e in trainer.events()])
    thread.start()
    try:
        event = received.get(timeout=60)
        while not (isinstance(event, Frame) and event.g_updates == 1):  # the first round's frame
            event = received.get(timeout=60)
        trainer.commands.stop()
    finally:
        trainer.commands.stop()
        thread.join(60)
    assert not thread.is_alive()
    events = [received.get_nowait() for _ in range(received.qsize())]
    assert isinstance(events[-1], Finished) and events[-1].global_step == 1


def test_a_frame_renders_every_view(tmp_path):
    trainer = PlaygroundTrainer.new(tiny(dist="ring", pack=2), tmp_path / "run", steps=3)
    frame = [e for e in trainer.events() if isinstance(e, Frame)][-1]
    assert frame.surface.shape == (SURFACE, SURFACE) and frame.manifold.shape == (21, 21, 2)
    assert frame.arrows.shape[1] == 2 and np.isfinite(frame.arrows).all()
    assert frame.coverage is not None and frame.coverage.modes == 8
    empty = render_frame(frame, views=[])
    full = render_frame(frame)
    assert empty.shape == full.shape == (480, 480, 3) and (empty == 255).all() and not (full == 255).all()
    only_real = render_frame(frame, views=["real"], size=200)
    assert ((only_real == [26, 150, 65]).all(axis=-1)).sum() > 50


def test_the_summary_numbers_are_recomputed_every_few_frames_and_on_demand():
    from gan_studio.core.playground.steps import PlaygroundSteps
    from gan_studio.core.playground.views import PICTURE_SAMPLES, SUMMARY_EVERY, ViewMaker

    config = tiny(dist="ring")
    steps = PlaygroundSteps(config, make_distribution("ring"))
    views = ViewMaker(steps, config.seed)
    seen = []
    for _ in range(SUMMARY_EVERY + 1):
        steps.d_step()
        frame = views.frame()
        seen.append(frame.summary_at)
        assert len(frame.fake) == PICTURE_SAMPLES
    assert seen == [1] * SUMMARY_EVERY + [SUMMARY_EVERY + 1]  # carried between summaries, then fresh
    steps.g_step()
    forced = views.frame(summary=True)
    assert forced.summary_at == steps.d_updates + steps.g_updates == SUMMARY_EVERY + 2
    assert forced.coverage.per_mode.sum() == round(forced.coverage.high_quality * 2500)  # on 2,500 samples


def test_the_learning_rates_decay_geometrically_with_the_g_updates_and_then_stay():
    from gan_studio.core.playground.steps import PlaygroundSteps

    steps = PlaygroundSteps(tiny(lr_g=1e-3, lr_d=2e-3, lr_decay=0.01, steps=10), make_distribution("ring"))
    assert steps.learning_rates() == pytest.approx((1e-3, 2e-3))
    for _ in range(5):
        steps.d_step()
        steps.g_step()
    assert steps.learning_rates() == pytest.approx((1e-4, 2e-4))  # half way: the square root of 0.01
    assert steps.opt_g.param_groups[0]["lr"] == pytest.approx(1e-3 * 0.01 ** 0.4)  # what the 5th G step used
    for _ in range(10):
        steps.g_step()
    assert steps.learning_rates() == pytest.approx((1e-5, 2e-5))
    with pytest.raises(ConfigError, match="lr_decay"):
        tiny(lr_decay=0).copy()


def test_a_batch_norm_generator_draws_its_views_with_running_statistics():
    from gan_studio.core.playground.steps import PlaygroundSteps
    from gan_studio.core.playground.views import ViewMaker

    steps = PlaygroundSteps(tiny(g_batch_norm=True), make_distribution("grid"))
    assert any(isinstance(m, torch.nn.BatchNorm1d) for m in steps.g.modules())
    for _ in range(3):
        steps.d_step()
        steps.g_step()
    frame = ViewMaker(steps, 0).frame(summary=True)
    assert steps.g.training and np.isfinite(frame.fake).all() and np.isfinite(frame.manifold).all()
    # Running statistics: a point's sample does not depend on the batch it is drawn in.
    z = torch.randn(50, steps.config.z_dim)
    with torch.no_grad(), steps.evaluating() as g:
        assert torch.allclose(g(z[:1]), g(z)[:1], atol=1e-6)
    assert steps.g.training  # and G is back in training mode


def test_a_discriminator_saved_unit_major_loads_as_the_same_function():
    from collections import OrderedDict

    from gan_studio.core.playground.models import Maxout

    torch.manual_seed(0)
    layer = Maxout(4, 3, 5)
    x = torch.randn(7, 4)
    expected = layer(x)
    # The layout runs saved before the piece-major one: unit u's pieces in rows 5u .. 5u+4.
    weight, bias = layer.linear.weight.detach(), layer.linear.bias.detach()
    old = OrderedDict({"linear.weight": weight.view(5, 3, 4).transpose(0, 1).reshape(15, 4),
                       "linear.bias": bias.view(5, 3).t().reshape(15)})
    old._metadata = {"": {"version": 1}, "linear": {"version": 1}}
    reloaded = Maxout(4, 3, 5)
    reloaded.load_state_dict(old)
    assert torch.allclose(reloaded(x), expected)
    assert not torch.equal(old["linear.weight"], weight)  # the test's layouts do differ
    reloaded.load_state_dict(layer.state_dict())  # a current state dict loads as it is
    assert torch.equal(reloaded(x), expected)
