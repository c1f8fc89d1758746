"""Latest-wins rendering of a generator snapshot in a worker thread, for the latent explorer.

The GUI thread sends values (a weights dict, a path, latent arrays) and receives values (uint8
image arrays, an info dict, principal directions). The worker thread builds the snapshot itself
(so torch runs only there) and works through at most one pending job of each kind: a new source,
a render, a direction analysis. A render request that arrives while another is being rendered
replaces the pending one, so a dragged slider never builds a backlog: frames are dropped, and the
newest request is always the next one drawn (Qt's mandelbrot example, with a condition variable
instead of a restart flag).
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from ...core.errors import GanStudioError
from .background import emit_from_worker


@dataclass
class _Render:
    id: int
    z: np.ndarray
    labels: np.ndarray | None
    tag: object
    generation: int  # how many sources had been asked for when this was requested


def describe_error(error: BaseException) -> str:
    """One sentence: a user's mistake as is, a bug with its type."""
    if isinstance(error, GanStudioError):
        return str(error)
    if isinstance(error, OSError):
        return f"cannot read {error.filename or 'the file'}: {error.strerror or error}"
    return f"{type(error).__name__}: {error}"


def _default_backend() -> Any:
    """The core's snapshot and direction functions; imports torch: only called in the worker."""
    from types import SimpleNamespace

    from ...core.latent import directions
    from ...core.latent import snapshot as latent

    return SimpleNamespace(GeneratorSnapshot=latent.GeneratorSnapshot, principal_directions=directions.principal_directions)


class _Thread(QThread):
    def __init__(self, target) -> None:
        super().__init__()
        self._target = target

    def run(self) -> None:
        self._target()


class RenderWorker(QObject):
    """Owns a render thread and the generator snapshot that lives in it."""

    rendered = Signal(int, object, object)  # request id, tag, uint8 N x H x W x C
    sourceReady = Signal(object)  # dict: z_dim, num_classes, image_shape, epoch, source, arch, class_names
    failed = Signal(str)
    directionsReady = Signal(object)  # gan_studio.core.latent.directions.Directions

    # Emitted from the render thread; queued to this object's (GUI) thread.
    _worker_rendered = Signal(int, object, object)
    _worker_source = Signal(object)
    _worker_failed = Signal(str)
    _worker_directions = Signal(object)

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
        self._closed = False
        self.render_count = 0  # renders delivered (tests check the coalescing with it)
        queued = Qt.ConnectionType.QueuedConnection
        self._worker_rendered.connect(self._on_rendered, queued)
        self._worker_source.connect(self._on_source, queued)
        self._worker_failed.connect(self._on_failed, queued)
        self._worker_directions.connect(self._on_directions, queued)
        self._thread = _Thread(self._loop)
        self._thread.setObjectName("render-worker")
        self._thread.start()

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
        """Stop the thread and wait for it; True when it has ended (idempotent)."""
        self._closed = True
        with self._cond:
            self._stop = True
            self._pending_source = self._pending_render = self._pending_directions = None
            self._cond.notify()
        return self._thread.wait(timeout_ms)

    def is_running(self) -> bool:
        return self._thread.isRunning()

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

    def _loop(self) -> None:
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
                    emit_from_worker(self._worker_source, self._info(snapshot, job))
                elif kind == "render":
                    if job.z.shape[1] != snapshot.z_dim and job.generation != generation:
                        continue  # asked for the previous generator: stale, not an error
                    images = snapshot.render(job.z, job.labels)
                    emit_from_worker(self._worker_rendered, job.id, job.tag, images)
                else:
                    k, label = job
                    emit_from_worker(self._worker_directions, backend.principal_directions(snapshot, k=k, label=label))
            except Exception as error:  # noqa: BLE001 - every failure must reach the window as a message
                message = describe_error(error)
                if not isinstance(error, (GanStudioError, OSError)):
                    traceback.print_exc()  # a bug: keep the traceback on the terminal
                emit_from_worker(self._worker_failed, message)

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
    @Slot(int, object, object)
    def _on_rendered(self, request_id: int, tag: object, images: object) -> None:
        if not self._closed:
            self.render_count += 1
            self.rendered.emit(request_id, tag, images)

    @Slot(object)
    def _on_source(self, info: object) -> None:
        if not self._closed:
            self.sourceReady.emit(info)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if not self._closed:
            self.failed.emit(message)

    @Slot(object)
    def _on_directions(self, directions: object) -> None:
        if not self._closed:
            self.directionsReady.emit(directions)
