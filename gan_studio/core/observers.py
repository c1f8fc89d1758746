"""What watches a training run: observers see every event the trainer yields and may answer with more.

    class Counter(Observer):
        def on_event(self, event):
            if isinstance(event, EpochEnd):
                self.epochs += 1
            return ()

    Trainer.new(config, run_dir, observers=[Counter()])

The trainer yields an event, then hands it to each observer in turn (its own first: the quality
monitor, then the health monitor; then the caller's), and then yields what they returned, in
that order, each answer handed to every observer in the same way. So every observer sees every
event in the order it is yielded, and a StepMetrics is followed by the HealthWarnings it caused,
a QualityMeasured by its own.

Two moments need more than "after the event", and have their own hooks:

- ``on_epoch_saved``: the epoch's checkpoint is on disk and CheckpointSaved is not yet yielded.
  The quality monitor scores the samples here, so the scores are of the weights just saved and
  best.pt can be a link to that checkpoint. The trainer collects what it returns at once and
  yields it after CheckpointSaved.
- ``on_finishing``: the run is about to end with this Finished; what is returned goes before it
  (the health monitor's "diverged" warning). Finished stays the last event: answer it with nothing.

An observer runs on the trainer's thread, between steps: what it does costs training time. This
module imports neither torch nor Qt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .events import CheckpointSaved, Event, Finished


@dataclass(frozen=True)
class EpochDone:
    """The epoch just completed, as an observer of its checkpoint sees it."""

    epoch: int  # epochs completed, counted from 1
    global_step: int
    total_epochs: int  # the planned epochs of the run
    final: bool  # the run ends after this epoch: its planned last, or the time limit has passed
    train_seconds: float  # this epoch's training time, pauses left out


class Observer:
    """Do-nothing hooks; an observer overrides the ones it needs."""

    def on_event(self, event: Event) -> Iterable[Event]:
        """Called after ``event`` was yielded; returns events to yield right after it."""
        return ()

    def on_epoch_saved(self, saved: CheckpointSaved, epoch: EpochDone) -> Iterable[Event]:
        """Called between writing the epoch's checkpoint and yielding ``saved``; returns events
        to yield after it."""
        return ()

    def on_finishing(self, finished: Finished) -> Iterable[Event]:
        """Called before ``finished`` is yielded; returns events to yield before it."""
        return ()

    def close(self) -> None:
        """The run's generator is closing (finished, failed or abandoned): release files."""
