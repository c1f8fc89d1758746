"""Fixtures for the robustness tests: the window (shared with tests/gui) and a trained tiny run."""

from __future__ import annotations

import shutil

import pytest

from tests.core.tiny_runs import train_tiny_run
from tests.gui.conftest import (  # noqa: F401 - the window fixtures, reused as is
    every_job_joined, garbage_collected_on_gui_thread, settings, window)


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory):
    """One epoch of the tiny MLP on 64 digits; copy it (``run_copy``) before changing anything."""
    path, _ = train_tiny_run(tmp_path_factory.mktemp("trained") / "run")
    return path


@pytest.fixture
def run_copy(trained_run, tmp_path):
    return shutil.copytree(trained_run, tmp_path / "run")
