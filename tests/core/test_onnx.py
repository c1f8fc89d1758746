"""ONNX export: onnxruntime draws what torch draws, for every model kind and any batch size."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from gan_studio.cli.main import main
from gan_studio.core.config import ModelConfig, RunConfig
from gan_studio.core.export import export_onnx
from gan_studio.core.extras import missing_extra_message
from gan_studio.core.latent.snapshot import GeneratorSnapshot
from gan_studio.core.models.networks import build_models

from .tiny_runs import train_tiny_run

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

# The largest difference measured between onnxruntime 1.32 and torch 2.13 (CPU, float32) on
# the same z, batches of 1, 5 and 64 (python -m gan_studio.bench.projection onnx): 1.2-1.5e-7 for
# the tutorial MLP (100-500-500-784) and 5.6-6.7e-8 for the default DCGAN (width 64), conditional
# or not; the tolerance leaves a margin of ~70x for other CPUs' kernels (outputs are in [0, 1] or
# [-1, 1]).
TOLERANCE = 1e-5


def snapshot_of(arch: str, conditional: bool) -> GeneratorSnapshot:
    """A small generator with random weights and, for the DCGAN, non-trivial batch-norm statistics.
    ``arch`` "dcgan-resize": the DCGAN with resize + convolution up-sampling."""
    config = RunConfig()
    arch, _, upsample = arch.partition("-")
    config.model = ModelConfig(arch=arch, z_dim=8, hidden=16, width=4, conditional=conditional,
                               upsample=upsample or "transposed")
    torch.manual_seed(0)
    generator, _ = build_models(config.model, "ns", (1, 28, 28), 10)
    for module in generator.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    return GeneratorSnapshot(generator, config, 3, "test", class_names=[str(i) for i in range(10)] if conditional else [])


@pytest.mark.parametrize("arch", ["mlp", "dcgan", "dcgan-resize"])
@pytest.mark.parametrize("conditional", [False, True], ids=["unconditional", "conditional"])
def test_onnxruntime_agrees_with_torch(arch, conditional, tmp_path):
    snapshot = snapshot_of(arch, conditional)
    path = export_onnx(snapshot, tmp_path / "generator.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == (["z", "labels"] if conditional else ["z"])
    low, high = snapshot.generator.output_range
    rng = np.random.default_rng(0)
    for batch in (1, 5):
        z = rng.standard_normal((batch, 8), dtype=np.float32)
        feed = {"z": z}
        labels = None
        if conditional:
            feed["labels"] = labels = np.arange(batch, dtype=np.int64) % 10
        images = session.run(["images"], feed)[0]
        with torch.no_grad():
            expected = snapshot.generator(torch.from_numpy(z), None if labels is None else torch.from_numpy(labels)).numpy()
        assert images.shape == (batch, 1, 28, 28) and images.dtype == np.float32
        np.testing.assert_allclose(images, expected, rtol=0, atol=TOLERANCE)
        assert images.min() >= low and images.max() <= high  # the model's own range, unconverted


def test_the_file_describes_the_model(tmp_path):
    path = export_onnx(snapshot_of("dcgan", True), tmp_path / "g")  # the suffix is added
    assert path.name == "g.onnx"
    model = onnx.load(str(path))
    info = json.loads({p.key: p.value for p in model.metadata_props}["gan_studio"])
    assert info["output_range"] == [-1.0, 1.0] and info["z_dim"] == 8 and info["num_classes"] == 10
    assert info["image_shape"] == [1, 28, 28] and info["epoch"] == 3 and info["class_names"][3] == "3"
    batch = model.graph.input[0].type.tensor_type.shape.dim[0]
    assert batch.dim_param and not batch.dim_value  # a named, dynamic batch dimension


def test_the_command_line_exports_a_run(tmp_path, capsys):
    run, _ = train_tiny_run(tmp_path / "run", "mlp")
    assert main(["export", str(run), "--onnx", "--out", str(tmp_path / "generator.onnx")]) == 0
    assert "wrote" in capsys.readouterr().out
    snapshot = GeneratorSnapshot.open(run)
    z = np.random.default_rng(1).standard_normal((3, snapshot.z_dim), dtype=np.float32)
    images = ort.InferenceSession(str(tmp_path / "generator.onnx")).run(None, {"z": z})[0]
    with torch.no_grad():
        np.testing.assert_allclose(images, snapshot.generator(torch.from_numpy(z)).numpy(), rtol=0, atol=TOLERANCE)
    assert main(["export", str(run), "--onnx", "--out", str(tmp_path / "generator.onnx")]) == 2  # no --force
    assert "already exists; use --force" in capsys.readouterr().err


def test_a_missing_extra_is_one_sentence(monkeypatch, tmp_path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxscript" else real(name, *a))
    message = missing_extra_message("onnx")
    assert message == "ONNX export needs the optional package onnxscript: pip install 'gan-studio[onnx]'."
    from gan_studio.core.errors import GanStudioError

    with pytest.raises(GanStudioError, match="needs the optional package onnxscript"):
        export_onnx(snapshot_of("mlp", False), tmp_path / "g.onnx")
    assert not (tmp_path / "g.onnx").exists()
