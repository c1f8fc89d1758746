"""The judge of unlabelled data: a small conv encoder trained contrastively on the user's images.

No labels, so no classifier: ``ssl_training.py`` trains this encoder with SimCLR's NT-Xent loss
(two augmented views of an image must find each other among the batch) on the data's training
split, and its 128 features then score samples as the classifier's do (``metrics.py``): the
Fréchet distance (FD) and KID to the held-out split with a real-vs-real floor, precision and
recall, plus two numbers a class histogram would otherwise give: the spread of the samples in
feature space (``diversity``, beside the held-out images'; a collapsed generator's falls) and the
distance of each sample to its nearest training image (``memorisation``, beside what held-out
real images show; far below it means copies).

The held-out split of unlabelled data is one image in five, at most 1,000
(``splits.unlabelled_split``); the floor compares it with as many training images. Saved under
``default_judges_dir()/<fingerprint>/`` as ``encoder.safetensors`` + ``encoder.json`` (its own
names: a labelled dataset's classifier never shares them).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import Tensor, nn

from ..errors import CheckpointError
from .judge import MIN_SIZE, PoolFlatten, _block, check_images, read_judge_files
from .judges import SSL, SSL_INFO_NAME, SSL_WEIGHTS_NAME, judge_folder, ssl_judge_exists
from .metrics import (
    ReferenceStats,
    frechet_distance,
    kernel_inception_distance,
    nearest_train_distance,
    precision_recall,
)
from .splits import unlabelled_floor, unlabelled_split

ARCHITECTURE = (
    "conv3x3(C>32)-maxpool2-bn-relu, conv3x3(32>64)-maxpool2-bn-relu, conv3x3(64>128)-maxpool2-bn-relu, "
    "adaptive-maxpool(3x3x128), fc(1152>128) (x feature_scale = features); head relu-fc(128>128)-relu-fc(128>64)"
)
FEATURE_DIM = 128
PROJECTION_DIM = 64
MEMORISATION_TRAIN = 2000  # training images each sample is compared with (feature space: 128 floats each)
DIVERSITY_BATCH = 500  # samples in the diversity batch (125k pairs)


class Encoder(nn.Module):
    """Images in [0, 1] (N, C, H, W), H, W >= 16 -> features (N, 128); ``head`` projects for the loss.

    The classifier judge's body (judge.py: one conv per resolution, pool before BN), with a
    linear feature layer: a ReLU there would zero part of every feature vector that FD's
    Gaussians then fit badly."""

    def __init__(self, in_channels: int = 3) -> None:
        super().__init__()
        self.in_channels = int(in_channels)
        self.body = nn.Sequential(
            *_block(self.in_channels, 32), *_block(32, 64), *_block(64, 128),
            PoolFlatten(),
            nn.Linear(128 * 3 * 3, FEATURE_DIM),
        )
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(FEATURE_DIM, FEATURE_DIM), nn.ReLU(), nn.Linear(FEATURE_DIM, PROJECTION_DIM))
        self.register_buffer("feature_scale", torch.ones(()))  # features' RMS to 1 after training (KID's kernel)

    def features(self, x: Tensor) -> Tensor:
        return self.body(x) * self.feature_scale

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x))


def encoder_from_state(state: dict[str, Tensor], in_channels: int) -> Encoder:
    """An Encoder holding ``state``, eval mode, frozen; built on the meta device (no global RNG draw)."""
    with torch.device("meta"):
        model = Encoder(in_channels)
    model.load_state_dict(state, assign=True)
    return model.eval().requires_grad_(False)


def encoder_features(model: Encoder, images: np.ndarray, batch: int = 500) -> np.ndarray:
    """float64 (N, 128) features of uint8 (N, H, W, C) images, on the calling thread."""
    out = []
    with torch.inference_mode():
        for start in range(0, len(images), batch):
            x = torch.from_numpy(np.ascontiguousarray(images[start : start + batch])).permute(0, 3, 1, 2).float().div_(255.0)
            out.append(model.features(x.contiguous(memory_format=torch.channels_last)).double().numpy())
    return np.concatenate(out) if out else np.zeros((0, FEATURE_DIM))


@dataclass(frozen=True)
class UnlabelledReference(ReferenceStats):
    """The held-out features and floor, plus what diversity and memorisation are read against."""

    train_features: np.ndarray = field(default_factory=lambda: np.zeros((0, FEATURE_DIM)))  # <= 2,000 training images
    diversity_real: float = math.nan  # mean pairwise feature distance of the held-out images
    memorisation_real: float = math.nan  # median distance of a held-out image to its nearest training image


def mean_pairwise_distance(features: np.ndarray) -> float:
    x = np.asarray(features, dtype=np.float64)
    sq = np.einsum("ij,ij->i", x, x)
    d = np.sqrt(np.clip(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0, None))
    return float(d.sum() / max(1, len(x) * (len(x) - 1)))


@dataclass
class SSLJudge:
    """An encoder trained on one unlabelled dataset, loaded for inference."""

    kind = SSL  # a judges.JudgeChoice kind
    num_classes = 0  # it tells no classes apart: no coverage, no class histogram
    model: Encoder
    fingerprint: str
    source: str
    image_shape: tuple[int, int, int]  # (H, W, C)
    path: Path
    token: str = ""  # sha256 of the weights: names the cached reference
    info: dict[str, Any] = field(default_factory=dict)  # encoder.json as read

    @property
    def weights_path(self) -> Path:
        return self.path / SSL_WEIGHTS_NAME

    def summary(self) -> str:
        """One line on what was trained: for ``gan-studio judge`` and the window."""
        info = self.info
        return (
            f"unlabelled judge (contrastive encoder): finds an image's other view among {info.get('view_batch', 0) * 2 - 2} "
            f"others {info.get('view_accuracy', math.nan):.0%} of the time; FD floor {info.get('fd_floor', math.nan):.2f} "
            f"on {info.get('heldout_count', 0)} held-out images; {info.get('steps', 0)} steps"
        )

    def features(self, images: np.ndarray, batch: int = 500) -> tuple[np.ndarray, np.ndarray]:
        """(features (N, 128), an empty (N, 0) of class probabilities) of uint8 (N, H, W, C)."""
        images = check_images(images, self.image_shape)
        return encoder_features(self.model, images, batch), np.zeros((len(images), 0))

    def reference(self, dataset: Any) -> UnlabelledReference:
        return unlabelled_reference(self, dataset)

    def score(self, images: np.ndarray, reference: UnlabelledReference) -> tuple[dict[str, float], list[int] | None]:
        """(metrics, None) of uint8 samples against ``reference``: the judges.SSL_METRICS."""
        fake, _ = self.features(images)
        return score_features(fake, reference), None


def score_features(fake: np.ndarray, reference: UnlabelledReference) -> dict[str, float]:
    precision, recall = precision_recall(reference.features, fake)
    return {
        "fcd": frechet_distance(fake, reference.features),
        "kid": kernel_inception_distance(fake, reference.features),
        "precision": precision,
        "recall": recall,
        "fcd_floor": reference.fcd_floor,
        "kid_floor": reference.kid_floor,
        "diversity": mean_pairwise_distance(fake[:DIVERSITY_BATCH]),
        "diversity_real": reference.diversity_real,
        "memorisation": float(np.median(nearest_train_distance(fake, reference.train_features))),
        "memorisation_real": reference.memorisation_real,
    }


_references: OrderedDict[tuple[str, str], UnlabelledReference] = OrderedDict()
_REFERENCES_KEPT = 4
_lock = threading.Lock()


def reference_from_features(held: np.ndarray, floor: np.ndarray, train: np.ndarray) -> UnlabelledReference:
    return UnlabelledReference(
        features=held, floor_features=floor, fcd_floor=frechet_distance(held, floor),
        kid_floor=kernel_inception_distance(held, floor), train_features=train,
        diversity_real=mean_pairwise_distance(held[:DIVERSITY_BATCH]),
        memorisation_real=float(np.median(nearest_train_distance(held, train))),
    )


def unlabelled_reference(judge: SSLJudge, dataset: Any) -> UnlabelledReference:
    """The held-out split of ``dataset`` (images, fingerprint) in the judge's features, cached."""
    if judge.fingerprint != dataset.fingerprint:
        raise ValueError(f"this judge was trained on dataset {judge.fingerprint}, not {dataset.fingerprint}")
    key = (dataset.fingerprint, judge.token)
    with _lock:
        cached = _references.get(key)
        if cached is None:
            count = len(dataset.images)
            train_idx, held_idx = unlabelled_split(count)
            train_sub = train_idx[np.random.default_rng(0).permutation(len(train_idx))[:MEMORISATION_TRAIN]]
            held, _ = judge.features(dataset.images[held_idx])
            floor, _ = judge.features(dataset.images[unlabelled_floor(count)])
            train, _ = judge.features(dataset.images[np.sort(train_sub)])
            cached = reference_from_features(held, floor, train)
            while len(_references) >= _REFERENCES_KEPT:
                _references.popitem(last=False)
            _references[key] = cached
        return cached


