"""Fixtures for window tests: private settings, runs in tmp_path, every thread joined after."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from gan_studio.cli.main import main as cli_main
from gan_studio.core.config import preset_config
from gan_studio.gui.garbage_collection import GuiThreadCollector
from gan_studio.gui.workers.jobs import job_threads, shutdown_all


@pytest.fixture(autouse=True)
def garbage_collected_on_gui_thread(qapp, generation_collector):
    """As in the app, cycles are collected from a timer on the GUI thread while a test runs the
    event loop; tests/conftest.py collects between tests, on the same thread, by the same rule."""
    collector = GuiThreadCollector(rule=generation_collector)
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def every_job_joined():
    """After each test, whatever its widgets left running is asked to stop and joined: no thread
    may outlive a test (it would emit into a later test's objects)."""
    yield
    assert shutdown_all(30000), f"jobs did not stop: {job_threads()}"
    assert not job_threads()


@pytest.fixture
def settings(tmp_path):
    qsettings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    qsettings.setValue("run/runs_dir", str(tmp_path / "runs"))
    return qsettings


@pytest.fixture
def window(qtbot, settings):
    from gan_studio.gui.main_window import MainWindow

    window = MainWindow(settings=settings)
    window.confirm_stop_on_close = lambda: True
    qtbot.addWidget(window)
    window.show()
    yield window
    window.shutdown()
    assert not window.controller.is_running()


@pytest.fixture
def quick_config():
    """The tutorial MLP on all 5,000 built-in digits, one thread: about a second an epoch."""
    config = preset_config("tutorial")
    config.train.epochs = 1
    config.train.threads = 1
    config.train.device = "cpu"
    return config


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """A run trained by the command line (tutorial-sized MLP, 64 digits, one epoch), one per test
    module: the explorer and export tests write bookmarks and files into it."""
    path = tmp_path_factory.mktemp("tiny-run") / "run"
    assert cli_main(["train", "--model", "mlp", "--epochs", "1", "--limit", "64", "--batch", "16",
                     "--threads", "1", "--out", str(path), "--quiet"]) == 0
    return path
