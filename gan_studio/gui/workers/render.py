"""Latest-wins rendering of a generator snapshot in a worker thread, for the latent explorer.

The GUI thread sends values (a weights dict, a path, latent arrays) and receives values (uint8
image arrays, an info dict, principal directions). The render loop builds the snapshot itself
(so torch runs only there) and works through at most one pending request of each kind: a new
source, a render, a direction analysis. A render request that arrives while another is being
rendered replaces the pending one, so a dragged slider never builds a backlog: frames are
dropped, and the newest request is always the next one drawn (Qt's mandelbrot example, with a
condition variable instead of a restart flag).

The loop is a generator run as one long job (jobs.py): it yields each result, which reaches the
GUI thread through the job's relay; its stop command wakes it up to return.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from ...core.jobs import TaskState
from .jobs import Jobs, failure_report


@dataclass
class _Render:
    id: int
    z: np.ndarray
    labels: np.ndarray | None
    tag: object
    generation: int  # how many sources had been asked for when this was requested


def _default_backend() -> Any:
    """The core's snapshot and direction functions; imports torch: only called in the worker."""
    from types import SimpleNamespace

    from ...core.latent import directions
    from ...core.latent import snapshot as latent

    return SimpleNamespace(GeneratorSnapshot=latent.GeneratorSnapshot, principal_directions=directions.principal_directions)


def snapshot_of(source: tuple[str, Any]):
    """A GeneratorSnapshot of what the explorer shows: ("path", Path) or ("weights", (config_json,
    shape, classes, weights, epoch)). Imports torch: call it only in a job's thread."""
    from ...core.latent.snapshot import GeneratorSnapshot

    kind, payload = source
    if kind == "path":
        return GeneratorSnapshot.open(payload)
    from ...core.config import RunConfig

    config_json, image_shape, num_classes, weights, epoch = payload
    return GeneratorSnapshot.from_weights(RunConfig.from_json(config_json), image_shape, num_classes, weights, epoch=epoch)


