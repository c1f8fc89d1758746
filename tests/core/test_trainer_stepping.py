"""Step-by-step control of image training: single steps of one player, slow motion, live loss and D steps."""

from __future__ import annotations

import torch

from gan_studio.core.events import Finished, Paused, SamplesRefreshed, TrainingSettingsChanged
from gan_studio.core.train.trainer import Trainer


def _until(events, kind):
    for event in events:
        if isinstance(event, kind):
            return event
    raise AssertionError(f"no {kind.__name__}")


def _weights(trainer):
    return [[p.detach().clone() for p in m.parameters()] for m in (trainer.session.g, trainer.session.d)]


def _changed(before, after):
    return [not all(torch.equal(a, b) for a, b in zip(x, y)) for x, y in zip(before, after)]


def test_single_steps_move_one_player_refresh_the_grid_and_pause_again(tiny_config, tmp_path):
    trainer = Trainer.new(tiny_config, tmp_path / "run")
    trainer.commands.pause()
    events = trainer.events()
    paused = _until(events, Paused)
    assert paused.global_step == 0
    for player, expected in (("d", [False, True]), ("g", [True, False]), ("both", [True, True])):
        before = _weights(trainer)
        trainer.commands.step(player)
        refreshed = _until(events, SamplesRefreshed)
        assert _changed(before, _weights(trainer)) == expected, player
        assert refreshed.grid.ndim == 3 and refreshed.grid.dtype.name == "uint8"
        assert _until(events, Paused).global_step == refreshed.global_step
    trainer.commands.edit(loss="hinge", d_steps=3)
    changed = _until(events, TrainingSettingsChanged)
    assert (changed.loss, changed.d_steps) == ("hinge", 3) and trainer.session.step_fn.d_steps == 3
    trainer.commands.stop()
    finished = _until(events, Finished)
    assert finished.global_step == 3
    rows = (tmp_path / "run" / "metrics.csv").read_text().splitlines()[1:]
    g_losses = [row.split(",")[4] for row in rows]  # epoch, step, time_s, d_loss, g_loss, ...
    assert [bool(v) for v in g_losses] == [False, True, True]  # the D step moved no G: its g_loss is empty


def test_slow_motion_refreshes_the_grid_after_every_step(tiny_config, tmp_path):
    trainer = Trainer.new(tiny_config, tmp_path / "run")
    trainer.commands.set_speed(1000.0)
    events = trainer.events()
    steps = [_until(events, SamplesRefreshed).global_step for _ in range(3)]
    assert steps == [1, 2, 3]
    trainer.commands.stop()
    _until(events, Finished)
