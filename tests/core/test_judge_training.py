"""A judge for the user's labelled data: the split, training, saving, cancelling, and scoring runs with it."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from gan_studio.core.config import DataConfig
from gan_studio.core.data import ImageDataset, LoadReport, load_dataset
from gan_studio.core.errors import DataError, GanStudioError
from gan_studio.core.quality.evaluate import JUDGE_METRICS, evaluate_checkpoint
from gan_studio.core.events import QualityMeasured
from gan_studio.core.quality.monitor import QualityMonitor
from gan_studio.core.quality.judge import Judge, judge_features
from gan_studio.core.jobs import Cancelled, TaskState
from gan_studio.core.quality.judge_training import (
    default_epochs,
    find_judge,
    load_user_judge,
    train_judge,
)
from gan_studio.core.quality.metrics import reference_stats
from gan_studio.core.quality.splits import floor_subset, heldout_counts, heldout_split
from gan_studio.core.resources import resource_path
from gan_studio.core.quality.judges import default_judges_dir, user_judge_exists
from gan_studio.core.runs.folder import RunFolder
from gan_studio.core.train.trainer import Trainer

from .helpers import run_to_end
from .shapes import CLASS_NAMES, shape_dataset, write_shapes

EPOCHS = 8  # ~0.5 s on one thread for 162 images of 16x16


@pytest.fixture
def judges(tmp_path, monkeypatch):
    """default_judges_dir() in a temporary folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    return default_judges_dir()


@pytest.fixture(scope="module")
def gray_judge(tmp_path_factory):
    dataset = shape_dataset(size=16, channels=1)
    calls: list[tuple[int, int]] = []
    judge = train_judge(dataset, epochs=EPOCHS, task=TaskState(lambda d, t: calls.append((d, t))), root=tmp_path_factory.mktemp("judges"))
    return dataset, judge, calls


def test_the_shipped_judge_still_reads_the_heldout_digits_at_its_recorded_accuracy():
    with np.load(resource_path("digits.npz"), allow_pickle=False) as arrays:
        images, labels = arrays["images"], arrays["labels"]
    _, held = heldout_split(labels)
    _, probs = judge_features(images[held])
    info = json.loads(resource_path("judge.json").read_text(encoding="utf-8"))
    assert (probs.argmax(axis=1) == labels[held]).mean() == pytest.approx(info["accuracy"]) == pytest.approx(0.99)


def test_the_judge_takes_any_square_size_from_16_and_any_class_count():
    judge = Judge(in_channels=3, num_classes=4).eval()
    for size in (16, 28, 32, 64):
        with torch.inference_mode():
            assert judge(torch.rand(2, 3, size, size)).shape == (2, 4)
            assert judge.features(torch.rand(2, 3, size, size)).shape == (2, 128)


def test_the_user_split_holds_out_ten_percent_of_each_class_from_1_to_100():
    labels = np.r_[np.zeros(5), np.ones(60), np.full(2000, 2)].astype(np.int64)
    assert heldout_counts(labels, None).tolist() == [1, 6, 100]
    train, held = heldout_split(labels, None)
    assert np.bincount(labels[held]).tolist() == [1, 6, 100]
    assert np.intersect1d(train, held).size == 0 and len(train) + len(held) == len(labels)
    floor = floor_subset(labels, None)
    assert np.bincount(labels[floor]).tolist() == [1, 6, 100] and np.intersect1d(floor, held).size == 0
    assert np.array_equal(heldout_split(labels, None)[1], held)  # deterministic
    assert len(heldout_split(np.repeat(np.arange(10), 500))[1]) == 1000  # the digits' rule is unchanged


def test_training_reaches_high_accuracy_reports_progress_and_saves_by_fingerprint(gray_judge):
    dataset, judge, calls = gray_judge
    assert judge.accuracy > 0.9
    assert judge.fingerprint == dataset.fingerprint and judge.class_names == CLASS_NAMES
    assert judge.image_shape == (16, 16, 1) and judge.epochs == EPOCHS
    done = [d for d, _ in calls]
    assert calls[-1][0] == calls[-1][1] and done == sorted(done)
    info = json.loads((judge.path / "judge.json").read_text(encoding="utf-8"))
    assert {"fingerprint", "source", "class_names", "image_shape", "accuracy", "feature_scale", "trained", "epochs"} <= set(info)
    assert judge.path.name == dataset.fingerprint and info["heldout_count"] == 18
    root = judge.path.parent
    assert user_judge_exists(dataset.fingerprint, root)
    assert find_judge(dataset, root).token == find_judge(dataset.fingerprint, root).token == judge.token
    assert find_judge("0" * 16, root) is None
    again = load_user_judge(judge.path / "judge.safetensors")
    features, probs = again.features(dataset.images[:5])
    assert features.shape == (5, 128) and probs.shape == (5, 3)
    with pytest.raises(ValueError, match="16, 16, 1"):
        again.features(np.zeros((2, 28, 28, 1), np.uint8))


