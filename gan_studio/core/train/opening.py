"""Opening a run for training: a new folder, or an existing one at its last checkpoint, and its data."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..config import RunConfig, validate
from ..data import ImageDataset, load_dataset
from ..errors import CheckpointError, DataError, GanStudioError
from ..events import RunStarted
from ..runs.folder import RunFolder

if TYPE_CHECKING:
    from .init_from import Parent


@dataclass
class OpenedRun:
    run: RunFolder
    config: RunConfig  # the config to train with (a resume's comes from its checkpoint)
    dataset: ImageDataset
    state: dict | None  # the checkpoint to continue from; None for a new run
    parent: Parent | None = None  # a new run's starting weights (init_from.py)


def open_new_run(run_dir: Path, config: RunConfig, dataset: ImageDataset | None, parent: Parent | None = None) -> OpenedRun:
    # Data first: a bad source or a batch larger than the data must not leave an empty run
    # folder behind, which would refuse the same command once the mistake is fixed; and so for
    # a parent whose model does not fit the data.
    dataset = read_data(config, dataset)
    extra = {"versions": _versions()}
    if parent is not None:
        _, height, width, channels = dataset.images.shape
        parent.check_compatible(config, (channels, height, width), dataset.num_classes if config.model.conditional else 0)
        extra["parent"] = parent.record()
    run = RunFolder.create(run_dir, config, extra=extra)
    return OpenedRun(run, config, record_data(run, config, dataset), None, parent)


def open_run_to_resume(
    run_dir: Path, extra_epochs: int | None, minutes: float | None, dataset: ImageDataset | None
) -> OpenedRun:
    """The run at its last checkpoint: to its planned end, or ``extra_epochs`` more; ``minutes``
    (when given) replaces its time limit."""
    run = RunFolder.open(run_dir)
    run.remove_stale_temporaries()
    checkpoint = run.last_checkpoint()
    if checkpoint is None:
        raise CheckpointError(f"{run_dir} has no checkpoint to resume from")
    from ..runs.checkpoint import checkpoint_config, load_checkpoint

    state = load_checkpoint(checkpoint)
    config = checkpoint_config(state, checkpoint, expected=run.config)
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
    return OpenedRun(run, config, record_data(run, config, read_data(config, dataset)), state)


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
