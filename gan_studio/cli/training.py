"""Driving a trainer from the terminal: its events to the progress lines, Ctrl-C to a clean stop."""

from __future__ import annotations

import signal
import sys


def drive_training(trainer, quiet: bool, *, show: bool = True, signals: tuple[int, ...] = (signal.SIGINT,)) -> int:
    """Iterate ``trainer.events()``; returns the exit status (0, 1 diverged or out of memory,
    130 stopped by a signal). The first of ``signals`` stops at the next step with a checkpoint;
    a second Ctrl-C aborts. ``show`` False: print nothing (the ranks of a distributed run but 0)."""
    from ..core.events import Finished, FinishReason
    from .progress import TerminalProgress

    progress = TerminalProgress(quiet=quiet) if show else None
    interrupted = False

    def on_signal(signum, frame):
        nonlocal interrupted
        interrupted = True
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if show:
            print("\nstopping after this step (Ctrl-C again to abort)...", file=sys.stderr)
        trainer.commands.stop()

    previous = {number: signal.signal(number, on_signal) for number in signals}
    try:
        result = None
        for event in trainer.events():
            if progress is not None:
                progress(event)
            if isinstance(event, Finished):
                result = event
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if show and quiet and result is not None:
        print(result.message, file=sys.stderr)
    if result is None or result.reason in (FinishReason.DIVERGED, FinishReason.OUT_OF_MEMORY):
        return 1
    return 130 if interrupted else 0
