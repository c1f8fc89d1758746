"""The latent-space explorer tab: one generated sample, its neighbours, and ways to move through z.

The current point is ``base + sum_i c_i * sigma_i * v_i``: ``base`` comes from a seed, a clicked
neighbour, a bookmark or the raw latent sliders, and the direction sliders add the principal
directions ``v_i`` (GANSpace), each in units of its spread ``sigma_i``. Truncation (psi) scales the
point only when it is drawn, so bookmarks keep the point and the psi apart.

Nothing is rendered here: every change computes z (numpy, microseconds) and hands it to the
:class:`RenderWorker`, which draws the newest request only. Points and paths come from
``gan_studio.core.latent.paths`` (numpy): no torch operation ever runs on the GUI thread.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSignalBlocker, QTimer, Signal
from PySide6.QtWidgets import QWidget

from ...core.latent import paths as latent_paths  # numpy only: no torch operation may run on the GUI thread
from ...core.latent.bookmarks import Bookmark, load_bookmarks, new_bookmark, save_bookmarks
from ...core.errors import GanStudioError
from ...core.runs.folder import run_class_names
from ..workers.render import RenderWorker
from .explorer_layout import PSI_STEPS, build_explorer_layout

PLACEHOLDER = "Train for one epoch or open a run to explore its generator."
NEIGHBOURS = 8
NEIGHBOUR_RADIUS = 0.5
NEIGHBOUR_DELAY_MS = 120
DIRECTIONS = 8


class LatentExplorer(QWidget):
    imageRendered = Signal()  # the large view shows a new picture (it has been repainted)

    def __init__(self, parent: QWidget | None = None, worker: RenderWorker | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("latentExplorer")
        self.worker = worker or RenderWorker(self)
        self._info: dict | None = None  # what the worker said about its generator
        self._source: tuple[str, object] | None = None  # what was loaded, for the export dialog
        self._run_dir: Path | None = None
        self._bookmarks_problem = ""  # why the run's bookmarks file could not be read ("" if it could)
        self._class_names: list[str] = []
        self._base: np.ndarray | None = None
        self._point_name: str | None = None  # the caption's name for the point (a bookmark's); None: its seed
        self._directions = None  # core.directions.Directions
        self._directions_stale = True
        self._neighbours: np.ndarray | None = None  # the neighbours on show, before psi
        self._neighbour_timer = QTimer(self)
        self._neighbour_timer.setSingleShot(True)
        self._neighbour_timer.setInterval(NEIGHBOUR_DELAY_MS)
        self._neighbour_timer.timeout.connect(self._request_neighbours)
        self._export_dialog = None
        build_explorer_layout(self, PLACEHOLDER)
        self._connect()
        self._set_loaded(False)

    def _connect(self) -> None:
        w = self.worker
        w.rendered.connect(self._on_rendered)
        w.sourceReady.connect(self._on_source_ready)
        w.directionsReady.connect(self._on_directions)
        w.failed.connect(self._show_error)
        self.direction_bank.valueChanged.connect(lambda i, v: self._request_point())
        self.latent_bank.valueChanged.connect(self._on_latent_slider)
        self.mode_combo.currentIndexChanged.connect(self._on_mode)
        self.psi_slider.valueChanged.connect(self._on_psi)
        self.class_combo.currentIndexChanged.connect(lambda i: self._request_point())
        self.seed_spin.valueChanged.connect(lambda seed: self._go_to_seed())
        self.randomize_button.clicked.connect(self.randomize)
        self.reset_button.clicked.connect(self.reset)
        self.directions_button.clicked.connect(lambda: self.recompute_directions())
        self.bookmark_button.clicked.connect(lambda: self.add_bookmark())
        self.bookmark_list.bookmarkActivated.connect(self.go_to_bookmark)
        self.bookmark_list.bookmarksChanged.connect(self._bookmarks_changed)
        self.neighbour_grid.cellClicked.connect(self._on_neighbour)
        self.interpolation.frameRequested.connect(self._on_interp_frame)
        self.interpolation.playingChanged.connect(lambda playing: None if playing else self._request_point())
        self.export_button.clicked.connect(lambda: self.open_export_dialog())
        self.projection.set_source_provider(self.export_source)
        self.projection.projected.connect(lambda z, label: self.go_to_point(z, label, name="Projected image"))
        self.direction_files.set_provider(self._directions_about)
        self.direction_files.loaded.connect(self._on_directions)
        self.direction_files.failed.connect(self._show_error)

    # -- public API ------------------------------------------------------------------------------
    def set_generator_weights(self, config_json: str, image_shape, num_classes: int, weights: dict, epoch: int | None = None) -> None:
        """New weights of the run being trained: the point and sliders stay, the picture updates."""
        if weights is None:
            return
        self._source = ("weights", (config_json, tuple(image_shape), int(num_classes), weights, epoch))
        self.worker.set_source_weights(config_json, image_shape, num_classes, weights, epoch)

    def set_source_path(self, path: str | Path, keep_directions: bool = False) -> None:
        """Explore a run folder's newest checkpoint, a checkpoint, or exported weights.

        ``keep_directions``: the same run, newer weights (a followed run wrote an epoch): keep the
        directions and the point, as for training weights.
        """
        self._source = ("path", Path(path))
        if not keep_directions:
            self._directions_stale = True  # another generator: its directions must be found again
        self.worker.set_source_path(path)

    def set_run_dir(self, path: str | Path | None) -> None:
        """Bookmarks are kept in (and read from) this run folder; None keeps them in memory only."""
        self._run_dir = None if path is None else Path(path)
        bookmarks: list[Bookmark] = []
        self._class_names = []
        self._bookmarks_problem = ""
        if self._run_dir is not None:
            try:
                bookmarks = load_bookmarks(self._run_dir)
            except (GanStudioError, OSError) as error:
                # The file is left as it is (never overwritten): new bookmarks stay in memory.
                self._bookmarks_problem = f"Cannot read the bookmarks ({error}); new ones are not saved."
                self._show_error(self._bookmarks_problem)
            self._class_names = run_class_names(self._run_dir)
        self.bookmark_list.set_bookmarks(bookmarks)
        self._update_endpoints()
        self._fill_classes()

    def current_latent(self) -> np.ndarray | None:
        """The current point (before truncation), float32 (z_dim,), or None before a generator loads."""
        if self._base is None:
            return None
        z = self._base.astype(np.float64)
        if self._directions is not None:
            d = self._directions
            coeffs = self.direction_bank.values()[: len(d.sigma)]
            z = z + (coeffs * d.sigma[: len(coeffs)]) @ d.vectors[: len(coeffs)]
        return z.astype(np.float32)

    def current_image(self) -> np.ndarray | None:
        return self.view.image()

    def psi(self) -> float:
        return self.psi_slider.value() / PSI_STEPS

    def current_label(self) -> int | None:
        if not self._info or not self._info["num_classes"]:
            return None
        return max(0, self.class_combo.currentIndex())

    def shutdown(self) -> bool:
        """Stop the animation, the export and the render thread; True when no thread is left."""
        self.interpolation.stop()
        self._neighbour_timer.stop()
        if self._export_dialog is not None:
            self._export_dialog.shutdown()
        projection_stopped = self.projection.shutdown()
        return self.worker.shutdown() and projection_stopped

    # -- moving the point ----------------------------------------------------------------------
    def randomize(self) -> None:
        self.seed_spin.setValue(random.randrange(self.seed_spin.maximum() + 1))

    def reset(self) -> None:
        """Back to the seed's own point: every slider at 0, psi 1."""
        with QSignalBlocker(self.psi_slider):
            self.psi_slider.setValue(PSI_STEPS)
        self._update_psi_label()
        self._go_to_seed()

    def _go_to_seed(self) -> None:
        if self._info is not None:
            self._set_base(latent_paths.seed_latent(self.seed_spin.value(), self._info["z_dim"]))

    def _set_base(self, z: np.ndarray, name: str | None = None) -> None:
        """Make ``z`` the point (called ``name`` in the caption); the direction sliders go back to 0."""
        self._base, self._point_name = np.asarray(z, np.float32).reshape(-1).copy(), name
        self.direction_bank.reset()
        if self.mode_combo.currentIndex() == 1:
            self.latent_bank.set_values(self._base)
        self._request_point()

    def _fold_directions(self) -> None:
        """Take the direction sliders' offset into the base point, so they can go back to 0."""
        if self._base is not None:
            self._base = self.current_latent()
        self.direction_bank.reset()

    def _on_latent_slider(self, index: int, value: float) -> None:
        if self._base is not None:
            self._base[index] = value
            self._request_point()

    def _on_mode(self, index: int) -> None:
        self._fold_directions()
        if index == 1 and self._base is not None:
            self.latent_bank.set_values(self._base)
        self.slider_stack.setCurrentIndex(index)

    def _on_psi(self, value: int) -> None:
        self._update_psi_label()
        self._request_point()

    def _update_psi_label(self) -> None:
        self.psi_label.setText(f"ψ {self.psi():.2f}")

    def _on_neighbour(self, index: int) -> None:
        if self._neighbours is not None and 0 <= index < len(self._neighbours):
            self._set_base(self._neighbours[index])

    # -- rendering -------------------------------------------------------------------------------
    def _labels(self, count: int) -> np.ndarray | None:
        label = self.current_label()
        return None if label is None else np.full(count, label, np.int64)

    def _request_point(self) -> None:
        """Draw the current point now and its neighbours once the sliders rest.

        One image per move keeps a dragged slider fast even for the DCGAN (its 9-image batch
        costs ~5x one image); the neighbours follow NEIGHBOUR_DELAY_MS after the last move.
        """
        if self._info is None or self._base is None or self.interpolation.is_playing():
            return
        z = self.current_latent()
        self.worker.request(latent_paths.truncate(z[None], self.psi()), self._labels(1), tag=("point", None))
        self._neighbour_timer.start()

    def _request_neighbours(self) -> None:
        if self._info is None or self._base is None or self.interpolation.is_playing():
            return
        points = latent_paths.neighbours(self.current_latent(), NEIGHBOURS, radius=NEIGHBOUR_RADIUS, seed=0)
        self.worker.request(latent_paths.truncate(points, self.psi()), self._labels(len(points)), tag=("neighbours", points))

    def _on_interp_frame(self, a: int, b: int, mode: str, t: float) -> None:
        za, zb = self._endpoint(a), self._endpoint(b)
        if za is None or zb is None or self._info is None:
            return
        z = (latent_paths.slerp if mode == "slerp" else latent_paths.lerp)(za, zb, t)
        self.worker.request(latent_paths.truncate(z[None], self.psi()), self._labels(1), tag=("interp", t))

    def _endpoint(self, index: int) -> np.ndarray | None:
        if index <= 0:
            return self.current_latent()
        bookmarks = self.bookmark_list.bookmarks()
        if index - 1 >= len(bookmarks):
            return None
        z = np.asarray(bookmarks[index - 1].z, np.float32)
        return z if self._info and z.shape == (self._info["z_dim"],) else None

    def _on_rendered(self, request_id: int, tag: object, images: np.ndarray) -> None:
        kind, value = tag if isinstance(tag, tuple) and len(tag) == 2 else (None, None)
        if kind == "neighbours":
            self._neighbours = value  # the points behind the cells now on show
            self.neighbour_grid.set_cells(images)
            return
        if kind not in ("point", "interp"):
            return  # someone else's request on a shared worker
        self.view.set_image(images[0])
        # Painted now, not at the next event-loop pass: imageRendered means "on screen".
        self.view.repaint()
        self._update_caption(value)
        self.imageRendered.emit()

    def _update_caption(self, t: float | None = None) -> None:
        info = self._info or {}
        parts = [f"t = {t:.2f}" if t is not None else self._point_name or f"Seed {self.seed_spin.value()}", f"ψ {self.psi():.2f}"]
        if info.get("epoch") is not None:
            parts.append(f"epoch {info['epoch']}")
        self.caption.setText(" · ".join(parts))

    # -- the generator ---------------------------------------------------------------------------
    def _on_source_ready(self, info: dict) -> None:
        old = self._info
        self._info = info
        self.status.setText(self._bookmarks_problem)  # still worth seeing once the picture is there
        if info.get("class_names"):
            self._class_names = list(info["class_names"])
        if old is None or old["z_dim"] != info["z_dim"] or old["num_classes"] != info["num_classes"]:
            self._directions, self._directions_stale = None, True
            self.direction_bank.set_labels([])
            self.latent_bank.set_labels([f"z{i}" for i in range(info["z_dim"])])
            self._fill_classes()
            self._base = latent_paths.seed_latent(self.seed_spin.value(), info["z_dim"])
            if self.mode_combo.currentIndex() == 1:
                self.latent_bank.set_values(self._base)
        self._set_loaded(True)
        if self._directions_stale:
            self.recompute_directions()
        self._request_point()

    def recompute_directions(self) -> None:
        if self._info is None:
            return
        self._directions_stale = False
        self.directions_button.setEnabled(False)
        self.directions_button.setText("Finding directions…")
        self.worker.compute_directions(k=min(DIRECTIONS, self._info["z_dim"]), label=self.current_label())

    def _on_directions(self, directions) -> None:
        self._fold_directions()
        self._directions = directions
        self.direction_bank.set_labels(
            [f"PC{i + 1} · {100 * float(f):.0f}% of variance" for i, f in enumerate(directions.explained)]
        )
        self.direction_bank.reset()
        self.directions_button.setEnabled(True)
        self.directions_button.setText("Recompute directions")

    def _directions_about(self) -> tuple[object, dict]:
        info = self._info or {}
        facts = {"generator": info.get("source"), "epoch": info.get("epoch"), "class": self.current_label()}
        return self._directions, {"z_dim": info.get("z_dim"), **facts}

    def _fill_classes(self) -> None:
        count = self._info["num_classes"] if self._info else 0
        names = self._class_names if len(self._class_names) == count else [str(i) for i in range(count)]
        with QSignalBlocker(self.class_combo):
            index = self.class_combo.currentIndex()
            self.class_combo.clear()
            self.class_combo.addItems(names)
            self.class_combo.setCurrentIndex(index if 0 <= index < count else 0)
        self.class_row.setVisible(count > 0)

    def _set_loaded(self, loaded: bool) -> None:
        self.controls.setEnabled(loaded)
        self.export_button.setEnabled(loaded)

    def _show_error(self, message: str) -> None:
        self.status.setText(message)
        self.directions_button.setEnabled(self._info is not None)
        self.directions_button.setText("Recompute directions")

    # -- bookmarks -------------------------------------------------------------------------------
    def add_bookmark(self, name: str | None = None) -> Bookmark | None:
        z = self.current_latent()
        if z is None:
            return None
        taken = {b.name for b in self.bookmark_list.bookmarks()}
        number = len(taken) + 1
        while name is None or name in taken:
            name, number = f"Bookmark {number}", number + 1
        bookmark = new_bookmark(name, z, label=self.current_label(), psi=self.psi())
        self.bookmark_list.add(bookmark)  # -> bookmarksChanged -> saved
        return bookmark

    def go_to_bookmark(self, bookmark: Bookmark) -> None:
        z = np.asarray(bookmark.z, np.float32)
        if self._info is None or z.shape != (self._info["z_dim"],):
            self._show_error(f"“{bookmark.name}” was saved for a generator with {z.size} latent dimensions")
            return
        self.go_to_point(z, bookmark.label, bookmark.psi, name=bookmark.name)

    def go_to_point(self, z: np.ndarray, label: int | None = None, psi: float = 1.0, name: str | None = None) -> None:
        """Make ``z``, drawn at ``psi`` in class ``label``, the current point (a bookmark, a projection)."""
        self.interpolation.stop()
        with QSignalBlocker(self.psi_slider):
            self.psi_slider.setValue(round(psi * PSI_STEPS))
        self._update_psi_label()
        if label is not None and self.current_label() is not None:
            with QSignalBlocker(self.class_combo):
                self.class_combo.setCurrentIndex(label)
        self._set_base(z, name)

    def _bookmarks_changed(self) -> None:
        self._update_endpoints()
        if self._run_dir is not None and not self._bookmarks_problem:
            try:
                save_bookmarks(self._run_dir, self.bookmark_list.bookmarks())
            except (GanStudioError, OSError) as error:
                self._show_error(f"Cannot save the bookmarks: {error}")

    def _update_endpoints(self) -> None:
        self.interpolation.set_endpoints([b.name for b in self.bookmark_list.bookmarks()])

    # -- export ----------------------------------------------------------------------------------
    def export_source(self):
        from ..dialogs.export_dialog import ExportSource

        return ExportSource(
            source=self._source, run_dir=self._run_dir, current=self.current_latent(), label=self.current_label(),
            psi=self.psi(), seed=self.seed_spin.value(), bookmarks=self.bookmark_list.bookmarks(),
            num_classes=self._info["num_classes"] if self._info else 0,
        )

    def open_export_dialog(self):
        from ..dialogs.export_dialog import ExportDialog

        if self._export_dialog is not None:
            self._export_dialog.shutdown()
            self._export_dialog.deleteLater()
        self._export_dialog = ExportDialog(self.export_source(), self)
        self._export_dialog.open()
        return self._export_dialog
