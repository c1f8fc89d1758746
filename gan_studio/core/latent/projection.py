"""Projecting an image into a generator's latent space: the z (and class) that redraws it.

Optimisation-based GAN inversion, as iGAN (Zhu et al. 2016) and StyleGAN2's projector do it:
gradient descent on z against a pixel distance plus a distance between the judge's features of
the reconstruction and of the target (a perceptual term: pixels alone settle on a blurred
average), from several random starts at once, one batch, keeping the best. A conditional
generator's class is discrete, so it is searched rather than descended: for the first quarter
of the steps a quarter of the starts are tried with every class, then only the best ``starts``
(start, class) pairs go on. Which judge's features fit the data is :func:`..quality.judges.choose_judge`'s
decision; with none, the distance is pixels only.

Everything crossing this module's boundary is numpy, and torch is imported only when a projection
runs, so the window may use the settings and the preview's type on its own thread; ``task`` (core.jobs.TaskState) carries
progress, cancellation and the reconstruction so far (``set_partial``), so the window can show
it live and the command line can draw a bar.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ConfigError, GanStudioError
from ..jobs import NO_TASK, TaskState
from ..quality.judges import NONE, choose_judge, data_shape, load_chosen_judge

if TYPE_CHECKING:
    from torch import Tensor

    from .snapshot import GeneratorSnapshot

PARTIAL_INTERVAL_S = 0.1  # the reconstruction so far goes to the face ~10 times a second
CANCELLED = "projection cancelled"
SEARCH_SHARE = 4  # a conditional model's class search uses 1 start in 4, and the first 1/4 of the steps


@dataclass
class ProjectionSettings:
    steps: int = 300  # Adam steps on z; the first quarter also searches a conditional model's class
    starts: int = 8  # random starts optimised together as one batch; the best one is kept
    lr: float = 0.05  # Adam's learning rate on z (z is N(0, 1): a step moves it ~5 % of a unit)
    feature_weight: float = 0.05  # weight of the judge-feature distance beside the pixel distance (0: pixels only)
    prior_weight: float = 0.01  # pull of |z|^2 / z_dim toward 1, the shell where N(0, I) latents live
    seed: int = 0  # seed of the random starts: the same image and seed give the same latent (CPU)

    def validate(self) -> ProjectionSettings:
        if self.steps < 1 or self.starts < 1:
            raise ConfigError(f"a projection needs at least 1 step and 1 start (got {self.steps} and {self.starts})")
        for name in ("lr", "feature_weight", "prior_weight"):
            value = float(getattr(self, name))
            if not np.isfinite(value) or value < 0 or (name == "lr" and value == 0):
                raise ConfigError(f"the projection's {name} must be a {'positive' if name == 'lr' else 'non-negative'} number (got {value})")
        return self


@dataclass
class Projection:
    """What a projection found: the latent, its class, the reconstruction and how it went."""

    z: np.ndarray  # (z_dim,) float32: draw it at psi 1
    label: int | None  # the class of a conditional generator, None otherwise
    image: np.ndarray  # uint8 (H, W, C): the generator's drawing of z
    target: np.ndarray  # uint8 (H, W, C): the image as the generator's data would hold it
    pixel_error: float  # mean absolute difference of image and target, as a fraction of the pixel range
    judge: str  # whose features were compared: judges' kind ("digits", "user") or "none"
    settings: ProjectionSettings
    curve: list[dict[str, float]] = field(default_factory=list)  # per step: the best candidate's losses


@dataclass
class ProjectionPreview:
    """The reconstruction so far, as ``task.set_partial`` sends it (plain values)."""

    step: int
    steps: int
    loss: float
    image: np.ndarray  # uint8 (H, W, C) of the best candidate now


def load_target(path: Path | str, image_shape) -> np.ndarray:
    """An image file as the generator's data would hold it: uint8 (H, W, C), center-cropped and
    resized (Lanczos) to the model's (C, H, W), in its channel count."""
    from ..data.images import decode_image, resample_filter

    channels, height, width = (int(s) for s in image_shape)
    if height != width:
        raise GanStudioError(f"projection needs a generator of square images (this one makes {height}x{width})")
    path = Path(path).expanduser()
    if not path.is_file():
        raise GanStudioError(f"image {path} does not exist")
    image, reason, _ = decode_image(str(path), channels, height, resample_filter("lanczos"))
    if image is None:
        raise GanStudioError(f"cannot read image {path}: {reason}")
    return image


