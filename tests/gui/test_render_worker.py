from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest

from gan_studio.gui.workers.render import RenderWorker


@pytest.fixture
def make_worker():
    workers = []

    def make(backend=None) -> RenderWorker:
        worker = RenderWorker(backend=backend)
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        assert worker.shutdown()
        assert not worker.is_running()


class GatedBackend:
    """A stand-in for core.latent whose renders wait for the test to open a gate."""

    def __init__(self) -> None:
        self.entered = threading.Event()  # set when a render starts
        self.gate = threading.Event()  # renders wait for this
        self.rendered: list[float] = []
        backend = self

        class Snapshot:
            z_dim, num_classes, image_shape, epoch, source = 4, 0, (1, 2, 2), 7, "fake"
            config = SimpleNamespace(model=SimpleNamespace(arch="fake"))

            @classmethod
            def open(cls, path):
                return cls()

            def render(self, z, labels=None):
                backend.entered.set()
                assert backend.gate.wait(10)
                backend.rendered.append(float(z[0, 0]))
                return np.full((len(z), 2, 2, 1), int(z[0, 0]) % 256, np.uint8)

        self.GeneratorSnapshot = Snapshot


def test_latest_request_wins_and_no_backlog_builds(qtbot, make_worker):
    backend = GatedBackend()
    worker = make_worker(backend)
    with qtbot.waitSignal(worker.sourceReady, timeout=5000) as ready:
        worker.set_source_path("anything")
    assert ready.args[0]["z_dim"] == 4 and ready.args[0]["epoch"] == 7
    delivered = []
    worker.rendered.connect(lambda rid, tag, images: delivered.append((rid, tag, int(images[0, 0, 0, 0]))))
    first = worker.request(np.full((1, 4), 1.0), tag="first")
    assert backend.entered.wait(5)  # the worker is inside render(1): everything now queues up
    ids = [worker.request(np.full((1, 4), float(value)), tag=value) for value in range(2, 40)]
    backend.gate.set()
    qtbot.waitUntil(lambda: len(delivered) == 2, timeout=5000)
    # Only the first (already running) and the newest request were drawn: 37 frames were dropped.
    assert [d[0] for d in delivered] == [first, ids[-1]]
    assert delivered[-1][1:] == (39, 39)
    assert backend.rendered == [1.0, 39.0]
    assert worker.render_count == 2


def test_renders_a_run_folder_and_the_same_latent_gives_the_same_pixels(qtbot, make_worker, tiny_run):
    worker = make_worker()
    with qtbot.waitSignal(worker.sourceReady, timeout=20000) as ready:
        worker.set_source_path(tiny_run)
    info = ready.args[0]
    assert info["z_dim"] == 100 and info["image_shape"] == (1, 28, 28) and info["num_classes"] == 0
    assert info["epoch"] == 1 and info["arch"] == "mlp"
    z = np.random.default_rng(0).standard_normal((3, 100)).astype(np.float32)
    results = []
    worker.rendered.connect(lambda rid, tag, images: results.append((rid, tag, images)))
    for tag in ("a", "b"):
        with qtbot.waitSignal(worker.rendered, timeout=5000):
            worker.request(z, tag=tag)
    (_, tag_a, a), (_, tag_b, b) = results
    assert (tag_a, tag_b) == ("a", "b")
    assert a.shape == (3, 28, 28, 1) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a[0], a[1])  # different z, different picture


def test_weights_from_training_and_directions(qtbot, make_worker, tiny_run):
    from gan_studio.core.latent.snapshot import GeneratorSnapshot

    snapshot = GeneratorSnapshot.open(tiny_run)
    weights = {name: value.numpy() for name, value in snapshot.state_dict().items()}
    worker = make_worker()
    with qtbot.waitSignal(worker.sourceReady, timeout=20000) as ready:
        worker.set_source_weights(snapshot.config.to_json(), (1, 28, 28), 0, weights, epoch=3)
    assert ready.args[0]["epoch"] == 3 and ready.args[0]["source"] == "training"
    z = np.zeros((1, 100), np.float32)
    with qtbot.waitSignal(worker.rendered, timeout=5000) as rendered:
        worker.request(z)
    np.testing.assert_array_equal(rendered.args[2], snapshot.render(z))
    with qtbot.waitSignal(worker.directionsReady, timeout=20000) as found:
        worker.compute_directions(k=5)
    directions = found.args[0]
    assert directions.vectors.shape == (5, 100)
    assert np.allclose(np.linalg.norm(directions.vectors, axis=1), 1, atol=1e-4)


def test_a_bad_source_is_a_message_and_rendering_waits_for_a_good_one(qtbot, make_worker, tmp_path, tiny_run):
    worker = make_worker()
    with qtbot.waitSignal(worker.failed, timeout=20000) as failed:
        worker.set_source_path(tmp_path / "missing")
    assert "missing" in failed.args[0]
    assert not worker.has_source()
    # A request made before any generator is loaded is drawn once one is.
    with qtbot.waitSignals([worker.sourceReady, worker.rendered], order="strict", timeout=20000):
        worker.request(np.zeros((1, 100), np.float32), tag="early")
        worker.set_source_path(tiny_run)


def test_a_wrong_latent_size_is_reported(qtbot, make_worker, tiny_run):
    worker = make_worker()
    with qtbot.waitSignal(worker.sourceReady, timeout=20000):
        worker.set_source_path(tiny_run)
    with qtbot.waitSignal(worker.failed, timeout=5000) as failed:
        worker.request(np.zeros((1, 7), np.float32))
    assert "100" in failed.args[0]


def test_shutdown_joins_and_silences(qtbot, make_worker):
    backend = GatedBackend()
    backend.gate.set()
    worker = make_worker(backend)
    with qtbot.waitSignal(worker.sourceReady, timeout=5000):
        worker.set_source_path("x")
    assert worker.shutdown(5000)
    assert not worker.is_running()
    with qtbot.assertNotEmitted(worker.rendered, wait=50):
        worker.request(np.zeros((1, 4)))
