"""The playground's picture: one Frame drawn with the views switched on (core/playground/render.py).

A new frame only marks the widget dirty; the picture is drawn in paintEvent, so frames arriving
faster than the screen repaints are coalesced by Qt rather than queued. The picture is rendered
at up to RENDER_SIZE pixels a side and scaled to the widget (cost: bench/playground_frames.py);
a frame that arrives already drawn for this canvas's views and size (frame.picture, drawn in the
worker's job) is only painted.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from ...core.playground.events import Frame
from ...core.playground.render import VIEWS, render_frame
from ..qt_images import to_qimage

RENDER_SIZE = 420  # pixels a side at most: above it the GUI thread's cost grows, the picture barely


class PlaygroundCanvas(QWidget):
    def __init__(self, caption: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.frame: Frame | None = None
        self.views: set[str] = set(VIEWS)
        self.renders = 0  # pictures drawn (the benchmark and tests count them)
        self.paint_ms: deque[float] = deque(maxlen=2000)  # each picture's render and paint time (the benchmark)
        # The last picture (its size, the QImage): a repaint of the same frame and views (a resize
        # within the render size, an exposed window) draws it again without rendering it again.
        # A new frame or new views drop it.
        self._picture: tuple[int, object] | None = None
        self.setMinimumSize(220, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(caption or "Playground")

    def set_frame(self, frame: Frame | None) -> None:
        self.frame = frame
        self._picture = None
        self.update()

    def set_views(self, views: Iterable[str]) -> None:
        self.views = set(views)
        self._picture = None
        self.update()

    def picture_rect(self) -> QRect:
        top = self._title_height()
        side = min(self.width(), self.height() - top)
        return QRect((self.width() - side) // 2, top, side, side)

    def picture_size(self) -> int:
        return max(64, min(RENDER_SIZE, self.picture_rect().width()))

    def picture_request(self) -> tuple[frozenset[str], int]:
        """The views and size this canvas draws with: what the worker should draw frames as."""
        return frozenset(self.views), self.picture_size()

    def paintEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        line = QFontMetrics(self.font()).height()
        for row, text in enumerate(self._title_lines()):
            painter.drawText(QRect(0, row * line, self.width(), line), Qt.AlignmentFlag.AlignCenter, text)
        rect = self.picture_rect()
        if self.frame is None:
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Press Play or a step button to start.")
            return
        started = time.perf_counter()
        size = self.picture_size()
        rendered = self._picture is None or self._picture[0] != size
        if rendered:
            drawn = self.frame.picture
            # Drawn by the worker for this size and these views, or (after a resize, a toggle) here.
            if drawn is not None and drawn.size == size and drawn.views == frozenset(self.views):
                image = drawn.image
            else:
                image = render_frame(self.frame, self.views, size)
            self._picture = (size, to_qimage(image))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(rect, self._picture[1])
        if rendered:
            self.renders += 1
            self.paint_ms.append((time.perf_counter() - started) * 1000)

    def _title(self) -> str:
        return "  ".join(self._title_parts())

    def _title_parts(self) -> list[str]:
        """The caption with the update counts, and the mode coverage where there is one."""
        if self.frame is None:
            return [self.caption]
        parts = [f"{self.caption}  D {self.frame.d_updates}  G {self.frame.g_updates}".strip()]
        coverage = self.frame.coverage
        if coverage is not None:
            parts.append(f"modes {coverage.modes_captured}/{coverage.modes}, {coverage.high_quality:.0%} high quality")
        return parts

    def _title_lines(self) -> list[str]:
        """One line where it fits; else the coverage goes on a second line (two canvases side by
        side at 1280x800 clipped it), each elided rather than cut."""
        metrics, width = QFontMetrics(self.font()), self.width()
        whole = self._title()
        if metrics.horizontalAdvance(whole) <= width:
            return [whole]
        return [metrics.elidedText(part, Qt.TextElideMode.ElideRight, width) for part in self._title_parts()]

    def _title_height(self) -> int:
        return len(self._title_lines()) * QFontMetrics(self.font()).height() + 2
