"""Training the judge (``judge.py``) on a labelled dataset: on demand for a user's data, and by
``resources/tools/train_judge.py`` for the shipped digits judge. One training loop serves both.

A user's judge is trained on everything but a held-out split (``splits.heldout_split(labels,
None)``: 10 % of each class, 1 to 100), reports its accuracy on that split, and is saved under
``default_judges_dir()/<dataset fingerprint>/`` as ``judge.safetensors`` (no pickle) plus
``judge.json``. ``judges.choose_judge`` finds it by the fingerprint a run records, and the quality
monitor and ``gan-studio evaluate`` then score that run's samples against the held-out split, like
the built-in digits.

Training draws every random number from its own seeded torch.Generator (weights, order,
augmentation, dropout) and never from torch's global stream, so it can run beside a GAN being
trained in another thread without changing that run. It uses the calling thread's torch
thread count: callers set it (the command line's --threads, the window's setting).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from ..atomic import atomic_path, write_text_atomic
from ..data import ImageDataset
from ..errors import CheckpointError, DataError, GanStudioError
from ..jobs import NO_TASK, TaskState
from .judge import ARCHITECTURE, MIN_SIZE, Judge, check_images, judge_from_state, model_features, read_judge_files
from .judges import JUDGE_INFO_NAME, JUDGE_WEIGHTS_NAME, USER, judge_folder, user_judge_exists
from .metrics import ReferenceStats, classifier_scores, reference_stats
from .splits import heldout_split

__all__ = ["UserJudge", "default_epochs", "find_judge", "load_user_judge", "train_judge"]

JUDGE_FORMAT = 1
BATCH = 64
LEARNING_RATE = 2e-3  # AdamW peak of a one-cycle schedule
WEIGHT_DECAY = 1e-4
MIN_PER_CLASS = 10  # images of each class: one held out, the rest to learn from
# Default epochs: about this many image-passes of 28x28 pixels (larger images count for more),
# within [MIN_EPOCHS, MAX_EPOCHS]. ~45,000 28x28 passes take ~30-40 s on 2 cores; with 4,500
# training images that is 10 epochs, which reached 98-99 % on the built-in digits.
PASS_BUDGET = 45_000 * 28 * 28
MIN_EPOCHS, MAX_EPOCHS = 3, 30
CANCELLED = "training the judge was cancelled; nothing was saved"


# -- the network, its augmentation and the training loop --------------------------------------


def new_judge(in_channels: int, num_classes: int, generator: torch.Generator) -> Judge:
    """A freshly initialised Judge (PyTorch's default init), drawn from ``generator`` alone."""
    with torch.device("meta"):  # no global random numbers are drawn for a throwaway init
        model = Judge(in_channels, num_classes)
    return init_from_generator(model, generator)


def init_from_generator(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """Give a model built on the meta device PyTorch's default init, drawn from ``generator``
    alone (judges and encoders must not move torch's global random stream)."""
    model.to_empty(device="cpu")
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            # What reset_parameters does, with our generator.
            nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
            if module.bias is not None:
                bound = 1 / math.sqrt(nn.init._calculate_fan_in_and_fan_out(module.weight)[0])
                nn.init.uniform_(module.bias, -bound, bound, generator=generator)
        elif isinstance(module, nn.BatchNorm2d):
            module.reset_parameters()  # ones, zeros and fresh running statistics: no randomness
    model.feature_scale.fill_(1.0)
    return model


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random small rotation (up to 10 degrees), scale (0.9-1.1) and shift (up to 2 px at 28 px,
    the same share of larger images) of each image (N, C, H, W) in [0, 1], black padding.
    affine_grid and grid_sample do it on the batch: no torchvision."""
    n = len(x)
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(10)
    scale = 1 + (torch.rand(n, generator=generator) * 2 - 1) * 0.1
    # affine_grid works in [-1, 1] coordinates, so a shift of 2/28 of the side is 2 * 2/28 there.
    shift = (torch.rand(n, 2, generator=generator) * 2 - 1) * 2 * (2 / 28)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def as_input(images_nchw_uint8: torch.Tensor) -> torch.Tensor:
    return images_nchw_uint8.float().div_(255.0).contiguous(memory_format=torch.channels_last)


def _train_logits(model: Judge, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    # model(x) in train mode, with dropout's mask drawn from our generator instead of the global stream.
    dropout, linear = model.head
    h = model.body(x)
    keep = 1.0 - dropout.p
    mask = (torch.rand(h.shape, generator=generator) < keep).to(h.dtype) / keep
    return linear(h * mask)


def fit(
    model: Judge,
    images: torch.Tensor,
    labels: torch.Tensor,
    epochs: int,
    generator: torch.Generator,
    batch: int = BATCH,
    lr: float = LEARNING_RATE,
    step: Callable[[int, int], None] | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
) -> None:
    """Train ``model`` on uint8 ``images`` (N, C, H, W) with int64 ``labels``: AdamW, one-cycle
    schedule, augmented batches in a seeded order. ``step(done, total)`` runs after each batch
    (progress, cancellation: it may raise); ``on_epoch(epoch, mean_loss)`` after each epoch."""
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=WEIGHT_DECAY)
    per_epoch = math.ceil(len(images) / batch)
    total = epochs * per_epoch
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lr, total_steps=total)
    done = 0
    for epoch in range(1, epochs + 1):
        model.train()  # again each epoch: on_epoch may have measured in eval mode
        order = torch.randperm(len(images), generator=generator)
        loss_sum = 0.0
        for start in range(0, len(order), batch):
            index = order[start : start + batch]
            x = augment(as_input(images[index]), generator).contiguous(memory_format=torch.channels_last)
            loss = F.cross_entropy(_train_logits(model, x, generator), labels[index])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            loss_sum += loss.detach() * len(index)  # no .item() per step: one sync an epoch
            done += 1
            if step is not None:
                step(done, total)
        if on_epoch is not None:
            on_epoch(epoch, float(loss_sum) / len(images))
    model.eval()


def accuracy(model: Judge, images: torch.Tensor, labels: torch.Tensor, batch: int = 500) -> float:
    """Share of uint8 ``images`` (N, C, H, W) that ``model`` (put in eval mode) classifies right."""
    model.eval()
    correct = 0
    with torch.inference_mode():
        for i in range(0, len(images), batch):
            correct += int((model(as_input(images[i : i + batch])).argmax(1) == labels[i : i + batch]).sum())
    return correct / max(1, len(images))


def calibrate_feature_scale(model: Judge, images: torch.Tensor, batch: int = 500) -> float:
    """Scale the features to an RMS of 1 on ``images`` (see Judge.feature_scale); returns it."""
    model.eval()
    with torch.inference_mode():
        squares = sum(float(model.body(as_input(images[i : i + batch])).square().sum()) for i in range(0, len(images), batch))
    scale = (squares / (len(images) * model.head[1].in_features)) ** -0.5 if squares > 0 else 1.0
    model.feature_scale.fill_(scale)
    return float(scale)


def default_epochs(count: int, image_size: int) -> int:
    """Epochs for ``count`` training images of ``image_size`` px: a fixed budget of pixels seen."""
    epochs = round(PASS_BUDGET / max(1, count * image_size * image_size))
    return int(min(MAX_EPOCHS, max(MIN_EPOCHS, epochs)))


# -- a user's judge on disk ---------------------------------------------------------------------


@dataclass
class UserJudge:
    """A judge trained on one labelled dataset, loaded for inference (eval mode, frozen)."""

    kind = USER  # a judges.JudgeChoice kind
    model: Judge
    fingerprint: str  # the dataset's ImageDataset.fingerprint
    source: str  # where the data came from, as the user named it
    class_names: list[str]
    image_shape: tuple[int, int, int]  # (H, W, C) of the images it scores
    accuracy: float  # on the held-out split
    feature_scale: float
    trained: str  # ISO time
    epochs: int
    path: Path  # the folder holding judge.safetensors and judge.json
    token: str = ""  # sha256 of the weights: names this judge's cached reference statistics
    info: dict[str, Any] = field(default_factory=dict)  # judge.json as read

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def weights_path(self) -> Path:
        return self.path / JUDGE_WEIGHTS_NAME

    def features(self, images: np.ndarray, batch: int = 500) -> tuple[np.ndarray, np.ndarray]:
        """(features (N, 128), probabilities (N, num_classes)), float64, of uint8 (N, H, W, C)."""
        return model_features(self.model, check_images(images, self.image_shape), batch)

    def reference(self, dataset: Any) -> ReferenceStats:
        """The held-out split of ``dataset`` (the one it was trained on), cached per fingerprint."""
        return reference_stats(self, dataset)

    def score(self, images: np.ndarray, reference: ReferenceStats) -> tuple[dict[str, float], list[int]]:
        """(judges.JUDGE_METRICS, class histogram) of uint8 samples against ``reference``."""
        return classifier_scores(images, reference, self)

    def summary(self) -> str:
        """One line: the accuracy on the held-out images (``gan-studio judge`` prints it)."""
        return (f"held-out accuracy {self.accuracy:.1%} on {self.info.get('heldout_count', 0)} images "
                f"({self.num_classes} classes), {self.epochs} epochs")


def find_judge(dataset_or_fingerprint: ImageDataset | str, root: Path | None = None) -> UserJudge | None:
    """The saved judge of a dataset (or of a fingerprint), or None when there is none or it is
    unreadable (a judge is an extra: a broken one must not stop training or evaluation)."""
    fingerprint = dataset_or_fingerprint if isinstance(dataset_or_fingerprint, str) else dataset_or_fingerprint.fingerprint
    if not user_judge_exists(fingerprint, root):
        return None
    try:
        return load_user_judge(judge_folder(fingerprint, root))
    except (CheckpointError, OSError):
        return None


def load_user_judge(path: Path | str) -> UserJudge:
    """Load a judge from its folder (or its judge.safetensors / judge.json); CheckpointError if
    it is missing, unreadable, or its two files do not belong together."""
    path = Path(path).expanduser()
    folder = path if path.is_dir() else path.parent
    weights = folder / JUDGE_WEIGHTS_NAME
    _, info, token = read_judge_files(folder, JUDGE_WEIGHTS_NAME, JUDGE_INFO_NAME)
    try:
        shape = tuple(int(v) for v in info["image_shape"])
        names = [str(n) for n in info["class_names"]]
        if len(shape) != 3 or len(names) < 2:
            raise ValueError("bad image_shape or class_names")
        if info.get("weights_sha256", token) != token:
            # A retraining that stopped between its two renames: the pair does not match.
            raise ValueError("judge.json describes other weights")
        model = judge_from_state(load_file(str(weights)), shape[2], len(names))  # safetensors: no code runs
    except (KeyError, TypeError, ValueError, RuntimeError, SafetensorError) as error:
        raise CheckpointError(f"{folder} does not hold a judge GAN Studio can use ({error})") from None
    model.to(memory_format=torch.channels_last)
    return UserJudge(
        model=model,
        fingerprint=str(info.get("fingerprint", "")),
        source=str(info.get("source", "")),
        class_names=names,
        image_shape=shape,  # type: ignore[arg-type]
        accuracy=float(info.get("accuracy", math.nan)),
        feature_scale=float(model.feature_scale),
        trained=str(info.get("trained", "")),
        epochs=int(info.get("epochs", 0)),
        path=folder,
        token=token,
        info=info,
    )


# -- training on demand -------------------------------------------------------------------------


def check_trainable(dataset: ImageDataset) -> None:
    """DataError naming what a judge needs that ``dataset`` lacks."""
    source = dataset.report.source
    if dataset.labels is None:
        raise DataError(f"{source} has no labels: a judge needs class sub-folders, a train.csv, IDX labels or npz labels")
    n, h, w, _ = dataset.images.shape
    if min(h, w) < MIN_SIZE:
        raise DataError(f"a judge needs images of at least {MIN_SIZE}×{MIN_SIZE} pixels; {source} is loaded at {h}×{w}")
    counts = np.bincount(np.asarray(dataset.labels, dtype=np.int64), minlength=dataset.num_classes)
    present = np.flatnonzero(counts)
    if len(present) < 2:
        raise DataError(f"a judge needs at least two classes; {source} has {len(present)}")
    short = [i for i in present if counts[i] < MIN_PER_CLASS]
    if short:
        name = dataset.class_names[short[0]] if short[0] < len(dataset.class_names) else str(short[0])
        raise DataError(
            f"a judge needs at least {MIN_PER_CLASS} images of each class; class {name!r} of {source} has {counts[short[0]]}"
        )


def train_judge(
    dataset: ImageDataset,
    epochs: int | None = None,
    task: TaskState = NO_TASK,
    seed: int = 0,
    root: Path | None = None,
) -> UserJudge:
    """Train a judge on a labelled ``dataset`` and save it under ``root`` (default_judges_dir()).

    ``task`` hears the batches done; once it is cancelled, Cancelled is raised at the next batch
    and nothing is written. Runs on the calling thread with its torch thread count. Returns the
    saved, loaded judge.
    """
    check_trainable(dataset)
    if epochs is not None and epochs < 1:
        raise GanStudioError(f"a judge needs at least one epoch (got {epochs})")
    task.check(CANCELLED)
    started = time.perf_counter()
    fingerprint = dataset.fingerprint
    labels_np = np.asarray(dataset.labels, dtype=np.int64)
    train_idx, held_idx = heldout_split(labels_np, None)  # the split the references use: never seeded
    images = torch.from_numpy(np.ascontiguousarray(dataset.images)).permute(0, 3, 1, 2)  # uint8, a view
    labels = torch.from_numpy(labels_np)
    x_train, y_train = images[torch.from_numpy(train_idx)], labels[torch.from_numpy(train_idx)]
    x_held, y_held = images[torch.from_numpy(held_idx)], labels[torch.from_numpy(held_idx)]
    size = int(dataset.images.shape[1])
    epochs = epochs if epochs is not None else default_epochs(len(train_idx), size)

    generator = torch.Generator().manual_seed(int(seed))
    model = new_judge(int(dataset.images.shape[3]), dataset.num_classes, generator)
    # Small data gets smaller batches: at least ~8 steps an epoch, so a few epochs still learn.
    batch = int(min(BATCH, max(16, len(train_idx) // 8)))

    def step(done: int, total: int) -> None:
        task.check(CANCELLED)
        task.set_progress(done, total)

    fit(model, x_train, y_train, epochs, generator, batch=batch, step=step)
    scale = calibrate_feature_scale(model, x_train)
    held = accuracy(model, x_held, y_held)
    task.check(CANCELLED)  # the last chance to cancel: from here the judge is written whole or not at all
    seconds = time.perf_counter() - started

    folder = judge_folder(fingerprint, root)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    with atomic_path(folder / JUDGE_WEIGHTS_NAME) as temporary:
        save_file(state, str(temporary), metadata={"architecture": ARCHITECTURE})
    info = {
        "format": JUDGE_FORMAT,
        "fingerprint": fingerprint,
        "source": dataset.report.source,
        "class_names": list(dataset.class_names),
        "image_shape": [int(v) for v in dataset.images.shape[1:]],
        "accuracy": round(held, 4),
        "feature_scale": round(scale, 6),
        "trained": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "epochs": int(epochs),
        "batch": batch,
        "train_count": int(len(train_idx)),
        "heldout_count": int(len(held_idx)),
        "seed": int(seed),
        "train_seconds": round(seconds, 1),
        "architecture": ARCHITECTURE,
        "weights_sha256": hashlib.sha256((folder / JUDGE_WEIGHTS_NAME).read_bytes()).hexdigest(),
    }
    # The description is written last: until it is there, the folder holds no finished judge.
    write_text_atomic(folder / JUDGE_INFO_NAME, json.dumps(info, indent=2) + "\n")
    return load_user_judge(folder)
