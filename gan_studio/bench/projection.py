"""Figures for the README's projection and ONNX sections.

    python -m gan_studio.bench.projection project RUN [--feature-weight W] [--threads N]
        projects one real built-in digit of each class into RUN's generator: the pixel error,
        the class found (conditional models), the time of each
    python -m gan_studio.bench.projection onnx [--threads N]
        exports the tutorial MLP and the default DCGAN (untrained weights, random batch-norm
        statistics), conditional or not, and prints the largest difference between onnxruntime
        and torch on the same z (batches 1, 5, 64) and the export time

Both print the load average beside the figures: on a shared machine, times above load 2 are noisy.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def project_digits(run: str, feature_weight: float) -> None:
    from ..core.latent.projection import ProjectionSettings, project
    from ..core.latent.snapshot import GeneratorSnapshot
    from ..core.resources import resource_path

    with np.load(resource_path("digits.npz")) as data:
        images, labels = data["images"], data["labels"]
    snapshot = GeneratorSnapshot.open(run)
    rng = np.random.default_rng(0)
    errors, right, times = [], 0, []
    for digit in range(10):
        target = images[rng.choice(np.flatnonzero(labels == digit))]
        started = time.perf_counter()
        result = project(snapshot, target, ProjectionSettings(feature_weight=feature_weight))
        times.append(time.perf_counter() - started)
        errors.append(result.pixel_error)
        right += result.label == digit
        print(f"digit {digit}: class found {result.label}, pixel error {result.pixel_error:.1%}, "
              f"{times[-1]:.1f} s (load {os.getloadavg()[0]:.1f})", flush=True)
    found = f", class right for {right} of 10" if snapshot.num_classes else ""
    print(f"median pixel error {np.median(errors):.1%}{found}, median {np.median(times):.1f} s a digit")


def onnx_agreement() -> None:
    import onnxruntime
    import torch

    from ..core.config import preset_config
    from ..core.export import export_onnx
    from ..core.export.onnx import exporter_warnings_hidden
    from ..core.latent.snapshot import GeneratorSnapshot
    from ..core.models.networks import build_models

    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        for preset, conditional in (("tutorial", False), ("tutorial", True), ("default", False), ("default", True)):
            config = preset_config(preset)
            config.model.conditional = conditional
            torch.manual_seed(0)
            generator, _ = build_models(config.model, config.train.loss, (1, 28, 28), 10)
            for module in generator.modules():
                if isinstance(module, torch.nn.BatchNorm2d):
                    module.running_mean.uniform_(-0.5, 0.5)
                    module.running_var.uniform_(0.5, 2.0)
            snapshot = GeneratorSnapshot(generator, config, 0, "bench")
            started = time.perf_counter()
            with exporter_warnings_hidden():
                path = export_onnx(snapshot, Path(folder) / f"{preset}-{conditional}.onnx")
            seconds = time.perf_counter() - started
            session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            worst = 0.0
            for batch in (1, 5, 64):
                z = rng.standard_normal((batch, snapshot.z_dim), dtype=np.float32)
                feed = {"z": z}
                labels = None
                if conditional:
                    feed["labels"] = labels = np.arange(batch, dtype=np.int64) % 10
                images = session.run(None, feed)[0]
                with torch.no_grad():
                    expected = generator(torch.from_numpy(z), None if labels is None else torch.from_numpy(labels)).numpy()
                worst = max(worst, float(np.abs(images - expected).max()))
            kind = f"{config.model.arch}{' conditional' if conditional else ''}"
            print(f"{kind}: largest difference {worst:.1e}, export {seconds:.1f} s, {path.stat().st_size / 1e6:.1f} MB "
                  f"(load {os.getloadavg()[0]:.1f})", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_studio.bench.projection", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("project", "onnx"))
    parser.add_argument("run", nargs="?", help="project: a run folder, checkpoint or export")
    parser.add_argument("--feature-weight", type=float, default=0.05)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    if args.what == "project":
        if not args.run:
            parser.error("project needs a RUN")
        project_digits(args.run, args.feature_weight)
    else:
        onnx_agreement()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
