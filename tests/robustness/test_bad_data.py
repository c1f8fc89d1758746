"""Bad data through the command line and the window: each bad file is named with its reason, a source
with nothing usable is one clear error, and a failed start leaves nothing behind.

The decoders themselves are tested file by file in tests/core/test_data_images.py and
test_data_sources.py; here the same inputs go through the entry points users touch.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QMessageBox

from gan_studio.core.runs.folder import RunFolder
from gan_studio.gui.workers.training import TrainingState

from .helpers import TINY, assert_one_line_error, cli

TRAIN = ["--model", "mlp", "--batch", "4", "--threads", "1", "--device", "cpu", "--epochs", "1", "--size", "28"]


def grey(value: int, size: tuple[int, int] = (28, 28)) -> Image.Image:
    return Image.fromarray(np.full(size[::-1], value, dtype=np.uint8), "L")


def odd_folder(root: Path) -> dict[str, str]:
    """Good images of every awkward kind, and bad files; returns {bad file name: reason expected}."""
    root.mkdir(parents=True)
    for i in range(4):
        grey(20 * i).save(root / f"plain {i}.png")
    grey(90, (40, 30)).save(root / "wide ü.jpg")  # mixed sizes: cropped and resized
    grey(91, (10, 10)).save(root / "tiny.bmp")
    Image.fromarray(np.full((28, 28), 40000, dtype=np.uint16)).save(root / "deep 16-bit.png")
    palette = Image.new("P", (28, 28), 1)
    palette.putpalette([0, 0, 0, 200, 100, 50] + [0] * 762)
    palette.save(root / "palette.png")
    Image.new("RGBA", (28, 28), (255, 255, 255, 128)).save(root / "alpha.png")
    grey(50).convert("P").save(root / "anim.gif")
    # The bad ones.
    (root / "zero.png").write_bytes(b"")
    (root / "text.jpg").write_text("not a picture")
    (root / "random.png").write_bytes(np.random.default_rng(0).integers(0, 256, 300, dtype=np.uint8).tobytes())
    noise = np.random.default_rng(1).integers(0, 256, (28, 28), dtype=np.uint8)
    Image.fromarray(noise, "L").save(root / "truncated.png")  # noise: the cut lands in the pixels
    (root / "truncated.png").write_bytes((root / "truncated.png").read_bytes()[:300])
    grey(1, (200, 200)).save(root / "bomb.png")  # 40,000 pixels: a bomb once the limit is lowered
    return {
        "zero.png": "empty file",
        "text.jpg": "not an image",
        "random.png": "not an image",
        "truncated.png": "corrupt or truncated image",
        "bomb.png": "image too large (40000 pixels)",
    }


def test_odd_and_bad_images_train_and_each_skipped_file_is_named(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)  # bomb.png is over twice the limit
    data = tmp_path / "mes données" / "chiffres été"  # spaces and non-ASCII, in data and run paths
    bad = odd_folder(data)
    run = tmp_path / "runs é" / "run 1"
    status, err = cli(capsys, "train", "--data", data, "--out", run, *TRAIN)
    assert status == 0, err
    assert "10 images loaded, 5 files skipped" in err
    for name, reason in bad.items():
        assert f"skipped {data / name}: {reason}" in err
    info = RunFolder.open(run).info
    assert info["dataset"]["count"] == 10 and "5 files skipped" in info["dataset"]["load_report"]
    # The run is usable from the same odd path: resume and sample.
    assert cli(capsys, "resume", run, "--epochs", "1", "--quiet")[0] == 0
    assert cli(capsys, "sample", run, "--n", "4", "--out", run / "grid é.png")[0] == 0
    assert (run / "grid é.png").is_file()


def test_a_folder_of_only_bad_files_is_one_error_and_makes_no_run(tmp_path, capsys):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "a.png").write_bytes(b"")
    (tmp_path / "bad" / "b.jpg").write_text("junk")
    status, err = cli(capsys, "train", "--data", tmp_path / "bad", "--out", tmp_path / "run", *TINY)
    assert_one_line_error(status, err, f"none of the 2 image files in {tmp_path / 'bad'} could be read", "a.png: empty file")
    assert not (tmp_path / "run").exists()  # the same command works once the data is fixed
    grey(1).save(tmp_path / "bad" / "a.png")
    for i in range(15):
        grey(i).save(tmp_path / "bad" / f"{i}.png")
    status, err = cli(capsys, "train", "--data", tmp_path / "bad", "--out", tmp_path / "run", *TINY)
    assert status == 0, err


def tutorial_layout(root: Path, rows: list[str]) -> Path:
    (root / "Images" / "train").mkdir(parents=True)
    for i in range(8):
        grey(10 * i).save(root / "Images" / "train" / f"{i}.png")
    (root / "train.csv").write_text("\n".join(["filename,label", *rows]) + "\n", encoding="utf-8")
    return root


def test_a_train_csv_with_missing_files_and_malformed_rows(tmp_path, capsys):
    rows = [f"{i}.png,{i % 2}" for i in range(8)] + ["gone.png,1", "3.png,1,extra", "4.png,seven"]
    root = tutorial_layout(tmp_path / "tutorial", rows)
    status, err = cli(capsys, "train", "--data", root, "--out", tmp_path / "run", *TRAIN)
    assert status == 0, err
    assert f"skipped {root / 'Images' / 'train' / 'gone.png'}: file missing (row 10 of train.csv)" in err
    assert f"skipped {root / 'train.csv'} row 11: malformed row (3 columns, expected 2)" in err
    assert f"skipped {root / 'train.csv'} row 12: malformed row (label 'seven' is not an integer)" in err
    broken = tutorial_layout(tmp_path / "broken", ["nothing.png,1", "missing.png,2"])
    status, err = cli(capsys, "train", "--data", broken, "--out", tmp_path / "run2", *TRAIN)
    assert_one_line_error(status, err, f"none of the 2 files listed in {broken / 'train.csv'} exist")
    (broken / "train.csv").write_text("name;digit\na.png;1\n")
    status, err = cli(capsys, "train", "--data", broken, "--out", tmp_path / "run2", *TRAIN)
    assert_one_line_error(status, err, "train.csv needs the columns filename, label")
    assert not (tmp_path / "run2").exists()


def idx(path: Path, magic: bytes, shape: tuple[int, ...], body: bytes) -> Path:
    path.write_bytes(gzip.compress(magic + struct.pack(f">{len(shape)}I", *shape) + body))
    return path


@pytest.mark.parametrize(
    "name,make,message",
    [
        ("wrong magic", lambda p: idx(p, b"\x08\x03\x00\x00", (2, 4, 4), bytes(32)), "not an IDX file: wrong magic number"),
        ("short body", lambda p: idx(p, b"\x00\x00\x08\x03", (100, 28, 28), bytes(500)), "is truncated: its header says 100×28×28"),
        ("npz wrong shape", lambda p: np.savez(p, images=np.zeros((5, 3, 28, 28, 2), np.uint8)), "key 'images' has shape (5, 3, 28, 28, 2)"),
        ("npz wrong dtype", lambda p: np.savez(p, images=np.array([[["a"]]])), "key 'images' holds <U1 values"),
        ("npz floats out of range", lambda p: np.savez(p, images=np.full((4, 8, 8), 300.5)), "holds floats from 300.5 to 300.5"),
        ("npz not a zip", lambda p: p.write_bytes(b"PK\x03\x04 not really"), "cannot read"),
    ],
)
def test_bad_array_files_are_one_error_naming_file_and_problem(tmp_path, capsys, name, make, message):
    path = tmp_path / ("data.npz" if name.startswith("npz") else "train-images-idx3-ubyte.gz")
    make(path)
    status, err = cli(capsys, "train", "--data", path, "--out", tmp_path / "run", *TINY)
    assert_one_line_error(status, err, path.name, message)
    assert not (tmp_path / "run").exists()


def test_the_window_shows_a_data_error_in_a_dialog_and_stays_usable(qtbot, window, tiny_config, tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "a.png").write_text("junk")
    tiny_config.data.source = str(tmp_path / "bad")
    window.form.set_config(tiny_config)
    window.data_panel.set_source(str(tmp_path / "bad"))
    with qtbot.waitSignal(window.trainingFailed, timeout=20000) as failed:
        window.start_training()
    assert str(tmp_path / "bad") in failed.args[0] and "a.png: not an image" in failed.args[0]
    box = window.findChild(QMessageBox, "errorDialog")
    assert box is not None and box.isVisible() and "a.png: not an image" in box.text()
    box.accept()
    assert window.controller.state is TrainingState.IDLE and window.actions.train.isEnabled()
    runs = tmp_path / "runs"
    assert not runs.exists() or not any(runs.iterdir())  # no half-made run folder
    assert "Traceback" not in failed.args[0]
