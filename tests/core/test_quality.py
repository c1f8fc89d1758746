"""The judge and the sample-quality metrics: exact on small cases, and moving the right way on
real, blurred, noisy and collapsed digits."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageFilter

from gan_studio.core.quality.judge import judge_features, load_judge
from gan_studio.core.quality.metrics import (
    class_coverage,
    diversity,
    evaluate_samples,
    frechet_distance,
    kernel_inception_distance,
    nearest_train_distance,
    precision_recall,
    reference_stats,
)
from gan_studio.core.quality.splits import floor_subset, heldout_split
from gan_studio.core.resources import resource_path


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    with np.load(resource_path("digits.npz"), allow_pickle=False) as arrays:
        return arrays["images"], arrays["labels"]


@pytest.fixture(scope="module")
def real(digits) -> np.ndarray:
    """1,000 training-split digits outside the floor subset: a perfect generator's output."""
    images, labels = digits
    train, _ = heldout_split(labels)
    pool = np.setdiff1d(train, floor_subset(labels))
    return images[np.random.default_rng(1).choice(pool, 1000, replace=False)]


@pytest.fixture(scope="module")
def real_report(real):
    return evaluate_samples(real)


# -- the split and the judge -------------------------------------------------------------------


def test_heldout_split_is_balanced_disjoint_and_the_one_the_judge_was_trained_with(digits):
    _, labels = digits
    train, held = heldout_split(labels)
    assert len(held) == 1000 and len(train) == 4000
    assert np.bincount(labels[held]).tolist() == [100] * 10
    assert np.intersect1d(train, held).size == 0 and np.union1d(train, held).tolist() == list(range(5000))
    floor = floor_subset(labels)
    assert np.bincount(labels[floor]).tolist() == [100] * 10 and np.intersect1d(floor, held).size == 0
    info = json.loads(resource_path("judge.json").read_text(encoding="utf-8"))
    assert info["split_seed"] == 0
    assert hashlib.sha256(held.astype("<i8").tobytes()).hexdigest() == info["heldout_sha256"]
    assert not np.array_equal(heldout_split(labels, seed=1)[1], held)


def test_the_shipped_judge_reads_heldout_digits(digits):
    images, labels = digits
    _, held = heldout_split(labels)
    features, probs = judge_features(images[held])
    assert features.shape == (1000, 128) and features.dtype == np.float64
    assert probs.shape == (1000, 10) and np.allclose(probs.sum(axis=1), 1.0)
    assert (probs.argmax(axis=1) == labels[held]).mean() > 0.97
    judge = load_judge()
    assert judge is load_judge() and not judge.training


def test_judge_refuses_other_shapes():
    with pytest.raises(ValueError, match="28, 28, 1"):
        judge_features(np.zeros((2, 28, 28, 3), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        judge_features(np.zeros((2, 28, 28, 1), np.float32))
    features, probs = judge_features(np.zeros((0, 28, 28, 1), np.uint8))
    assert features.shape == (0, 128) and probs.shape == (0, 10)


# -- metrics on known cases --------------------------------------------------------------------


def test_frechet_distance_is_exact_symmetric_and_zero_on_itself():
    x = np.random.default_rng(0).normal(size=(400, 6)) @ np.diag([1, 2, 3, 0.5, 1, 1])
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)
    # b = 2x + 1: Cb = 4Ca, so (Ca Cb)^1/2 = 2Ca and the trace terms leave Tr(Ca).
    b = 2 * x + 1
    expected = np.sum((x.mean(0) + 1) ** 2) + np.trace(np.cov(x, rowvar=False))
    assert frechet_distance(x, b) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance(b, x) == pytest.approx(frechet_distance(x, b), rel=1e-9)
    with pytest.raises(ValueError, match="feature sizes"):
        frechet_distance(x, x[:, :3])


def test_kid_is_near_zero_for_one_distribution_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(600, 16)), rng.normal(size=(600, 16))
    # One set against itself reads slightly low: subsets drawn from it share points, and the
    # cross term then includes k(x, x) (a bias of -2 (mean k(x, x) - mean k) / (N - 1), ~-0.02 here).
    assert abs(kernel_inception_distance(a, a)) < 0.05
    assert abs(kernel_inception_distance(a, b)) < 0.05
    assert kernel_inception_distance(a, b + 0.5) > 0.1
    assert kernel_inception_distance(a, b + 1.0) > kernel_inception_distance(a, b + 0.5)
    assert kernel_inception_distance(a, b, seed=3) == kernel_inception_distance(a, b, seed=3)


