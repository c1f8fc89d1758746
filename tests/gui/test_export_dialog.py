from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from gan_studio.core.latent.bookmarks import new_bookmark
from gan_studio.gui.dialogs.export_dialog import ExportDialog, ExportSource


@pytest.fixture
def dialog(qtbot, tiny_run):
    rng = np.random.default_rng(0)
    source = ExportSource(
        source=("path", tiny_run), run_dir=tiny_run, current=rng.standard_normal(100).astype(np.float32),
        psi=0.8, seed=3, bookmarks=[new_bookmark("far", rng.standard_normal(100), psi=1.0)],
    )
    widget = ExportDialog(source)
    qtbot.addWidget(widget)
    widget.asked = []
    widget.answer = True

    def confirm(path):
        widget.asked.append(path)
        return widget.answer

    widget.confirm_overwrite = confirm
    yield widget
    assert widget.shutdown()
    assert not widget.is_running()


def export(qtbot, dialog, kind, path, **spins):
    dialog.options.set_kind(kind)
    for name, value in spins.items():
        getattr(dialog.options, name).setValue(value)
    dialog.set_output_path(path)
    with qtbot.waitSignal(dialog.exportFinished, timeout=20000) as finished:
        assert dialog.start()
    return finished.args[0]


def test_writes_a_grid_with_the_chosen_layout(qtbot, dialog, tmp_path):
    out = export(qtbot, dialog, "grid", tmp_path / "grid.png", rows_spin=2, columns_spin=3, padding_spin=1)
    assert out == tmp_path / "grid.png"
    with Image.open(out) as image:
        assert image.size == (3 * 29 + 1, 2 * 29 + 1)
    assert str(out) in dialog.result_label.text()
    assert dialog.asked == []  # nothing was there: nothing to ask


def test_writes_single_images_with_sidecars(qtbot, dialog, tmp_path):
    written = export(qtbot, dialog, "images", tmp_path / "singles", count_spin=3)
    assert [p.name for p in written] == ["sample-0000.png", "sample-0001.png", "sample-0002.png"]
    sidecar = json.loads((tmp_path / "singles" / "sample-0001.json").read_text())
    assert sidecar["psi"] == pytest.approx(0.8) and sidecar["seed"] == 3
    assert dialog.progress.value() == dialog.progress.maximum()


def test_asks_before_overwriting(qtbot, dialog, tmp_path):
    out = tmp_path / "grid.png"
    out.write_bytes(b"keep me")
    dialog.options.set_kind("grid")
    dialog.set_output_path(out)
    dialog.answer = False
    assert not dialog.start()
    assert dialog.asked == [out] and out.read_bytes() == b"keep me"
    dialog.answer = True
    export(qtbot, dialog, "grid", out)
    assert dialog.asked == [out, out]
    assert out.read_bytes().startswith(b"\x89PNG")


def test_cancel_stops_a_long_export(qtbot, dialog, tmp_path):
    dialog.progressChanged.connect(lambda done, total: dialog.cancel_button.click() if done >= 1 else None)
    dialog.options.set_kind("images")
    dialog.options.count_spin.setValue(2000)
    dialog.set_output_path(tmp_path / "many")
    with qtbot.waitSignal(dialog.exportCancelled, timeout=20000):
        assert dialog.start()
    assert not dialog.is_running() and dialog.start_button.isEnabled()
    assert 1 <= len(list((tmp_path / "many").glob("*.png"))) < 2000
    assert "Cancelled" in dialog.result_label.text()


def test_animations_and_weights(qtbot, dialog, tmp_path):
    dialog.options.from_combo.setCurrentText("far")
    gif = export(qtbot, dialog, "interpolation", tmp_path / "walk.gif", frames_spin=3, scale_spin=1)
    with Image.open(gif) as image:
        assert image.format == "GIF" and image.size == (28, 28)
    movie = export(qtbot, dialog, "progress", tmp_path / "progress.gif")
    assert movie.is_file()
    weights, description = export(qtbot, dialog, "weights", tmp_path / "g.safetensors")
    assert weights.is_file() and json.loads(description.read_text())["image_shape"] == [1, 28, 28]


def test_an_error_is_shown_not_raised(qtbot, dialog, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    dialog.options.set_kind("grid")
    dialog.set_output_path(blocker / "grid.png")  # a folder that is a file
    with qtbot.waitSignal(dialog.exportFailed, timeout=20000) as failed:
        assert dialog.start()
    assert failed.args[0] and "failed" in dialog.result_label.text()


def test_closing_cancels_and_joins(qtbot, dialog, tmp_path):
    dialog.options.set_kind("images")
    dialog.options.count_spin.setValue(2000)
    dialog.set_output_path(tmp_path / "closing")
    with qtbot.waitSignal(dialog.progressChanged, timeout=20000):
        assert dialog.start()
    dialog.reject()
    assert not dialog.is_running()
    assert len(list((tmp_path / "closing").glob("*.png"))) < 2000


def test_exports_onnx(qtbot, dialog, tmp_path):
    pytest.importorskip("onnxruntime")
    out = export(qtbot, dialog, "onnx", tmp_path / "generator.onnx")
    assert out == tmp_path / "generator.onnx" and out.stat().st_size > 100_000
    assert not dialog.options.scale_spin.isEnabled()
    assert "runtimes" in dialog.options.onnx_note.text()


def test_a_missing_onnx_extra_is_explained_in_one_sentence(qtbot, dialog, tmp_path, monkeypatch):
    import gan_studio.gui.dialogs.export_options as options

    monkeypatch.setattr(options, "missing_extra_message", lambda extra: "ONNX export needs the optional package onnx: pip install 'gan-studio[onnx]'.")
    dialog.options.set_kind("onnx")
    dialog.set_output_path(tmp_path / "generator.onnx")
    assert not dialog.start()
    assert dialog.result_label.text() == "ONNX export needs the optional package onnx: pip install 'gan-studio[onnx]'."
    assert not (tmp_path / "generator.onnx").exists()
