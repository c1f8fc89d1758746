"""The judge: a small CNN classifier whose features score generated samples.

The shipped judge was trained once by ``resources/tools/train_judge.py`` on the 4,000
training-split built-in digits and ships as ``resources/judge.safetensors`` (no pickle). For a
labelled dataset of the user's, ``judge_training.py`` trains the same network on demand. Either
way ``metrics.py`` compares the 128 penultimate features of fakes and of held-out real images.

The layout is cheaper than the classic conv32-conv32-pool-conv64-conv64 MNIST net: one conv
per resolution, and max-pooling before batch norm and ReLU, so both run on a quarter of the
pixels. That scores 1,000 digits in ~0.25 s on one thread instead of ~1.4 s. Any square size of
at least 16 pixels works: an adaptive max-pool brings the last feature map to 3x3, which is the
identity for 28x28 input (28 -> 14 -> 7 -> 3), so the shipped weights load and score unchanged.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import Tensor, nn

from ..errors import CheckpointError
from ..resources import resource_path
from .judges import DIGITS, DIGITS_SHAPE, SHIPPED_WEIGHTS

WEIGHTS = SHIPPED_WEIGHTS
ARCHITECTURE = (
    "conv3x3(C>32)-maxpool2-bn-relu, conv3x3(32>64)-maxpool2-bn-relu, conv3x3(64>128)-maxpool2-bn-relu, "
    "adaptive-maxpool(3x3x128), fc(1152>128)-relu (x feature_scale = features), dropout(0.3), fc(128>K)"
)
FEATURE_DIM = 128
IMAGE_SHAPE = DIGITS_SHAPE  # the shipped judge's input (H, W, C)
MIN_SIZE = 16  # three halvings leave 2x2, which the adaptive pool can still bring to 3x3


def _block(c_in: int, c_out: int) -> list[nn.Module]:
    # Max-pool then BN (not BN then pool): a different but equally valid net, 4x less BN/ReLU work.
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.MaxPool2d(2), nn.BatchNorm2d(c_out), nn.ReLU()]


class PoolFlatten(nn.Module):
    """Adaptive max-pool to 3x3, then flatten. One parameter-free module where ``nn.Flatten`` was,
    so the state-dict keys (``body.13.weight`` ...) of the shipped weights stay the same."""

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-2:] != (3, 3):  # 28x28 input is already 3x3: skip the op, the result is identical
            x = F.adaptive_max_pool2d(x, (3, 3))
        return x.flatten(1)


class Judge(nn.Module):
    """Images in [0, 1] (N, C, H, W), H, W >= 16 -> ``num_classes`` logits; ``features`` gives (N, 128)."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10) -> None:
        super().__init__()
        self.in_channels = int(in_channels)
        self.num_classes = int(num_classes)
        self.body = nn.Sequential(
            *_block(self.in_channels, 32), *_block(32, 64), *_block(64, 128),  # 28 -> 14 -> 7 -> 3
            PoolFlatten(),
            nn.Linear(128 * 3 * 3, FEATURE_DIM), nn.ReLU(),
        )
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(FEATURE_DIM, self.num_classes))
        # Set after training so the training images' features have an RMS of 1: raw ReLU
        # features of ~40 in norm put KID's (x.y/d + 1)^3 kernel far into its cubic tail,
        # where its estimate is several times noisier relative to its signal.
        self.register_buffer("feature_scale", torch.ones(()))

    def features(self, x: Tensor) -> Tensor:
        return self.body(x) * self.feature_scale

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x))


def judge_from_state(state: dict[str, Tensor], in_channels: int = 1, num_classes: int = 10) -> Judge:
    """A Judge holding ``state`` (all of its tensors), in eval mode with frozen weights.

    Built on the meta device and filled by assignment: a plain ``Judge()`` would draw its
    throwaway initial weights from torch's global random stream, which a run being trained in
    another thread may be relying on. RuntimeError when ``state`` does not fit.
    """
    with torch.device("meta"):
        judge = Judge(in_channels, num_classes)
    judge.load_state_dict(state, assign=True)
    return judge.eval().requires_grad_(False)


_judges: dict[str, Judge] = {}
_lock = threading.Lock()


