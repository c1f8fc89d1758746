"""Untrusted files: nothing GAN Studio opens can run code, and a damaged or foreign file is a clear error.

A payload whose unpickling would create a marker file is put where each entry point looks (a
checkpoint, a run's last.pt and best.pt, a sidecar's source, an .npz); every entry point must
refuse it with a message naming the file, and the marker must never appear.
"""

from __future__ import annotations

import json
import shutil
import struct

import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QInputDialog, QMessageBox

from gan_studio.core.runs.checkpoint import load_checkpoint, load_generator
from gan_studio.core.errors import GanStudioError
from gan_studio.core.export.samples import open_snapshot, regenerate_from_sidecar
from gan_studio.core.latent.snapshot import GeneratorSnapshot
from gan_studio.core.train.trainer import Trainer
from gan_studio.gui.workers.training import TrainingState

from .helpers import TINY, Payload, assert_one_line_error, cli, write_payload

KINDS = ("torch", "pickle")


@pytest.fixture(params=KINDS)
def poisoned(request, run_copy, tmp_path):
    """(run, loose checkpoint, marker): the run's last.pt, best.pt and epoch-0001.pt are the payload."""
    marker = tmp_path / "code-ran"
    for name in ("last.pt", "best.pt", "epoch-0001.pt"):
        (run_copy / "checkpoints" / name).unlink()
        write_payload(run_copy / "checkpoints" / name, marker, request.param)
    loose = write_payload(tmp_path / "evil.pt", marker, request.param)
    yield run_copy, loose, marker
    assert not marker.exists(), "a file ran code when it was opened"


# -- the core API ------------------------------------------------------------------------------

API = {
    "load_checkpoint": lambda run, ck: load_checkpoint(ck),
    "load_generator": lambda run, ck: load_generator(ck),
    "GeneratorSnapshot.open(file)": lambda run, ck: GeneratorSnapshot.open(ck),
    "GeneratorSnapshot.open(run)": lambda run, ck: GeneratorSnapshot.open(run),
    "GeneratorSnapshot.from_checkpoint": lambda run, ck: GeneratorSnapshot.from_checkpoint(ck),
    "open_snapshot(run, last)": lambda run, ck: open_snapshot(run, "last"),
    "Trainer.resume": lambda run, ck: list(Trainer.resume(run, extra_epochs=1).events()),
}


@pytest.mark.parametrize("entry", list(API))
def test_the_core_api_refuses_a_payload(poisoned, entry):
    run, loose, _ = poisoned
    with pytest.raises(GanStudioError, match=r"\.pt.*refused") as error:
        API[entry](run, loose)
    assert "could run code" in str(error.value)


def test_a_sidecar_naming_a_payload_is_refused(poisoned, tmp_path):
    _, loose, _ = poisoned
    sidecar = tmp_path / "sample-0000.json"
    sidecar.write_text(json.dumps({"latent": [0.0] * 8, "source": str(loose), "epoch": 1}))
    with pytest.raises(GanStudioError, match=r"evil\.pt.*refused"):
        regenerate_from_sidecar(sidecar)


# -- the command line --------------------------------------------------------------------------

COMMANDS = [
    ["sample", "{run}", "--n", "4", "--out", "{tmp}/grid.png"],
    ["sample", "{ck}", "--n", "4", "--out", "{tmp}/singles"],
    ["export", "{run}", "--grid", "2x2", "--out", "{tmp}/grid.png"],
    ["export", "{run}", "--grid", "2x2", "--checkpoint", "last", "--out", "{tmp}/grid.png"],
    ["export", "{run}", "--images", "2", "--out", "{tmp}/images"],
    ["export", "{run}", "--gif", "interp", "--frames", "2", "--out", "{tmp}/walk.gif"],
    ["export", "{run}", "--weights", "--out", "{tmp}/g.safetensors"],
    ["export", "{ck}", "--grid", "2x2", "--out", "{tmp}/grid.png"],
    ["export", "{tmp}", "--weights", "--checkpoint", "{ck}", "--out", "{tmp}/g.safetensors"],
    ["evaluate", "{run}"],
    ["evaluate", "{ck}"],
    ["resume", "{run}", "--epochs", "1", "--quiet"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:3]))
