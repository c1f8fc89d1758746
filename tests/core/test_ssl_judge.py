"""The judge of unlabelled data: trained contrastively on the user's images, it orders what the
eye orders, and unlabelled runs get its distance, a best checkpoint and a collapse alarm."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from gan_studio.bench.calibrate_judge import score_table
from gan_studio.bench.procedural import colour_shapes
from gan_studio.cli.main import main
from gan_studio.core.config import DataConfig
from gan_studio.core.data import ImageDataset, LoadReport, load_dataset
from gan_studio.core.errors import DataError
from gan_studio.core.events import FinishReason, QualityMeasured
from gan_studio.core.jobs import Cancelled, TaskState
from gan_studio.core.quality.evaluate import SSL_METRICS
from gan_studio.core.quality.health import HealthMonitor
from gan_studio.core.quality.judges import SSL, SSL_INFO_NAME, choose_judge, load_chosen_judge, train_judge_for
from gan_studio.core.quality.splits import unlabelled_floor, unlabelled_split
from gan_studio.core.quality.monitor import QualityMonitor
from gan_studio.core.runs.folder import RunFolder
from gan_studio.core.train.trainer import Trainer

from .helpers import run_to_end

SIZE = 16  # the encoder's smallest input: the cheapest to train in a test


@pytest.fixture(autouse=True)
def judges_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def unlabelled(count: int = 400, seed: int = 0) -> ImageDataset:
    images = colour_shapes(count, size=SIZE, seed=seed)
    return ImageDataset(images, None, [], LoadReport("procedural:colour-shapes", "npz", count))


def test_the_split_holds_out_one_in_five_and_the_floor_is_as_large():
    train, held = unlabelled_split(400)
    assert len(held) == 80 and len(train) == 320 and not set(train) & set(held)
    floor = unlabelled_floor(400)
    assert len(floor) == 80 and set(floor) <= set(train)
    assert len(unlabelled_split(20_000)[1]) == 1000  # at most 1,000
    with pytest.raises(ValueError, match="at least 24 images"):
        unlabelled_split(20)


def test_calibration_orders_real_blur_noise_and_repeats(tmp_path):
    dataset = unlabelled()
    judge = train_judge_for(dataset, epochs=8, root=tmp_path)  # 2 steps an epoch at 16 px: a few seconds
    assert judge.kind == SSL and (tmp_path / dataset.fingerprint / SSL_INFO_NAME).is_file()
    rows, ordered = score_table(judge, dataset, colour_shapes(300, size=SIZE, seed=1000))
    fd = {name: m["fcd"] for name, m in rows}
    assert ordered, fd
    assert all(math.isfinite(v) for v in fd.values())
    real = rows[1][1]
    assert real["memorisation"] == pytest.approx(real["memorisation_real"], rel=0.5)  # unseen reals: no copies
    copies = judge.score(dataset.images[unlabelled_split(400)[0][:300]], judge.reference(dataset))[0]
    assert copies["memorisation"] < 0.1 * copies["memorisation_real"]  # training images are their own nearest


def test_training_is_cancellable_and_saves_nothing(tmp_path):
    task = TaskState(progress=lambda done, total: task.cancel())
    with pytest.raises(Cancelled):
        train_judge_for(unlabelled(), epochs=50, task=task, root=tmp_path)
    assert not any(tmp_path.iterdir())
    with pytest.raises(DataError, match="at least 24 images"):
        train_judge_for(unlabelled(10), root=tmp_path)


def test_the_judge_command_trains_an_encoder_for_unlabelled_data(tmp_path, capsys):
    np.savez(tmp_path / "shapes.npz", images=colour_shapes(200, size=SIZE))
    assert main(["judge", "--data", str(tmp_path / "shapes.npz"), "--size", str(SIZE), "--channels", "3",
                 "--epochs", "2", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("unlabelled judge (contrastive encoder)") and "FD floor" in out and "40 held-out images" in out
    saved = out.split("saved ", 1)[1].splitlines()[0]
    assert saved.endswith("encoder.safetensors") and "are now scored with it" in out
    dataset = load_dataset(DataConfig(source=str(tmp_path / "shapes.npz"), channels=3, image_size=SIZE))
    assert choose_judge(dataset.report.source, dataset).kind == SSL


def _last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def test_evaluate_images_trains_a_judge_first_and_prints_json(tmp_path, capsys):
    np.savez(tmp_path / "data.npz", images=colour_shapes(200, size=SIZE))
    np.savez(tmp_path / "fakes.npz", images=colour_shapes(60, size=SIZE, seed=7))
    argv = ["evaluate", "--images", str(tmp_path / "fakes.npz"), "--data", str(tmp_path / "data.npz"),
            "--size", str(SIZE), "--channels", "3", "--threads", "1", "--judge-epochs", "2", "--json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "training one first" in captured.err and "contrastive encoder" in captured.err
    result = _last_json(captured.out)
    assert {"fd", "fd_floor", "kid", "precision", "recall"} <= set(result) and "coverage" not in result
    assert result["judge_kind"] == "ssl" and result["trained_judge"] and result["n"] == 60
    assert all(isinstance(result[k], float) for k in ("fd", "fd_floor", "kid", "precision", "recall"))
    assert main(argv) == 0  # the second time the judge is there
    captured = capsys.readouterr()
    assert "training one first" not in captured.err and not _last_json(captured.out)["trained_judge"]
    assert _last_json(captured.out)["fd"] == pytest.approx(result["fd"])


def test_evaluate_images_on_the_digits_reports_coverage(tmp_path, capsys):
    digits = load_dataset(DataConfig(limit=40)).images
    np.savez(tmp_path / "fakes.npz", images=digits[..., 0])
    assert main(["evaluate", "--images", str(tmp_path / "fakes.npz"), "--data", "builtin:digits", "--json"]) == 0
    result = _last_json(capsys.readouterr().out)
    assert result["judge_kind"] == "builtin" and not result["trained_judge"] and result["num_classes"] == 10
    assert 0 < result["coverage"] <= 1 and result["fd_floor"] == pytest.approx(0.46, abs=0.01)


class Collapsed(torch.nn.Module):
    """A generator that draws one image whatever z: the collapse a judge must notice."""

    z_dim, output_range = 8, (0.0, 1.0)

    def __init__(self, image: np.ndarray) -> None:
        super().__init__()
        self.image = torch.nn.Parameter(torch.from_numpy(image).permute(2, 0, 1).float() / 255.0, requires_grad=False)

    def forward(self, z, labels=None):  # noqa: ANN001
        return self.image.expand(len(z), *self.image.shape)


def test_an_unlabelled_run_gets_the_judges_scores_a_best_checkpoint_and_a_collapse_alarm(tiny_config, tmp_path):
    np.savez(tmp_path / "shapes.npz", images=colour_shapes(200, size=SIZE))
    config = tiny_config
    config.data = DataConfig(source=str(tmp_path / "shapes.npz"), channels=3, image_size=SIZE)
    config.train.quality_every, config.train.epochs = 1, 2
    dataset = load_dataset(config.data)
    train_judge_for(dataset, epochs=2)
    events, finished = run_to_end(Trainer.new(config, tmp_path / "run"))
    assert finished.reason is FinishReason.COMPLETED
    measured = [e for e in events if isinstance(e, QualityMeasured)]
    assert len(measured) == 2 and all(set(q.metrics) == set(SSL_METRICS) for q in measured)
    assert measured[0].is_best and measured[0].class_histogram is None
    run = RunFolder.open(tmp_path / "run")
    assert run.best_checkpoint() is not None and "fcd" in run.read_quality()[0]

    # The same monitor on a generator that draws one image: the health monitor calls it collapse.
    session = SimpleNamespace(config=config, image_shape=(3, SIZE, SIZE), epoch=2, num_classes=0,
                              sampling_generator=lambda: Collapsed(dataset.images[0]))
    monitor = QualityMonitor(RunFolder.open(tmp_path / "run"), session, dataset.images, every=1)
    assert monitor.judge_choice.kind == SSL
    collapsed = monitor.measure(3, 30)
    monitor.close()
    health = HealthMonitor("ns", 10, quality_history=[{"step": 20, **measured[-1].metrics}])
    warnings = health.observe_quality(collapsed)
    assert collapsed.metrics["diversity"] < 0.05 * collapsed.metrics["diversity_real"]
    assert collapsed.metrics["recall"] < 0.1 and collapsed.metrics["fcd"] > 3 * measured[-1].metrics["fcd_floor"]
    assert [w.kind for w in warnings] == ["mode_collapse"]


def test_a_broken_encoder_is_no_judge(tmp_path):
    dataset = unlabelled(120)
    judge = train_judge_for(dataset, epochs=1, root=tmp_path)
    judge.weights_path.write_bytes(b"not weights")
    choice = choose_judge(dataset.report.source, dataset, root=tmp_path)
    assert choice.kind == SSL and load_chosen_judge(choice) is None
