"""Runs the playground trainer in a job (jobs.py) and re-emits its events as Qt signals.

As gui/workers/training.py does for images: the job iterates the core's event generator; the
GUI thread only sends the trainer's commands (play, pause, step, speed, edit, save, stop) and
receives values (Frame and the other events are dataclasses with numpy payloads). torch is
imported in the job's thread, never here.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from ...core.events import CheckpointSaved, Finished, Paused, Resumed
from ...core.jobs import TaskState
from ...core.playground.config import PlaygroundConfig
from ...core.playground.events import Frame, PlaygroundStarted, SettingsChanged
from ...core.train.commands import TrainerCommands
from .jobs import Job, Jobs, Latest


def _play(make_trainer, wanted_picture, task: TaskState):  # noqa: ANN001 - two callables
    """The job: build the trainer (torch is imported here, in the job's thread) and run its events.
    Each Frame leaves with its picture drawn here, as ``wanted_picture()`` (views, size) asks, so
    the GUI thread only paints it: drawn there, the picture's 10-20 ms of Python held the GIL
    against the trainer and the tab showed 15-20 frames a second. Stopped by the trainer's own
    stop command (it saves a checkpoint, then ends)."""
    from ...core.playground.render import with_picture

    for event in make_trainer().events():
        wanted = wanted_picture() if isinstance(event, Frame) else None
        yield event if wanted is None else with_picture(event, *wanted)


class PlaygroundWorker(QObject):
    started = Signal(object)  # PlaygroundStarted
    frameReady = Signal(object)  # Frame
    settingsChanged = Signal(object)  # SettingsChanged
    playingChanged = Signal(bool)  # True while it plays, False while paused or idle
    checkpointSaved = Signal(object)  # CheckpointSaved
    finished = Signal(object)  # Finished
    failed = Signal(str, str)  # message, details
    idle = Signal()  # the job has ended (after finished or failed)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = Jobs(self)
        # A Reset or Load starts the next job before the stopped one's last events (its final frame,
        # Finished) reach the GUI thread: starting through Latest drops them, so the stopped run's
        # last loss point is not drawn into the new run's chart.
        self._latest = Latest(self._jobs)
        self._job: Job | None = None
        self.commands = TrainerCommands()
        self.run_dir: Path | None = None
        self.playing = False
        # The trainer the job runs, for tests and tools that must reach its players while it is
        # paused (it blocks on its command queue then); only the job's thread changes it.
        self.live_trainer = None
        # (views, pixels a side) the canvas draws frames with, read by the job before each frame;
        # None: frames come without a picture. Set from the GUI thread (one tuple assignment).
        self.picture_request: tuple[frozenset[str], int] | None = None

    def is_running(self) -> bool:
        return self._job is not None and self._job.is_running()

    def start_new(self, config: PlaygroundConfig, run_dir: Path, speed: float = 0.0) -> None:
        """A new paused run in ``run_dir``: it waits for play or a step."""
        commands = self._fresh_commands(speed)

        def make():
            from ...core.playground.trainer import PlaygroundTrainer  # imports torch: in the job's thread

            self.live_trainer = PlaygroundTrainer.new(config, run_dir, paused=True, commands=commands)
            return self.live_trainer

        self._start(make, run_dir)

    def start_resume(self, run_dir: Path, speed: float = 0.0) -> None:
        commands = self._fresh_commands(speed)

        def make():
            from ...core.playground.trainer import PlaygroundTrainer

            self.live_trainer = PlaygroundTrainer.resume(run_dir, paused=True, commands=commands)
            return self.live_trainer

        self._start(make, run_dir)

    # -- commands (thread-safe; read by the trainer between updates) ------------------------------
    def play(self) -> None:
        self.commands.resume()

    def pause(self) -> None:
        self.commands.pause()

    def step(self, player: str) -> None:
        self.commands.step(player)

    def set_speed(self, rounds_per_s: float) -> None:
        self.commands.set_speed(rounds_per_s)

    def edit(self, changes: dict) -> None:
        self.commands.edit(**changes)

    def save(self) -> None:
        self.commands.save_checkpoint()

    def stop(self) -> None:
        self.commands.stop()

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        self.stop()
        return self._jobs.join(timeout_ms)

    # -- internals -------------------------------------------------------------------------------
    def _fresh_commands(self, speed: float) -> TrainerCommands:
        if self.is_running():
            raise RuntimeError("the playground is already running; stop it first")
        self.commands = TrainerCommands()
        if speed:
            self.commands.set_speed(speed)
        return self.commands

    def _start(self, make, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        job = self._job = self._latest.start(partial(_play, make, lambda: self.picture_request), name="playground",
                                             stop=self.commands.stop, doing="The playground")
        job.yielded.connect(self._on_event)
        job.failed.connect(self.failed)
        job.finished.connect(lambda: self._on_job_finished(job))

    def _set_playing(self, playing: bool) -> None:
        if playing != self.playing:
            self.playing = playing
            self.playingChanged.emit(playing)

    @Slot(object)
    def _on_event(self, event) -> None:  # noqa: ANN001 - any playground event
        if isinstance(event, Frame):
            self.frameReady.emit(event)
        elif isinstance(event, PlaygroundStarted):
            self._set_playing(not event.paused)
            self.started.emit(event)
        elif isinstance(event, SettingsChanged):
            self.settingsChanged.emit(event)
        elif isinstance(event, Paused):
            self._set_playing(False)
        elif isinstance(event, Resumed):
            self._set_playing(True)
        elif isinstance(event, CheckpointSaved):
            self.checkpointSaved.emit(event)
        elif isinstance(event, Finished):
            self.finished.emit(event)

    def _on_job_finished(self, job: Job) -> None:
        # Delivered once its thread has ended; by then a Reset or Load may have started the next job.
        if job is not self._job:
            return
        self._job = None
        self._set_playing(False)
        self.idle.emit()