def load_judge(device: str | torch.device = "cpu") -> Judge:
    """The shipped judge on ``device``, in eval mode with frozen weights; one per device per process.

    Shared: use it only for inference (``judge_features`` does), never train or move it.
    """
    key = str(torch.device(device))
    with _lock:
        if key not in _judges:
            # safetensors: plain tensors, no code runs on load (torch.load would unpickle).
            judge = judge_from_state(load_file(str(resource_path(WEIGHTS)), device=key))
            # channels_last runs this net's convolutions ~1.5-2x faster on oneDNN (CPU).
            _judges[key] = judge.to(device=key, memory_format=torch.channels_last)
        return _judges[key]


def check_images(images: np.ndarray, image_shape: tuple[int, int, int] | None = None, channels: int = 1) -> np.ndarray:
    """``images`` as uint8 (N, H, W, C) of ``image_shape`` (or any square size >= 16 with
    ``channels``); ValueError naming the shape otherwise."""
    images = np.asarray(images)
    if image_shape is not None:
        ok = images.shape[1:] == tuple(image_shape)
        wanted = f"(N, {', '.join(str(v) for v in image_shape)})"
    else:
        ok = images.ndim == 4 and images.shape[3] == channels and min(images.shape[1:3]) >= MIN_SIZE
        wanted = f"(N, H, W, {channels}) with H, W >= {MIN_SIZE}"
    if images.dtype != np.uint8 or images.ndim != 4 or not ok:
        raise ValueError(f"the judge scores uint8 images of shape {wanted}; got {images.dtype} {images.shape}")
    return images


def model_features(judge: Judge, images: np.ndarray, batch: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """(features float64 (N, 128), class probabilities float64 (N, K)) of uint8 (N, H, W, C) images
    from an eval-mode ``judge``, on the calling thread with torch's current thread count."""
    device = judge.head[1].weight.device
    features, probs = [], []
    with torch.inference_mode():
        for start in range(0, len(images), batch):
            chunk = torch.from_numpy(np.ascontiguousarray(images[start : start + batch]))
            x = chunk.to(device).permute(0, 3, 1, 2).float().div_(255.0)
            h = judge.body(x.contiguous(memory_format=torch.channels_last))
            features.append((h * judge.feature_scale).double().cpu().numpy())
            probs.append(torch.softmax(judge.head(h).double(), dim=1).cpu().numpy())
    if not features:
        return np.zeros((0, FEATURE_DIM)), np.zeros((0, judge.num_classes))
    return np.concatenate(features), np.concatenate(probs)


def judge_features(images_uint8_NHWC: np.ndarray, batch: int = 500, device: str | torch.device = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """(features float64 (N, 128), class probabilities float64 (N, 10)) of uint8 (N, 28, 28, 1)
    digits from the shipped judge. Other sizes or channel counts are refused (a user's judge,
    ``judge_training.UserJudge.features``, scores its own dataset's shape)."""
    images = check_images(images_uint8_NHWC, IMAGE_SHAPE)
    return model_features(load_judge(device), images, batch)


class ShippedJudge:
    """The shipped judge as ``judges.load_chosen_judge`` hands it out, like a ``UserJudge``: scores
    (28, 28, 1) digits against the built-in digits' held-out split."""

    kind = DIGITS
    fingerprint = ""  # not trained for a user's dataset
    token = "shipped"
    num_classes = 10

    def features(self, images: np.ndarray, batch: int = 500) -> tuple[np.ndarray, np.ndarray]:
        return judge_features(images, batch)

    def reference(self, dataset: object = None):
        """The built-in digits' held-out split (whatever ``dataset`` is), computed once per process."""
        from .metrics import reference_stats

        return reference_stats()

    def score(self, images: np.ndarray, reference=None) -> tuple[dict[str, float], list[int]]:  # noqa: ANN001
        from .metrics import classifier_scores

        return classifier_scores(images, reference)

    def summary(self) -> str:
        return "the shipped judge of the built-in digits (a classifier of the 10 digits)"


SHIPPED_JUDGE = ShippedJudge()


def read_judge_files(folder: Path, weights_name: str, info_name: str, what: str = "judge") -> tuple[bytes, dict, str]:
    """A trained judge's weights, its JSON record and the weights' sha256, or one CheckpointError
    sentence naming the folder ("holds no {what}" when a file is missing)."""
    try:
        raw = (folder / weights_name).read_bytes()
        info = json.loads((folder / info_name).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise CheckpointError(f"{folder} holds no {what} ({Path(error.filename).name} is missing)") from None
    except (OSError, ValueError) as error:
        raise CheckpointError(f"cannot read the judge in {folder}: {error}") from None
    return raw, info, hashlib.sha256(raw).hexdigest()
