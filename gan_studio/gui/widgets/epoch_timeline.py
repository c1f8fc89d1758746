"""Scrub back through every epoch's fixed-noise grid, or play them as an animation.

Grids are kept zlib-compressed (level 1: fast, and sample grids have large flat borders), so a run
of thousands of epochs costs a few tens of MB; only the grid on show is kept decoded.
"""

from __future__ import annotations

import bisect
import zlib

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QStyle, QToolButton, QWidget

DEFAULT_FPS = 4.0


class EpochTimeline(QWidget):
    """A slider over the epochs seen so far, a play/pause button and an "Epoch 3 of 10" label.

    While the slider sits on the last epoch (or nothing was shown yet) it follows the run: each
    new epoch moves it to the end. Once the user scrubs back it stays put.
    """

    epochSelected = Signal(int, object)  # (epoch, read-only uint8 H x W x C grid)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._epochs: list[int] = []  # sorted epoch numbers
        self._blobs: list[tuple[bytes, tuple[int, ...]]] = []  # compressed grid and its shape
        self._shown: int | None = None  # index on show
        self._cache: tuple[int, np.ndarray] | None = None  # (epoch, decoded grid)

        style = self.style()
        self._icons = {  # made once, so the button's icon can be compared by cacheKey
            False: style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay),
            True: style.standardIcon(QStyle.StandardPixmap.SP_MediaPause),
        }
        self._play = QToolButton(self)
        self._play.setObjectName("playButton")
        self._play.setAccessibleName("Play epochs")
        self._play.setAutoRaise(True)
        self._play.clicked.connect(self._toggle_play)

        self._slider = QSlider(Qt.Orientation.Horizontal, self)
        self._slider.setObjectName("epochSlider")
        self._slider.setAccessibleName("Epoch")
        self._slider.setToolTip("Drag to see the sample grid of an earlier epoch")
        self._slider.setRange(0, 0)
        self._slider.valueChanged.connect(self._on_slider_value)
        # Grabbing the slider means the user wants to look: stop the animation.
        self._slider.sliderPressed.connect(self.pause)

        self._label = QLabel(self)
        self._label.setObjectName("epochLabel")
        self._label.setAccessibleName("Epoch shown")
        self._label.setToolTip("The epoch whose sample grid is on show")
        # Wide enough for "Epoch 9999 of 9999" so the slider does not jump as the text grows.
        self._label.setMinimumWidth(self._label.fontMetrics().horizontalAdvance("Epoch 9999 of 9999"))

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._play)
        layout.addWidget(self._slider, 1)
        layout.addWidget(self._label)

        self._timer = QTimer(self)
        self._timer.timeout.connect(self._advance)
        self.set_frames_per_second(DEFAULT_FPS)
        self._update_controls()

    # -- contents ------------------------------------------------------------------------------

    def add_epoch(self, epoch: int, grid: np.ndarray) -> None:
        """Add an epoch's grid (normally the next one; an epoch already held is replaced)."""
        epoch = int(epoch)
        blob = self._encode(grid)
        following = self._shown is None or self._shown == len(self._epochs) - 1
        shown_epoch = self.current_epoch()
        index = bisect.bisect_left(self._epochs, epoch)
        if index < len(self._epochs) and self._epochs[index] == epoch:
            self._blobs[index] = blob
            if self._cache is not None and self._cache[0] == epoch:
                self._cache = None
            if index == self._shown:  # its picture changed: show the new one
                self._show(index, force=True)
            return
        self._epochs.insert(index, epoch)
        self._blobs.insert(index, blob)
        self._update_controls()
        if following:
            self._show(len(self._epochs) - 1)
        else:
            # An insertion before the shown epoch shifts indices: keep showing the same epoch.
            self._shown = self._epochs.index(shown_epoch)
            self._set_slider(self._shown)
            self._update_label()

    def set_epochs(self, items: list[tuple[int, np.ndarray]]) -> None:
        """Replace everything (opening a run) and show the last epoch."""
        self.pause()
        pairs = sorted(((int(epoch), self._encode(grid)) for epoch, grid in items), key=lambda p: p[0])
        self._epochs = [epoch for epoch, _ in pairs]
        self._blobs = [blob for _, blob in pairs]
        self._shown, self._cache = None, None
        self._update_controls()
        if self._epochs:
            self._show(len(self._epochs) - 1, force=True)

    def clear(self) -> None:
        self.set_epochs([])

    def epoch_count(self) -> int:
        return len(self._epochs)

    def epochs(self) -> list[int]:
        return list(self._epochs)

    def current_epoch(self) -> int | None:
        return None if self._shown is None else self._epochs[self._shown]

    def grid_for(self, epoch: int) -> np.ndarray:
        """The grid of ``epoch`` (read-only); KeyError if it is not held."""
        epoch = int(epoch)
        if self._cache is not None and self._cache[0] == epoch:
            return self._cache[1]
        index = bisect.bisect_left(self._epochs, epoch)
        if index == len(self._epochs) or self._epochs[index] != epoch:
            raise KeyError(f"no grid for epoch {epoch}")
        data, shape = self._blobs[index]
        # frombuffer over immutable bytes: read-only, so a receiver cannot spoil the cache.
        return np.frombuffer(zlib.decompress(data), dtype=np.uint8).reshape(shape)

    def select_epoch(self, epoch: int) -> None:
        """Show ``epoch``; KeyError if it is not held."""
        index = bisect.bisect_left(self._epochs, int(epoch))
        if index == len(self._epochs) or self._epochs[index] != int(epoch):
            raise KeyError(f"no grid for epoch {epoch}")
        self._show(index)

    @staticmethod
    def _encode(grid: np.ndarray) -> tuple[bytes, tuple[int, ...]]:
        grid = np.asarray(grid)
        if grid.dtype != np.uint8 or grid.ndim != 3:
            raise ValueError(f"expected a uint8 H x W x C grid, got {grid.dtype} {grid.shape}")
        return zlib.compress(np.ascontiguousarray(grid).tobytes(), 1), grid.shape

    # -- playing -------------------------------------------------------------------------------

    def play(self) -> None:
        """Animate from the epoch on show (from the first if at the end) to the last, then stop."""
        if len(self._epochs) < 2:
            return
        if self._shown is None or self._shown == len(self._epochs) - 1:
            self._show(0)
        self._timer.start()
        self._update_play_button()

    def pause(self) -> None:
        self._timer.stop()
        self._update_play_button()

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def set_frames_per_second(self, fps: float) -> None:
        if not fps > 0:
            raise ValueError(f"frames per second must be positive, got {fps}")
        self._timer.setInterval(max(1, round(1000.0 / fps)))

    def frames_per_second(self) -> float:
        return 1000.0 / self._timer.interval()

    def _toggle_play(self) -> None:
        if self.is_playing():
            self.pause()
        else:
            self.play()

    def _advance(self) -> None:
        if self._shown is None or self._shown >= len(self._epochs) - 1:
            self.pause()
            return
        self._show(self._shown + 1)
        if self._shown == len(self._epochs) - 1:
            self.pause()

    # -- showing -------------------------------------------------------------------------------

    def _on_slider_value(self, index: int) -> None:
        if self._epochs:
            self._show(index)

    def _show(self, index: int, force: bool = False) -> None:
        changed = index != self._shown
        self._shown = index
        self._set_slider(index)
        self._update_label()
        if changed or force:
            epoch = self._epochs[index]
            self._cache = None
            grid = self.grid_for(epoch)
            self._cache = (epoch, grid)
            self.epochSelected.emit(epoch, grid)

    def _set_slider(self, index: int) -> None:
        # Programmatic moves must not come back through valueChanged as if the user scrubbed.
        blocked = self._slider.blockSignals(True)
        self._slider.setValue(index)
        self._slider.blockSignals(blocked)

    def _update_controls(self) -> None:
        count = len(self._epochs)
        blocked = self._slider.blockSignals(True)
        self._slider.setRange(0, max(0, count - 1))
        self._slider.setPageStep(max(1, count // 10))
        self._slider.blockSignals(blocked)
        self._slider.setEnabled(count > 0)
        self._label.setEnabled(count > 0)
        self._play.setEnabled(count > 1)
        if count < 2:
            self.pause()
        self._update_label()
        self._update_play_button()

    def _update_label(self) -> None:
        if not self._epochs:
            self._label.setText("No epochs yet")
        elif self._shown is not None:
            self._label.setText(f"Epoch {self._epochs[self._shown]} of {self._epochs[-1]}")

    def _update_play_button(self) -> None:
        playing = self.is_playing()
        self._play.setIcon(self._icons[playing])
        self._play.setToolTip("Pause" if playing else "Play the epochs' grids as an animation")
