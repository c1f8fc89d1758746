"""Two to six runs side by side: their curves on shared axes, their grids at one epoch, their configs' diff.

:func:`load_comparison` reads the run folders (plain files, tolerant of runs still being written,
as the catalogue is) into a :class:`Comparison` of numpy arrays, which the window's compare view
and the Pillow picture of ``gan-studio compare`` (compare_picture.py) both draw. Per-step curves
are averaged into at most MAX_POINTS bins, so six runs of a million steps each stay light.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import RunConfig
from ..errors import ConfigError, GanStudioError
from ..jobs import NO_TASK, TaskState
from .catalogue import scored_rows
from .folder import RunFolder

MIN_RUNS, MAX_RUNS = 2, 6
# One colour per run, in order (matplotlib's tab10): told apart by most colour-blind readers too.
RUN_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
ALIGNMENTS = ("epoch", "images")  # the curves' x axis: epochs (fractional), or real images seen
# The curves compared, by metrics.csv column: (column, title).
CURVES = (("d_loss", "D loss"), ("g_loss", "G loss"), ("d_real", "D(x)"), ("d_fake", "D(G(z))"))
MAX_POINTS = 600  # bins per curve: about one per horizontal pixel of a plot


@dataclass
class RunCurves:
    """One run's part of a comparison: binned per-step curves, quality per epoch, grid files."""

    path: Path
    name: str
    colour: str
    config: dict[str, Any]  # run.json's "config"
    parent: str
    epoch: np.ndarray  # the x of each binned point, in (fractional) epochs
    images: np.ndarray  # ... in real images seen
    values: dict[str, np.ndarray]  # column -> binned mean per point (NaN where a bin has none)
    score_name: str = ""  # "FCD", "FD" or ""
    quality_epoch: np.ndarray = field(default_factory=lambda: np.empty(0))
    quality_images: np.ndarray = field(default_factory=lambda: np.empty(0))
    quality: np.ndarray = field(default_factory=lambda: np.empty(0))
    grids: dict[int, Path] = field(default_factory=dict)  # epoch -> samples/epoch-NNNN.png

    def x(self, align: str) -> np.ndarray:
        return self.images if align == "images" else self.epoch

    def quality_x(self, align: str) -> np.ndarray:
        return self.quality_images if align == "images" else self.quality_epoch


@dataclass
class Comparison:
    runs: list[RunCurves]
    diff: list[tuple[str, list[str]]]  # config keys whose values differ: (dotted key, value per run)

    def common_epochs(self) -> list[int]:
        """Epochs for which every run has a fixed-noise grid, oldest first."""
        common = set.intersection(*(set(run.grids) for run in self.runs)) if self.runs else set()
        return sorted(common)

    def grid_epoch(self, wanted: int | None = None) -> int | None:
        """The epoch to show grids at: ``wanted`` if every run has it, else the latest they share,
        else None (then each run shows its own latest grid)."""
        common = self.common_epochs()
        if wanted is not None and wanted in common:
            return wanted
        return common[-1] if common else None

    def score_name(self) -> str:
        names = {run.score_name for run in self.runs if run.score_name}
        return names.pop() if len(names) == 1 else "score" if names else ""


def load_comparison(paths: list[Path], task: TaskState = NO_TASK) -> Comparison:
    """Read 2 to 6 run folders into a Comparison; one sentence when it cannot be made."""
    paths = [Path(p).expanduser() for p in paths]
    if not MIN_RUNS <= len(paths) <= MAX_RUNS:
        raise GanStudioError(f"compare takes {MIN_RUNS} to {MAX_RUNS} runs; {len(paths)} given")
    if len({p.resolve() for p in paths}) != len(paths):
        raise GanStudioError("the same run is named twice: compare takes different runs")
    runs = []
    for index, path in enumerate(paths):
        task.check("the comparison was cancelled")
        runs.append(load_run_curves(RunFolder.open(path), RUN_COLOURS[index]))
        task.set_progress(index + 1, len(paths))
    return Comparison(runs, config_diff([_comparable(run) for run in runs]))


