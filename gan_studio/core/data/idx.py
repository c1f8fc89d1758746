"""MNIST's IDX format: ``train-images-idx3-ubyte[.gz]`` and its ``train-labels-idx1-ubyte[.gz]``.

An IDX file is a 4-byte magic (two zero bytes, a dtype code, the number of dimensions), one
big-endian uint32 per dimension, then the values, big-endian, row-major.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from ..errors import DataError
from .convert import ArraySource

GZIP_MAGIC = b"\x1f\x8b"
IMAGES_MAGIC = b"\x00\x00\x08\x03"  # unsigned bytes, 3 dimensions: what MNIST images start with
DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def is_idx_name(name: str) -> bool:
    name = name.lower()
    return name.endswith(("idx3-ubyte", "idx3-ubyte.gz", "idx1-ubyte", "idx1-ubyte.gz"))


def looks_like_idx(path: Path) -> bool:
    """True when the file starts with the IDX images magic, plain or inside gzip."""
    try:
        with open(path, "rb") as file:
            head = file.read(4)
            if head[:2] == GZIP_MAGIC:
                file.seek(0)
                with gzip.GzipFile(fileobj=file) as inner:
                    head = inner.read(4)
    except (OSError, EOFError, zlib.error):
        return False
    return head == IMAGES_MAGIC


def read_idx_array(path: Path, ndim: int) -> np.ndarray:
    """The array in an IDX file, which must have ``ndim`` dimensions; DataError naming the problem."""
    data = _read_bytes(path)
    if len(data) < 4 or data[:2] != b"\x00\x00":
        raise DataError(f"{path} is not an IDX file: wrong magic number {data[:4].hex(' ') or '(empty file)'}")
    code, dims = data[2], data[3]
    if code not in DTYPES:
        raise DataError(f"{path} has an unknown IDX dtype code 0x{code:02x} (expected 0x08 for unsigned bytes)")
    if dims != ndim:
        what = "a labels file" if dims == 1 else f"{dims}-dimensional"
        raise DataError(f"{path} is {what}, not the {'images' if ndim == 3 else 'labels'} IDX file expected ({ndim} dimensions)")
    header = 4 + 4 * dims
    if len(data) < header:
        raise DataError(f"{path} is truncated: its header ends after {len(data)} bytes")
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=dims, offset=4))
    dtype = np.dtype(DTYPES[code])
    need = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header < need:
        raise DataError(
            f"{path} is truncated: its header says {'×'.join(map(str, shape))} values ({need} bytes) "
            f"but the file holds {len(data) - header} bytes after the header"
        )
    return np.frombuffer(data, dtype=dtype, count=need // dtype.itemsize, offset=header).reshape(shape)


def _read_bytes(path: Path) -> bytes:
    try:
        with open(path, "rb") as file:
            data = file.read()
        if data[:2] == GZIP_MAGIC:
            data = gzip.decompress(data)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise DataError(f"{path} is a damaged or truncated gzip file ({error})") from None
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror or error}") from None
    return data


def labels_path(images: Path) -> tuple[Path | None, list[str]]:
    """The labels file beside an images file (same prefix, idx1 and "labels"), and the names tried."""
    name = images.name
    base = name[:-3] if name.lower().endswith(".gz") else name
    lower = base.lower()
    cut = lower.rfind("images")
    if cut < 0 or "idx3" not in lower:
        return None, []
    stem = base[:cut] + "labels" + base[cut + len("images") :]
    stem = stem.replace("idx3", "idx1").replace("IDX3", "IDX1")
    tried = [stem, stem + ".gz"]
    for candidate in tried:
        if (images.parent / candidate).is_file():
            return images.parent / candidate, tried
    return None, tried


def read_idx(path: Path, source: str) -> ArraySource:
    if path.name.lower().endswith(("idx1-ubyte", "idx1-ubyte.gz")):
        raise DataError(f"{path} is an IDX labels file; choose the images file beside it (…-images-idx3-ubyte)")
    images = read_idx_array(path, 3)
    found, tried = labels_path(path)
    arrays = ArraySource(source, "idx", str(path), images)
    if found is None:
        looked = f" (looked for {' and '.join(tried)})" if tried else ""
        arrays.notes.append(f"unlabelled: no labels file beside {path.name}{looked}")
        return arrays
    arrays.labels = read_idx_array(found, 1)
    arrays.labels_where = str(found)
    if arrays.labels.dtype.kind == "f":
        raise DataError(f"{found} holds floating-point values; expected integer class labels")
    return arrays