def test_every_command_refuses_a_payload(poisoned, tmp_path, capsys, args):
    run, loose, _ = poisoned
    fill = {"{run}": str(run), "{ck}": str(loose), "{tmp}": str(tmp_path)}
    argv = [fill.get(a, a) for a in args]
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    status, err = cli(capsys, *argv)
    assert_one_line_error(status, err, ".pt", "refused")
    assert not (tmp_path / "grid.png").exists() and not (tmp_path / "g.safetensors").exists()


def test_an_npz_holding_pickled_objects_is_refused(tmp_path, capsys):
    marker = tmp_path / "code-ran"
    np.savez(tmp_path / "evil.npz", images=np.array([Payload(marker)], dtype=object))
    status, err = cli(capsys, "train", "--data", tmp_path / "evil.npz", "--out", tmp_path / "run", *TINY)
    assert_one_line_error(status, err, "evil.npz", "Object arrays cannot be loaded")
    assert not marker.exists()
    assert not (tmp_path / "run").exists()  # a data error makes no run folder


# -- the window --------------------------------------------------------------------------------


def error_dialog(window) -> QMessageBox:
    box = window.findChild(QMessageBox, "errorDialog")
    assert box is not None and box.isVisible()
    return box


def assert_usable(qtbot, window, box: QMessageBox) -> None:
    """The dialog closes and the window is back to idle, ready to train."""
    box.accept()
    assert window.controller.state is TrainingState.IDLE and not window.controller.is_running()
    assert window.actions.train.isEnabled() and window.actions.open_run.isEnabled()


def test_the_window_refuses_a_payload_in_the_explorer_and_on_resume(qtbot, window, poisoned, monkeypatch):
    run, _, _ = poisoned
    # The run is complete: "Train more" asks how many epochs (a modal dialog): one.
    monkeypatch.setattr(QInputDialog, "getInt", lambda *args, **kwargs: (1, True))
    with qtbot.waitSignal(window.watcher.historyLoaded, timeout=10000):
        window.open_run(run)
    qtbot.waitUntil(lambda: "refused" in window.explorer.status.text(), timeout=10000)
    assert "best.pt" in window.explorer.status.text()
    assert window.explorer.current_image() is None
    with qtbot.waitSignal(window.trainingFailed, timeout=20000) as failed:
        window.start_training()  # the opened run has a checkpoint: this resumes it
    assert "last.pt" in failed.args[0] and "refused" in failed.args[0]
    box = error_dialog(window)
    assert "refused" in box.text()
    assert_usable(qtbot, window, box)


# -- damaged and foreign checkpoints -----------------------------------------------------------


