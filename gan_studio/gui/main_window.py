"""Placeholder main window until the training window lands."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("GAN Studio")
        self.setCentralWidget(QLabel("GAN Studio: train from the command line with `gan-studio train` for now."))
