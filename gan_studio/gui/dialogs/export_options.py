"""The export dialog's choices: what to export and how, turned into a job for the export thread.

A job is a closure over plain values (ints, paths, numpy latents): the export thread calls it
with the core export package, a function that builds the generator snapshot, and the TaskState
that carries progress and cancellation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFormLayout, QLabel, QSpinBox, QStackedWidget, QVBoxLayout, QWidget,
)

from ...core.extras import missing_extra_message

# kind -> (label, default file or folder name)
KINDS = {
    "grid": ("Grid of samples (PNG)", "grid.png"),
    "images": ("Single images with their latents (PNG + JSON)", "samples"),
    "interpolation": ("Interpolation animation (GIF or APNG)", "interpolation.gif"),
    "progress": ("Training progress animation (GIF or APNG)", "progress.gif"),
    "weights": ("Generator weights (safetensors)", "generator.safetensors"),
    "onnx": ("Generator for ONNX runtimes (ONNX)", "generator.onnx"),
}
CURRENT, RANDOM = "Current point", "Random point (the seed below)"


def _spin(name: str, tip: str, low: int, high: int, value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setAccessibleName(name)
    spin.setToolTip(tip)
    spin.setRange(low, high)
    spin.setValue(value)
    return spin


def _combo(name: str, tip: str, items: list[str]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setAccessibleName(name)
    combo.setToolTip(tip)
    combo.addItems(items)
    return combo


class ExportOptions(QWidget):
    kindChanged = Signal(str)

    def __init__(self, source, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source = source  # ExportSource
        self.kind_combo = _combo("exportKind", "What to export", [label for label, _ in KINDS.values()])
        self.kind_combo.currentIndexChanged.connect(self._on_kind)
        self.seed_spin = _spin("exportSeed", "Seed of the random latents", 0, 2**31 - 1, source.seed)
        self.scale_spin = _spin("exportScale", "Enlarge every pixel this many times (stays crisp)", 1, 32, 1)

        self.rows_spin = _spin("gridRows", "Rows of the grid", 1, 64, 8)
        self.columns_spin = _spin("gridColumns", "Columns of the grid", 1, 64, 8)
        self.padding_spin = _spin("gridPadding", "Pixels between the cells", 0, 64, 2)
        self.background_spin = _spin("gridBackground", "Grey level between the cells (0 black, 255 white)", 0, 255, 0)
        self.count_spin = _spin("imageCount", "How many images to write", 1, 100000, 16)
        names = [CURRENT] * (source.current is not None) + [b.name for b in source.bookmarks] + [RANDOM]
        self.from_combo = _combo("exportFrom", "The animation starts here", names)
        self.to_combo = _combo("exportTo", "The animation goes here (and back)", names)
        self.to_combo.setCurrentIndex(min(1, len(names) - 1))
        self.mode_combo = _combo("exportMode", "slerp stays on the sphere where Gaussian latents live", ["slerp", "lerp"])
        self.frames_spin = _spin("exportFrames", "Frames from one end to the other", 2, 2000, 48)
        self.fps_spin = _spin("exportFps", "Frames per second", 1, 60, 12)
        self.loop_check = QCheckBox("Go back to the start (seamless loop)")
        self.loop_check.setObjectName("exportLoop")
        self.loop_check.setAccessibleName("Loop back")
        self.loop_check.setToolTip("Play A to B then B to A, so the animation loops without a jump")
        self.loop_check.setChecked(True)
        self.progress_fps_spin = _spin("progressFps", "Epochs shown per second", 1, 60, 4)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._form(("Rows", self.rows_spin), ("Columns", self.columns_spin),
                                        ("Padding", self.padding_spin), ("Background", self.background_spin)))
        self.pages.addWidget(self._form(("Images", self.count_spin)))
        self.pages.addWidget(self._form(("From", self.from_combo), ("To", self.to_combo), ("Mode", self.mode_combo),
                                        ("Frames", self.frames_spin), ("Frames/s", self.fps_spin), ("", self.loop_check)))
        self.pages.addWidget(self._form(("Frames/s", self.progress_fps_spin)))
        self.pages.addWidget(QLabel("The sampling generator's weights, with a .json that describes the model.\n"
                                    "Open the file in the explorer, or load it with safetensors."))
        self.onnx_note = QLabel(missing_extra_message("onnx") or (
            "The generator as an ONNX graph: z (and labels) in, images in the model's range out, any batch size.\n"
            "Runs in onnxruntime and other ONNX runtimes, without PyTorch."))
        self.onnx_note.setObjectName("onnxNote")
        self.onnx_note.setWordWrap(True)
        self.pages.addWidget(self.onnx_note)
        self.note = QLabel(self._describe_point())
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.kind_combo)
        layout.addWidget(self.pages)
        layout.addWidget(self._form(("Seed", self.seed_spin), ("Scale", self.scale_spin)))
        layout.addWidget(self.note)
        self._disable_impossible()

    @staticmethod
    def _form(*rows) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        for label, widget in rows:
            form.addRow(label, widget)
        return page

    def _describe_point(self) -> str:
        s = self._source
        text = f"Samples use ψ {s.psi:.2f}"
        return text + (f" and class {s.label}, as in the explorer." if s.label is not None else ", as in the explorer.")

    def _disable_impossible(self) -> None:
        model = self.kind_combo.model()
        needs = {"progress": self._source.run_dir is not None}
        for index, key in enumerate(KINDS):
            model.item(index).setEnabled(needs.get(key, True))

    def kind(self) -> str:
        return list(KINDS)[self.kind_combo.currentIndex()]

    def set_kind(self, kind: str) -> None:
        self.kind_combo.setCurrentIndex(list(KINDS).index(kind))

    def _on_kind(self, index: int) -> None:
        kind = self.kind()
        self.pages.setCurrentIndex(index)
        # Animations of 28-pixel samples are unwatchably small at scale 1.
        self.scale_spin.setValue(4 if kind == "interpolation" else 1)
        self.seed_spin.setEnabled(kind in ("grid", "images", "interpolation"))
        self.scale_spin.setEnabled(kind not in ("weights", "onnx"))
        self.kindChanged.emit(kind)

    # -- what the export thread will do ------------------------------------------------------------
    @staticmethod
    def problem(kind: str) -> str:
        """Why ``kind`` cannot be exported here, in one sentence ("" when it can)."""
        return missing_extra_message("onnx") if kind == "onnx" else ""

    def existing_target(self, kind: str, path: Path) -> Path | None:
        """The first file the export would replace, or None."""
        if kind == "images":
            taken = [path / f"sample-{i:04d}{ext}" for i in range(self.count_spin.value()) for ext in (".png", ".json")]
            return next((p for p in taken if p.exists()), None)
        if kind == "weights":
            path = path if path.suffix.lower() == ".safetensors" else path.with_name(path.name + ".safetensors")
            return next((p for p in (path, path.with_suffix(".json")) if p.exists()), None)
        if kind == "onnx" and path.suffix.lower() != ".onnx":
            path = path.with_name(path.name + ".onnx")
        return path if path.exists() else None

    def _endpoint(self, combo: QComboBox, seed: int):
        """(kind, value, psi) for an endpoint; the latent of a seed is drawn in the export thread."""
        s, text, index = self._source, combo.currentText(), combo.currentIndex()
        if text == RANDOM and index == combo.count() - 1:
            return "seed", seed, s.psi
        if text == CURRENT and index == 0 and s.current is not None:
            return "z", np.array(s.current, np.float32), s.psi
        bookmark = s.bookmarks[index - (s.current is not None)]
        return "z", np.asarray(bookmark.z, np.float32), bookmark.psi

    def job(self, kind: str, path: Path, force: bool):
        work = self._job(kind, path, force)

        def run(export, snapshot, task):
            path.parent.mkdir(parents=True, exist_ok=True)  # in the export thread: disks can be slow
            return work(export, snapshot, task)

        return run

    def _job(self, kind: str, path: Path, force: bool):
        s = self._source
        seed, scale, label = self.seed_spin.value(), self.scale_spin.value(), s.label
        if kind == "grid":
            rows, columns = self.rows_spin.value(), self.columns_spin.value()
            padding, background = self.padding_spin.value(), self.background_spin.value()
            return lambda export, snapshot, task: export.export_grid(
                snapshot(), path, rows, columns, scale=scale, padding=padding, background=background,
                seed=seed, label=label, psi=s.psi, force=force, task=task)
        if kind == "images":
            count = self.count_spin.value()
            return lambda export, snapshot, task: export.export_images(
                snapshot(), path, count, seed=seed, label=label, psi=s.psi, scale=scale, force=force,
                task=task)
        if kind == "interpolation":
            ends = (self._endpoint(self.from_combo, seed), self._endpoint(self.to_combo, seed))
            frames, fps, mode, loop = self.frames_spin.value(), self.fps_spin.value(), self.mode_combo.currentText(), self.loop_check.isChecked()

            def interpolate(export, snapshot, task):
                from ...core.latent.snapshot import seed_latent, truncate

                generator = snapshot()
                a, b = (truncate(seed_latent(v, generator.z_dim) if k == "seed" else v, psi) for k, v, psi in ends)
                return export.export_interpolation(generator, a, b, path, frames=frames, mode=mode, fps=fps, label=label,
                                                   scale=scale, force=force, loop_back=loop, task=task)

            return interpolate
        if kind == "progress":
            run_dir, fps = s.run_dir, self.progress_fps_spin.value()
            return lambda export, snapshot, task: export.export_progress_animation(
                run_dir, path, fps=fps, scale=scale, force=force, task=task)
        # weights and ONNX: exactly the generator the explorer shows (a file on disk, or the training weights)
        if kind == "onnx":
            return lambda export, snapshot, task: export.export_onnx(snapshot(), path, force=force, task=task)
        return lambda export, snapshot, task: export.export_generator_weights(snapshot(), path, force=force, task=task)
