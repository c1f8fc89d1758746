"""Opening a run for training: a new folder, or an existing one at its last checkpoint, and its data."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..config import Machine, RunConfig, validate
from ..data import ImageDataset, load_dataset
from ..device import resolve_device
from ..errors import CheckpointError, DataError, GanStudioError, RunFolderError
from ..events import RunStarted
from ..runs.folder import RunFolder
from ..runs.lock import LOCK_FILES, RunLock

if TYPE_CHECKING:
    from .init_from import Parent


@dataclass
class OpenedRun:
    run: RunFolder
    config: RunConfig  # the config to train with (a resume's comes from its checkpoint)
    dataset: ImageDataset
    state: dict | None  # the checkpoint to continue from; None for a new run
    lock: RunLock | None = None  # held from opening until close(): this process writes the run
    made_folder: bool = False  # a new run's folder did not exist before
    started: bool = False  # set by the trainer once its session is built
    parent: Parent | None = None  # a new run's starting weights (init_from.py)

    def __enter__(self) -> OpenedRun:
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        self.close(failed=error_type is not None and not self.started)

    def close(self, failed: bool = False) -> None:
        """Let the run go. ``failed`` before it started (the model could not be built, say): a
        new run that has no checkpoint yet is removed, so the same command works once fixed."""
        try:
            if failed and self.state is None and not self.run.has_checkpoint():
                _clear_run_files(self.run.path)
        finally:
            if self.lock is not None:
                self.lock.release()
        if failed and self.made_folder:
            _remove_if_only_lock_files(self.run.path)


def open_new_run(run_dir: Path, config: RunConfig, dataset: ImageDataset | None, parent: Parent | None = None) -> OpenedRun:
    """A new run in ``run_dir`` (made if missing, else empty or a run that never reached its first
    checkpoint, which starts over), its lock held: RunLocked when another process writes it.
    ``parent``: the run starts from its weights, if they fit (checked before the folder is made)."""
    # Data first: a bad source or a batch larger than the data must not leave an empty run
    # folder behind, which would refuse the same command once the mistake is fixed; and so for
    # a parent whose model does not fit the data.
    dataset = read_data(config, dataset)
    extra = {"versions": _versions()}
    if parent is not None:
        _, height, width, channels = dataset.images.shape
        parent.check_compatible(config, (channels, height, width), dataset.num_classes if config.model.conditional else 0)
        extra["parent"] = parent.record()
    resolve_device(config.train.device)  # a device this machine lacks: said before anything is made
    run_dir = Path(run_dir).expanduser()
    made = not run_dir.exists()
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RunFolderError(f"cannot create run folder {run_dir}: {error.strerror or error}") from None
    try:
        lock = RunLock(run_dir).acquire()
    except BaseException:
        if made:
            _remove_if_only_lock_files(run_dir)
        raise
    try:
        _start_over_if_unstarted(run_dir)
        run = RunFolder.create(run_dir, config, extra=extra)
        opened = OpenedRun(run, config, record_data(run, config, dataset), None, lock, made, parent=parent)
    except BaseException:
        if made:
            _clear_run_files(run_dir)
        lock.release()
        if made:
            _remove_if_only_lock_files(run_dir)
        raise
    return opened


def open_run_to_resume(
    run_dir: Path, extra_epochs: int | None, minutes: float | None, dataset: ImageDataset | None,
    machine: Machine | None = None,
) -> OpenedRun:
    """The run at its last checkpoint: to its planned end, or ``extra_epochs`` more; ``minutes``
    (when given) replaces its time limit. It trains on ``machine`` (the resuming process' device
    and threads; default: auto), whatever the run was trained on before."""
    machine = machine or Machine()
    resolve_device(machine.device)  # before the run is touched
    run = RunFolder.open(run_dir)
    lock = RunLock(run.path).acquire()  # RunLocked, and nothing written, when another process has it
    try:
        return _resume_locked(run, extra_epochs, minutes, dataset, machine, lock)
    except BaseException:
        lock.release()
        raise


def _resume_locked(run: RunFolder, extra_epochs, minutes, dataset, machine: Machine, lock: RunLock) -> OpenedRun:
    run_dir = run.path
    run.remove_stale_temporaries()
    checkpoint = run.last_checkpoint()
    if checkpoint is None:
        raise CheckpointError(
            f"{run_dir} has no checkpoint to resume from (it stopped before its first); "
            "train it again with the same folder to start over"
        )
    from ..runs.checkpoint import checkpoint_config, load_checkpoint

    # Read onto the CPU whatever device wrote it: the session copies each tensor to its own
    # device as it restores, so a run trained on CUDA resumes on a CPU-only machine and back.
    state = load_checkpoint(checkpoint, map_location="cpu")
    config = machine.apply(checkpoint_config(state, checkpoint, expected=run.config))
    done = int(state["epoch"])
    if extra_epochs is not None:
        config.train.epochs = done + extra_epochs + (1 if state["step_in_epoch"] else 0)
    elif done >= config.train.epochs:
        raise GanStudioError(f"{run_dir} already ran all {config.train.epochs} epochs; ask for more epochs to continue")
    if minutes is not None:
        config.train.minutes = float(minutes)
        validate(config)
    run.info.pop("ended", None)  # training again: the status is no longer the last session's end
    run.update_info(config=config.to_dict())
    run.truncate_metrics(after_step=int(state["global_step"]), after_epoch=done)
    return OpenedRun(run, config, record_data(run, config, read_data(config, dataset)), state, lock)


def record_session(opened: OpenedRun, session) -> None:
    """Add this training session to run.json's ``sessions``: when, where (host, pid) and on what
    (the device and threads asked for, and what they resolved to). A record, never a setting:
    a resume takes its own machine settings (open_run_to_resume)."""
    entry = {
        "started": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "kind": "resume" if opened.state is not None else "train",
        "from_step": session.global_step,
        "host": platform.node(),
        "pid": os.getpid(),
        "device": opened.config.train.device,
        "threads": session.threads,
        "resolved": session.device_description,
        # Processes that train it together (distributed_session.py) and their backend, None alone;
        # the latest also at run.json's top level.
        "world_size": session.world_size,
        "backend": session.backend,
    }
    sessions = opened.run.info.get("sessions")
    opened.run.update_info(
        sessions=[*(sessions if isinstance(sessions, list) else []), entry],
        world_size=session.world_size, backend=session.backend,
    )


def run_started(opened: OpenedRun, session) -> RunStarted:
    """The first event of a run opened for training, with its ``session`` (a TrainingSession) built."""
    report = opened.dataset.report
    return RunStarted(
        run_dir=opened.run.path,
        config_json=opened.config.to_json(),
        device=session.device_description,
        dataset_summary=opened.dataset.summary(),
        start_epoch=session.epoch,
        start_step=session.global_step,
        total_epochs=opened.config.train.epochs,
        steps_per_epoch=session.steps_per_epoch,
        step_in_epoch=session.step_in_epoch,
        image_shape=session.image_shape,
        num_classes=session.num_classes,
        load_report=report.summary(),
        skipped=tuple(report.skipped[:20]),
    )


def read_data(config: RunConfig, dataset: ImageDataset | None) -> ImageDataset:
    """``dataset`` (the window's, already loaded) or the config's data, checked against the batch."""
    dataset = dataset if dataset is not None else load_dataset(config.data)
    count = len(dataset.images)
    if config.train.batch_size > count:
        raise DataError(
            f"the batch size ({config.train.batch_size}) is larger than the dataset "
            f"({count} images): choose a batch of at most {count}"
        )
    return dataset


def record_data(run: RunFolder, config: RunConfig, dataset: ImageDataset) -> ImageDataset:
    """Write what the run trains on into run.json, or refuse data that changed since it started."""
    recorded = run.info.get("dataset", {}).get("fingerprint")
    if recorded and recorded != dataset.fingerprint:
        raise DataError(
            f"the data at {config.data.source} has changed since this run started "
            f"(fingerprint {dataset.fingerprint}, run has {recorded}); resuming needs the same data"
        )
    if not recorded:
        run.update_info(
            dataset={
                "source": config.data.source,
                "fingerprint": dataset.fingerprint,
                "summary": dataset.summary(),
                "count": len(dataset.images),
                "shape": list(dataset.images.shape[1:]),
                "class_names": list(dataset.class_names),
                "load_report": dataset.report.summary(),
            }
        )
    return dataset


def _versions() -> dict[str, str]:
    import torch

    from ... import __version__

    return {
        "gan_studio": __version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


# -- runs that never started -------------------------------------------------------------------
# What a run writes before its first checkpoint; only these are removed when it starts over.
_RUN_FILES = ("run.json", "metrics.csv", "epochs.csv", "quality.csv", "health.jsonl", "bookmarks.json")


def _start_over_if_unstarted(run_dir: Path) -> None:
    """A run that never reached its first checkpoint (killed or failed while starting, or in its
    first epoch) holds nothing to resume: its files go, so the same command trains it afresh.
    Called with the run's lock held: nobody else is writing it. Anything else in the folder
    (a checkpoint, a file of the user's) keeps it, and RunFolder.create refuses it."""
    if not (run_dir / "run.json").is_file():
        return
    try:
        run = RunFolder.open(run_dir)
    except RunFolderError:
        return
    known = {*_RUN_FILES, *LOCK_FILES, "samples", "checkpoints"}
    if run.has_checkpoint() or any(p.name not in known and not _temporary(p) for p in run_dir.iterdir()):
        return
    for folder, pattern in ((run.samples_dir, "epoch-*.png"), (run.checkpoints_dir, "*")):
        if folder.is_dir() and any(not (p.match(pattern) or _temporary(p)) for p in folder.iterdir()):
            return
    _clear_run_files(run_dir)


def _clear_run_files(run_dir: Path) -> None:
    for name in _RUN_FILES:
        (run_dir / name).unlink(missing_ok=True)
    for name in ("samples", "checkpoints"):
        shutil.rmtree(run_dir / name, ignore_errors=True)
    for path in run_dir.glob(".*.tmp"):
        path.unlink(missing_ok=True)


def _remove_if_only_lock_files(run_dir: Path) -> None:
    """Remove a folder this process made, once nothing but its lock files is left in it."""
    try:
        if all(p.name in LOCK_FILES for p in run_dir.iterdir()):
            shutil.rmtree(run_dir, ignore_errors=True)
    except OSError:
        pass


def _temporary(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".tmp")
