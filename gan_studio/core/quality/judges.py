"""Which judge scores a dataset, decided in one place, and loading the judge so chosen.

The kinds of judge (``JudgeChoice.kind``):

- ``"digits"``: the shipped classifier (``resources/judge.safetensors``), for the built-in
  digits at 28×28×1;
- ``"user"``: a classifier trained on the user's labelled data (``judge_training.py``), saved
  under ``default_judges_dir()/<dataset fingerprint>/`` and found by that fingerprint;
- ``"ssl"``: a contrastive encoder trained on the user's unlabelled data (``ssl_training.py``,
  ``ssl_judge.py``), saved and found the same way under its own file names;
- ``"none"``: nothing scores this data, and the monitor and ``evaluate`` use pixel metrics.

Every image shape here is one image as the data holds it, (H, W, C): the layout of
``ImageDataset.images[i]``, of judge.json's ``image_shape`` and of the shipped judge's input. A
model's (C, H, W) (a checkpoint's ``image_shape``, ``TrainingSession.image_shape``) goes through
:func:`data_shape` first; a shape that is not (H, W, C) is refused.

Deciding imports no torch and reads no weights: a file check, so the window may decide on its
thread, except that a dataset's fingerprint hashes every pixel on first use (~0.1 s per 50 MB).
:func:`load_chosen_judge` turns a choice into a judge that scores (torch, imported then).

Each kind is one entry in ``_SAVED_KINDS``, ``_LOADERS`` and ``_TRAINERS``: callers only ask
``choice.scores``, ``choice.trainable`` and ``choice.metric_names`` and call
``load_chosen_judge`` or ``train_judge_for``, whatever the kind. What a quality row holds per
kind is decided here too (``metric_names``): a classifier's class coverage, or an encoder's
feature-space diversity and memorisation, or pixel metrics when nothing scores the data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..config import BUILTIN_DIGITS
from ..resources import shipped_path
from ..runs.folder import data_home

DIGITS, USER, SSL, NONE = "digits", "user", "ssl", "none"
DIGITS_SHAPE = (28, 28, 1)  # (H, W, C) the shipped judge scores
SHIPPED_WEIGHTS = "judge.safetensors"  # in gan_studio/resources

# Judges trained for a user's data live beside the runs, one folder per dataset fingerprint.
JUDGE_WEIGHTS_NAME = "judge.safetensors"
JUDGE_INFO_NAME = "judge.json"  # written last: a folder without it holds no finished judge
SSL_WEIGHTS_NAME = "encoder.safetensors"  # the unlabelled data's encoder (its own names: no kind is
SSL_INFO_NAME = "encoder.json"  # ever mistaken for another), the description written last

# What a quality row holds ("fcd" is the Fréchet distance in the judge's features, whatever the
# judge: the classifier's FCD, the encoder's FD), per kind of judge.
JUDGE_METRICS = ("fcd", "kid", "precision", "recall", "modes_covered", "mean_confidence", "fcd_floor", "kid_floor")
SSL_METRICS = ("fcd", "kid", "precision", "recall", "fcd_floor", "kid_floor",
               "diversity", "diversity_real", "memorisation", "memorisation_real")
PIXEL_METRICS = ("diversity", "memorisation", "diversity_real", "memorisation_real")


def default_judges_dir() -> Path:
    """Where judges of users' datasets go: $XDG_DATA_HOME/gan-studio/judges/<fingerprint>/."""
    return data_home() / "judges"


def judge_folder(fingerprint: str, root: Path | None = None) -> Path:
    return Path(root if root is not None else default_judges_dir()) / fingerprint


def _saved(fingerprint: str, root: Path | None, weights: str, info: str) -> bool:
    if not fingerprint:
        return False
    folder = judge_folder(fingerprint, root)
    return (folder / weights).is_file() and (folder / info).is_file()


def user_judge_exists(fingerprint: str, root: Path | None = None) -> bool:
    """True when a finished judge for the dataset with this fingerprint is saved (no torch)."""
    return _saved(fingerprint, root, JUDGE_WEIGHTS_NAME, JUDGE_INFO_NAME)


