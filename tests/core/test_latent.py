"""The latent space: generator snapshots, paths through z, and principal directions."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from gan_studio.core.errors import GanStudioError
from gan_studio.core.export.samples import latent_batch
from gan_studio.core.latent.directions import principal_directions
from gan_studio.core.latent.snapshot import (
    GeneratorSnapshot,
    interpolation_path,
    lerp,
    neighbours,
    seed_latent,
    slerp,
    truncate,
)

from .tiny_runs import train_tiny_run


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """An unconditional MLP run and a conditional DCGAN (width 4) run, one epoch each."""
    root = tmp_path_factory.mktemp("latent")
    return {
        "mlp": train_tiny_run(root / "mlp", "mlp"),
        "dcgan": train_tiny_run(root / "dcgan", "dcgan", conditional=True),
    }


@pytest.fixture(scope="module", params=["mlp", "dcgan"])
def snapshot(request, runs):
    run, _ = runs[request.param]
    return GeneratorSnapshot.open(run)


def test_a_snapshot_describes_its_generator(runs):
    mlp = GeneratorSnapshot.open(runs["mlp"][0])
    assert (mlp.z_dim, mlp.num_classes, mlp.image_shape, mlp.epoch) == (8, 0, (1, 28, 28), 1)
    assert mlp.source.endswith(".pt") and mlp.config.model.arch == "mlp"
    dcgan = GeneratorSnapshot.from_checkpoint(runs["dcgan"][0] / "checkpoints" / "last.pt")
    assert (dcgan.num_classes, dcgan.class_names[:2]) == (10, ["0", "1"])
    assert not dcgan.generator.training


def test_same_seed_same_image_and_another_seed_another(snapshot):
    first = snapshot.render(seed_latent(3, snapshot.z_dim, 4))
    assert first.shape == (4, 28, 28, 1) and first.dtype == np.uint8
    assert np.array_equal(first, snapshot.render(seed_latent(3, snapshot.z_dim, 4)))
    assert not np.array_equal(first, snapshot.render(seed_latent(4, snapshot.z_dim, 4)))
    one = snapshot.render_one(seed_latent(3, snapshot.z_dim))
    assert one.shape == (28, 28, 1)


def test_weights_sent_by_the_trainer_render_as_the_checkpoint(runs):
    for run, epoch_end in runs.values():
        saved = GeneratorSnapshot.from_checkpoint(run / "checkpoints" / "last.pt")
        weights = {name: value.copy() for name, value in epoch_end.generator_weights.items()}
        state = torch.get_rng_state()
        sent = GeneratorSnapshot.from_weights(saved.config, saved.image_shape, saved.num_classes, weights, epoch=1)
        assert torch.equal(state, torch.get_rng_state())  # built without touching the trainer's RNG
        z, labels = seed_latent(0, saved.z_dim, 6), (np.arange(6) if saved.num_classes else None)
        before = sent.render(z, labels)
        assert np.array_equal(before, saved.render(z, labels))
        for value in weights.values():
            value[...] = 0  # the sender reuses its arrays: the snapshot holds its own copy
        assert np.array_equal(before, sent.render(z, labels)) and sent.source == "training"


def test_classes_of_a_conditional_generator(runs):
    snapshot = GeneratorSnapshot.open(runs["dcgan"][0])
    z = np.repeat(seed_latent(0, snapshot.z_dim)[None], 2, axis=0)
    two = snapshot.render(z, np.array([1, 7]))
    assert not np.array_equal(two[0], two[1])
    assert np.array_equal(snapshot.render_one(z[0]), snapshot.render_one(z[0], 0))  # no label means class 0
    with pytest.raises(GanStudioError, match="class 10 does not exist"):
        snapshot.render(z, np.array([1, 10]))
    with pytest.raises(GanStudioError, match="class 10 does not exist"):
        principal_directions(snapshot, samples=10, label=10)
    with pytest.raises(ValueError, match=r"shape \(N, 8\)"):
        snapshot.render(np.zeros((2, 5)))


def test_two_threads_can_share_a_snapshot(runs):
    snapshot = GeneratorSnapshot.open(runs["mlp"][0])
    z = seed_latent(1, snapshot.z_dim, 32)
    expected = snapshot.render(z)
    results = []
    threads = [threading.Thread(target=lambda: results.append(snapshot.render(z))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 2 and all(np.array_equal(r, expected) for r in results)


def test_seed_latent_matches_the_export_noise():
    z = seed_latent(5, 8, 4)
    assert z.dtype == np.float32 and z.shape == (4, 8)
    assert np.array_equal(z, latent_batch(4, 8, 5, 0, None)[0].numpy())
    assert np.array_equal(seed_latent(5, 8), z[0])  # one point of a seed is the first of its batch
    assert not np.array_equal(seed_latent(5, 8), seed_latent(6, 8))


def test_truncation_scales_toward_the_mean():
    z = seed_latent(0, 8)
    assert np.allclose(truncate(z, 0.5), z / 2) and not truncate(z, 0.0).any()
    assert truncate(z, 0.7).dtype == np.float32


def test_slerp_keeps_the_ends_and_interpolates_the_norm():
    a, b = seed_latent(0, 8), 2 * seed_latent(1, 8)
    assert np.array_equal(slerp(a, b, 0.0), a) and np.array_equal(slerp(a, b, 1.0), b)
    omega = np.arccos(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    for t in (0.25, 0.5, 0.8):
        point = slerp(a, b, t)
        assert np.isclose(np.linalg.norm(point), (1 - t) * np.linalg.norm(a) + t * np.linalg.norm(b), rtol=1e-5)
        angle = np.arccos(np.clip(point @ a / np.linalg.norm(point) / np.linalg.norm(a), -1, 1))
        assert np.isclose(angle, t * omega, atol=1e-4)  # an even turn along the great circle
    # Parallel: only the length changes. Opposite: the path turns through a perpendicular.
    assert np.allclose(slerp(a, 3 * a, 0.5), 2 * a, rtol=1e-5)
    half = slerp(a, -a, 0.5)
    assert np.isclose(np.linalg.norm(half), np.linalg.norm(a), rtol=1e-5) and abs(half @ a) < 1e-4
    assert np.allclose(slerp(np.zeros(8), b, 0.5), b / 2)
    # lerp cuts through the middle, so its midpoint is shorter than slerp's.
    assert np.allclose(lerp(a, b, 0.5), (a + b) / 2)
    assert np.linalg.norm(lerp(a, b, 0.5)) < np.linalg.norm(slerp(a, b, 0.5))


def test_interpolation_path_includes_both_ends():
    a, b = seed_latent(0, 8), seed_latent(1, 8)
    for mode in ("slerp", "lerp"):
        path = interpolation_path(a, b, 5, mode)
        assert path.shape == (5, 8) and np.array_equal(path[0], a) and np.array_equal(path[-1], b)
    assert np.allclose(interpolation_path(a, b, 3, "lerp")[1], (a + b) / 2)
    with pytest.raises(GanStudioError, match="at least 2 frames"):
        interpolation_path(a, b, 1)
    with pytest.raises(GanStudioError, match="slerp or lerp"):
        interpolation_path(a, b, 4, "cubic")


def test_neighbours_are_near_and_deterministic():
    z = seed_latent(0, 64)
    near = neighbours(z, 50, radius=0.5, seed=3)
    assert near.shape == (50, 64) and near.dtype == np.float32
    assert np.array_equal(near, neighbours(z, 50, radius=0.5, seed=3))
    assert not np.array_equal(near, neighbours(z, 50, radius=0.5, seed=4))
    distance = np.linalg.norm(near - z, axis=1).mean()
    assert 0.4 * np.sqrt(64) < distance < 0.6 * np.sqrt(64)  # radius is per coordinate


def test_principal_directions(snapshot):
    label = 3 if snapshot.num_classes else None
    directions = principal_directions(snapshot, k=4, samples=300, seed=1, label=label)
    vectors, explained, sigma = directions.vectors, directions.explained, directions.sigma
    assert vectors.shape == (4, snapshot.z_dim) and explained.shape == sigma.shape == (4,)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert np.all(np.diff(explained) <= 0) and explained[-1] > 0 and explained.sum() <= 1
    assert np.all(sigma > 0)
    again = principal_directions(snapshot, k=4, samples=300, seed=1, label=label)
    assert np.array_equal(again.vectors, vectors) and np.array_equal(again.explained, explained)
    z = seed_latent(0, snapshot.z_dim)
    start = snapshot.render_one(z, label)
    moved = snapshot.render_one(z + 3 * sigma[0] * vectors[0], label)
    assert np.abs(moved.astype(int) - start).sum() > 0


def test_wide_layers_use_a_randomised_svd_close_to_the_exact_one():
    """Both sides over 1024 (the DCGAN-28's 6272 activations): the seeded sketch, checked against SVD."""
    from gan_studio.core.latent.directions import _top_components

    rng = np.random.default_rng(0)
    n, d = 1100, 1200
    scales = np.r_[[20, 15, 10, 8], np.full(60, 1.0)]  # a decaying head over a flat tail, as trained nets
    x = (rng.standard_normal((n, scales.size)) * scales) @ np.linalg.qr(rng.standard_normal((d, scales.size)))[0].T
    x = torch.from_numpy((x - x.mean(0)).astype(np.float32))
    coordinates, variances = _top_components(x, 4, seed=0)
    exact = torch.linalg.svdvals(x.double())[:4].square() / (n - 1)
    assert coordinates.shape == (n, 4)
    assert np.allclose(variances.numpy(), exact.numpy(), rtol=0.01)
    again = _top_components(x, 4, seed=0)
    assert torch.equal(again[0], coordinates)
