"""Observers of the training loop: they see every event in order, and what they answer is yielded
where the interface says (after the event, after an epoch's CheckpointSaved, before Finished)."""

from __future__ import annotations

from gan_studio.core.events import (
    CheckpointSaved,
    EpochEnd,
    Finished,
    FinishReason,
    HealthWarning,
    QualityMeasured,
    RunStarted,
    StepMetrics,
)
from gan_studio.core.runs.folder import RunFolder
from gan_studio.core.observers import Observer
from gan_studio.core.train.trainer import Trainer

from .helpers import run_to_end


class Recorder(Observer):
    def __init__(self) -> None:
        self.seen: list = []
        self.closed = False

    def on_event(self, event):
        self.seen.append(event)
        return ()

    def close(self) -> None:
        self.closed = True


def note(kind: str, step: int) -> HealthWarning:
    return HealthWarning(kind, step, kind, "a note from a test observer", "nothing")


class Answerer(Observer):
    """Answers each EpochEnd with a note, each epoch's checkpoint with another, and the end with a third."""

    def on_event(self, event):
        if isinstance(event, EpochEnd):
            return [note("after-epoch-end", event.global_step)]
        return ()

    def on_epoch_saved(self, saved, epoch):
        assert saved.path.is_file()  # already on disk, not yet yielded
        return [note("after-checkpoint", epoch.global_step)]

    def on_finishing(self, finished):
        return [note("before-finished", finished.global_step)]


def test_observers_see_every_event_in_the_order_it_is_yielded(tiny_config, tmp_path):
    tiny_config.train.quality_every = 1  # QualityMeasured and its health check in the stream too
    first, second = Recorder(), Recorder()
    trainer = Trainer.new(tiny_config, tmp_path / "run", observers=[first, second])
    trainer.events_per_second = 1e9  # a StepMetrics after every step
    events, finished = run_to_end(trainer)
    assert first.seen == events and second.seen == events
    assert all(a is b for a, b in zip(first.seen, events))  # the very objects, not copies
    kinds = {type(e) for e in events}
    assert {RunStarted, StepMetrics, EpochEnd, CheckpointSaved, QualityMeasured, Finished} <= kinds
    assert first.closed and second.closed
    assert trainer.observers[:2] == (trainer.monitor, trainer.health)  # the built-in ones come first


def test_what_an_observer_answers_is_yielded_where_the_interface_says(tiny_config, tmp_path):
    recorder = Recorder()
    events, finished = run_to_end(Trainer.new(tiny_config, tmp_path / "run", observers=[Answerer(), recorder]))
    assert finished.reason is FinishReason.COMPLETED
    notes = [i for i, e in enumerate(events) if isinstance(e, HealthWarning)]
    assert len(notes) == 2 * 2 + 1  # two epochs, and the end
    for i in notes:
        kind = events[i].kind
        if kind == "after-epoch-end":
            assert isinstance(events[i - 1], EpochEnd)
        elif kind == "after-checkpoint":
            assert isinstance(events[i - 1], CheckpointSaved) and events[i - 1].reason == "epoch"
        else:
            assert kind == "before-finished" and events[i + 1] is finished
    assert recorder.seen == events  # answers are observed like any other event
    # The health monitor records its own warnings only; the test's notes are not in health.jsonl.
    assert RunFolder.open(tmp_path / "run").read_health() == []
