"""Where results go: a read-only or missing folder, a full disk, a file that already exists.

Tests run as root, whom permissions do not stop, so a read-only folder and a full disk are
simulated: the file-system calls raise the OSError the kernel would (EROFS, ENOSPC). What the
user must see is one sentence naming the file and the reason; what must not happen is losing
the previous checkpoint, leaving temporary files behind, or a run that cannot be resumed.
An existing file on export is refused without --force in tests/core/test_export.py
(test_an_existing_file_needs_force, test_command_line_errors_are_one_line).
"""

from __future__ import annotations

import builtins
import csv
import errno
import io
import os
from pathlib import Path

import pytest
import torch
from PIL import Image
from PySide6.QtWidgets import QMessageBox

from gan_studio.core.runs.checkpoint import load_checkpoint
from gan_studio.core.runs.folder import RunFolder
from gan_studio.gui.workers.training import TrainingState

from .helpers import TINY, assert_one_line_error, cli, temporaries

ROFS = os.strerror(errno.EROFS)  # "Read-only file system"
NOSPACE = os.strerror(errno.ENOSPC)  # "No space left on device"


def make_read_only(monkeypatch, folder: Path) -> None:
    """Every call that would create or change something inside ``folder`` fails with EROFS."""
    folder = Path(folder).resolve()

    def inside(path) -> bool:
        return isinstance(path, (str, os.PathLike)) and Path(os.path.abspath(os.fspath(path))).is_relative_to(folder)

    def refuse(path, other=None):
        raise OSError(errno.EROFS, ROFS, os.fspath(path), None, None if other is None else os.fspath(other))

    real = {"open": builtins.open, "os_open": os.open, "mkdir": os.mkdir, "replace": os.replace,
            "link": os.link, "access": os.access}

    def fake_open(file, mode="r", *args, **kwargs):
        if inside(file) and any(c in mode for c in "wax+"):
            refuse(file)
        return real["open"](file, mode, *args, **kwargs)

    def fake_os_open(path, flags, *args, **kwargs):
        if inside(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refuse(path)
        return real["os_open"](path, flags, *args, **kwargs)

    def fake_mkdir(path, *args, **kwargs):
        if inside(path) and not os.path.isdir(path):
            refuse(path)
        return real["mkdir"](path, *args, **kwargs)

    def fake_replace(src, dst, *args, **kwargs):
        if inside(dst):
            refuse(src, dst)
        return real["replace"](src, dst, *args, **kwargs)

    def fake_link(src, dst, *args, **kwargs):
        if inside(dst):
            refuse(src, dst)
        return real["link"](src, dst, *args, **kwargs)

    def fake_access(path, mode, *args, **kwargs):  # what access() says on a read-only mount
        return False if inside(path) and mode & os.W_OK else real["access"](path, mode, *args, **kwargs)

    for target, name, fake in ((builtins, "open", fake_open), (io, "open", fake_open), (os, "open", fake_os_open),
                               (os, "mkdir", fake_mkdir), (os, "replace", fake_replace), (os, "link", fake_link),
                               (os, "access", fake_access)):
        monkeypatch.setattr(target, name, fake)


# -- read-only and missing folders -------------------------------------------------------------


def test_training_into_a_read_only_folder_is_one_error(tmp_path, capsys, monkeypatch):
    (tmp_path / "ro").mkdir()
    make_read_only(monkeypatch, tmp_path / "ro")
    status, err = cli(capsys, "train", "--out", tmp_path / "ro" / "run", *TINY)
    assert_one_line_error(status, err, f"cannot create run folder {tmp_path / 'ro' / 'run'}: {ROFS}")


def test_a_missing_output_folder_is_named(trained_run, tmp_path, capsys):
    """The output is below a regular file: no folder can be made there (NotADirectoryError)."""
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    out = blocker / "sub"
    commands = [
        ["train", "--out", out / "run", *TINY],
        ["sample", trained_run, "--n", "4", "--out", out / "grid.png"],
        ["sample", trained_run, "--n", "2", "--out", out / "singles"],
        ["export", trained_run, "--grid", "2x2", "--out", out / "grid.png"],
        ["export", trained_run, "--images", "2", "--out", out / "images"],
        ["export", trained_run, "--weights", "--out", out / "g.safetensors"],
        ["export", trained_run, "--gif", "interp", "--frames", "2", "--out", out / "walk.gif"],
        ["export", trained_run, "--gif", "progress", "--out", out / "progress.gif"],
    ]
    for args in commands:
        status, err = cli(capsys, *args)
        assert_one_line_error(status, err, str(blocker))
        assert "does not exist" in err or "Not a directory" in err, err
    assert blocker.read_text() == "a file, not a folder"


@pytest.mark.parametrize(
    "args",
    [
        ["sample", "{run}", "--n", "4", "--out", "{ro}/grid.png"],
        ["sample", "{run}", "--n", "2", "--out", "{ro}/singles"],
        ["export", "{run}", "--grid", "2x2", "--out", "{ro}/grid.png", "--force"],
        ["export", "{run}", "--images", "2", "--out", "{ro}/images"],
        ["export", "{run}", "--weights", "--out", "{ro}/g.safetensors"],
        ["export", "{run}", "--gif", "interp", "--frames", "2", "--out", "{ro}/walk.gif"],
        ["export", "{run}", "--gif", "progress", "--out", "{ro}/progress.gif"],
    ],
    ids=lambda a: " ".join(a[:3]),
)
def test_writing_into_a_read_only_folder_is_one_error_and_keeps_what_was_there(trained_run, tmp_path, capsys, monkeypatch, args):
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "grid.png").write_bytes(b"the user's own file")
    make_read_only(monkeypatch, ro)
    argv = [a.replace("{run}", str(trained_run)).replace("{ro}", str(ro)) for a in args]
    status, err = cli(capsys, *argv)
    assert_one_line_error(status, err, str(ro))
    assert "not writable" in err or ROFS in err, err
    assert (ro / "grid.png").read_bytes() == b"the user's own file"
    assert sorted(p.name for p in ro.iterdir()) == ["grid.png"] and not temporaries(ro)


