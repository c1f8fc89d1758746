"""The banner that says a run has ended: where it lives, its best epoch and score, what next.

Built from a :class:`RunSummary` of plain values, so it needs neither the trainer nor the run folder.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QToolButton, QVBoxLayout, QWidget

from ...core.events import FinishReason

HEADLINES = {
    FinishReason.COMPLETED: "Training complete",
    FinishReason.STOPPED: "Training stopped",
    FinishReason.DIVERGED: "Training diverged",
    FinishReason.OUT_OF_MEMORY: "Training ran out of memory",
}
STYLE = "#runSummaryBanner { background: %s; border: 1px solid %s; border-radius: 4px; }"
COLOURS = {True: ("#e8f5e9", "#81c784"), False: ("#fff3e0", "#ffb74d")}  # (background, border): ended well, or not


def short_path(path: Path) -> str:
    """``path`` with the home folder as ~ (the full path is in the tooltip)."""
    home = os.path.expanduser("~")
    text = str(path)
    return "~" + text[len(home):] if home not in ("", "/") and text.startswith(home + os.sep) else text


@dataclass(frozen=True)
class RunSummary:
    """What the banner and the status bar say about a run that has just ended."""

    run_dir: Path
    reason: FinishReason
    epochs_done: int
    total_epochs: int
    best_epoch: int | None = None  # the epoch of checkpoints/best.pt (lowest FCD), if scored
    best_fcd: float | None = None
    fcd_floor: float | None = None  # real images against real images: the best a score can be
    score_name: str = "FCD"  # "FD" for an encoder's judge (unlabelled data: no classes)

    @classmethod
    def from_quality(cls, run_dir: Path, reason: FinishReason, epochs_done: int, total_epochs: int,
                     quality_rows: list[dict[str, Any]]) -> RunSummary:
        """The best of quality.csv's rows (dicts with "epoch", "fcd", "fcd_floor"), as the trainer
        chose checkpoints/best.pt: the lowest finite FCD, the earliest of equals. A row without
        "modes_covered" is an encoder's (unlabelled data): its "fcd" is an FD."""
        scored = [row for row in quality_rows if math.isfinite(float(row.get("fcd", math.nan)))]
        if not scored:
            return cls(Path(run_dir), reason, epochs_done, total_epochs)
        best = min(scored, key=lambda row: float(row["fcd"]))
        floor = float(best.get("fcd_floor", math.nan))
        return cls(Path(run_dir), reason, epochs_done, total_epochs, int(best["epoch"]), float(best["fcd"]),
                   floor if math.isfinite(floor) else None, "FCD" if "modes_covered" in best else "FD")

    def headline(self) -> str:
        return f"{HEADLINES[self.reason]}: {self.epochs_done} of {self.total_epochs} epochs."

    def best_text(self) -> str:
        if self.best_epoch is None:
            return "No FCD scores for this run, so no best epoch."
        floor = f" (floor {self.fcd_floor:.2f})" if self.fcd_floor is not None else ""  # as the Quality tab says it
        return f"Best: epoch {self.best_epoch}, {self.score_name} {self.best_fcd:.2f}{floor}, kept as checkpoints/best.pt."

    def status_text(self) -> str:
        """One line for the status bar, short enough for the ~700 px it has at 1280 x 800: the
        run by its folder's name (the banner and its tooltip give the whole path)."""
        parts = [f"{HEADLINES[self.reason]}: {self.epochs_done} of {self.total_epochs} epochs"]
        if self.best_epoch is not None:
            parts.append(f"best epoch {self.best_epoch}, {self.score_name} {self.best_fcd:.2f}")
        parts.append(self.run_dir.name)
        return " · ".join(parts)


class RunSummaryBanner(QFrame):
    """Hidden until :meth:`show_summary`; the close button hides it again (``dismissed``)."""

    openFolderRequested = Signal(object)  # Path: the run folder
    exploreRequested = Signal(object)  # Path
    trainMoreRequested = Signal(object)  # Path
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runSummaryBanner")
        self.setAccessibleName("Run summary")
        self._summary: RunSummary | None = None
        self.headline = QLabel(objectName="summaryHeadline")
        font = self.headline.font()
        font.setBold(True)
        self.headline.setFont(font)
        self.best = QLabel(objectName="summaryBest")
        self.folder = QLabel(objectName="summaryFolder")
        self.folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder.setTextFormat(Qt.TextFormat.PlainText)  # paths may hold "<"
        texts = QVBoxLayout()
        texts.setSpacing(2)
        for label in (self.headline, self.best, self.folder):
            texts.addWidget(label)

        self.open_button = self._button("openFolderButton", "Open folder", "Show the run folder in the file manager",
                                        self.openFolderRequested)
        self.explore_button = self._button("exploreButton", "Explore", "Explore what the generator learned",
                                           self.exploreRequested)
        self.train_more_button = self._button("trainMoreButton", "Train more", "Continue this run for more epochs",
                                              self.trainMoreRequested)
        self.close_button = QToolButton(objectName="dismissSummaryButton")
        self.close_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAccessibleName("Dismiss the run summary")
        self.close_button.clicked.connect(self.dismiss)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addLayout(texts, 1)
        for button in (self.open_button, self.explore_button, self.train_more_button):
            layout.addWidget(button)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def _button(self, name: str, text: str, tip: str, signal: Signal) -> QPushButton:
        button = QPushButton(text, objectName=name)
        button.setToolTip(tip)
        button.setAccessibleName(text)
        button.clicked.connect(lambda: signal.emit(self._summary.run_dir) if self._summary else None)
        return button

    def above(self, widget: QWidget) -> QWidget:
        """A new widget holding this banner above ``widget`` (the window's tabs), which gets the room."""
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self)
        layout.addWidget(widget, 1)
        return holder

    def summary(self) -> RunSummary | None:
        """The last summary shown (None before the first)."""
        return self._summary

    def show_summary(self, summary: RunSummary) -> None:
        self._summary = summary
        self.headline.setText(summary.headline())
        self.best.setText(summary.best_text())
        self.folder.setText(f"Run folder: {short_path(summary.run_dir)}")
        self.folder.setToolTip(str(summary.run_dir))
        good = summary.reason in (FinishReason.COMPLETED, FinishReason.STOPPED)
        self.setStyleSheet(STYLE % COLOURS[good])
        self.show()

    def dismiss(self) -> None:
        """Hide the banner (the close button); emits dismissed if it was on show."""
        if not self.isHidden():
            self.hide()
            self.dismissed.emit()