def test_training_is_seeded_and_leaves_torchs_global_random_stream_alone(gray_judge, tmp_path):
    dataset, judge, _ = gray_judge
    state = torch.get_rng_state()
    again = train_judge(dataset, epochs=EPOCHS, root=tmp_path)
    assert torch.equal(torch.get_rng_state(), state)
    assert again.token == judge.token  # the same bytes: same seed, same judge


def test_an_rgb_dataset_at_28_pixels(tmp_path):
    dataset = shape_dataset(size=28, channels=3, seed=1)
    judge = train_judge(dataset, epochs=EPOCHS, root=tmp_path)
    assert judge.accuracy > 0.9 and judge.image_shape == (28, 28, 3)
    reference = reference_stats(judge, dataset)
    assert reference is reference_stats(judge, dataset)  # cached per fingerprint
    assert reference.features.shape == reference.floor_features.shape == (18, 128)
    assert math.isfinite(reference.fcd_floor)


def test_cancelling_raises_and_writes_nothing(tmp_path):
    calls = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        task.cancel()

    task = TaskState(progress)
    with pytest.raises(Cancelled, match="cancelled"):
        train_judge(shape_dataset(), epochs=EPOCHS, task=task, root=tmp_path)
    assert isinstance(Cancelled("x"), GanStudioError)
    assert calls and not any(tmp_path.iterdir())


def test_data_a_judge_cannot_learn_is_refused_with_a_reason(tmp_path):
    images, labels = shape_dataset().images, shape_dataset().labels
    unlabelled = ImageDataset(images, None, [], LoadReport("my-photos", "folder", len(images)))
    with pytest.raises(DataError, match="my-photos has no labels: a judge needs class sub-folders, a train.csv, IDX labels or npz labels"):
        train_judge(unlabelled, root=tmp_path)
    few = ImageDataset(images[:15], labels[:15], list(CLASS_NAMES), LoadReport("few", "npz", 15))
    with pytest.raises(DataError, match="at least 10 images of each class"):
        train_judge(few, root=tmp_path)
    small = shape_dataset(size=16)
    tiny = ImageDataset(small.images[:, :8, :8], small.labels, list(CLASS_NAMES), LoadReport("tiny", "npz", len(images)))
    with pytest.raises(DataError, match="at least 16"):
        train_judge(tiny, root=tmp_path)
    assert not any(tmp_path.iterdir())


def test_default_epochs_follow_the_data_size():
    assert default_epochs(4500, 28) == 10  # the built-in digits: ~30-40 s on 2 cores
    assert default_epochs(50_000, 64) == 3 and default_epochs(100, 16) == 30


def test_a_run_on_labelled_data_is_scored_by_its_judge_and_keeps_a_best(tiny_config, tmp_path, judges):
    source = write_shapes(tmp_path / "shapes.npz")
    tiny_config.data = DataConfig(source=str(source), image_size=16, channels=1)
    dataset = load_dataset(tiny_config.data)
    train_judge(dataset, epochs=EPOCHS)  # into default_judges_dir(): the monitor looks there
    assert user_judge_exists(dataset.fingerprint)
    tiny_config.train.quality_every = 1
    events, _ = run_to_end(Trainer.new(tiny_config, tmp_path / "run"))
    measured = [e for e in events if isinstance(e, QualityMeasured)]
    assert [q.epoch for q in measured] == [1, 2]
    for q in measured:
        assert set(q.metrics) == set(JUDGE_METRICS) and math.isfinite(q.metrics["fcd"])
        assert math.isfinite(q.metrics["fcd_floor"]) and 1 <= q.metrics["modes_covered"] <= 3
        assert len(q.class_histogram) == 3 and sum(q.class_histogram) == 1000
    run = RunFolder.open(tmp_path / "run")
    assert run.best_checkpoint() is not None and measured[0].is_best

    result = evaluate_checkpoint(run.last_checkpoint())
    assert result["judge"] and result["judge_kind"] == "user" and result["num_classes"] == 3
    assert result["metrics"]["fcd"] == pytest.approx(measured[-1].metrics["fcd"], rel=1e-9)


def test_a_resumed_run_keeps_the_kind_of_numbers_its_quality_csv_holds(tiny_config, tmp_path, judges):
    source = write_shapes(tmp_path / "shapes.npz")
    tiny_config.data = DataConfig(source=str(source), image_size=16, channels=1)
    dataset = load_dataset(tiny_config.data)
    train_judge(dataset, epochs=1)
    session = SimpleNamespace(config=tiny_config, image_shape=(1, 16, 16), epoch=1)

    def monitor(name: str, header: str | None, labels=dataset.labels) -> QualityMonitor:
        run = RunFolder.create(tmp_path / name, tiny_config, {"dataset": {"fingerprint": dataset.fingerprint}})
        if header:
            run.quality_path.write_text(header + "\n1,11,0.1\n")
        return QualityMonitor(run, session, dataset.images, every=1, labels=labels)

    fresh = monitor("new", None)
    assert fresh.judge and fresh.user_judge_wanted
    assert not monitor("pixels", "epoch,step,seconds,diversity").judge  # measured before the judge existed
    assert monitor("judged", "epoch,step,seconds,fcd").judge
    assert not monitor("unlabelled", None, labels=None).judge