def test_the_window_names_a_read_only_runs_folder_and_stays_usable(qtbot, window, tiny_config, tmp_path, monkeypatch):
    make_read_only(monkeypatch, tmp_path / "runs")
    window.form.set_config(tiny_config)
    with qtbot.waitSignal(window.trainingFailed, timeout=30000) as failed:
        window.start_training()
    assert str(tmp_path / "runs") in failed.args[0] and ROFS in failed.args[0]
    box = window.findChild(QMessageBox, "errorDialog")
    assert box is not None and ROFS in box.text()
    box.accept()
    assert window.controller.state is TrainingState.IDLE and window.actions.train.isEnabled()


# -- a full disk -------------------------------------------------------------------------------


def fill_disk_when(monkeypatch, run: Path, target: str) -> None:
    """The first write to ``target`` once the run has a checkpoint fails with ENOSPC, as a full disk
    does: part of the data goes out, then write() fails, naming no file."""
    last = run / "checkpoints" / "last.pt"

    def full() -> OSError:
        return OSError(errno.ENOSPC, NOSPACE)

    if target == "last.pt":
        real_save = torch.save

        def save(obj, handle, *args, **kwargs):
            if last.exists():
                handle.write(b"\0" * 4096)
                raise full()
            return real_save(obj, handle, *args, **kwargs)

        monkeypatch.setattr(torch, "save", save)
    elif target == "epoch-0002.png":
        real_save = Image.Image.save

        def save(self, handle, *args, **kwargs):
            if last.exists() and kwargs.get("format") == "PNG":
                raise full()
            return real_save(self, handle, *args, **kwargs)

        monkeypatch.setattr(Image.Image, "save", save)
    else:  # metrics.csv or epochs.csv
        real_writer = csv.writer

        class Writer:
            def __init__(self, handle, **kwargs):
                self._writer, self._name = real_writer(handle, **kwargs), str(getattr(handle, "name", ""))

            def writerow(self, row):
                return self._writer.writerow(row)

            def writerows(self, rows):
                if last.exists() and self._name.endswith(target):
                    raise full()
                return self._writer.writerows(rows)

        monkeypatch.setattr(csv, "writer", Writer)


@pytest.mark.parametrize("target", ["last.pt", "epoch-0002.png", "metrics.csv", "epochs.csv"])
def test_a_full_disk_stops_training_with_the_file_named_and_the_run_resumable(tmp_path, capsys, monkeypatch, target):
    run = tmp_path / "run"
    with monkeypatch.context() as patch:
        fill_disk_when(patch, run, target)
        status, err = cli(capsys, "train", "--out", run, "--epochs", "2", *TINY)
    assert_one_line_error(status, err, target, NOSPACE)
    if target == "last.pt":
        assert "the previous checkpoint is kept" in err
    state = load_checkpoint(run / "checkpoints" / "last.pt")  # the epoch-1 checkpoint, whole
    assert (state["epoch"], state["step_in_epoch"], state["global_step"]) == (1, 0, 4)
    assert not temporaries(run)
    # Space again: the run resumes where its checkpoint left it, with no step twice in its history.
    status, err = cli(capsys, "resume", run, "--quiet")
    assert status == 0, err
    assert RunFolder.open(run).read_metrics()["step"].tolist() == list(range(1, 9))
    assert [row["epoch"] for row in RunFolder.open(run).read_epochs()] == [1, 2]


def test_the_window_names_a_full_disk_and_keeps_the_checkpoint(qtbot, window, tiny_config, tmp_path, monkeypatch):
    window.form.set_config(tiny_config)
    run = tmp_path / "runs" / "full"
    fill_disk_when(monkeypatch, run, "last.pt")
    with qtbot.waitSignal(window.trainingFailed, timeout=60000) as failed:
        window.start_training(run)
    assert f"cannot save checkpoint {run / 'checkpoints' / 'last.pt'}: {NOSPACE}" in failed.args[0]
    box = window.findChild(QMessageBox, "errorDialog")
    assert box is not None and NOSPACE in box.text()
    box.accept()
    assert window.controller.state is TrainingState.IDLE and not window.controller.is_running()
    assert load_checkpoint(run / "checkpoints" / "last.pt")["epoch"] == 1
    assert not temporaries(run)


def test_a_full_disk_while_creating_a_run_leaves_no_half_made_folder(tmp_path, capsys, monkeypatch):
    run = tmp_path / "run"
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith("run.json"):
            raise OSError(errno.ENOSPC, NOSPACE)
        return real_replace(src, dst, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", replace)
        status, err = cli(capsys, "train", "--out", run, *TINY)
    assert_one_line_error(status, err, f"cannot create run folder {run}: {NOSPACE}")
    assert not run.exists()
    assert cli(capsys, "train", "--out", run, "--epochs", "1", *TINY)[0] == 0  # the same command, once fixed