class RenderWorker(QObject):
    """Owns a render thread and the generator snapshot that lives in it."""

    rendered = Signal(int, object, object)  # request id, tag, uint8 N x H x W x C
    sourceReady = Signal(object)  # dict: z_dim, num_classes, image_shape, epoch, source, arch, class_names
    failed = Signal(str)
    directionsReady = Signal(object)  # gan_studio.core.latent.directions.Directions

    def __init__(self, parent: QObject | None = None, backend: Any = None) -> None:
        """``backend`` stands in for :mod:`gan_studio.core.latent.snapshot` (tests pass fakes)."""
        super().__init__(parent)
        self._backend = backend
        self._cond = threading.Condition()
        self._pending_source: tuple[str, Any, int] | None = None
        self._pending_render: _Render | None = None
        self._pending_directions: tuple[int, int | None] | None = None
        self._stop = False
        self._has_snapshot = False  # written by the worker under the lock; read by both
        self._next_id = 0
        self._generation = 0
        self.render_count = 0  # renders delivered (tests check the coalescing with it)
        self._jobs = Jobs(self)
        self._job = self._jobs.start(self._loop, name="render-worker", stop=self._stop_loop)
        self._job.yielded.connect(self._on_result)

    # -- GUI thread: commands ------------------------------------------------------------------
    def set_source_weights(self, config_json: str, image_shape, num_classes: int, weights: dict, epoch: int | None = None) -> None:
        """Render from now on with these weights (numpy arrays; the caller must not change them)."""
        payload = (config_json, tuple(int(s) for s in image_shape), int(num_classes), weights, epoch)
        self._set_source("weights", payload)

    def set_source_path(self, path: str | Path) -> None:
        """Render from a run folder, a checkpoint, or exported generator weights."""
        self._set_source("path", Path(path))

    def _set_source(self, kind: str, payload: Any) -> None:
        with self._cond:
            self._generation += 1
            self._pending_source = (kind, payload, self._generation)
            self._cond.notify()

    def request(self, z: np.ndarray, labels: np.ndarray | None = None, tag: object = None) -> int:
        """Ask for ``z`` (N x z_dim) to be drawn; replaces any request not yet started."""
        z = np.array(z, dtype=np.float32, copy=True, ndmin=2)  # a copy: the caller keeps editing its own
        labels = None if labels is None else np.array(labels, dtype=np.int64, copy=True).reshape(-1)
        with self._cond:
            self._next_id += 1
            self._pending_render = _Render(self._next_id, z, labels, tag, self._generation)
            self._cond.notify()
            return self._next_id

    def compute_directions(self, k: int = 8, label: int | None = None) -> None:
        """Find the generator's principal latent directions (after any pending source loads)."""
        with self._cond:
            self._pending_directions = (int(k), label)
            self._cond.notify()

    def has_source(self) -> bool:
        with self._cond:
            return self._has_snapshot

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the loop and wait for it; True when it has ended (idempotent). Nothing more is emitted."""
        self._job.cancel()
        return self._jobs.join(timeout_ms)

    def is_running(self) -> bool:
        return self._job.is_running()

    def _stop_loop(self) -> None:
        with self._cond:
            self._stop = True
            self._pending_source = self._pending_render = self._pending_directions = None
            self._cond.notify()

    # -- render thread ---------------------------------------------------------------------------
    def _next_job(self) -> tuple[str, Any] | None:
        """Wait for work; sources first (later renders need them), renders before analyses."""
        with self._cond:
            while True:
                if self._stop:
                    return None
                if self._pending_source is not None:
                    job, self._pending_source = self._pending_source, None
                    return "source", job
                if self._has_snapshot and self._pending_render is not None:
                    job, self._pending_render = self._pending_render, None
                    return "render", job
                if self._has_snapshot and self._pending_directions is not None:
                    job, self._pending_directions = self._pending_directions, None
                    return "directions", job
                self._cond.wait()

    def _loop(self, task: TaskState):
        """The job: yields ("source", info), ("rendered", (id, tag, images)), ("directions", found)
        or ("failed", sentence), one per request, until stopped."""
        backend = self._backend
        snapshot, generation = None, 0
        while (item := self._next_job()) is not None:
            kind, job = item
            try:
                if backend is None:
                    # The thread count is left alone: torch.set_num_threads acts on the whole
                    # process and would throttle a trainer running beside this thread.
                    backend = _default_backend()
                if kind == "source":
                    snapshot, generation = self._load(backend, job), job[2]
                    with self._cond:
                        self._has_snapshot = True
                    result = "source", self._info(snapshot, job)
                elif kind == "render":
                    if job.z.shape[1] != snapshot.z_dim and job.generation != generation:
                        continue  # asked for the previous generator: stale, not an error
                    result = "rendered", (job.id, job.tag, snapshot.render(job.z, job.labels))
                else:
                    k, label = job
                    result = "directions", backend.principal_directions(snapshot, k=k, label=label)
            except Exception as error:  # noqa: BLE001 - every failure must reach the window as a message
                result = "failed", failure_report(error)[0]
            yield result

    @staticmethod
    def _load(backend: Any, job: tuple[str, Any, int]):
        kind, payload, _ = job
        if kind == "path":
            return backend.GeneratorSnapshot.open(payload)
        from ...core.config import RunConfig

        config_json, image_shape, num_classes, weights, epoch = payload
        return backend.GeneratorSnapshot.from_weights(
            RunConfig.from_json(config_json), image_shape, num_classes, weights, epoch=epoch, source="training"
        )

    @staticmethod
    def _info(snapshot, job: tuple[str, Any, int]) -> dict[str, Any]:
        return {
            "z_dim": int(snapshot.z_dim),
            "num_classes": int(snapshot.num_classes),
            "image_shape": tuple(int(s) for s in snapshot.image_shape),
            "epoch": snapshot.epoch,
            "source": str(snapshot.source),
            "arch": snapshot.config.model.arch,
            "class_names": list(getattr(snapshot, "class_names", None) or []),
            "generation": job[2],
        }

    # -- GUI thread: results -----------------------------------------------------------------------
    def _on_result(self, item: tuple[str, Any]) -> None:
        kind, value = item
        if kind == "rendered":
            self.render_count += 1
            self.rendered.emit(*value)
        elif kind == "source":
            self.sourceReady.emit(value)
        elif kind == "directions":
            self.directionsReady.emit(value)
        else:
            self.failed.emit(value)