def test_precision_recall_on_overlapping_and_disjoint_sets():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(300, 4))
    assert precision_recall(a, a) == (1.0, 1.0)
    assert precision_recall(a, a + 100) == (0.0, 0.0)
    # Fakes on one half of the real cloud: all plausible, but half the reals are never reached.
    precision, recall = precision_recall(a, a[a[:, 0] > 0])
    assert precision == 1.0 and 0.3 < recall < 0.8


def test_class_coverage_counts_classes_above_two_percent():
    probs = np.full((1000, 10), 0.01)
    predicted = np.r_[np.repeat(np.arange(9), 110), [9] * 10]  # class 9 at 1%: not covered
    probs[np.arange(1000), predicted] = 0.91
    coverage = class_coverage(probs)
    assert coverage["class_histogram"] == [110] * 9 + [10]
    assert coverage["modes_covered"] == 9
    assert coverage["mean_confidence"] == pytest.approx(0.91)
    assert class_coverage(probs, threshold=0.005)["modes_covered"] == 10


def test_diversity_and_nearest_train_distance():
    points = np.array([[0.0, 0.0], [3.0, 4.0]])
    assert diversity(points) == pytest.approx(5.0)
    assert diversity(np.zeros((5, 28, 28, 1), np.uint8)) == 0.0
    white_black = np.stack([np.zeros((2, 2, 1), np.uint8), np.full((2, 2, 1), 255, np.uint8)])
    assert diversity(white_black) == pytest.approx(2.0)  # uint8 is measured in [0, 1]: sqrt(4)
    train = np.array([[0.0, 0.0], [10.0, 0.0]])
    assert nearest_train_distance(np.array([[1.0, 0.0], [10.0, 2.0]]), train) == pytest.approx([1.0, 2.0])


# -- reports on real and broken digits ---------------------------------------------------------


def test_real_digits_score_at_the_floor(real_report):
    reference = reference_stats()
    assert reference is reference_stats()  # cached per process
    assert reference.features.shape == reference.floor_features.shape == (1000, 128)
    report = real_report
    assert report.n == 1000 and report.fcd_floor == reference.fcd_floor
    assert 0 < report.fcd <= 2 * report.fcd_floor + 0.5
    assert abs(report.kid) < 0.05 and abs(report.kid_floor) < 0.05
    assert report.precision > 0.6 and report.recall > 0.6
    assert report.modes_covered == 10 and sum(report.class_histogram) == 1000
    assert report.mean_confidence > 0.95


def _blurred(images: np.ndarray) -> np.ndarray:
    return np.stack([
        np.asarray(Image.fromarray(im[..., 0]).filter(ImageFilter.GaussianBlur(2)))[..., None] for im in images
    ])


def test_noise_blur_and_a_repeated_digit_score_clearly_worse(real, real_report):
    good = real_report
    noise = np.random.default_rng(2).integers(0, 256, (1000, 28, 28, 1), dtype=np.uint8)
    repeated = np.repeat(real[:1], 1000, axis=0)
    reports = {name: evaluate_samples(x) for name, x in [("noise", noise), ("blur", _blurred(real)), ("repeated", repeated)]}
    for name, report in reports.items():
        assert report.fcd > max(40.0, 20 * good.fcd), name
        assert report.kid > good.kid + 0.5, name
    assert reports["noise"].precision < 0.1 and reports["noise"].recall < 0.1
    assert reports["blur"].recall < 0.1 and reports["blur"].mean_confidence < 0.8
    assert reports["repeated"].modes_covered == 1 and reports["repeated"].recall < 0.05
    assert diversity(repeated) < 1e-6 < diversity(real)


def test_quality_imports_no_torch():
    code = "import gan_studio.core.quality.metrics, sys; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
