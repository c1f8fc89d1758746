"""The health monitor: each warning fires on its symptom, stays quiet on healthy runs, and does
not repeat itself; the trainer yields and records them."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gan_studio.core.events import STEP_METRICS, CheckpointSaved, Finished, FinishReason, HealthWarning, QualityMeasured, StepMetrics
from gan_studio.core.quality.health import HealthMonitor
from gan_studio.core.runs.folder import RunFolder
from gan_studio.core.train.trainer import Trainer

STEPS_PER_EPOCH = 100  # so the D-winning window is 100 steps and the quiet period 500


def metrics(first_step: int, d_fake, g_loss) -> StepMetrics:
    d_fake, g_loss = np.asarray(d_fake, dtype=np.float64), np.asarray(g_loss, dtype=np.float64)
    n = len(d_fake)
    values = np.full((n, len(STEP_METRICS)), 0.5)
    values[:, STEP_METRICS.index("d_fake")] = d_fake
    values[:, STEP_METRICS.index("g_loss")] = g_loss
    steps = np.arange(first_step, first_step + n, dtype=np.int64)
    return StepMetrics(1, steps, values, 0, STEPS_PER_EPOCH, int(steps[-1]), 0.0, 0.0, 0.0)


def feed(monitor: HealthMonitor, d_fake: np.ndarray, g_loss: np.ndarray, start: int = 1, chunk: int = 10) -> list[HealthWarning]:
    found = []
    for i in range(0, len(d_fake), chunk):
        found += monitor.observe_metrics(metrics(start + i, d_fake[i : i + chunk], g_loss[i : i + chunk]))
    return found


def quality(step: int, **values: float) -> QualityMeasured:
    return QualityMeasured(step // STEPS_PER_EPOCH, step, values, None, False, 0.1)


def test_a_winning_discriminator_is_reported_once_per_quiet_period():
    monitor = HealthMonitor("ns", STEPS_PER_EPOCH)
    rng = np.random.default_rng(0)
    n = 1200
    d_fake = rng.uniform(0.001, 0.03, n)
    g_loss = np.linspace(3.0, 6.0, n) + rng.normal(0, 0.05, n)  # climbing
    found = feed(monitor, d_fake, g_loss)
    assert [w.kind for w in found] == ["d_winning", "d_winning", "d_winning"]
    assert [w.step for w in found] == [100, 600, 1100]  # a full window first, then 500 quiet steps
    assert "discriminator" in found[0].title.lower() and "label smoothing" in found[0].suggestion


@pytest.mark.parametrize(
    "loss,d_fake,g_trend",
    [
        ("ns", 0.3, 0.0),  # healthy: D unsure of the fakes
        ("ns", 0.02, -2.0),  # D wins but G is catching up (its loss falls)
        ("hinge", 0.02, 2.0),  # D(G(z)) is a raw score for hinge, not a probability
    ],
)
def test_no_d_winning_warning_when_it_does_not_apply(loss, d_fake, g_trend):
    rng = np.random.default_rng(1)
    n = 600
    found = feed(HealthMonitor(loss, STEPS_PER_EPOCH), np.clip(d_fake + rng.normal(0, 0.005, n), 0, 1),
                 1.0 + np.linspace(0, g_trend, n) + rng.normal(0, 0.05, n))
    assert found == []


def test_d_winning_needs_it_sustained():
    rng = np.random.default_rng(2)
    d_fake = rng.uniform(0.001, 0.03, 400)
    d_fake[::5] = 0.4  # D fooled one batch in five: not "nearly every fake"
    assert feed(HealthMonitor("minimax", STEPS_PER_EPOCH), d_fake, np.linspace(3, 5, 400)) == []


def test_mode_collapse_on_digits_fires_on_few_modes_or_a_drop_of_three():
    monitor = HealthMonitor("ns", STEPS_PER_EPOCH)
    assert monitor.observe_quality(quality(100, fcd=50, modes_covered=10)) == []
    assert monitor.observe_quality(quality(200, fcd=40, modes_covered=8)) == []  # down 2: not yet
    (warning,) = monitor.observe_quality(quality(300, fcd=40, modes_covered=7))  # down 3 from 10
    assert warning.kind == "mode_collapse" and "7 of the 10 digits" in warning.message and "10" in warning.message
    assert monitor.observe_quality(quality(400, fcd=40, modes_covered=2)) == []  # within the quiet period
    assert monitor.observe_quality(quality(900, fcd=40, modes_covered=2))[0].kind == "mode_collapse"
    fresh = HealthMonitor("ns", STEPS_PER_EPOCH)
    assert fresh.observe_quality(quality(200, fcd=200, modes_covered=3)) == []  # epoch 2: still blobs
    assert fresh.observe_quality(quality(300, fcd=200, modes_covered=3))[0].kind == "mode_collapse"  # epoch 3


def test_mode_collapse_on_other_data_is_a_halving_of_diversity():
    monitor = HealthMonitor("ns", STEPS_PER_EPOCH)
    # Early noise is more varied than the data: falling to the data's level is learning, not collapse.
    assert monitor.observe_quality(quality(100, diversity=9.0, diversity_real=4.0)) == []
    assert monitor.observe_quality(quality(200, diversity=3.5, diversity_real=4.0)) == []
    (warning,) = monitor.observe_quality(quality(300, diversity=1.5, diversity_real=4.0))
    assert warning.kind == "mode_collapse" and "real images" in warning.message


def _evaluations(monitor: HealthMonitor, fcds: list[float], g_loss) -> list[HealthWarning]:
    found, step = [], 0
    for fcd in fcds:
        steps = np.arange(step + 1, step + 301)
        found += feed(monitor, np.full(300, 0.3), g_loss(steps), start=step + 1)
        step += 300
        found += monitor.observe_quality(quality(step, fcd=fcd, modes_covered=10))
    return found


def swinging(steps: np.ndarray) -> np.ndarray:
    return 2.0 + np.sin(2 * math.pi * steps / 400)  # block means swing by +-1 around 2


def test_oscillation_without_progress_fires_after_five_stalled_evaluations():
    found = _evaluations(HealthMonitor("ns", STEPS_PER_EPOCH), [80, 60, 61, 62, 60.5, 63, 61], swinging)
    assert [w.kind for w in found] == ["oscillation"]
    assert found[0].step == 7 * 300  # the best (60) was the 2nd evaluation; the 3rd to 7th beat it by < 2 %
    assert "EMA" in found[0].suggestion


def test_no_oscillation_warning_while_fcd_improves_or_losses_are_steady():
    improving = _evaluations(HealthMonitor("ns", STEPS_PER_EPOCH), [80, 60, 50, 40, 30, 20, 10], swinging)
    assert improving == []
    steady = _evaluations(HealthMonitor("ns", STEPS_PER_EPOCH), [80, 60, 61, 62, 60.5, 63, 61], lambda s: np.full(len(s), 2.0))
    assert steady == []  # converged, not oscillating


def test_a_resumed_monitor_remembers_its_warnings_and_its_best():
    history = [{"epoch": 1, "step": 100, "modes_covered": 10.0, "fcd": 50.0}]
    monitor = HealthMonitor("ns", STEPS_PER_EPOCH, history, [{"kind": "mode_collapse", "step": 150}])
    assert monitor.observe_quality(quality(200, fcd=60, modes_covered=6)) == []  # quiet until step 650
    assert monitor.observe_quality(quality(700, fcd=60, modes_covered=6))[0].kind == "mode_collapse"


def test_a_nan_is_reported_before_the_run_stops_and_the_warnings_are_recorded(tiny_config, tmp_path):
    tiny_config.train.quality_every = -1
    trainer = Trainer.new(tiny_config, tmp_path / "run")
    events = []
    for event in trainer.events():
        events.append(event)
        if isinstance(event, CheckpointSaved) and event.epoch == 1:
            with torch.no_grad():
                next(trainer.session.g.parameters()).fill_(math.nan)
    warning, finished = events[-2:]
    assert isinstance(finished, Finished) and finished.reason is FinishReason.DIVERGED
    assert isinstance(warning, HealthWarning) and warning.kind == "diverged" and warning.message == finished.message
    assert RunFolder.open(tmp_path / "run").read_health()[-1]["kind"] == "diverged"


def _one_of_each_warning() -> list[HealthWarning]:
    """Every warning the monitor can give, each triggered by its symptom."""
    found = []
    rng = np.random.default_rng(0)
    found += feed(HealthMonitor("ns", STEPS_PER_EPOCH), rng.uniform(0.001, 0.03, 200), np.linspace(3.0, 6.0, 200))
    digits = HealthMonitor("ns", STEPS_PER_EPOCH)
    found += digits.observe_quality(quality(300, fcd=200, modes_covered=2))
    other = HealthMonitor("ns", STEPS_PER_EPOCH)
    other.observe_quality(quality(100, diversity=4.0, diversity_real=4.0))
    found += other.observe_quality(quality(200, diversity=1.0, diversity_real=4.0))
    found += _evaluations(HealthMonitor("ns", STEPS_PER_EPOCH), [80, 60, 61, 62, 60.5, 63, 61], swinging)
    diverging = HealthMonitor("ns", STEPS_PER_EPOCH)
    found += diverging.on_finishing(Finished(FinishReason.DIVERGED, "The D loss became NaN.", 1, 50, None))
    return found


def test_no_suggestion_repeats_the_try_the_faces_put_before_it():
    """The command line printed "Try: Try the default DCGAN preset…": a suggestion is written
    without a "Try" of its own, since every face adds one."""
    import io

    from gan_studio.cli.progress import TerminalProgress

    warnings = _one_of_each_warning()
    assert sorted({w.kind for w in warnings}) == ["d_winning", "diverged", "mode_collapse", "oscillation"]
    assert len({w.title for w in warnings}) == 5  # both kinds of mode collapse, too
    for warning in warnings:
        first_word = warning.suggestion.split()[0].strip(":,").lower()
        assert first_word not in ("try", "what"), warning.suggestion
        assert warning.suggestion[0].isupper() and warning.suggestion.endswith(".")
        out = io.StringIO()
        TerminalProgress(out)(warning)
        line = out.getvalue().lower()
        assert line.count("try") == 1 + warning.suggestion.lower().count("try"), line  # the face's own "Try:"
        assert "try: try" not in line


def test_an_encoders_rows_get_the_collapse_and_oscillation_alarms():
    """Unlabelled data scored by its encoder: FD for the stall, feature diversity for collapse."""
    def encoder_row(step: int, fd: float, spread: float) -> QualityMeasured:
        return quality(step, fcd=fd, kid=0.1, precision=0.8, recall=0.5, fcd_floor=1.0, kid_floor=0.0,
                       diversity=spread, diversity_real=6.0, memorisation=2.0, memorisation_real=2.2)

    monitor, found, step = HealthMonitor("ns", STEPS_PER_EPOCH), [], 0
    for fd in [30, 20, 20.5, 20.2, 20.8, 20.1, 20.4]:
        found += feed(monitor, np.full(300, 0.3), swinging(np.arange(step + 1, step + 301)), start=step + 1)
        step += 300
        found += monitor.observe_quality(encoder_row(step, fd, 5.5))
    assert [w.kind for w in found] == ["oscillation"] and "the FD has not improved" in found[0].message
    (warning,) = monitor.observe_quality(encoder_row(step + 300, 25, 1.0))
    assert warning.kind == "mode_collapse" and "collapsing" in warning.message