def load_run_curves(run: RunFolder, colour: str) -> RunCurves:
    metrics = run.read_metrics()
    steps = metrics.get("step", np.empty(0))
    per_epoch_steps, per_epoch_images, batch = _epoch_size(run)
    x_steps, values = bin_columns(steps, {column: metrics.get(column, np.full(steps.shape, np.nan)) for column, _ in CURVES})
    quality = run.read_quality()
    score_name, rows = scored_rows(quality)
    q_epoch = np.array([row["epoch"] for row in rows], dtype=np.float64)
    q_values = np.array([row["fcd"] for row in rows], dtype=np.float64)
    parent = run.info.get("parent")
    return RunCurves(
        path=run.path,
        name=run.path.name,
        colour=colour,
        config=dict(run.info.get("config", {})),
        parent=str(parent.get("run") or parent.get("checkpoint") or "") if isinstance(parent, dict) else "",
        epoch=x_steps / per_epoch_steps,
        images=_images_at(x_steps, per_epoch_steps, per_epoch_images, batch),
        values=values,
        score_name=score_name,
        quality_epoch=q_epoch,
        quality_images=q_epoch * per_epoch_images,
        quality=q_values,
        grids=dict(run.sample_paths()),
    )


def _epoch_size(run: RunFolder) -> tuple[int, int, int]:
    """(steps, real images) per epoch and the batch size, from run.json (or epochs.csv's first row)."""
    train = run.config.train
    count = int(run.info.get("dataset", {}).get("count") or 0)
    if count >= train.batch_size:
        steps = count // train.batch_size if train.drop_last else math.ceil(count / train.batch_size)
        return steps, (steps * train.batch_size if train.drop_last else count), train.batch_size
    epochs = run.read_epochs()
    steps = int(epochs[0]["step"]) if epochs and np.isfinite(epochs[0].get("step", np.nan)) else 1
    return max(1, steps), max(1, steps) * train.batch_size, train.batch_size


def _images_at(steps: np.ndarray, per_epoch_steps: int, per_epoch_images: int, batch: int) -> np.ndarray:
    full = np.floor(steps / per_epoch_steps)
    return full * per_epoch_images + (steps - full * per_epoch_steps) * batch


def bin_columns(steps: np.ndarray, columns: dict[str, np.ndarray], max_points: int = MAX_POINTS) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Average the per-step values into at most ``max_points`` bins of consecutive steps.

    Returns (the mean step of each bin, column -> the mean of its finite values, NaN if none).
    Fewer steps than bins are returned as they are.
    """
    steps = np.asarray(steps, dtype=np.float64)
    if steps.size <= max_points:
        return steps.copy(), {k: np.asarray(v, dtype=np.float64).copy() for k, v in columns.items()}
    edges = np.linspace(0, steps.size, max_points + 1).astype(np.int64)
    counts = np.diff(edges)
    x = np.add.reduceat(steps, edges[:-1]) / counts
    binned = {}
    for key, values in columns.items():
        values = np.asarray(values, dtype=np.float64)
        finite = np.isfinite(values)
        sums = np.add.reduceat(np.where(finite, values, 0.0), edges[:-1])
        n = np.add.reduceat(finite.astype(np.float64), edges[:-1])
        with np.errstate(invalid="ignore", divide="ignore"):
            binned[key] = np.where(n > 0, sums / np.maximum(n, 1), np.nan)
    return x, binned


def _comparable(run: RunCurves) -> dict[str, Any]:
    try:  # a run made by an earlier version lacks the newer keys: it ran with their defaults
        config = RunConfig.from_dict(run.config).to_dict()
    except ConfigError:
        config = run.config
    values = _flatten(config)
    values["parent"] = run.parent or "—"
    return values


def _flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def config_diff(configs: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """(key, value per config as text) for every key whose values are not all the same; a key
    a config lacks shows as "—". Keys in the order the first config has them, then the rest."""
    keys: dict[str, None] = {}
    for config in configs:
        keys.update(dict.fromkeys(config))
    diff = []
    for key in keys:
        texts = [_text(config[key]) if key in config else "—" for config in configs]
        if len(set(texts)) > 1:
            diff.append((key, texts))
    return diff


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).lower() if isinstance(value, bool) else str(value)
