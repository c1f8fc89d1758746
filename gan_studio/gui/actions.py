"""The window's commands as QActions (text, shortcut, icon and tooltip in one place), and where
they appear: the toolbar and the menus."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QStyle, QToolBar, QWidget


@dataclass
class WindowActions:
    train: QAction
    train_gpus: QAction  # "Train on N GPUs": shown only where there are several (offer_gpus)
    pause: QAction
    stop: QAction
    save: QAction
    new_run: QAction
    open_run: QAction
    show_run_folder: QAction
    quit: QAction
    about: QAction


def _action(parent: QWidget, text: str, tip: str, shortcuts, icon=None) -> QAction:
    action = QAction(text, parent)
    if icon is not None:
        action.setIcon(parent.style().standardIcon(icon))
    keys = [QKeySequence(k) for k in shortcuts]
    action.setShortcuts(keys)
    shown = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
    action.setToolTip(f"{tip} ({shown})" if shown else tip)
    action.setStatusTip(tip)
    return action


def create_actions(parent: QWidget) -> WindowActions:
    pixmap = QStyle.StandardPixmap
    return WindowActions(
        train=_action(parent, "&Train", "Start training with the settings on the left", ["F5", "Ctrl+Return"], pixmap.SP_MediaPlay),
        train_gpus=_action(parent, "Train on GPUs", "Train the settings on the left across this machine's GPUs "
                           "(torchrun, one process a GPU); the window follows the run folder", []),
        pause=_action(parent, "&Pause", "Pause training after the current step; press again to resume", ["F6"], pixmap.SP_MediaPause),
        stop=_action(parent, "St&op", "Stop after the current step and save a checkpoint", ["Shift+F5"], pixmap.SP_MediaStop),
        save=_action(parent, "&Save checkpoint", "Save a checkpoint of the run now", [QKeySequence.StandardKey.Save], pixmap.SP_DialogSaveButton),
        new_run=_action(parent, "&New run", "Close the opened run and set up a new one", [QKeySequence.StandardKey.New], pixmap.SP_FileIcon),
        open_run=_action(parent, "&Open run…", "Open a run folder made earlier, by the window or by gan-studio train", [QKeySequence.StandardKey.Open], pixmap.SP_DirOpenIcon),
        show_run_folder=_action(parent, "Show run &folder", "Open the current run's folder in the file manager", [], pixmap.SP_DirLinkIcon),
        quit=_action(parent, "&Quit", "Quit GAN Studio", [QKeySequence.StandardKey.Quit]),
        about=_action(parent, "&About GAN Studio", "Version and credits", []),
    )


def add_toolbar_and_menus(window: QMainWindow, a: WindowActions, show_setup: QAction) -> None:
    """The training toolbar (its buttons named for tests and assistive technology) and the menus."""
    toolbar = QToolBar("Training")
    toolbar.setObjectName("trainingToolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    a.train_gpus.setVisible(False)
    for action, name in ((a.train, "trainButton"), (a.train_gpus, "trainGpusButton"), (a.pause, "pauseButton"), (a.stop, "stopButton"), (a.save, "saveButton")):
        toolbar.addAction(action)
        button = toolbar.widgetForAction(action)
        button.setObjectName(name)
        button.setAccessibleName(action.text().replace("&", ""))
    toolbar.addSeparator()
    toolbar.addAction(a.open_run)
    window.addToolBar(toolbar)
    file_menu = window.menuBar().addMenu("&File")
    for action in (a.new_run, a.open_run, a.show_run_folder):
        file_menu.addAction(action)
    file_menu.addSeparator()
    file_menu.addAction(a.quit)
    train_menu = window.menuBar().addMenu("&Training")
    for action in (a.train, a.train_gpus, a.pause, a.stop, a.save):
        train_menu.addAction(action)
    window.menuBar().addMenu("&View").addAction(show_setup)
    window.menuBar().addMenu("&Help").addAction(a.about)


def offer_gpus(action: QAction, gpus: int) -> None:
    """Show "Train on N GPUs" when there are several GPUs (``gpus`` >= 2), hide it otherwise."""
    action.setVisible(gpus >= 2)
    if gpus >= 2:
        action.setText(f"Train on {gpus} &GPUs")
