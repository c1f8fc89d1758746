"""Training the judge of unlabelled data (``ssl_judge.Encoder``): SimCLR's NT-Xent on the data's
training split, on demand, within a CPU budget.

Each step takes ``batch`` training images, makes two augmented views of each (a random crop of
35-100 % of the area at an aspect ratio of 3:4 to 4:3, a horizontal flip, colour jitter of
brightness, contrast and saturation, and grayscale for a fifth of colour images) and trains the
encoder so that each view finds its partner among the 2 x batch - 2 others (temperature 0.2).

No blur among the augmentations, on purpose: an encoder taught that a blurred image is the same
image cannot tell blurred samples from sharp ones, which is what a GAN's early epochs look like.
Measured on the calibration sets (bench/calibrate_judge.py): see the README's table.

Every random number comes from the training's own seeded torch.Generator (weights, order,
augmentations), never from torch's global stream, so it can run beside a GAN training in another
thread without changing that run. It uses the calling thread's torch thread count.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from ..atomic import atomic_path, write_text_atomic
from ..device import tune_allocator
from ..errors import DataError, GanStudioError
from ..jobs import NO_TASK, TaskState
from .judge import MIN_SIZE
from .judge_training import init_from_generator
from .judges import SSL, SSL_INFO_NAME, SSL_WEIGHTS_NAME, judge_folder
from .splits import UNLABELLED_MIN, unlabelled_count, unlabelled_split
from .ssl_judge import ARCHITECTURE, Encoder, SSLJudge, load_ssl_judge

__all__ = ["check_trainable", "default_steps", "train_ssl_judge"]

SSL_FORMAT = 1
BATCH = 128  # images a step: 256 views, 254 negatives for each
TEMPERATURE = 0.2
LEARNING_RATE = 2e-3  # AdamW peak of a one-cycle schedule
WEIGHT_DECAY = 1e-4
# Default length: this many view-pixels (steps x 2 x batch x H x W), within [MIN_STEPS, MAX_STEPS]:
# 600 steps at 32 px. See the README for the time it takes (the budget is 2 minutes on 2 cores).
PIXEL_BUDGET = 600 * 2 * BATCH * 32 * 32
MIN_STEPS, MAX_STEPS = 20, 1500
CROP_AREA = (0.35, 1.0)
CROP_ASPECT = (3 / 4, 4 / 3)
JITTER = 0.4  # brightness, contrast, saturation factors in [1 - JITTER, 1 + JITTER]
JITTER_P = 0.8
GRAYSCALE_P = 0.2
AUGMENTATIONS = (
    f"crop {CROP_AREA[0]:.0%}-100% area, aspect 3:4-4:3; flip; jitter ±{JITTER:.0%} brightness/contrast/saturation "
    f"(p {JITTER_P}); grayscale p {GRAYSCALE_P} (colour)"
)
CANCELLED = "training the judge was cancelled; nothing was saved"


def check_trainable(dataset) -> None:  # noqa: ANN001 - an ImageDataset
    """DataError naming what an unlabelled judge needs that ``dataset`` lacks."""
    source = dataset.report.source
    n, h, w, _ = dataset.images.shape
    if min(h, w) < MIN_SIZE:
        raise DataError(f"a judge needs images of at least {MIN_SIZE}×{MIN_SIZE} pixels; {source} is loaded at {h}×{w}")
    if n < 3 * UNLABELLED_MIN or n < 3 * unlabelled_count(n):
        raise DataError(f"a judge of unlabelled data needs at least {3 * UNLABELLED_MIN} images; {source} has {n}")


def default_steps(image_size: int) -> int:
    return int(min(MAX_STEPS, max(MIN_STEPS, round(PIXEL_BUDGET / (2 * BATCH * image_size * image_size)))))


def new_encoder(in_channels: int, generator: torch.Generator) -> Encoder:
    """A freshly initialised Encoder (PyTorch's default init), drawn from ``generator`` alone."""
    with torch.device("meta"):
        model = Encoder(in_channels)
    return init_from_generator(model, generator)


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=generator)


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One random view of each image (N, C, H, W) in [0, 1]: crop and flip, colour jitter, grayscale."""
    n, channels = x.shape[0], x.shape[1]
    area = _uniform(n, *CROP_AREA, generator)
    aspect = torch.exp(_uniform(n, math.log(CROP_ASPECT[0]), math.log(CROP_ASPECT[1]), generator))
    sx, sy = (area * aspect).sqrt().clamp(max=1.0), (area / aspect).sqrt().clamp(max=1.0)
    tx, ty = (torch.rand(n, generator=generator) * 2 - 1) * (1 - sx), (torch.rand(n, generator=generator) * 2 - 1) * (1 - sy)
    flip = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
    zero = torch.zeros(n)
    theta = torch.stack([torch.stack([sx * flip, zero, tx], 1), torch.stack([zero, sy, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)

    jitter = (torch.rand(n, 1, 1, 1, generator=generator) < JITTER_P).float()
    def factor() -> torch.Tensor:
        return 1 + jitter * (torch.rand(n, 1, 1, 1, generator=generator) * 2 - 1) * JITTER
    x = x * factor()
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * factor() + mean
    if channels == 3:
        gray = (x * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
        x = gray + (x - gray) * factor()
        to_gray = (torch.rand(n, 1, 1, 1, generator=generator) < GRAYSCALE_P).float()
        gray = (x * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
        x = x + to_gray * (gray - x)
    return x.clamp_(0.0, 1.0)


def nt_xent(z: torch.Tensor, temperature: float = TEMPERATURE) -> tuple[torch.Tensor, torch.Tensor]:
    """(loss, correct count) of SimCLR's NT-Xent on 2B projections: rows i and i + B are the
    two views of one image; each must pick its partner among the other 2B - 1 rows."""
    z = F.normalize(z, dim=1)
    b = len(z) // 2
    logits = z @ z.T / temperature
    logits.fill_diagonal_(-math.inf)
    target = torch.cat([torch.arange(b, 2 * b), torch.arange(0, b)])
    loss = F.cross_entropy(logits, target)
    correct = (logits.detach().argmax(1) == target).sum()
    return loss, correct


def _views(model: Encoder, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    x = images.float().div_(255.0)
    both = torch.cat([augment(x, generator), augment(x, generator)])  # one pass: BN sees both views
    return model(both.contiguous(memory_format=torch.channels_last))


def view_accuracy(model: Encoder, images: torch.Tensor, batch: int, seed: int) -> tuple[float, int]:
    """(share of views that find their partner, images per batch) on uint8 ``images`` (N, C, H, W)."""
    model.eval()
    generator = torch.Generator().manual_seed(int(seed) + 1)
    b = int(min(batch, len(images)))
    correct = total = 0
    with torch.inference_mode():
        for start in range(0, len(images) - b + 1, b):
            _, hits = nt_xent(_views(model, images[start : start + b], generator))
            correct, total = correct + int(hits), total + 2 * b
    return correct / max(1, total), b


def train_ssl_judge(dataset, epochs: int | None = None, task: TaskState = NO_TASK, seed: int = 0, root=None) -> SSLJudge:  # noqa: ANN001
    """Train an encoder on unlabelled ``dataset`` and save it under ``root`` (default_judges_dir()).

    ``epochs``: passes over the training split (default: ``default_steps`` steps). ``task`` hears
    the steps done; once cancelled, Cancelled is raised at the next step and nothing is written.
    Returns the saved, loaded judge.
    """
    check_trainable(dataset)
    if epochs is not None and epochs < 1:
        raise GanStudioError(f"a judge needs at least one epoch (got {epochs})")
    task.check(CANCELLED)
    # glibc handed each step's buffers back to the OS: 0.05-0.065 s of system time a step, 0.002 s
    # tuned (32 px RGB, batch 128, 1 thread), a fifth of the step's CPU time.
    tune_allocator()
    started, cpu_started = time.perf_counter(), time.process_time()
    n, size, _, channels = dataset.images.shape
    train_idx, held_idx = unlabelled_split(n)
    images = torch.from_numpy(np.ascontiguousarray(dataset.images)).permute(0, 3, 1, 2)  # uint8 view
    x_train, x_held = images[torch.from_numpy(train_idx)], images[torch.from_numpy(held_idx)]
    batch = int(min(BATCH, len(train_idx)))
    per_epoch = max(1, len(train_idx) // batch)
    steps = epochs * per_epoch if epochs is not None else default_steps(int(size))

    generator = torch.Generator().manual_seed(int(seed))
    # channels_last: its convolutions ran 0.79 s a step instead of 0.95 s here (1 thread, 32 px RGB).
    model = new_encoder(int(channels), generator).to(memory_format=torch.channels_last)
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=LEARNING_RATE, total_steps=steps)
    model.train()
    order = torch.randperm(len(x_train), generator=generator)
    cursor = 0
    for step in range(1, steps + 1):
        if cursor + batch > len(order):  # a fresh order each pass; every batch is full (BN, negatives)
            order, cursor = torch.randperm(len(x_train), generator=generator), 0
        index = order[cursor : cursor + batch]
        cursor += batch
        loss, _ = nt_xent(_views(model, x_train[index], generator))
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        schedule.step()
        task.check(CANCELLED)
        task.set_progress(step, steps)
    model.eval()
    accuracy, view_batch = view_accuracy(model, x_held, batch, seed)
    scale = _calibrate_scale(model, x_train)
    task.check(CANCELLED)  # the last chance: from here the judge is written whole or not at all
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started

    folder = judge_folder(dataset.fingerprint, root)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    with atomic_path(folder / SSL_WEIGHTS_NAME) as temporary:
        save_file(state, str(temporary), metadata={"architecture": ARCHITECTURE})
    info = {
        "format": SSL_FORMAT,
        "kind": SSL,
        "fingerprint": dataset.fingerprint,
        "source": dataset.report.source,
        "image_shape": [int(v) for v in dataset.images.shape[1:]],
        "steps": int(steps),
        "batch": batch,
        "view_batch": view_batch,
        "temperature": TEMPERATURE,
        "view_accuracy": round(accuracy, 4),
        "feature_scale": round(scale, 6),
        "train_count": int(len(train_idx)),
        "heldout_count": int(len(held_idx)),
        "seed": int(seed),
        "trained": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "train_seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),  # the process's CPU time: the budget's measure on a shared machine
        "threads": torch.get_num_threads(),
        "architecture": ARCHITECTURE,
        "augmentations": AUGMENTATIONS,
        "weights_sha256": hashlib.sha256((folder / SSL_WEIGHTS_NAME).read_bytes()).hexdigest(),
    }
    # The floor in the description, measured with these weights (which also caches the reference).
    trained = SSLJudge(model.requires_grad_(False), dataset.fingerprint, dataset.report.source,
                       tuple(info["image_shape"]), folder, info["weights_sha256"], info)  # type: ignore[arg-type]
    reference = trained.reference(dataset)
    info["fd_floor"] = round(float(reference.fcd_floor), 4)
    info["kid_floor"] = round(float(reference.kid_floor), 6)
    # The description is written last: until it is there, the folder holds no finished judge.
    write_text_atomic(folder / SSL_INFO_NAME, json.dumps(info, indent=2) + "\n")
    return load_ssl_judge(folder)


def _calibrate_scale(model: Encoder, images: torch.Tensor, batch: int = 500) -> float:
    """Scale the features to an RMS of 1 on ``images`` (KID's cubic kernel stays in range)."""
    with torch.inference_mode():
        squares = sum(float(model.body(images[i : i + batch].float().div(255.0)).square().sum()) for i in range(0, len(images), batch))
    scale = (squares / (len(images) * model.body[-1].out_features)) ** -0.5 if squares > 0 else 1.0
    model.feature_scale.fill_(scale)
    return float(scale)
