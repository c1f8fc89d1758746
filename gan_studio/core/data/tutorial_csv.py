"""The Analytics Vidhya "identify the digits" layout: ``train.csv`` plus ``Images/train/``.

``train.csv`` has the header ``filename,label``; each row names a file in ``Images/train``
beside it. Rows are numbered as a spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..jobs import TaskState
from .dataset import ImageDataset, LoadReport, map_labels
from .images import decode_files

CSV_NAME = "train.csv"
IMAGES_DIR = ("Images", "train")
COLUMNS = ("filename", "label")


def read_rows(csv_path: Path, report: LoadReport) -> list[tuple[int, str, int]]:
    """(row number, file name, label) for every well-formed row; malformed rows go to ``report.skipped``."""
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as file:
            rows = list(csv.reader(file))
    except UnicodeDecodeError:
        raise DataError(f"{csv_path} is not a UTF-8 text file") from None
    except csv.Error as error:
        raise DataError(f"{csv_path} is not a readable CSV file ({error})") from None
    except OSError as error:
        raise DataError(f"cannot read {csv_path}: {error.strerror or error}") from None
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    if not all(column in header for column in COLUMNS):
        found = ", ".join(cell for cell in header if cell) or "none"
        raise DataError(f"{csv_path} needs the columns {', '.join(COLUMNS)} (columns found: {found})")
    name_at, label_at = header.index("filename"), header.index("label")
    entries: list[tuple[int, str, int]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines, e.g. at the end of the file
        where = f"{csv_path} row {number}"
        if len(row) != len(header):
            report.skipped.append((where, f"malformed row ({len(row)} columns, expected {len(header)})"))
            continue
        name, label = row[name_at].strip(), row[label_at].strip()
        if not name:
            report.skipped.append((where, "malformed row (empty filename)"))
            continue
        try:
            entries.append((number, name, int(label)))
        except ValueError:
            report.skipped.append((where, f"malformed row (label {label[:20]!r} is not an integer)"))
    return entries


def load_tutorial(
    path: Path, source: str, channels: int, size: int, resample: str, limit: int, task: TaskState
) -> ImageDataset:
    """``path`` is the folder holding train.csv, or the CSV file itself."""
    csv_path = path / CSV_NAME if path.is_dir() else path
    folder = csv_path.parent.joinpath(*IMAGES_DIR)
    report = LoadReport(source, "tutorial-csv", 0)
    entries = read_rows(csv_path, report)
    if not folder.is_dir():
        raise DataError(f"{csv_path} names images in {folder}, which does not exist")
    if not entries:
        raise DataError(f"{csv_path} lists no images" + (f" ({report.skipped[0][1]})" if report.skipped else ""))
    present: list[tuple[str, int]] = []
    for number, name, label in entries:
        file = folder / name
        if file.is_file():
            present.append((str(file), label))
        else:
            report.skipped.append((str(file), f"file missing (row {number} of {csv_path.name})"))
    if not present:
        raise DataError(f"none of the {len(entries)} files listed in {csv_path} exist in {folder}")
    labels, names = map_labels(np.array([label for _, label in present], dtype=np.int64))
    paths = [file for file, _ in present]
    before = len(report.skipped)
    images, kept = decode_files(paths, labels, channels, size, resample, limit, report, task)
    if len(images) == 0:
        first_path, first_reason = report.skipped[before]
        raise DataError(f"none of the {len(paths)} images listed in {csv_path} could be read: {first_path}: {first_reason}")
    report.loaded = len(images)
    if limit > 0 and len(images) < len(paths):
        report.notes.append(f"kept {len(images)} of {len(paths)} listed images (data.limit)")
    return ImageDataset(images, kept, names, report)