def project(
    snapshot: GeneratorSnapshot,
    target: np.ndarray,
    settings: ProjectionSettings | None = None,
    *,
    fingerprint: str | None = None,
    task: TaskState = NO_TASK,
) -> Projection:
    """Find the z (and class) whose drawing is nearest ``target``, uint8 (H, W, C) of the
    generator's image shape. ``fingerprint``: the training data's, for a judge trained on it
    (default: read from the run.json near the snapshot's checkpoint)."""
    import torch

    from ..models.sampling import to_uint8

    settings = (settings or ProjectionSettings()).validate()
    channels, height, width = snapshot.image_shape
    target = np.asarray(target)
    if target.dtype != np.uint8 or target.shape != (height, width, channels):
        raise GanStudioError(f"the image to project must be uint8 {height}x{width}x{channels} for this generator (got {target.dtype} {target.shape})")
    generator, low, high = snapshot.generator, *snapshot.generator.output_range
    features, judge_kind = _feature_net(snapshot, fingerprint)
    feature_weight = settings.feature_weight if features is not None else 0.0
    goal = torch.from_numpy(target.copy()).permute(2, 0, 1)[None].float() / 255.0  # (1, C, H, W) in [0, 1]
    goal_features = features(goal) if feature_weight else None

    classes = snapshot.num_classes
    rng = torch.Generator().manual_seed(int(settings.seed))
    # A conditional model searches its class with a quarter of the starts, each tried with every
    # class: with all 8 starts the search's 80 candidates took ~4x as long as the rest together.
    searching = max(1, settings.starts // SEARCH_SHARE) if classes else settings.starts
    z = torch.randn(searching, snapshot.z_dim, generator=rng)
    labels = None
    if classes:  # every start with every class, until the search ends
        z = z.repeat_interleave(classes, dim=0)
        labels = torch.arange(classes).repeat(searching)
    z.requires_grad_(True)
    optimiser = torch.optim.Adam([z], lr=settings.lr)
    search_end = max(1, settings.steps // SEARCH_SHARE) if classes else 0
    curve: list[dict[str, float]] = []
    last_preview = -float("inf")

    def losses(z: Tensor, labels: Tensor | None) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """(total, pixel, feature, drawn images in [0, 1]) per candidate."""
        drawn = (generator(z, labels) - low) / (high - low)
        pixel = (drawn - goal).square().flatten(1).mean(dim=1)
        feature = (features(drawn) - goal_features).square().mean(dim=1) if feature_weight else torch.zeros_like(pixel)
        prior = (z.square().mean(dim=1) - 1.0).square()
        return pixel + feature_weight * feature + settings.prior_weight * prior, pixel, feature, drawn

    with snapshot._lock:  # the generator is not re-entrant; nobody else renders meanwhile
        for step in range(settings.steps):
            task.check(f"{CANCELLED} after {step} of {settings.steps} steps")
            if step == search_end and labels is not None:
                z, labels = _keep_best(z, labels, losses, settings.starts)
                optimiser = torch.optim.Adam([z], lr=settings.lr)
            total, pixel, feature, drawn = losses(z, labels)
            optimiser.zero_grad(set_to_none=True)
            total.sum().backward()  # candidates are independent: each gets its own gradient
            optimiser.step()
            total, pixel, feature = total.detach(), pixel.detach(), feature.detach()
            best = int(total.argmin())
            curve.append({"step": step + 1, "total": float(total[best]), "pixel": float(pixel[best]), "feature": float(feature[best])})
            task.set_progress(step + 1, settings.steps)
            now = time.monotonic()
            if now - last_preview >= PARTIAL_INTERVAL_S:
                last_preview = now
                image = to_uint8(drawn[best : best + 1].detach(), (0.0, 1.0))[0]
                task.set_partial(ProjectionPreview(step + 1, settings.steps, curve[-1]["total"], image))
        with torch.no_grad():
            total, *_ = losses(z, labels)
        best = int(total.argmin())
        found = z.detach()[best].clone()
        label = None if labels is None else int(labels[best])
    image = snapshot.render_one(found.numpy(), label)
    pixel_error = float(np.abs(image.astype(np.float64) - target).mean() / 255.0)
    return Projection(found.numpy().astype(np.float32), label, image, target.copy(), pixel_error, judge_kind, settings, curve)


def _keep_best(z: Tensor, labels: Tensor, losses, count: int) -> tuple[Tensor, Tensor]:  # noqa: ANN001 - project's closure
    """The ``count`` (start, class) candidates of lowest loss, as a fresh leaf to optimise on."""
    import torch

    with torch.no_grad():
        total, *_ = losses(z, labels)
    keep = total.argsort()[:count]
    return z.detach()[keep].clone().requires_grad_(True), labels[keep]


def _feature_net(snapshot: GeneratorSnapshot, fingerprint: str | None):
    """(images in [0, 1] (N, C, H, W) -> judge features, the judge's kind), or (None, "none").

    The judge is frozen and shared; gradients flow through it to the images, never into it."""
    config = snapshot.config
    if fingerprint is None:
        fingerprint = str(_run_dataset(snapshot.source).get("fingerprint", ""))
    choice = choose_judge(config.data.source, data_shape(snapshot.image_shape), fingerprint)
    if not choice.scores:
        return None, NONE
    from ..quality.judge import load_judge

    judge = load_judge() if choice.kind == "digits" else getattr(load_chosen_judge(choice), "model", None)
    if judge is None:  # a saved judge that cannot be read: project on pixels
        return None, NONE
    return judge.features, choice.kind


def _run_dataset(source: str) -> dict:
    """The "dataset" record of the run.json beside a checkpoint ({} when there is none)."""
    path = Path(source)
    for folder in (path, path.parent, path.parent.parent):
        info = folder / "run.json"
        if info.is_file():
            try:
                dataset = json.loads(info.read_text(encoding="utf-8")).get("dataset", {})
            except (OSError, ValueError, AttributeError):
                return {}
            return dataset if isinstance(dataset, dict) else {}
    return {}
