"""Which judge scores which data: one decision (judges.choose_judge) that every caller asks."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest

from gan_studio.core.config import BUILTIN_DIGITS, DataConfig
from gan_studio.core.data import ImageDataset, LoadReport, load_dataset
from gan_studio.core.quality.judges import (
    DIGITS,
    JUDGE_INFO_NAME,
    JUDGE_WEIGHTS_NAME,
    NONE,
    PIXEL_METRICS,
    SSL,
    SSL_INFO_NAME,
    SSL_METRICS,
    SSL_WEIGHTS_NAME,
    USER,
    choose_judge,
    data_shape,
    judge_folder,
    load_chosen_judge,
)
from gan_studio.core.quality.monitor import QualityMonitor
from gan_studio.core.runs.folder import RunFolder
from gan_studio.gui.workers.judge import judge_info

from .shapes import shape_dataset


def saved_judge(root, fingerprint: str) -> None:
    """The two files of a finished judge (their contents are not read by choosing)."""
    folder = judge_folder(fingerprint, root)
    folder.mkdir(parents=True)
    (folder / JUDGE_WEIGHTS_NAME).write_bytes(b"not really weights")
    (folder / JUDGE_INFO_NAME).write_text("{}")


def test_the_builtin_digits_at_28x28x1_get_the_shipped_judge():
    choice = choose_judge(BUILTIN_DIGITS, (28, 28, 1))
    assert choice.kind == DIGITS and choice.scores and not choice.saved
    assert choice.path is not None and choice.path.name == "judge.safetensors" and choice.path.is_file()
    dataset = load_dataset(DataConfig(limit=20))
    assert choose_judge(BUILTIN_DIGITS, dataset).kind == DIGITS
    assert choose_judge(BUILTIN_DIGITS, dataset).trainable  # labelled
    assert "fingerprint" not in vars(dataset)  # deciding on the digits hashed nothing
    assert choose_judge(BUILTIN_DIGITS, (32, 32, 1)).kind == NONE  # another size: not the shipped judge's
    assert choose_judge("/data/my-digits", (28, 28, 1)).kind == NONE  # other data at the same shape


def test_a_judge_trained_for_the_data_is_found_by_its_fingerprint(tmp_path):
    dataset = shape_dataset()
    assert choose_judge("shapes", dataset, root=tmp_path).kind == NONE
    saved_judge(tmp_path, dataset.fingerprint)
    choice = choose_judge("shapes", dataset, root=tmp_path)
    assert (choice.kind, choice.fingerprint, choice.path) == (USER, dataset.fingerprint, tmp_path / dataset.fingerprint)
    assert choice.scores and choice.saved and choice.trainable
    by_shape = choose_judge("shapes", (16, 16, 1), dataset.fingerprint, tmp_path, labelled=True)
    assert by_shape == choice
    assert choose_judge("shapes", (16, 16, 1), dataset.fingerprint, tmp_path, labelled=False).kind == NONE
    assert choose_judge("shapes", (16, 16, 1), "0" * 16, tmp_path).kind == NONE
    assert load_chosen_judge(choice) is None  # unreadable weights: no judge, and no error


def test_unlabelled_data_is_offered_an_encoder_and_finds_it_by_its_fingerprint(tmp_path):
    images = shape_dataset().images
    unlabelled = ImageDataset(images, None, [], LoadReport("faces", "folder", len(images)))
    choice = choose_judge("faces", unlabelled, root=tmp_path)
    assert (choice.kind, choice.scores, choice.trainable, choice.path) == (NONE, False, True, None)
    assert choice.train_kind == SSL and choice.metric_names == PIXEL_METRICS
    assert load_chosen_judge(choice) is None
    folder = judge_folder(unlabelled.fingerprint, tmp_path)
    folder.mkdir(parents=True)
    (folder / SSL_WEIGHTS_NAME).write_bytes(b"not really weights")
    (folder / SSL_INFO_NAME).write_text("{}")
    choice = choose_judge("faces", unlabelled, root=tmp_path)
    assert (choice.kind, choice.scores, choice.saved, choice.metric_names) == (SSL, True, True, SSL_METRICS)
    by_shape = choose_judge("faces", (16, 16, 1), unlabelled.fingerprint, tmp_path, labelled=False)
    assert by_shape.kind == SSL and choose_judge("faces", (16, 16, 1), labelled=False).kind == NONE
    assert load_chosen_judge(choice) is None  # unreadable weights: no judge, and no error
    # A classifier and an encoder never share files: a labelled dataset's judge is not an encoder.
    assert not (folder / JUDGE_WEIGHTS_NAME).exists()
    assert choose_judge("shapes", shape_dataset(), root=tmp_path).train_kind == USER


def test_one_layout_for_every_caller(tmp_path, tiny_config):
    """Shapes are (H, W, C), as the data holds them; a model's (C, H, W) is converted first."""
    assert data_shape((1, 28, 28)) == (28, 28, 1) and data_shape([3, 64, 64]) == (64, 64, 3)
    with pytest.raises(ValueError, match=r"\(H, W, C\)"):
        choose_judge(BUILTIN_DIGITS, (1, 28, 28))  # a model's layout, passed as is
    # The window's judge look-up (the data), the monitor (the model's shape) and the CLI agree.
    digits = load_dataset(DataConfig(limit=20))
    assert judge_info(digits, tmp_path)[:2] == (True, True)
    run = RunFolder.create(tmp_path / "run", tiny_config, {})
    session = SimpleNamespace(config=tiny_config, image_shape=(1, 28, 28), epoch=0)  # a TrainingSession's (C, H, W)
    monitor = QualityMonitor(run, session, digits.images, every=1, labels=digits.labels)
    assert monitor.judge and monitor.judge_choice.kind == DIGITS and not monitor.user_judge_wanted
    shapes = shape_dataset()
    saved_judge(tmp_path / "judges", shapes.fingerprint)
    assert judge_info(shapes, tmp_path / "judges")[:2] == (True, True)
    assert judge_info(shapes, tmp_path / "elsewhere")[:2] == (True, False)


def test_choosing_imports_no_torch():
    code = (
        "import sys; from gan_studio.core.quality.judges import choose_judge; "
        "choose_judge('builtin:digits', (28, 28, 1)); assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
