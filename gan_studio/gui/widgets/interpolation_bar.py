"""Animate between two latent points: choose A and B, lerp or slerp, play, and set the speed.

The bar only keeps time: each tick of its timer moves t back and forth over 0..1 and asks for a
frame. The owner turns (A, B, mode, t) into a latent and requests a render; rendering is
latest-wins, so a slow generator drops frames instead of falling behind.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QPushButton, QSlider, QWidget

TICK_MS = 33  # ~30 frames a second: smooth, and a render per frame is cheap
DEFAULT_SPEED = 6  # t moves speed/200 per tick: 6 -> one sweep in ~1.1 s
CURRENT = "Current point"


class InterpolationBar(QWidget):
    frameRequested = Signal(int, int, str, float)  # endpoint A, endpoint B, "lerp"/"slerp", t
    playingChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._t = 0.0
        self._direction = 1.0
        self.from_combo = self._combo("interpFrom", "Interpolate from", "The point the animation starts from")
        self.to_combo = self._combo("interpTo", "Interpolate to", "The point the animation goes to")
        self.mode_combo = self._combo("interpMode", "Interpolation mode", "slerp follows the sphere where "
                                      "Gaussian latents live; lerp cuts straight through its middle")
        self.mode_combo.addItems(["slerp", "lerp"])
        self.play_button = QPushButton("Play")
        self.play_button.setObjectName("interpPlay")
        self.play_button.setAccessibleName("Play interpolation")
        self.play_button.setToolTip("Animate back and forth between the two points")
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self._on_toggled)
        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setObjectName("interpSpeed")
        self.speed_slider.setAccessibleName("Interpolation speed")
        self.speed_slider.setToolTip("How fast the animation moves between the points")
        self.speed_slider.setRange(1, 20)
        self.speed_slider.setValue(DEFAULT_SPEED)

        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("From"), 0, 0)
        layout.addWidget(self.from_combo, 0, 1, 1, 2)
        layout.addWidget(QLabel("To"), 1, 0)
        layout.addWidget(self.to_combo, 1, 1, 1, 2)
        layout.addWidget(self.mode_combo, 2, 0)
        layout.addWidget(self.play_button, 2, 1)
        layout.addWidget(self.speed_slider, 2, 2)
        layout.setColumnStretch(2, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self.set_endpoints([])

    @staticmethod
    def _combo(name: str, accessible: str, tip: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        combo.setToolTip(tip)
        return combo

    def set_endpoints(self, names: list[str]) -> None:
        """Choices are ``CURRENT`` (index 0) then ``names`` (index i + 1); selections are kept by name."""
        for combo, fallback in ((self.from_combo, 0), (self.to_combo, 1)):
            previous = combo.currentText()
            blocked = combo.blockSignals(True)
            combo.clear()
            combo.addItems([CURRENT, *names])
            index = combo.findText(previous) if previous else -1
            combo.setCurrentIndex(index if index >= 0 else min(fallback, combo.count() - 1))
            combo.blockSignals(blocked)
        # One point (the current one) has nothing to move to.
        self.play_button.setEnabled(len(names) >= 1)
        if not names:
            self.stop()

    def endpoints(self) -> tuple[int, int]:
        return self.from_combo.currentIndex(), self.to_combo.currentIndex()

    def mode(self) -> str:
        return self.mode_combo.currentText()

    def t(self) -> float:
        return self._t

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def play(self) -> None:
        self.play_button.setChecked(True)

    def stop(self) -> None:
        self.play_button.setChecked(False)

    def _on_toggled(self, playing: bool) -> None:
        self.play_button.setText("Stop" if playing else "Play")
        if playing:
            self._t, self._direction = 0.0, 1.0
            self._timer.start()
            self._request()
        else:
            self._timer.stop()
        self.playingChanged.emit(playing)

    def _tick(self) -> None:
        self._t += self._direction * self.speed_slider.value() / 200.0
        if not 0.0 <= self._t <= 1.0:  # bounce at the ends: A -> B -> A ...
            self._t = min(1.0, max(0.0, self._t))
            self._direction = -self._direction
        self._request()

    def _request(self) -> None:
        a, b = self.endpoints()
        self.frameRequested.emit(a, b, self.mode(), self._t)