def find_ssl_judge(fingerprint: str, root: Path | None = None) -> SSLJudge | None:
    """The saved unlabelled judge of a fingerprint, or None (none, or unreadable)."""
    if not ssl_judge_exists(fingerprint, root):
        return None
    try:
        return load_ssl_judge(judge_folder(fingerprint, root))
    except (CheckpointError, OSError):
        return None


def load_ssl_judge(folder: Path | str) -> SSLJudge:
    """Load an unlabelled judge from its folder; CheckpointError when missing or mismatched."""
    folder = Path(folder).expanduser()
    weights = folder / SSL_WEIGHTS_NAME
    _, info, token = read_judge_files(folder, SSL_WEIGHTS_NAME, SSL_INFO_NAME, "unlabelled judge")
    try:
        shape = tuple(int(v) for v in info["image_shape"])
        if len(shape) != 3 or shape[2] not in (1, 3) or min(shape[:2]) < MIN_SIZE:
            raise ValueError("bad image_shape")
        if info.get("weights_sha256", token) != token:
            raise ValueError("encoder.json describes other weights")
        model = encoder_from_state(load_file(str(weights)), shape[2])
    except (KeyError, TypeError, ValueError, RuntimeError, SafetensorError) as error:
        raise CheckpointError(f"{folder} does not hold a judge GAN Studio can use ({error})") from None
    model.to(memory_format=torch.channels_last)
    return SSLJudge(model, str(info.get("fingerprint", "")), str(info.get("source", "")), shape, folder, token, info)  # type: ignore[arg-type]
