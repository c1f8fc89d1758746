"""Named points of a run's latent space, kept in RUN/bookmarks.json (no torch, no Qt)."""

from __future__ import annotations

import datetime as _dt
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomic
from ..errors import GanStudioError

BOOKMARKS_FILE = "bookmarks.json"
BOOKMARKS_FORMAT = "gan-studio-bookmarks"
BOOKMARKS_VERSION = 1


@dataclass
class Bookmark:
    name: str  # shown in the list; need not be unique
    z: list[float] = field(default_factory=list)  # the latent vector (untruncated)
    label: int | None = None  # class of a conditional model, else None
    psi: float = 1.0  # truncation applied when rendering: z * psi
    created: str = ""  # ISO 8601 time, e.g. "2024-05-01T12:00:00+02:00"


def new_bookmark(name: str, z, label: int | None = None, psi: float = 1.0) -> Bookmark:
    """A bookmark stamped with the current local time; ``z`` may be any sequence or numpy array."""
    created = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return Bookmark(name=name, z=[float(v) for v in z], label=label, psi=float(psi), created=created)


def bookmarks_path(run_dir) -> Path:
    return Path(run_dir).expanduser() / BOOKMARKS_FILE


def load_bookmarks(run_dir) -> list[Bookmark]:
    """The run's bookmarks, oldest first; [] when it has none. A damaged file is an error naming it."""
    path = bookmarks_path(run_dir)
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise GanStudioError(f"cannot read bookmarks file {path}: {error}") from None
    if not isinstance(data, dict) or data.get("format") != BOOKMARKS_FORMAT or not isinstance(data.get("bookmarks"), list):
        raise GanStudioError(f"{path} is not a GAN Studio bookmarks file")
    if data.get("version") != BOOKMARKS_VERSION:
        raise GanStudioError(f"{path} has version {data.get('version')}; this version reads {BOOKMARKS_VERSION}")
    try:
        return [_bookmark(item) for item in data["bookmarks"]]
    except (TypeError, ValueError) as error:
        raise GanStudioError(f"{path} holds a damaged bookmark: {error}") from None


def save_bookmarks(run_dir, bookmarks: list[Bookmark]) -> None:
    """Write all bookmarks at once, atomically (a crash leaves the old file or the new one)."""
    path = bookmarks_path(run_dir)
    try:
        items = [_bookmark(asdict(b)) for b in bookmarks]  # the checks of loading: never write junk
    except (TypeError, ValueError) as error:
        raise GanStudioError(f"cannot save bookmarks to {path}: {error}") from None
    payload = {"format": BOOKMARKS_FORMAT, "version": BOOKMARKS_VERSION, "bookmarks": [asdict(b) for b in items]}
    try:
        write_text_atomic(path, json.dumps(payload, indent=1))
    except OSError as error:
        raise GanStudioError(f"cannot write bookmarks file {path}: {error.strerror or error}") from None


def _bookmark(item: Any) -> Bookmark:
    if not isinstance(item, dict):
        raise TypeError(f"expected an object, got {type(item).__name__}")
    name, z, label = item.get("name"), item.get("z"), item.get("label")
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {name!r}")
    if hasattr(z, "tolist"):  # a numpy vector straight from the explorer
        z = z.tolist()
    if not isinstance(z, (list, tuple)) or not z:
        raise TypeError(f"bookmark {name!r}: z must be a non-empty list of numbers")
    values = [_number(v, name, "z") for v in z]
    if label is not None and (isinstance(label, bool) or not isinstance(label, int)):
        raise TypeError(f"bookmark {name!r}: label must be an integer or null, got {label!r}")
    psi = _number(item.get("psi", 1.0), name, "psi")
    created = item.get("created", "")
    if not isinstance(created, str):
        raise TypeError(f"bookmark {name!r}: created must be a string")
    return Bookmark(name=name, z=values, label=label, psi=psi, created=created)


def _number(value: Any, name: str, what: str) -> float:
    # Duck-typed so numpy scalars pass; bool is excluded (json true is not a coordinate).
    if isinstance(value, (bool, str)) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise TypeError(f"bookmark {name!r}: {what} must hold numbers, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"bookmark {name!r}: {what} must be finite, got {number}")
    return number
