"""Exports: grids, single images that regenerate from their sidecars, animations, weights, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from gan_studio.cli.main import main
from gan_studio.core.errors import GanStudioError
from gan_studio.core.export import (
    check_writable,
    export_generator_weights,
    export_grid,
    export_images,
    export_interpolation,
    export_progress_animation,
    regenerate_from_sidecar,
)
from gan_studio.core.images import load_png
from gan_studio.core.jobs import Cancelled, TaskState
from gan_studio.core.latent.snapshot import GeneratorSnapshot, seed_latent, truncate

from .tiny_runs import train_tiny_run


@pytest.fixture(scope="module")
def mlp_run(tmp_path_factory):
    return train_tiny_run(tmp_path_factory.mktemp("export") / "mlp", "mlp")[0]


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory):
    """A conditional DCGAN, 4 channels wide, two epochs (two frames of progress)."""
    return train_tiny_run(tmp_path_factory.mktemp("export") / "dcgan", "dcgan", conditional=True, epochs=2)[0]


@pytest.fixture(scope="module")
def mlp(mlp_run):
    return GeneratorSnapshot.open(mlp_run)


def frames_of(path) -> tuple[int, list[int]]:
    with Image.open(path) as image:
        durations = []
        for index in range(image.n_frames):
            image.seek(index)
            durations.append(image.info.get("duration"))
        return image.n_frames, durations


def test_grid_has_the_right_size_and_the_samples_of_the_seed(mlp, tmp_path):
    out = export_grid(mlp, tmp_path / "grid.png", 2, 3, scale=2, padding=1, background=40, seed=4, psi=0.8)
    grid = load_png(out)
    assert grid.shape == (1 + 2 * 57, 1 + 3 * 57, 1)  # 28 px * 2 + 1 px padding per cell
    samples = mlp.render(truncate(seed_latent(4, mlp.z_dim, 6), 0.8))
    for index in range(6):
        row, column = divmod(index, 3)
        cell = grid[1 + row * 57 : 57 + row * 57, 1 + column * 57 : 57 + column * 57]
        assert np.array_equal(cell, samples[index].repeat(2, axis=0).repeat(2, axis=1))
    assert (grid[0] == 40).all()


def test_single_images_regenerate_from_their_sidecars(dcgan_run, tmp_path):
    snapshot = GeneratorSnapshot.open(dcgan_run)
    calls = []
    every_step = TaskState(lambda d, t: calls.append((d, t)), interval_s=0)  # no throttle: each image is seen
    written = export_images(snapshot, tmp_path / "out", 3, seed=7, label=4, psi=0.7, scale=2, task=every_step)
    assert [p.name for p in written] == ["sample-0000.png", "sample-0001.png", "sample-0002.png"]
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
    sidecar = json.loads((tmp_path / "out" / "sample-0001.json").read_text())
    assert {"seed", "index", "latent", "class", "psi", "epoch", "source", "config", "image_shape", "num_classes"} <= set(sidecar)
    assert (sidecar["seed"], sidecar["index"], sidecar["class"], sidecar["psi"], sidecar["epoch"]) == (7, 1, 4, 0.7, 2)
    assert sidecar["config"]["model"]["arch"] == "dcgan" and sidecar["image_shape"] == [1, 28, 28]
    for path in written:
        image = load_png(path)
        assert image.shape == (56, 56, 1)
        assert np.array_equal(regenerate_from_sidecar(path.with_suffix(".json")), image)  # opens "source"
        assert np.array_equal(regenerate_from_sidecar(path.with_suffix(".json"), snapshot), image)
    # A checkpoint rewritten since (best.pt, last.pt) must not silently draw another image.
    sidecar["epoch"] = 1
    (tmp_path / "stale.json").write_text(json.dumps(sidecar))
    with pytest.raises(GanStudioError, match="was drawn at epoch 1"):
        regenerate_from_sidecar(tmp_path / "stale.json")


def test_an_existing_file_needs_force(mlp, tmp_path):
    out = export_grid(mlp, tmp_path / "grid.png", 1, 1)
    with pytest.raises(GanStudioError, match="already exists; use --force to overwrite"):
        export_grid(mlp, out, 2, 2)
    assert load_png(out).shape == (32, 32, 1)  # untouched
    export_grid(mlp, out, 2, 2, force=True)
    assert load_png(out).shape == (62, 62, 1)
    export_images(mlp, tmp_path / "singles", 2)
    with pytest.raises(GanStudioError, match="sample-0000.png already exists"):
        export_images(mlp, tmp_path / "singles", 3)
    assert not (tmp_path / "singles" / "sample-0002.png").exists()  # checked before writing any


def test_targets_are_checked_before_any_work(tmp_path):
    with pytest.raises(GanStudioError, match=f"folder {tmp_path / 'missing'} does not exist"):
        check_writable(tmp_path / "missing" / "x.png", force=False)
    with pytest.raises(GanStudioError, match="is a folder"):
        check_writable(tmp_path, force=True)
    check_writable(tmp_path / "new.png", force=False)


def test_cancelling_stops_and_keeps_what_was_written(mlp, tmp_path):
    seen = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if len(seen) > 2:
            task.cancel()

    task = TaskState(progress, interval_s=0)
    with pytest.raises(Cancelled, match="export cancelled after 2 of 5"):
        export_images(mlp, tmp_path / "out", 5, task=task)
    assert sorted(p.name for p in (tmp_path / "out").glob("*.png")) == ["sample-0000.png", "sample-0001.png"]
    cancelled = TaskState()
    cancelled.cancel()
    with pytest.raises(Cancelled):
        export_interpolation(mlp, seed_latent(0, 8), seed_latent(1, 8), tmp_path / "a.gif", frames=20, task=cancelled)
    assert not (tmp_path / "a.gif").exists()
    for export in (lambda: export_grid(mlp, tmp_path / "g.png", 2, 2, task=cancelled),
                   lambda: export_generator_weights(mlp, tmp_path / "g.safetensors", task=cancelled)):
        with pytest.raises(Cancelled, match="before it started"):
            export()
    assert not (tmp_path / "g.png").exists() and not (tmp_path / "g.safetensors").exists()


@pytest.mark.parametrize("name", ["walk.gif", "walk.png", "walk.apng"])
def test_interpolation_animation_has_the_frames_it_claims(mlp, tmp_path, name):
    a, b = seed_latent(0, mlp.z_dim), seed_latent(1, mlp.z_dim)
    out = export_interpolation(mlp, a, b, tmp_path / name, frames=6, fps=10, scale=2)
    count, durations = frames_of(out)
    assert count == 6 + 4 and set(durations) == {100}  # there and back, no end repeated
    with Image.open(out) as image:
        assert image.size == (56, 56) and image.format == ("GIF" if name.endswith(".gif") else "PNG")
        image.seek(0)
        assert np.array_equal(np.asarray(image.convert("L")), mlp.render_one(a)[..., 0].repeat(2, 0).repeat(2, 1))
    one_way = export_interpolation(mlp, a, b, tmp_path / ("one-" + name), frames=5, loop_back=False)
    assert frames_of(one_way)[0] == 5


def test_identical_frames_are_merged_with_their_time_kept(mlp, tmp_path):
    """Documented: Pillow stores repeated frames once; the animation still plays as long."""
    a = seed_latent(0, mlp.z_dim)
    count, durations = frames_of(export_interpolation(mlp, a, a, tmp_path / "still.gif", frames=4, fps=10, loop_back=False))
    assert count == 1 and sum(durations) == 400


def test_progress_animation_has_one_frame_per_epoch(dcgan_run, tmp_path):
    for name in ("progress.gif", "progress.apng"):
        count, _ = frames_of(export_progress_animation(dcgan_run, tmp_path / name, fps=2))
        assert count == 2
    with pytest.raises(GanStudioError, match="not a GAN Studio run folder"):
        export_progress_animation(tmp_path, tmp_path / "x.gif")


def test_exported_weights_reload_and_render_the_same_pixels(dcgan_run, tmp_path):
    weights, description = export_generator_weights(dcgan_run, tmp_path / "g.safetensors")
    info = json.loads(description.read_text())
    assert (info["format"], info["num_classes"], info["epoch"], info["class_names"][:2]) == ("gan-studio-generator", 10, 2, ["0", "1"])
    original = GeneratorSnapshot.open(dcgan_run)
    reloaded = GeneratorSnapshot.open(weights)
    z, labels = seed_latent(2, 8, 10), np.arange(10)
    assert np.array_equal(reloaded.render(z, labels), original.render(z, labels))
    assert (reloaded.epoch, reloaded.num_classes) == (2, 10)
    description.unlink()  # the description also travels inside the file
    assert np.array_equal(GeneratorSnapshot.from_exported(weights).render(z, labels), original.render(z, labels))
    with pytest.raises(GanStudioError, match="--force"):
        export_generator_weights(original, weights)


def test_command_line_exports(mlp_run, dcgan_run, tmp_path, capsys):
    out = tmp_path
    assert main(["export", str(mlp_run), "--images", "2", "--out", str(out / "singles"), "--seed", "3"]) == 0
    assert len(list((out / "singles").glob("*.png"))) == 2
    assert main(["export", str(mlp_run), "--grid", "2x3", "--out", str(out / "g.png"), "--scale", "2", "--padding", "0"]) == 0
    assert load_png(out / "g.png").shape == (112, 168, 1)
    assert main(["export", str(dcgan_run), "--gif", "interp", "--out", str(out / "i.gif"), "--frames", "4", "--class", "3"]) == 0
    assert frames_of(out / "i.gif")[0] == 6
    assert main(["export", str(dcgan_run), "--gif", "progress", "--out", str(out / "p.apng")]) == 0
    assert frames_of(out / "p.apng")[0] == 2
    assert main(["export", str(dcgan_run), "--weights", "--out", str(out / "w.safetensors"), "--checkpoint", "last"]) == 0
    assert main(["export", str(out / "w.safetensors"), "--grid", "1x2", "--out", str(out / "from-weights.png")]) == 0
    checkpoint = dcgan_run / "checkpoints" / "epoch-0001.pt"
    assert main(["export", str(dcgan_run), "--checkpoint", str(checkpoint), "--images", "1", "--out", str(out / "e1")]) == 0
    assert json.loads((out / "e1" / "sample-0000.json").read_text())["epoch"] == 1
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args,message",
    [
        (["--grid", "8by8", "--out", "{tmp}/g.png"], "--grid wants ROWSxCOLS"),
        (["--grid", "2x2", "--out", "{tmp}/exists.png"], "already exists; use --force"),
        (["--grid", "2x2", "--out", "{tmp}/g.png", "--class", "1"], "not conditional"),
        (["--gif", "interp", "--out", "{tmp}/a.mp4"], "must end in .gif, .png or .apng"),
        (["--weights", "--out", "{tmp}/w.safetensors", "--checkpoint", "best-ever.pt"], "does not exist"),
    ],
)
def test_command_line_errors_are_one_line(mlp_run, tmp_path, capsys, args, message):
    (tmp_path / "exists.png").write_bytes(b"")
    argv = ["export", str(mlp_run), *(a.replace("{tmp}", str(tmp_path)) for a in args)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gan-studio: error:") and message in err and "\n" not in err
