"""Test-wide settings: offscreen Qt, one CPU thread, tiny configs."""

from __future__ import annotations

import os

# Before any QApplication exists: without a display Qt would abort the process.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# One thread everywhere: two threads on a busy 2-core machine can be several times slower.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
# Keep the user's real settings and runs out of the tests.
_TEST_HOME = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"gan-studio-tests-{os.getpid()}")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_TEST_HOME, "config")
# Runs and judges the tests make (or a developer's real ones) never mix.
os.environ["XDG_DATA_HOME"] = os.path.join(_TEST_HOME, "data")
os.environ["XDG_CACHE_HOME"] = os.path.join(_TEST_HOME, "cache")

import gc  # noqa: E402

import pytest  # noqa: E402

from gan_studio.core.config import DataConfig, ModelConfig, RunConfig, TrainConfig  # noqa: E402
from gan_studio.gui.garbage_collection import GenerationCollector  # noqa: E402


@pytest.fixture(scope="session")
def generation_collector() -> GenerationCollector:
    """The session's one record of CPython's collection rules (the window tests' timers share it)."""
    return GenerationCollector()


@pytest.fixture(autouse=True)
def garbage_collected_on_main_thread(generation_collector):
    """Cyclic garbage is collected on the main thread only, as in the window: an automatic
    collection runs in whichever thread allocates, and in a worker thread it can destroy Qt
    objects a test left in cycles (a closed window's plots) while the GUI thread deletes their
    relatives. Between tests, after every thread is joined, the generation due is collected
    here, by the rules the window uses."""
    gc.disable()
    yield
    generation_collector.collect_due()


@pytest.fixture
def tiny_config() -> RunConfig:
    """A config that trains in well under a second: 64 digits, a small MLP, one thread."""
    return RunConfig(
        preset="test",
        data=DataConfig(limit=64),
        model=ModelConfig(arch="mlp", z_dim=8, hidden=16),
        train=TrainConfig(
            epochs=2, batch_size=16, loss="ns", schedule="simultaneous", lr_g=1e-3, lr_d=1e-3,
            threads=1, device="cpu", grid_size=4, checkpoint_every=1,
            quality_every=-1,  # quality monitoring has its own tests
        ),
    )
