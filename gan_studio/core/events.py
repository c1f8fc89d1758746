"""What the trainer tells the world, as plain dataclasses with numpy payloads.

Events cross threads (trainer worker -> window), so they hold values, never live tensors or
modules. This module imports neither torch nor Qt.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# Per-step values, in this order, in StepMetrics.values and in the run's metrics.csv.
# r_t: E[sign(D(real))] over ADA's last interval (the overfitting measure; NaN before the first);
# augment_p: the probability that DiffAugment augments an image (0 when it is off).
STEP_METRICS = ("d_loss", "g_loss", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "r_t", "augment_p")


class FinishReason(enum.Enum):
    COMPLETED = "completed"  # every epoch ran, or the time limit (train.minutes) was reached
    STOPPED = "stopped"  # asked to stop; a checkpoint was saved
    DIVERGED = "diverged"  # a loss became NaN or infinite; the last good checkpoint is kept
    OUT_OF_MEMORY = "out_of_memory"  # a step did not fit the device; the state before it was saved


@dataclass(frozen=True)
class RunStarted:
    run_dir: Path
    config_json: str  # the RunConfig as JSON, so the receiver needs no torch
    device: str  # e.g. "cpu (1 thread)" or "cuda:0 (NVIDIA H100)"
    dataset_summary: str  # "5000 images, 28x28x1, 10 classes"
    start_epoch: int  # epochs already done (0 for a new run)
    start_step: int  # global steps already done
    total_epochs: int
    steps_per_epoch: int
    step_in_epoch: int = 0  # batches already done in the current epoch (resume mid-epoch)
    image_shape: tuple[int, int, int] = (1, 28, 28)  # (C, H, W) the generator makes
    num_classes: int = 0  # classes a conditional generator takes (0: unconditional)
    load_report: str = ""  # "60 images loaded, 3 files skipped (2 not an image, 1 empty file)"
    skipped: tuple[tuple[str, str], ...] = ()  # (file, reason) of the first files left out of the data


@dataclass(frozen=True)
class StepMetrics:
    """Per-step values since the previous StepMetrics, sent on a cadence (not every step)."""

    epoch: int  # the epoch in progress, counted from 1
    steps: np.ndarray  # int64 global step numbers (1-based), one per row of values
    values: np.ndarray  # float64, shape (len(steps), len(STEP_METRICS))
    step_in_epoch: int  # batches done in this epoch
    steps_per_epoch: int
    global_step: int
    images_per_s: float  # throughput over the last interval
    eta_s: float  # estimated seconds to the end of the run
    elapsed_s: float  # training time of this run so far (pauses excluded)

    def column(self, name: str) -> np.ndarray:
        return self.values[:, STEP_METRICS.index(name)]


@dataclass(frozen=True)
class EpochEnd:
    epoch: int  # counted from 1
    global_step: int
    grid: np.ndarray  # uint8 H x W x C: the fixed-noise sample grid
    sample_path: Path | None  # where the grid PNG was written
    epoch_time_s: float
    means: dict[str, float] = field(default_factory=dict)  # epoch means of STEP_METRICS
    # The sampling generator's weights (EMA when on) as numpy copies, for the latent explorer.
    generator_weights: dict[str, np.ndarray] | None = None


@dataclass(frozen=True)
class CheckpointSaved:
    path: Path
    epoch: int  # epochs completed when it was saved
    global_step: int
    reason: str  # "epoch", "requested", "stop"


@dataclass(frozen=True)
class Paused:
    global_step: int


@dataclass(frozen=True)
class Resumed:
    global_step: int


@dataclass(frozen=True)
class LearningRatesChanged:
    lr_g: float
    lr_d: float


@dataclass(frozen=True)
class SamplesRefreshed:
    """The fixed-noise grid after a single step, or a step in slow motion (not at an epoch's end)."""

    global_step: int
    grid: np.ndarray  # uint8 H x W x C, as EpochEnd.grid


@dataclass(frozen=True)
class TrainingSettingsChanged:
    """A live edit of the loss or the D steps took effect from the next step on."""

    loss: str
    d_steps: int


@dataclass(frozen=True)
class Finished:
    reason: FinishReason
    message: str  # one sentence for the status bar or the terminal
    epoch: int  # epochs completed
    global_step: int
    checkpoint: Path | None  # the checkpoint to resume from or sample with



@dataclass(frozen=True)
class QualityMeasured:
    """Sample quality after an epoch (see core/monitor.py). The metric names depend on the data:
    the built-in digits give fcd, kid, precision, recall, modes_covered, mean_confidence,
    fcd_floor, kid_floor; other data gives diversity, memorisation and their real-data values."""

    epoch: int  # epochs completed
    global_step: int
    metrics: dict[str, float]
    class_histogram: list[int] | None  # fakes per class the judge predicts (digits only)
    is_best: bool  # lowest FCD so far: checkpoints/best.pt now holds this epoch
    seconds: float  # wall time the evaluation took


@dataclass(frozen=True)
class HealthWarning:
    """A plain-language warning about training (see core/health.py)."""

    kind: str  # "d_winning", "mode_collapse", "oscillation", "diverged"
    step: int  # the global step it refers to
    title: str  # a few words, for a list or a plot marker
    message: str  # what is happening, one or two sentences
    suggestion: str  # what to try


Event = (
    RunStarted | StepMetrics | EpochEnd | CheckpointSaved | Paused | Resumed | LearningRatesChanged | Finished
    | QualityMeasured | HealthWarning | SamplesRefreshed | TrainingSettingsChanged
)
