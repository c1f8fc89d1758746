"""``gan-studio --self-test``: one line, exit 0 only when the window trained and the judge scored."""

from __future__ import annotations

import tempfile

import pytest
from PySide6.QtWidgets import QApplication

from gan_studio.gui.app import create_application
from gan_studio.gui.self_test import self_test_window
from gan_studio.gui.main_window import MainWindow


@pytest.fixture
def app(qapp, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the self-test's own folder lands here
    return create_application()  # the qapp, now with the window icon the self-test checks


def test_a_run_that_trains_and_is_scored_passes_and_cleans_up(app, tiny_config, capsys, tmp_path):
    tiny_config.train.epochs = 1
    tiny_config.train.quality_every = 0  # the last epoch is scored by the judge
    assert self_test_window(app, config=tiny_config, timeout_s=120) == 0
    out, err = capsys.readouterr()
    assert out.startswith("self-test: OK: trained 1 epoch(s)") and out.count("\n") == 1, out
    assert "judge FCD" in out and "FAILED" not in err
    assert not list(tmp_path.glob("gan-studio-self-test-*")), "a passing self-test leaves nothing behind"


def test_an_unscored_run_fails_with_one_line_and_keeps_its_files(app, tiny_config, capsys, tmp_path):
    tiny_config.train.epochs = 1
    tiny_config.train.quality_every = -1  # as if the judge could not run
    assert self_test_window(app, config=tiny_config, timeout_s=120) == 1
    out, err = capsys.readouterr()
    line = [text for text in err.splitlines() if text.startswith("self-test:")]
    assert out == "" and len(line) == 1 and "judge did not score" in line[0], err
    assert len(list(tmp_path.glob("gan-studio-self-test-*/run/run.json"))) == 1


def test_a_run_that_outlasts_the_timeout_fails(app, tiny_config, capsys, tmp_path):
    tiny_config.train.epochs = 10_000
    assert self_test_window(app, config=tiny_config, timeout_s=0.5) == 1
    assert "FAILED: timed out after 0.5 s" in capsys.readouterr().err
    # The window is gone, and with it its timers: a pending one (the stop grace period ends the
    # process) would fire in a later test's event loop.
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
