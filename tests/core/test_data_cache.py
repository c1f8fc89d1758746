"""The cache of decoded image folders: a second load is served from it, a changed folder or a
damaged entry is decoded again, and its size stays within its bound."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gan_studio.core.config import DataConfig
from gan_studio.core.data import cache, load_dataset
from gan_studio.core.data.dataset import LoadReport
from gan_studio.core.data.images import decode_files
from gan_studio.core.jobs import Cancelled, TaskState


@pytest.fixture
def cache_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(cache.LIMIT_ENV, raising=False)
    return tmp_path / "cache" / "gan-studio" / "images"


def write_folder(root: Path, count: int, labelled: bool = False, seed: int = 0, size: int = 12) -> None:
    rng = np.random.default_rng(seed)
    for i in range(count):
        folder = root / f"class{i % 3}" if labelled else root
        folder.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        Image.fromarray(pixels, "RGB").save(folder / f"{i:04d}.png")


def load(root: Path, **options):
    return load_dataset(DataConfig(source=str(root), channels=options.pop("channels", 3),
                                   image_size=options.pop("image_size", 12), **options))


def entries(cache_home: Path) -> list[Path]:
    return sorted(p for p in cache_home.iterdir() if not p.name.startswith(".")) if cache_home.exists() else []


def test_second_load_comes_from_the_cache_with_the_same_images(tmp_path, cache_home):
    write_folder(tmp_path / "data", 20, labelled=True)
    (tmp_path / "data" / "class0" / "broken.png").write_bytes(b"not a png")
    first = load(tmp_path / "data")
    second = load(tmp_path / "data")
    assert not first.report.from_cache and second.report.from_cache
    assert np.array_equal(first.images, second.images)
    assert np.array_equal(first.labels, second.labels)
    assert second.class_names == first.class_names
    assert second.report.summary() == first.report.summary()  # the skipped file is still reported
    assert second.fingerprint == first.fingerprint
    assert len(entries(cache_home)) == 1


def test_other_options_are_another_entry(tmp_path, cache_home):
    write_folder(tmp_path / "data", 6)
    grey = load(tmp_path / "data", channels=1)
    small = load(tmp_path / "data", image_size=8)
    assert grey.images.shape[-1] == 1 and small.images.shape[1] == 8
    assert not grey.report.from_cache and not small.report.from_cache
    assert len(entries(cache_home)) == 2


def test_a_changed_file_is_decoded_again(tmp_path, cache_home):
    write_folder(tmp_path / "data", 5)
    before = load(tmp_path / "data")
    target = tmp_path / "data" / "0002.png"
    Image.fromarray(np.full((12, 12, 3), 7, np.uint8), "RGB").save(target)
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a new mtime, even on coarse clocks
    after = load(tmp_path / "data")
    assert not after.report.from_cache
    assert not np.array_equal(before.images[2], after.images[2])
    assert np.all(after.images[2] == 7)


def test_an_added_file_is_decoded_again(tmp_path, cache_home):
    write_folder(tmp_path / "data", 5)
    load(tmp_path / "data")
    Image.fromarray(np.zeros((12, 12, 3), np.uint8), "RGB").save(tmp_path / "data" / "9999.png")
    after = load(tmp_path / "data")
    assert not after.report.from_cache and len(after.images) == 6


@pytest.mark.parametrize("damage", ["flip", "truncate", "record"])
def test_a_damaged_entry_is_rebuilt_and_never_returns_wrong_pixels(tmp_path, cache_home, damage):
    write_folder(tmp_path / "data", 8)
    truth = load(tmp_path / "data").images.copy()
    (entry,) = entries(cache_home)
    array_file = entry / "images.npy"
    data = bytearray(array_file.read_bytes())
    if damage == "flip":
        data[-5] ^= 0xFF  # one pixel of the last image
        array_file.write_bytes(bytes(data))
    elif damage == "truncate":
        array_file.write_bytes(bytes(data[: len(data) // 2]))
    else:
        (entry / "entry.json").write_text("{ not json", encoding="utf-8")
    again = load(tmp_path / "data")
    assert not again.report.from_cache
    assert np.array_equal(again.images, truth)
    third = load(tmp_path / "data")  # and the rebuilt entry serves the next load
    assert third.report.from_cache and np.array_equal(third.images, truth)


def test_the_size_bound_evicts_the_least_recently_used(tmp_path, cache_home, monkeypatch):
    for name in "abc":
        write_folder(tmp_path / name, 10, seed=ord(name))
    load(tmp_path / "a")
    one_entry = cache.cache_size(cache.CacheSettings.from_environment())  # pixels, .npy header, entry.json
    monkeypatch.setenv(cache.LIMIT_ENV, str(2.5 * one_entry / (1024 * 1024)))
    load(tmp_path / "b")
    (oldest, newest) = sorted(entries(cache_home), key=lambda p: (p / "entry.json").stat().st_mtime)
    os.utime(oldest / "entry.json", (1, 1))  # a is clearly the least recently used
    load(tmp_path / "c")
    kept = entries(cache_home)
    assert len(kept) == 2 and oldest not in kept and newest in kept
    assert cache.cache_size(cache.CacheSettings.from_environment()) <= 2.5 * one_entry


def test_a_bound_of_zero_turns_the_cache_off(tmp_path, cache_home, monkeypatch):
    monkeypatch.setenv(cache.LIMIT_ENV, "0")
    write_folder(tmp_path / "data", 4)
    load(tmp_path / "data")
    assert not load(tmp_path / "data").report.from_cache
    assert entries(cache_home) == []


def test_parallel_decoding_matches_one_thread_with_and_without_a_limit(tmp_path):
    write_folder(tmp_path / "data", 30, labelled=True)
    (tmp_path / "data" / "class1" / "bad.png").write_bytes(b"")
    paths = sorted(str(p) for p in (tmp_path / "data").rglob("*.png"))
    labels = np.array([int(Path(p).parent.name[-1]) for p in paths])
    for limit in (0, 7):
        results = []
        for workers in (1, 3):
            report = LoadReport("data", "folder", 0)
            images, kept = decode_files(paths, labels, 3, 12, "lanczos", limit, report, TaskState(), workers=workers)
            results.append((images, kept, report.skipped))
        assert np.array_equal(results[0][0], results[1][0])
        assert np.array_equal(results[0][1], results[1][1])
        assert results[0][2] == results[1][2]


def test_cancel_stops_a_parallel_decode(tmp_path):
    write_folder(tmp_path / "data", 40)
    paths = sorted(str(p) for p in (tmp_path / "data").glob("*.png"))
    task = TaskState(progress=lambda done, total: task.cancel() if done >= 3 else None, interval_s=0)
    with pytest.raises(Cancelled):
        decode_files(paths, None, 3, 12, "lanczos", 0, LoadReport("data", "folder", 0), task, workers=2)