def truncate(path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.unlink()  # the numbered and best checkpoints are hard links to the same file
    path.write_bytes(data[: int(len(data) * keep)])


def test_a_truncated_checkpoint_is_a_clear_error_on_resume_sample_and_in_the_explorer(qtbot, window, run_copy, tmp_path, capsys):
    for name in ("last.pt", "best.pt"):
        truncate(run_copy / "checkpoints" / name)
    status, err = cli(capsys, "resume", run_copy, "--epochs", "1", "--quiet")
    assert_one_line_error(status, err, "last.pt", "corrupt or truncated")
    status, err = cli(capsys, "sample", run_copy, "--out", tmp_path / "g.png")
    assert_one_line_error(status, err, "last.pt", "corrupt or truncated")
    with qtbot.waitSignal(window.watcher.historyLoaded, timeout=10000):
        window.open_run(run_copy)
    qtbot.waitUntil(lambda: "corrupt or truncated" in window.explorer.status.text(), timeout=10000)


def test_a_checkpoint_of_another_model_is_named_on_resume(run_copy, tmp_path, capsys):
    """last.pt copied in from another run (a DCGAN) must not silently turn this MLP run into it."""
    from tests.core.tiny_runs import train_tiny_run

    other, _ = train_tiny_run(tmp_path / "dcgan", arch="dcgan")
    last = run_copy / "checkpoints" / "last.pt"
    last.unlink()
    shutil.copyfile(other / "checkpoints" / "last.pt", last)
    before = (run_copy / "run.json").read_text()
    status, err = cli(capsys, "resume", run_copy, "--epochs", "1", "--quiet")
    assert_one_line_error(status, err, "last.pt", "dcgan", "mlp")
    assert (run_copy / "run.json").read_text() == before  # the run was left as it was


def forge(source, target, **changes) -> None:
    state = torch.load(source, weights_only=True)
    for key, value in changes.items():
        if key == "config":
            state["config"] = state["config"].replace(*value)
        else:
            state[key] = value
    target.unlink(missing_ok=True)
    torch.save(state, target)


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"config": ('"hidden": 16', '"hidden": 32')}, "holds a generator for a different model"),
        ({"image_shape": [1, -28, 28]}, "image shape"),
        ({"image_shape": [1, 28]}, "image shape"),
        ({"num_classes": -3}, "classes"),
        ({"generator": {"weight": torch.ones(2)}}, "different model"),
        ({"config": ('"z_dim": 8', '"z_dim": "eight"')}, "no valid config"),
    ],
    ids=["weights", "negative-shape", "short-shape", "classes", "junk-weights", "config-types"],
)
def test_a_forged_checkpoint_is_a_clear_error(qtbot, run_copy, tmp_path, capsys, changes, message):
    last = run_copy / "checkpoints" / "last.pt"
    forge(last, tmp_path / "forged.pt", **changes)
    with pytest.raises(GanStudioError, match=message):
        GeneratorSnapshot.open(tmp_path / "forged.pt")
    forge(last, last, **changes)
    status, err = cli(capsys, "resume", run_copy, "--epochs", "1", "--quiet")
    assert_one_line_error(status, err, "last.pt")


def test_the_explorer_names_a_checkpoint_of_another_model(qtbot, window, run_copy, tmp_path):
    forge(run_copy / "checkpoints" / "last.pt", tmp_path / "forged.pt", config=('"hidden": 16', '"hidden": 32'))
    window.explorer.set_source_path(tmp_path / "forged.pt")
    qtbot.waitUntil(lambda: "different model" in window.explorer.status.text(), timeout=10000)
    assert "forged.pt" in window.explorer.status.text()


# -- weights exports, bookmarks, run.json ------------------------------------------------------


def safetensors_file(path, header: bytes, body: bytes = b"") -> None:
    path.write_bytes(struct.pack("<Q", len(header)) + header + body)


def described_weights(path, trained_run, **description) -> None:
    """A valid .safetensors of the tiny generator whose embedded description is replaced."""
    from safetensors.torch import save_file

    snapshot = GeneratorSnapshot.open(trained_run / "checkpoints" / "last.pt")
    info = {"format": "gan-studio-generator", "version": 1, "config": snapshot.config.to_dict(),
            "image_shape": [1, 28, 28], "num_classes": 0, "epoch": 1, **description}
    save_file(snapshot.state_dict(), str(path), metadata={"gan-studio-generator": json.dumps(info)})