def ssl_judge_exists(fingerprint: str, root: Path | None = None) -> bool:
    """True when a finished unlabelled judge (encoder) for this fingerprint is saved (no torch)."""
    return _saved(fingerprint, root, SSL_WEIGHTS_NAME, SSL_INFO_NAME)


@dataclass(frozen=True)
class JudgeChoice:
    """The judge that scores one dataset, as decided by :func:`choose_judge`."""

    kind: str  # DIGITS, USER, SSL or NONE
    path: Path | None = None  # the shipped weights file, or the folder of a judge trained for the data
    fingerprint: str = ""  # the data's fingerprint, for a judge trained for it
    trainable: bool = False  # a judge could be trained for this data (a classifier when labelled, else an encoder)
    labelled: bool | None = None  # the data has labels (None: not known)

    @property
    def scores(self) -> bool:
        """A judge scores this data (FCD, KID, precision, recall, a best checkpoint)."""
        return self.kind != NONE

    @property
    def saved(self) -> bool:
        """The judge was trained for this data and is read from its judges folder."""
        return self.kind not in (DIGITS, NONE)

    @property
    def metric_names(self) -> tuple[str, ...]:
        """The metrics a quality row of this data holds (quality.csv's columns after the first three)."""
        return SSL_METRICS if self.kind == SSL else PIXEL_METRICS if self.kind == NONE else JUDGE_METRICS

    @property
    def train_kind(self) -> str:
        """The kind ``train_judge_for`` trains for this data: a classifier when labelled, else an encoder."""
        return USER if self.labelled else SSL


@dataclass(frozen=True)
class _SavedKind:
    """A kind of judge trained for one dataset and saved under its fingerprint."""

    kind: str
    needs_labels: bool  # a classifier learns from labels; a self-supervised judge would not
    is_saved: Callable[[str, Path | None], bool]  # (fingerprint, root) -> a finished judge is there


# In order: labelled data takes its classifier before an encoder (which only unlabelled data gets trained).
_SAVED_KINDS = (
    _SavedKind(USER, needs_labels=True, is_saved=user_judge_exists),
    _SavedKind(SSL, needs_labels=False, is_saved=ssl_judge_exists),
)


def data_shape(model_shape: Sequence[int]) -> tuple[int, int, int]:
    """A model's (C, H, W) as the data's (H, W, C): (1, 28, 28) -> (28, 28, 1)."""
    channels, height, width = (int(v) for v in model_shape)
    return height, width, channels


def _checked_shape(shape: Sequence[int]) -> tuple[int, int, int]:
    shape = tuple(int(v) for v in shape)
    if len(shape) != 3 or shape[2] not in (1, 3):
        raise ValueError(f"an image shape here is (H, W, C) with C = 1 or 3, got {shape}; a model's (C, H, W) goes through data_shape")
    return shape  # type: ignore[return-value]


def choose_judge(
    source: str,
    data: Any,
    fingerprint: str = "",
    root: Path | None = None,
    *,
    labelled: bool | None = None,
) -> JudgeChoice:
    """The judge for the data of ``source`` (as config.data.source names it).

    ``data`` is an ImageDataset (its shape, labels and fingerprint are used, the fingerprint only
    when a saved judge is looked up) or one image's shape (H, W, C); with a shape, ``fingerprint``
    names the data and ``labelled`` says whether it has labels (None: not known, the fingerprint
    decides alone). ``root``: the judges folder (default_judges_dir()).
    """
    if hasattr(data, "images"):
        shape = _checked_shape(np.shape(data.images)[1:])
        labelled = data.labels is not None
        fingerprint = fingerprint or ""
        dataset = data
    else:
        shape = _checked_shape(data)
        dataset = None
    # Labelled data can have a classifier trained, unlabelled data an encoder; unknown: neither.
    trainable = labelled is not None
    if source == BUILTIN_DIGITS and shape == DIGITS_SHAPE:
        return JudgeChoice(DIGITS, shipped_path(SHIPPED_WEIGHTS), trainable=trainable, labelled=labelled)
    for saved in _SAVED_KINDS:
        if saved.needs_labels and labelled is False:
            continue
        if not fingerprint and dataset is not None:
            fingerprint = dataset.fingerprint  # hashes the pixels, once per dataset
        if fingerprint and saved.is_saved(fingerprint, root):
            return JudgeChoice(saved.kind, judge_folder(fingerprint, root), fingerprint, trainable, labelled)
    return JudgeChoice(NONE, fingerprint=fingerprint, trainable=trainable, labelled=labelled)


