"""Which judge scores a dataset, decided in one place, and loading the judge so chosen.

The kinds of judge (``JudgeChoice.kind``):

- ``"digits"``: the shipped classifier (``resources/judge.safetensors``), for the built-in
  digits at 28×28×1;
- ``"user"``: a classifier trained on the user's labelled data (``judge_training.py``), saved
  under ``default_judges_dir()/<dataset fingerprint>/`` and found by that fingerprint;
- ``"none"``: nothing scores this data, and the monitor and ``evaluate`` use pixel metrics.

Every image shape here is one image as the data holds it, (H, W, C): the layout of
``ImageDataset.images[i]``, of judge.json's ``image_shape`` and of the shipped judge's input. A
model's (C, H, W) (a checkpoint's ``image_shape``, ``TrainingSession.image_shape``) goes through
:func:`data_shape` first; a shape that is not (H, W, C) is refused.

Deciding imports no torch and reads no weights: a file check, so the window may decide on its
thread, except that a dataset's fingerprint hashes every pixel on first use (~0.1 s per 50 MB).
:func:`load_chosen_judge` turns a choice into a judge that scores (torch, imported then).

Another kind (a self-supervised judge for unlabelled data, say) is one more entry in
``_SAVED_KINDS`` and ``_LOADERS``: callers only ask ``choice.scores`` and ``choice.trainable``
and call ``load_chosen_judge``, whatever the kind.
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

DIGITS, USER, NONE = "digits", "user", "none"
DIGITS_SHAPE = (28, 28, 1)  # (H, W, C) the shipped judge scores
SHIPPED_WEIGHTS = "judge.safetensors"  # in gan_studio/resources

# Judges trained for a user's data live beside the runs, one folder per dataset fingerprint.
JUDGE_WEIGHTS_NAME = "judge.safetensors"
JUDGE_INFO_NAME = "judge.json"  # written last: a folder without it holds no finished judge


def default_judges_dir() -> Path:
    """Where judges of users' datasets go: $XDG_DATA_HOME/gan-studio/judges/<fingerprint>/."""
    return data_home() / "judges"


def judge_folder(fingerprint: str, root: Path | None = None) -> Path:
    return Path(root if root is not None else default_judges_dir()) / fingerprint


def user_judge_exists(fingerprint: str, root: Path | None = None) -> bool:
    """True when a finished judge for the dataset with this fingerprint is saved (no torch)."""
    if not fingerprint:
        return False
    folder = judge_folder(fingerprint, root)
    return (folder / JUDGE_WEIGHTS_NAME).is_file() and (folder / JUDGE_INFO_NAME).is_file()


@dataclass(frozen=True)
class JudgeChoice:
    """The judge that scores one dataset, as decided by :func:`choose_judge`."""

    kind: str  # DIGITS, USER or NONE
    path: Path | None = None  # the shipped weights file, or the folder of a judge trained for the data
    fingerprint: str = ""  # the data's fingerprint, for a judge trained for it
    trainable: bool = False  # a judge could be trained for this data (it has labels): the window offers to

    @property
    def scores(self) -> bool:
        """A judge scores this data (FCD, KID, precision, recall, a best checkpoint)."""
        return self.kind != NONE

    @property
    def saved(self) -> bool:
        """The judge was trained for this data and is read from its judges folder."""
        return self.kind not in (DIGITS, NONE)


@dataclass(frozen=True)
class _SavedKind:
    """A kind of judge trained for one dataset and saved under its fingerprint."""

    kind: str
    needs_labels: bool  # a classifier learns from labels; a self-supervised judge would not
    is_saved: Callable[[str, Path | None], bool]  # (fingerprint, root) -> a finished judge is there


_SAVED_KINDS = (_SavedKind(USER, needs_labels=True, is_saved=user_judge_exists),)


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
    trainable = labelled is True
    if source == BUILTIN_DIGITS and shape == DIGITS_SHAPE:
        return JudgeChoice(DIGITS, shipped_path(SHIPPED_WEIGHTS), trainable=trainable)
    for saved in _SAVED_KINDS:
        if saved.needs_labels and labelled is False:
            continue
        if not fingerprint and dataset is not None:
            fingerprint = dataset.fingerprint  # hashes the pixels, once per dataset
        if fingerprint and saved.is_saved(fingerprint, root):
            return JudgeChoice(saved.kind, judge_folder(fingerprint, root), fingerprint, trainable)
    return JudgeChoice(NONE, trainable=trainable)


class ScoringJudge(Protocol):
    """What :func:`load_chosen_judge` returns, whatever the kind (metrics.evaluate_samples uses it)."""

    kind: str
    fingerprint: str  # the dataset it was trained for ("" for the shipped judge)
    token: str  # changes when the judge is retrained: names its cached reference
    num_classes: int

    def features(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def reference(self, dataset: Any) -> Any: ...  # metrics.ReferenceStats of the real images to compare with


def _load_digits(choice: JudgeChoice) -> ScoringJudge:
    from .judge import SHIPPED_JUDGE, load_judge

    load_judge()  # the weights, once per process
    return SHIPPED_JUDGE


def _load_user(choice: JudgeChoice) -> ScoringJudge | None:
    from .judge_training import find_judge

    return find_judge(choice.fingerprint, choice.path.parent if choice.path is not None else None)


_LOADERS: dict[str, Callable[[JudgeChoice], ScoringJudge | None]] = {DIGITS: _load_digits, USER: _load_user}


def load_chosen_judge(choice: JudgeChoice) -> ScoringJudge | None:
    """The judge ``choice`` names, ready to score; None for "none", or when a saved judge cannot
    be read (a judge is an extra: a broken one must not stop training or evaluation). Imports torch."""
    if not choice.scores:
        return None
    return _LOADERS[choice.kind](choice)