@pytest.mark.parametrize(
    "kind",
    ["huge-header", "not-json", "out-of-bounds", "too-short", "a-pickle", "negative-shape", "wrong-types", "absurd-size"],
)
def test_a_crafted_weights_file_is_a_clear_error(trained_run, tmp_path, capsys, kind):
    import pickle

    marker = tmp_path / "code-ran"
    path = tmp_path / "g.safetensors"
    if kind == "huge-header":
        path.write_bytes(struct.pack("<Q", 2**60) + b"{}")
    elif kind == "not-json":
        safetensors_file(path, b"{{{{{")
    elif kind == "out-of-bounds":
        safetensors_file(path, json.dumps({"w": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}}).encode())
    elif kind == "too-short":
        path.write_bytes(b"abc")
    elif kind == "a-pickle":
        path.write_bytes(pickle.dumps(Payload(marker)))
    elif kind == "negative-shape":
        described_weights(path, trained_run, image_shape=[1, -28, 28])
    elif kind == "wrong-types":
        described_weights(path, trained_run, num_classes="ten")
    else:  # a description that would need terabytes of weights
        described_weights(path, trained_run, image_shape=[3, 1_000_000, 1_000_000])
    with pytest.raises(GanStudioError, match="g.safetensors|g.json"):
        GeneratorSnapshot.open(path)
    for args in (["sample", path, "--out", tmp_path / "grid.png"], ["export", path, "--grid", "2x2", "--out", tmp_path / "grid.png"]):
        status, err = cli(capsys, *args)
        assert_one_line_error(status, err, "g.")
    assert not marker.exists()


def test_a_damaged_bookmarks_file_is_reported_and_never_overwritten(qtbot, window, run_copy):
    damaged = json.dumps({"format": "gan-studio-bookmarks", "version": 1, "bookmarks": [{"name": 5, "z": "x"}]})
    (run_copy / "bookmarks.json").write_text(damaged)
    with qtbot.waitSignal(window.watcher.historyLoaded, timeout=10000):
        window.open_run(run_copy)
    qtbot.waitUntil(lambda: window.explorer.current_image() is not None, timeout=10000)
    # Still on show once the generator has loaded: the message does not flash by.
    assert "bookmarks.json" in window.explorer.status.text()
    assert window.explorer.add_bookmark("mine") is not None
    assert (run_copy / "bookmarks.json").read_text() == damaged  # the user's file is left alone


RUN_JSON = {
    "a list": [1, 2],
    "no config": {"format": 1},
    "config of wrong types": {"format": 1, "config": {"train": {"epochs": "ten"}}},
    "config not an object": {"format": 1, "config": "mlp"},
    "dataset not an object": {"format": 1, "config": {}, "dataset": "digits"},
    "format as text": {"format": "1", "config": {}},
}


@pytest.mark.parametrize("name", list(RUN_JSON))
def test_a_run_json_of_wrong_types_is_a_clear_error(qtbot, window, run_copy, tmp_path, capsys, name):
    (run_copy / "run.json").write_text(json.dumps(RUN_JSON[name]))
    for args in (["resume", run_copy, "--epochs", "1", "--quiet"], ["export", run_copy, "--grid", "2x2", "--out", tmp_path / "g.png"]):
        status, err = cli(capsys, *args)
        assert_one_line_error(status, err, "run.json")
    with qtbot.waitSignal(window.watcher.failed, timeout=10000) as failed:
        window.open_run(run_copy)
    assert "run.json" in failed.args[0]
    box = error_dialog(window)
    assert "run.json" in box.text()
    assert_usable(qtbot, window, box)


def test_sample_grids_that_are_not_pngs_are_never_decoded_and_the_run_still_opens(qtbot, window, run_copy):
    from PIL import Image

    from gan_studio.core.images import load_png

    samples = run_copy / "samples"
    Image.new("L", (8, 8), 255).save(samples / "epoch-0002.png", format="BMP")  # only the PNG decoder may run
    good = (samples / "epoch-0001.png").read_bytes()
    (samples / "epoch-0003.png").write_bytes(good[: len(good) // 2])
    with pytest.raises(OSError):
        load_png(samples / "epoch-0002.png")
    with qtbot.waitSignal(window.watcher.historyLoaded, timeout=10000) as loaded:
        window.open_run(run_copy)
    assert [epoch for epoch, _ in loaded.args[0].grids] == [1]  # the damaged ones are left out, not the run
    assert window.page.timeline.epoch_count() == 1
