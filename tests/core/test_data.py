"""The data layer: built-in digits, limit, fingerprint, preview, dispatch, progress and cancel."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gan_studio.core.config import DataConfig
from gan_studio.core.data import ImageDataset, LoadReport, load_dataset, source_kind
from gan_studio.core.data.dataset import priority_order
from gan_studio.core.errors import DataError
from gan_studio.core.jobs import Cancelled, TaskState


def write_classes(root: Path, per_class: int = 3, classes: str = "ab", size: int = 8) -> None:
    for c, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = np.full((size, size), 40 * c + i, dtype=np.uint8)
            Image.fromarray(pixels, "L").save(root / name / f"{i}.png")


def test_builtin_digits_load_whole_and_fast():
    start = time.perf_counter()
    data = load_dataset(DataConfig())
    elapsed = time.perf_counter() - start
    assert data.images.shape == (5000, 28, 28, 1) and data.images.dtype == np.uint8
    assert data.labels is not None and data.labels.dtype == np.int64
    assert np.bincount(data.labels).tolist() == [500] * 10
    assert data.class_names == [str(d) for d in range(10)] and data.num_classes == 10
    assert data.report.kind == "builtin" and data.report.loaded == 5000 and data.report.skipped == []
    assert data.summary() == "5000 images, 28×28×1, 10 classes"
    assert data.report.summary() == "5000 images loaded"
    assert elapsed < 0.5  # no per-image work (typically ~20 ms; generous for a busy CI machine)


def test_builtin_limit_takes_every_class_evenly():
    data = load_dataset(DataConfig(limit=64))
    assert len(data.images) == 64
    counts = np.bincount(data.labels, minlength=10)
    assert counts.min() >= 6 and counts.max() <= 7
    assert data.num_classes == 10
    assert "kept 64 of 5000" in data.report.summary()
    again = load_dataset(DataConfig(limit=64))
    assert np.array_equal(again.images, data.images) and np.array_equal(again.labels, data.labels)


def test_builtin_converts_to_rgb_and_resizes():
    data = load_dataset(DataConfig(channels=3, image_size=32, limit=20))
    assert data.images.shape == (20, 32, 32, 3)
    assert np.array_equal(data.images[..., 0], data.images[..., 2])
    assert data.report.resized == 20


def test_unknown_builtin_is_an_error():
    with pytest.raises(DataError, match="builtin:digits"):
        load_dataset(DataConfig(source="builtin:faces"))


def test_priority_order_interleaves_classes():
    assert priority_order(np.array([0, 0, 0, 1, 1, 2]), 6).tolist() == [0, 3, 5, 1, 4, 2]
    assert priority_order(None, 4).tolist() == [0, 1, 2, 3]


def _dataset(images: np.ndarray, labels: np.ndarray | None) -> ImageDataset:
    names = [] if labels is None else [str(v) for v in range(int(labels.max()) + 1)]
    return ImageDataset(images, labels, names, LoadReport("x", "npy", len(images)))


def test_fingerprint_is_stable_and_follows_the_data():
    images = np.arange(4 * 8 * 8, dtype=np.uint8).reshape(4, 8, 8, 1)
    labels = np.array([0, 1, 0, 1])
    first = _dataset(images, labels).fingerprint
    assert len(first) == 16 and int(first, 16) >= 0
    assert _dataset(images.copy(), labels.copy()).fingerprint == first
    changed = images.copy()
    changed[2, 3, 3, 0] ^= 1
    assert _dataset(changed, labels).fingerprint != first
    assert _dataset(images, np.array([1, 1, 0, 1])).fingerprint != first
    assert _dataset(images, None).fingerprint != first
    assert _dataset(images.reshape(4, 8, 4, 2), labels).fingerprint != first


def test_preview_is_deterministic_and_spread_over_classes():
    data = load_dataset(DataConfig())
    picked = data.preview(20, seed=3)
    assert picked.shape == (20, 28, 28, 1)
    assert np.array_equal(picked, data.preview(20, seed=3))
    assert not np.array_equal(picked, data.preview(20, seed=4))
    # each picked image is a digit from its class's position in the round-robin
    index = [int(np.flatnonzero((data.images == image).all(axis=(1, 2, 3)))[0]) for image in picked]
    assert data.labels[index].tolist() == list(range(10)) * 2
    unlabelled = _dataset(data.images[:30], None)
    assert unlabelled.preview(50).shape == (30, 28, 28, 1)
    assert unlabelled.summary() == "30 images, 28×28×1, unlabelled"


def test_report_summary_groups_reasons():
    report = LoadReport("/x", "folder", 5000, [("a", "not an image"), ("b", "empty file"), ("c", "not an image")])
    assert report.summary() == "5000 images loaded, 3 files skipped (2 not an image, 1 empty file)"
    report.skipped.append(("d", "image too large (900 pixels)"))
    report.resized = 2
    assert report.summary().endswith("(2 not an image, 1 empty file, 1 image too large), 2 resized")


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(DataError, match=r"nowhere.*does not exist"):
        load_dataset(DataConfig(source=str(tmp_path / "nowhere")))


def test_single_image_file_asks_for_its_folder(tmp_path):
    Image.new("L", (8, 8)).save(tmp_path / "one.png")
    with pytest.raises(DataError, match="choose the folder"):
        load_dataset(DataConfig(source=str(tmp_path / "one.png")))


def test_unknown_file_is_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match="not a data source"):
        load_dataset(DataConfig(source=str(tmp_path / "notes.txt")))


def test_tilde_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    write_classes(tmp_path / "set")
    assert source_kind("~/set") == "folder"
    assert len(load_dataset(DataConfig(source="~/set", image_size=8)).images) == 6


def test_progress_reports_until_done(tmp_path):
    write_classes(tmp_path, per_class=5)
    calls: list[tuple[int, int]] = []
    load_dataset(DataConfig(source=str(tmp_path), image_size=8), TaskState(lambda d, t: calls.append((d, t))))
    assert calls and calls[-1] == (10, 10)
    assert all(0 < done <= total == 10 for done, total in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


class CountingTask(TaskState):
    """Cancelled from the ``after``-th question on; counts the questions."""

    def __init__(self, after: int, progress=None) -> None:
        super().__init__(progress)
        self.after, self.asked = after, 0

    def is_cancelled(self) -> bool:
        self.asked += 1
        return self.asked > self.after


def test_cancel_stops_folder_loading(tmp_path):
    write_classes(tmp_path, per_class=20)
    seen: list[int] = []
    task = CountingTask(3, lambda d, t: seen.append(d))
    with pytest.raises(Cancelled, match="loading cancelled"):
        load_dataset(DataConfig(source=str(tmp_path), image_size=8), task)
    assert task.asked == 4  # it stopped at the first question answered True
    assert seen and max(seen) < 40


def test_cancel_stops_array_loading():
    task = TaskState()
    task.cancel()
    with pytest.raises(Cancelled, match="loading cancelled"):
        load_dataset(DataConfig(image_size=32), task)


def test_folder_limit_reads_only_what_it_keeps(tmp_path):
    write_classes(tmp_path, per_class=10, classes="abc")
    (tmp_path / "a" / "0.png").write_bytes(b"broken")  # the first pick fails: one more is read
    data = load_dataset(DataConfig(source=str(tmp_path), image_size=8, limit=4))
    assert len(data.images) == 4 and data.labels.tolist() == [0, 1, 1, 2]
    assert len(data.report.skipped) == 1
    assert "kept 4 of 30" in data.report.summary()


def test_data_package_imports_neither_torch_nor_qt():
    code = "import gan_studio.core.data, sys; assert 'torch' not in sys.modules and 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
