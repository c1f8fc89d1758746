"""The explorer's directions as files: JSON and GANSpace's .npz, round trips and bad files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gan_studio.core.errors import GanStudioError
from gan_studio.core.latent.direction_files import Directions, load_directions, save_directions


@pytest.fixture
def directions() -> Directions:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((4, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return Directions(vectors, np.array([0.4, 0.2, 0.1, 0.05], np.float32), np.array([1.1, 0.9, 1.0, 0.7], np.float32))


@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_directions_round_trip_with_their_variance(directions, tmp_path, suffix):
    path = save_directions(tmp_path / f"directions{suffix}", directions, {"generator": "run/best.pt", "epoch": 3, "class": None})
    loaded, about = load_directions(path, z_dim=8)
    np.testing.assert_array_equal(loaded.vectors, directions.vectors)
    np.testing.assert_array_equal(loaded.explained, directions.explained)
    np.testing.assert_array_equal(loaded.sigma, directions.sigma)
    assert about["generator"] == "run/best.pt" and about["epoch"] == 3 and about["z_dim"] == 8


def test_the_npz_has_ganspaces_layout(directions, tmp_path):
    path = save_directions(tmp_path / "d.npz", directions)
    with np.load(path, allow_pickle=False) as arrays:
        assert arrays["lat_comp"].shape == (4, 1, 8) and arrays["lat_mean"].shape == (1, 8)
        np.testing.assert_array_equal(arrays["var_ratio"], directions.explained)
        np.testing.assert_array_equal(arrays["lat_stdev"], directions.sigma)


def test_a_file_ganspace_wrote_loads(directions, tmp_path):
    np.savez_compressed(tmp_path / "ganspace.npz", act_comp=np.zeros((4, 16), np.float32), lat_comp=directions.vectors[:, None, :],
                        lat_mean=np.zeros((1, 8), np.float32), lat_stdev=np.ones(4, np.float32), var_ratio=directions.explained)
    loaded, about = load_directions(tmp_path / "ganspace.npz")
    np.testing.assert_array_equal(loaded.vectors, directions.vectors)
    assert about == {"format": "ganspace"} and (loaded.sigma == 1).all()


def test_the_json_is_readable_by_people(directions, tmp_path):
    info = json.loads(save_directions(tmp_path / "d.json", directions).read_text())
    assert info["format"] == "gan-studio-directions" and info["directions"][0]["name"] == "PC1"
    assert info["directions"][1]["explained_variance"] == pytest.approx(0.2)


def test_directions_of_computed_components_round_trip(tmp_path, tiny_config):
    import torch

    from gan_studio.core.latent.directions import principal_directions
    from gan_studio.core.latent.snapshot import GeneratorSnapshot
    from gan_studio.core.models.networks import build_models

    torch.manual_seed(0)
    generator, _ = build_models(tiny_config.model, "ns", (1, 28, 28), 0)
    found = principal_directions(GeneratorSnapshot(generator, tiny_config, 0, "test"), k=3, samples=200)
    loaded, _ = load_directions(save_directions(tmp_path / "pc.json", found), z_dim=8)
    np.testing.assert_array_equal(loaded.vectors, found.vectors)
    np.testing.assert_array_equal(loaded.explained, found.explained)


@pytest.mark.parametrize(
    "write,message",
    [
        (lambda p: p.with_suffix(".json").write_text("{not json"), "is not a file of directions"),
        (lambda p: p.with_suffix(".json").write_text('{"format": "gan-studio-directions", "directions": []}'), "must be k vectors"),
        (lambda p: p.with_suffix(".npz").write_bytes(b"PK\x03\x04 broken"), "cannot read"),
        (lambda p: np.savez(p.with_suffix(".npz"), lat_comp=np.array([[1, 2]], dtype=object)), "cannot read"),
        (lambda p: np.savez(p.with_suffix(".npz"), other=np.ones(3)), "holds no lat_comp"),
        (lambda p: np.savez(p.with_suffix(".npz"), lat_comp=np.zeros((2, 8))), "a direction is zero"),
    ],
)
def test_bad_files_are_one_sentence_naming_them(tmp_path, write, message):
    base = tmp_path / "bad"
    write(base)
    path = next(tmp_path.glob("bad.*"))
    with pytest.raises(GanStudioError, match=message) as raised:
        load_directions(path)
    assert path.name in str(raised.value)


def test_directions_for_another_generator_are_refused(directions, tmp_path):
    path = save_directions(tmp_path / "d.npz", directions)
    with pytest.raises(GanStudioError, match="holds directions in 8 latent dimensions; this generator has 100"):
        load_directions(path, z_dim=100)
    with pytest.raises(GanStudioError, match="saved as .json or .npz"):
        save_directions(tmp_path / "d.txt", directions)


def test_a_single_array_is_not_a_file_of_directions(tmp_path):
    np.save(tmp_path / "one.npy", np.ones((2, 8)))
    (tmp_path / "one.npy").rename(tmp_path / "one.npz")
    with pytest.raises(GanStudioError, match="one.npz is a single array"):
        load_directions(tmp_path / "one.npz")


def test_the_command_line_writes_a_runs_directions(tmp_path, capsys):
    from gan_studio.cli.main import main

    from .tiny_runs import train_tiny_run

    run, _ = train_tiny_run(tmp_path / "run", "mlp")
    assert main(["export", str(run), "--directions", "--count", "3", "--out", str(tmp_path / "d.npz")]) == 0
    assert "wrote" in capsys.readouterr().out
    loaded, about = load_directions(tmp_path / "d.npz", z_dim=8)
    assert loaded.vectors.shape == (3, 8) and about["epoch"] == 1 and about["generator"].endswith(".pt")
    assert (np.diff(loaded.explained) <= 0).all()  # largest share first
    assert main(["export", str(run), "--directions", "--out", str(tmp_path / "d.txt")]) == 2
    assert "saved as .json or .npz" in capsys.readouterr().err
