"""A cache of decoded image folders, so that a folder is decoded once and later loads are instant.

A folder's images are decoded (in parallel, see images.decode_files) into one uint8 array and
stored under ``$XDG_CACHE_HOME/gan-studio/images/<key>/`` as ``images.npy`` (+ ``labels.npy``)
and ``entry.json``. Later loads memory-map the array (copy-on-write, so training may treat it as
its own) instead of decoding again.

- The key is a hash of the folder's listing (every image file's relative path, size, mode, and
  modification and change times in nanoseconds) and of the load options (channels, size, resampling,
  limit): adding, removing, rewriting or touching any file gives another key, so a changed
  folder is decoded afresh and never served from an old entry.
- ``entry.json`` records the dataset fingerprint (a sha256 over the pixels, see
  ImageDataset.fingerprint) taken when the entry was written. Every load recomputes it over the
  mapped bytes (~0.1 s per 50 MB, a cost the run pays for its run.json anyway): a truncated or
  altered entry fails that check, is deleted and decoded again. It never returns a wrong image.
- The total size is bounded by ``GAN_STUDIO_IMAGE_CACHE_MB`` (default 2048; 0 turns the cache
  off). When a new entry would pass the bound, the least recently used entries are deleted.
- Writing is best effort: an entry is built in a temporary folder and renamed into place, and a
  full disk or a read-only cache folder only costs the next load its speed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .dataset import ImageDataset, LoadReport

FORMAT = 1  # bump when the layout of an entry, or what a decode produces, changes
LIMIT_ENV = "GAN_STUDIO_IMAGE_CACHE_MB"
DEFAULT_LIMIT_MB = 2048
_ENTRY = "entry.json"


@dataclass(frozen=True)
class CacheSettings:
    folder: Path  # where entries live: $XDG_CACHE_HOME/gan-studio/images
    limit_bytes: int  # the bound on all entries together; 0 = the cache is off

    @classmethod
    def from_environment(cls) -> CacheSettings:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        text = os.environ.get(LIMIT_ENV, "").strip()
        try:
            megabytes = float(text) if text else DEFAULT_LIMIT_MB
        except ValueError:
            megabytes = DEFAULT_LIMIT_MB  # a typo in the variable must not stop a load
        return cls(Path(base) / "gan-studio" / "images", max(0, int(megabytes * 1024 * 1024)))

    @property
    def enabled(self) -> bool:
        return self.limit_bytes > 0


def folder_key(root: Path, found: list[tuple[str, ...]], options: tuple) -> str | None:
    """The cache key of a folder listing and load options, or None when a file cannot be stat'ed
    (it will be reported as unreadable by the decode, which is then not cached)."""
    digest = hashlib.sha256(repr((FORMAT, str(root.resolve()), options)).encode())
    for parts in found:
        try:
            stat = os.stat(root.joinpath(*parts))
        except OSError:
            return None
        # ctime and mode too: a chmod that makes an unreadable file readable changes no mtime.
        digest.update(repr((parts, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_mode)).encode())
    return digest.hexdigest()[:24]


def read_entry(settings: CacheSettings, key: str, source: str) -> ImageDataset | None:
    """The cached dataset for ``key``, verified against its fingerprint; None when absent or bad."""
    entry = settings.folder / key
    if not (entry / _ENTRY).is_file():
        return None
    try:
        info = json.loads((entry / _ENTRY).read_text(encoding="utf-8"))
        images = np.load(entry / "images.npy", mmap_mode="c", allow_pickle=False)
        labels = np.load(entry / "labels.npy", allow_pickle=False) if info["labelled"] else None
        if info["format"] != FORMAT or list(images.shape) != info["shape"] or images.dtype != np.uint8:
            raise ValueError("entry does not match its record")
        report = LoadReport(**{**info["report"], "source": source})
        report.skipped = [tuple(item) for item in report.skipped]
        dataset = ImageDataset(images, labels, list(info["class_names"]), report)
        if dataset.fingerprint != info["fingerprint"]:
            raise ValueError("pixels do not match the fingerprint")
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        shutil.rmtree(entry, ignore_errors=True)  # decoded again by the caller, then rewritten
        return None
    try:
        os.utime(entry / _ENTRY)  # the last use, for evicting the least recently used entries
    except OSError:
        pass
    report.from_cache = True
    return dataset


def write_entry(settings: CacheSettings, key: str, dataset: ImageDataset) -> bool:
    """Store ``dataset`` under ``key`` and evict old entries past the bound; False when not stored."""
    size = dataset.images.nbytes + (0 if dataset.labels is None else dataset.labels.nbytes)
    if size > settings.limit_bytes:
        return False
    info = {
        "format": FORMAT,
        "shape": list(dataset.images.shape),
        "labelled": dataset.labels is not None,
        "class_names": dataset.class_names,
        "fingerprint": dataset.fingerprint,
        "report": {**asdict(dataset.report), "from_cache": False},
        "created": time.time(),
    }
    try:
        settings.folder.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=settings.folder))
        try:
            np.save(building / "images.npy", np.ascontiguousarray(dataset.images), allow_pickle=False)
            if dataset.labels is not None:
                np.save(building / "labels.npy", dataset.labels, allow_pickle=False)
            (building / _ENTRY).write_text(json.dumps(info), encoding="utf-8")  # last: marks it complete
            _evict(settings, room_for=size)
            os.replace(building, settings.folder / key)
        finally:
            shutil.rmtree(building, ignore_errors=True)  # gone already when the rename succeeded
    except OSError:
        return False
    return True


def cache_size(settings: CacheSettings) -> int:
    """Bytes used by all complete entries."""
    return sum(size for _, _, size in _entries(settings))


def clear_cache(settings: CacheSettings) -> None:
    for path, _, _ in _entries(settings):
        shutil.rmtree(path, ignore_errors=True)


def _entries(settings: CacheSettings) -> list[tuple[Path, float, int]]:
    """(folder, last use, bytes) of every complete entry, least recently used first."""
    found = []
    try:
        children = list(settings.folder.iterdir())
    except OSError:
        return []
    for child in children:
        if child.name.startswith("."):
            continue  # an entry being built (see write_entry)
        try:
            last_use = (child / _ENTRY).stat().st_mtime
            size = sum(file.stat().st_size for file in child.iterdir())
        except OSError:
            continue  # an entry being deleted
        found.append((child, last_use, size))
    return sorted(found, key=lambda item: item[1])


def _evict(settings: CacheSettings, room_for: int) -> None:
    entries = _entries(settings)
    total = sum(size for _, _, size in entries)
    for path, _, size in entries:
        if total + room_for <= settings.limit_bytes:
            break
        shutil.rmtree(path, ignore_errors=True)
        total -= size
