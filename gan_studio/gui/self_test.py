"""``gan-studio --self-test``: the window trains one short epoch; one line says whether all of it worked."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

SELF_TEST_TIMEOUT_S = 300.0  # a first epoch of the tutorial MLP takes seconds; this is a hang
STOP_GRACE_MS = 30_000  # after a timeout, how long the trainer may take to stop


def self_test_window(app, config=None, timeout_s: float | None = None) -> int:
    """Open the window, train one short epoch of the built-in digits; 0 if all of it worked.

    What it proves: Qt starts, the window builds, the built-in digits load, a run trains, the
    judge's weights score it (the last epoch is always measured), a sample grid shows and the
    icon loads, i.e. that an install or a bundle is complete. It prints exactly one line (OK
    or FAILED and why), uses its own settings file and run folder (deleted on success, kept for
    a look on failure), and gives up after ``timeout_s`` (``GAN_STUDIO_SELF_TEST_TIMEOUT``).
    ``config`` replaces the tutorial preset (tests pass a tiny one).
    """
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="gan-studio-self-test-"))
    try:
        code, message = _run_self_test(app, workdir, config, _timeout(timeout_s))
    except Exception as error:  # noqa: BLE001 - any failure is a failed self-test, in one line
        code, message = 1, f"{type(error).__name__}: {error}"
    seconds = time.monotonic() - started
    if code == 0:
        shutil.rmtree(workdir, ignore_errors=True)
        print(f"self-test: OK: {message} ({seconds:.1f} s)", flush=True)
    else:
        print(f"self-test: FAILED: {message} ({seconds:.1f} s; files in {workdir})", file=sys.stderr, flush=True)
    return code


def _timeout(timeout_s: float | None) -> float:
    if timeout_s is not None:
        return timeout_s
    try:
        return float(os.environ.get("GAN_STUDIO_SELF_TEST_TIMEOUT", SELF_TEST_TIMEOUT_S))
    except ValueError:
        return SELF_TEST_TIMEOUT_S


def _run_self_test(app, workdir: Path, config, timeout_s: float) -> tuple[int, str]:
    from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QTimer

    from ..core.config import BUILTIN_DIGITS, preset_config
    from ..core.events import FinishReason
    from .main_window import MainWindow

    if app.windowIcon().pixmap(32, 32).isNull():  # rendered, so a missing SVG plugin shows too
        return 1, "the application icon is missing (icons/gan-studio.svg) or Qt cannot read SVG"
    if config is None:
        config = preset_config("tutorial")
        config.train.epochs = 1
    settings = QSettings(str(workdir / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("run/runs_dir", str(workdir / "runs"))
    window = MainWindow(settings=settings)
    window.form.set_config(config)
    window.data_panel.set_source(BUILTIN_DIGITS)
    window.show()
    outcome: dict = {"code": 1, "message": "did not finish", "quality": None}

    def done(code: int, message: str) -> None:
        if outcome.get("done"):
            return
        outcome.update(done=True, code=code, message=message)
        # The window reopens a finished run and follows it in the watcher's job: stop that first, so
        # nothing reads the run folder while the self-test ends and removes it.
        window.watcher.shutdown()
        if not window.controller.state.busy:
            app.exit(code)  # not quit(): that asks the window to close, which asks "stop training?"
            return
        # Timed out mid-run: the controller learns that the trainer ended only through this event
        # loop, so keep it running until the trainer has stopped; one that will not stop must not
        # hang us.
        window.controller.stateChanged.connect(lambda state: state.busy or app.exit(code))
        window.controller.stop()
        grace.start(STOP_GRACE_MS)

    def give_up() -> None:
        print(f"self-test: FAILED: {outcome['message']}; training did not stop", file=sys.stderr, flush=True)
        os._exit(1)  # a training thread still running while Python exits could crash it instead

    def quality(event) -> None:
        outcome["quality"] = event

    def finished(event) -> None:
        measured = outcome["quality"]
        if event.reason is not FinishReason.COMPLETED:
            return done(1, f"training ended early: {event.message}")
        if window.page.loss_plot.point_count() == 0 or window.page.sample_grid.image() is None:
            return done(1, "training finished but the window shows no losses or samples")
        if measured is None or "fcd" not in measured.metrics:
            return done(1, "the judge did not score the samples (judge.safetensors missing?)")
        steps = f"{event.epoch} epoch(s), {event.global_step} steps"
        done(0, f"trained {steps} on the built-in digits; judge FCD {measured.metrics['fcd']:.1f}")

    def start() -> None:
        window.start_training(workdir / "run")
        if not window.controller.state.busy:  # the form refused the config: an error dialog is open
            done(1, "training did not start")

    window.controller.qualityMeasured.connect(quality)
    window.trainingFinished.connect(lambda event: _guarded(finished, event, done))
    window.trainingFailed.connect(lambda message: done(1, f"training failed: {message}"))
    # Timers owned by the window, stopped below: one left pending would fire in a later event loop.
    watchdog, grace = QTimer(window), QTimer(window)
    watchdog.setSingleShot(True)
    grace.setSingleShot(True)
    watchdog.timeout.connect(lambda: done(1, f"timed out after {timeout_s:g} s"))
    grace.timeout.connect(give_up)
    watchdog.start(int(timeout_s * 1000))
    QTimer.singleShot(0, lambda: _guarded(lambda _: start(), None, done))
    app.exec()
    watchdog.stop()
    grace.stop()
    window.shutdown()  # the explorer's and data panel's workers too
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # now, not at exit
    return outcome["code"], outcome["message"]


def _guarded(slot, argument, done) -> None:
    # An exception in a slot is printed and swallowed by Qt: the test would wait for the timeout.
    try:
        slot(argument)
    except Exception as error:  # noqa: BLE001
        done(1, f"{type(error).__name__}: {error}")


def quiet_harmless_qt_messages() -> None:
    """The self-test prints one line: drop Qt's offscreen-only notice, pass the rest through."""
    from PySide6.QtCore import qFormatLogMessage, qInstallMessageHandler

    def handler(mode, context, message) -> None:
        if "propagateSizeHints" not in message:
            print(qFormatLogMessage(mode, context, message), file=sys.stderr)

    qInstallMessageHandler(handler)