class ScoringJudge(Protocol):
    """What :func:`load_chosen_judge` returns, whatever the kind (metrics.evaluate_samples uses it)."""

    kind: str
    fingerprint: str  # the dataset it was trained for ("" for the shipped judge)
    token: str  # changes when the judge is retrained: names its cached reference
    num_classes: int

    def features(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def reference(self, dataset: Any) -> Any: ...  # metrics.ReferenceStats of the real images to compare with

    def score(self, images: np.ndarray, reference: Any) -> tuple[dict[str, float], list[int] | None]: ...
    # (this kind's metric_names, class histogram or None) of uint8 samples (N, H, W, C)

    def summary(self) -> str: ...  # one line on the judge, for the command line and the window


def _load_digits(choice: JudgeChoice) -> ScoringJudge:
    from .judge import SHIPPED_JUDGE, load_judge

    load_judge()  # the weights, once per process
    return SHIPPED_JUDGE


def _load_user(choice: JudgeChoice) -> ScoringJudge | None:
    from .judge_training import find_judge

    return find_judge(choice.fingerprint, choice.path.parent if choice.path is not None else None)


def _load_ssl(choice: JudgeChoice) -> ScoringJudge | None:
    from .ssl_judge import find_ssl_judge

    return find_ssl_judge(choice.fingerprint, choice.path.parent if choice.path is not None else None)


_LOADERS: dict[str, Callable[[JudgeChoice], ScoringJudge | None]] = {DIGITS: _load_digits, USER: _load_user, SSL: _load_ssl}


def _train_user(dataset: Any, epochs: int | None, task: Any, seed: int, root: Path | None) -> ScoringJudge:
    from .judge_training import train_judge

    return train_judge(dataset, epochs, task, seed, root)


def _train_ssl(dataset: Any, epochs: int | None, task: Any, seed: int, root: Path | None) -> ScoringJudge:
    from .ssl_training import train_ssl_judge

    return train_ssl_judge(dataset, epochs, task, seed, root)


_TRAINERS: dict[str, Callable[..., ScoringJudge]] = {USER: _train_user, SSL: _train_ssl}


def check_trainable(dataset: Any) -> None:
    """DataError naming what a judge of ``dataset``'s kind needs that it lacks (imports torch)."""
    if dataset.labels is not None:
        from .judge_training import check_trainable as check
    else:
        from .ssl_training import check_trainable as check
    check(dataset)


def train_judge_for(dataset: Any, epochs: int | None = None, task: Any = None, seed: int = 0, root: Path | None = None) -> ScoringJudge:
    """Train and save the judge ``dataset`` gets (a classifier when labelled, else an encoder) and
    return it loaded. ``task``: a jobs.TaskState (progress, cancel). Imports torch."""
    from ..jobs import NO_TASK

    kind = USER if dataset.labels is not None else SSL
    return _TRAINERS[kind](dataset, epochs, task if task is not None else NO_TASK, seed, root)


def load_chosen_judge(choice: JudgeChoice) -> ScoringJudge | None:
    """The judge ``choice`` names, ready to score; None for "none", or when a saved judge cannot
    be read (a judge is an extra: a broken one must not stop training or evaluation). Imports torch."""
    if not choice.scores:
        return None
    return _LOADERS[choice.kind](choice)
