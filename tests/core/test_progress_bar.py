"""The command line's one progress bar (training, judge and export draw with it), and the numbers
both faces format alike."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np

from gan_studio.cli.progress import BAR_WIDTH, ProgressBar, TerminalProgress
from gan_studio.core.events import EpochEnd, StepMetrics
from gan_studio.core.formatting import format_duration, format_speed, format_value
from gan_studio.core.jobs import TaskState


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_pipe_the_bar_draws_nothing_and_lines_go_out():
    pipe = io.StringIO()
    bar = ProgressBar(pipe, label="images")
    bar(1, 4)
    bar.show(2, 4, detail="  more")
    bar.line("wrote x.png")
    bar.clear()
    assert pipe.getvalue() == "wrote x.png\n"
    quiet = io.StringIO()
    ProgressBar(quiet, quiet=True).line("not shown")
    assert quiet.getvalue() == ""


def test_on_a_terminal_the_bar_redraws_in_place_and_clears_for_lines():
    tty = Terminal()
    bar = ProgressBar(tty, label="judge")
    bar(1, 4)
    first = tty.getvalue()
    filled = BAR_WIDTH // 4
    assert first.startswith(f"\rjudge [{'#' * filled}{'.' * (BAR_WIDTH - filled)}]  25% 1/4  ETA ")
    bar(4, 4)
    assert "100% 4/4" in tty.getvalue()[len(first):] and "\n" not in tty.getvalue()
    bar.line("done")
    assert tty.getvalue().endswith("\r" + " " * len(first) + "\rdone\n")  # the bar erased, then the line
    before = tty.getvalue()
    bar.clear()  # nothing shown: nothing to erase
    assert tty.getvalue() == before


def test_a_quiet_terminal_and_a_short_job_show_no_bar():
    tty = Terminal()
    ProgressBar(tty, quiet=True, label="x")(1, 2)
    ProgressBar(tty, label="x", delay_s=60)(1, 2)  # shows only once a job has run a minute
    assert tty.getvalue() == ""


def test_the_bar_is_a_task_progress_callback():
    tty = Terminal()
    task = TaskState(ProgressBar(tty, label="loading"))
    task.set_progress(3, 3)
    assert "\rloading [" in tty.getvalue() and "100% 3/3" in tty.getvalue()


def _step(global_step: int) -> StepMetrics:
    return StepMetrics(
        epoch=1, steps=np.array([global_step]), values=np.array([[0.5, 0.7, 0.6, 0.4, 1.0, 1.0]]), step_in_epoch=global_step,
        steps_per_epoch=10, global_step=global_step, images_per_s=1234.4, eta_s=65.0, elapsed_s=1.0,
    )


def test_training_draws_its_steps_on_the_same_bar():
    tty = Terminal()
    progress = TerminalProgress(tty)
    progress.total_steps = 10
    progress(_step(3))
    assert tty.getvalue().startswith("\repoch 1 [") and "30% step 3/10  D 0.500 G 0.700  1,234 img/s  ETA 01:05" in tty.getvalue()
    pipe = io.StringIO()
    lines = TerminalProgress(pipe)
    lines.total_steps = 10
    lines(_step(3))
    lines(EpochEnd(1, 10, np.zeros((2, 2, 1), np.uint8), Path("e.png"), 2.0, {"d_loss": 0.5, "g_loss": 0.7, "d_real": 0.6, "d_fake": 0.4}))
    assert pipe.getvalue() == "epoch 1: D loss 0.500  G loss 0.700  D(x) 0.60  D(G(z)) 0.40  2.0 s  ETA 01:05\n"


def test_numbers_read_the_same_in_both_faces():
    assert (format_duration(65), format_duration(3661), format_duration(math.inf)) == ("01:05", "1:01:01", "--:--")
    assert format_speed(1234.4) == "1,234 img/s"
    assert format_value(0.12345, "{:.2f}") == "0.12" and format_value(3, "{:.0f}/10") == "3/10"
    assert format_value(math.nan, "{:.2f}") == "-" and format_value(None, "{:.2f}", missing="–") == "–"
