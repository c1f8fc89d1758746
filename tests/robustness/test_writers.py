"""One writer per run: a second process is refused in one sentence and writes nothing; a writer
killed outright leaves a lock that the next one takes over; a run that never reached its first
checkpoint leaves no folder that refuses the same command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gan_studio.cli.main import main
from gan_studio.core.events import StepMetrics
from gan_studio.core.runs.folder import RunFolder
from gan_studio.core.runs.lock import read_holder, run_writer
from gan_studio.core.train.trainer import Trainer

TINY = ["--model", "mlp", "--limit", "64", "--batch", "16", "--threads", "1", "--device", "cpu", "--quiet"]
MACHINE = ["--threads", "1", "--device", "cpu", "--quiet"]


def gan_studio(*args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gan_studio", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def wait_until_writing(run: Path, process: subprocess.Popen, timeout_s: float = 120) -> None:
    """Until ``process`` holds the run's lock (it has started training it)."""
    deadline = time.monotonic() + timeout_s
    while (writer := run_writer(run)) is None or writer.pid != process.pid:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the first writer never took the lock"
        time.sleep(0.05)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def trained(tmp_path):
    run = tmp_path / "run"
    assert main(["train", "--epochs", "1", "--out", str(run), *TINY]) == 0
    return run


@pytest.fixture
def first_writer(trained):
    """A `gan-studio resume` training the run (for thousands of epochs) until the test ends."""
    process = gan_studio("resume", trained, "--epochs", 100000, *MACHINE)
    try:
        wait_until_writing(trained, process)
        yield process
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGCONT)
            process.kill()
        process.communicate()


def test_a_second_writer_gets_one_sentence_exit_2_and_writes_nothing(trained, first_writer, monkeypatch, capsys):
    os.kill(first_writer.pid, signal.SIGSTOP)  # frozen, lock held: the folder stands still
    before = snapshot(trained)
    holder = read_holder(trained)
    for args in (["resume", trained, "--epochs", 1, *MACHINE], ["train", "--out", trained, "--epochs", 1, *TINY]):
        second = gan_studio(*args)
        out, err = second.communicate(timeout=120)
        assert second.returncode == 2, err
        expected = (f"gan-studio: error: {trained} is being trained by another process (pid {first_writer.pid} "
                    f"on host {holder.host}, since {holder.describe().split(', since ')[1]}); "
                    "wait for it to finish or stop it, then try again")
        assert err.strip() == expected and not out
        assert snapshot(trained) == before
        # The command line says so before it loads torch; past that check the trainer's lock
        # itself refuses, with the same sentence.
        with monkeypatch.context() as patch:
            patch.setattr("gan_studio.core.runs.lock.run_writer", lambda *a, **k: None)
            assert main([str(a) for a in args]) == 2
        assert capsys.readouterr().err.strip() == expected
        assert snapshot(trained) == before
    # Readers take no lock: sampling and exporting the run work while it is being written.
    assert main(["sample", str(trained), "--n", "4", "--out", str(trained.parent / "grid.png")]) == 0
    assert main(["export", str(trained), "--grid", "2x2", "--out", str(trained.parent / "export.png")]) == 0
    assert snapshot(trained) == before
    os.kill(first_writer.pid, signal.SIGCONT)
    os.kill(first_writer.pid, signal.SIGINT)  # Ctrl-C: it stops at the next step and saves
    assert first_writer.wait(timeout=120) == 130
    assert run_writer(trained) is None and read_holder(trained) is None


def test_a_writer_killed_with_sigkill_leaves_a_lock_the_next_one_takes_over(trained, first_writer, capsys):
    first_writer.kill()  # SIGKILL: no finally, no release
    first_writer.wait()
    assert read_holder(trained).pid == first_writer.pid  # its record stays, naming a dead process
    assert main(["resume", str(trained), "--epochs", "1", *MACHINE]) == 0
    assert "trained by another process" not in capsys.readouterr().err  # taken over silently
    steps = RunFolder.open(trained).read_metrics()["step"].tolist()
    assert steps == list(range(1, len(steps) + 1))  # no step lost or twice
    assert read_holder(trained) is None


def test_a_failure_before_the_first_checkpoint_leaves_no_folder(tmp_path, capsys, monkeypatch):
    run = tmp_path / "run"

    def out_of_memory(*args, **kwargs):
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    with monkeypatch.context() as patch:
        patch.setattr("gan_studio.core.train.session.build_models", out_of_memory)
        assert main(["train", "--epochs", "1", "--out", str(run), *TINY]) == 1
    assert "ran out of memory" in capsys.readouterr().err
    assert not run.exists()
    run.mkdir()  # a folder the user made for it: kept, and left empty
    with monkeypatch.context() as patch:
        patch.setattr("gan_studio.core.train.session.build_models", out_of_memory)
        assert main(["train", "--epochs", "1", "--out", str(run), *TINY]) == 1
    assert run.is_dir() and [p.name for p in run.iterdir() if p.name != ".lock"] == []
    assert main(["train", "--epochs", "1", "--out", str(run), *TINY]) == 0  # the same command, once fixed


def test_a_run_that_stopped_before_its_first_checkpoint_starts_over_with_the_same_command(tmp_path, tiny_config):
    run = tmp_path / "run"
    events = Trainer.new(tiny_config, run).events()
    next(e for e in events if isinstance(e, StepMetrics))
    events.close()  # gone mid-epoch with no checkpoint, as a killed process would be
    assert (run / "run.json").is_file() and (run / "metrics.csv").is_file()
    assert not RunFolder.open(run).has_checkpoint()
    assert main(["train", "--epochs", "1", "--out", str(run), *TINY]) == 0
    assert RunFolder.open(run).read_metrics()["step"].tolist() == [1, 2, 3, 4]
    # A run with a checkpoint, or a folder holding anything else, is never started over.
    assert main(["train", "--epochs", "1", "--out", str(run), *TINY]) == 2
    other = tmp_path / "other"
    events = Trainer.new(tiny_config, other).events()
    next(e for e in events if isinstance(e, StepMetrics))
    events.close()
    (other / "notes.txt").write_text("mine")
    assert main(["train", "--epochs", "1", "--out", str(other), *TINY]) == 2
    assert (other / "notes.txt").read_text() == "mine" and (other / "metrics.csv").is_file()
