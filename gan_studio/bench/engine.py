"""Engine vs plain loop: GAN Studio's real Trainer against :mod:`plain_loop`, in one thread.

What is timed for the engine is whole epochs of ``Trainer.events()`` on the built-in digits in
memory, everything included: the step, the per-step metrics (losses, D outputs, gradient norms),
metrics.csv and epochs.csv, the event objects, the fixed-noise grid and its PNG, and the
checkpoint written at every epoch end. Only the quality monitor is off (``quality_every=-1``):
it is a separate, optional evaluation with its own cadence. An epoch is timed from the moment
the generator is resumed after one epoch's CheckpointSaved to the next one's.

The plain loop then trains on the same number of images. Rounds alternate which one goes first
(ABBA), and the figure reported is the median of the per-round ratios: load from other
processes that comes and goes shifts both sides of a round alike.

Process-wide settings are shared by both sides: torch's thread count, and the allocator tuning
the engine applies (mallopt). The in-process ratio therefore credits the engine nothing for the
allocator; :mod:`hypotheses` measures that effect separately, in fresh processes.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .memory import read_memory, reset_peak
from .plain_loop import PlainLoop, plain_data, spec_from_config


@dataclass
class CaseResult:
    name: str
    engine_images_per_s: list[float] = field(default_factory=list)
    plain_images_per_s: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    # The same ratio from process CPU time: nearly blind to other processes' load (preemption
    # is not counted), so a check on the wall-clock ratio on a busy machine. Not the figure of
    # record: it also leaves out time lost waiting (e.g. for the disk).
    cpu_ratios: list[float] = field(default_factory=list)
    matmul_gflops: list[float] = field(default_factory=list)
    rss_steady_mb: float = float("nan")
    rss_peak_mb: float = float("nan")
    images_per_round: int = 0

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def cpu_ratio(self) -> float:
        return statistics.median(self.cpu_ratios)

    @property
    def engine(self) -> float:
        return statistics.median(self.engine_images_per_s)

    @property
    def plain(self) -> float:
        return statistics.median(self.plain_images_per_s)


def bench_config(arch: str, threads: int, limit: int, epochs: int):
    """The preset users start from (tutorial MLP / default DCGAN), on the CPU, quality off."""
    from ..core.config import preset_config

    config = preset_config("tutorial" if arch == "mlp" else "default")
    config.data.limit = limit
    config.train.device = "cpu"
    config.train.threads = threads
    config.train.epochs = epochs
    config.train.quality_every = -1
    config.train.checkpoint_every = 10**6  # last.pt every epoch, as always; no numbered copies piling up
    return config


class EngineRun:
    """A live Trainer whose epochs can be timed one batch of epochs at a time."""

    def __init__(self, config, dataset, run_dir: Path) -> None:
        from ..core.train.trainer import Trainer

        self.trainer = Trainer.new(config, run_dir, dataset=dataset)
        self.events = self.trainer.events()
        self.rss_samples: list[float] = []
        self._next_epoch()  # setup and a first, warm-up epoch (first-use costs) are not timed
        workload = self.trainer.workload()
        self.images_per_epoch = workload.images_per_epoch
        self.threads = workload.threads

    def _next_epoch(self) -> None:
        from ..core.events import CheckpointSaved, Finished

        for event in self.events:
            if isinstance(event, CheckpointSaved) and event.reason == "epoch":
                self.rss_samples.append(read_memory()["rss_mb"])
                return
            if isinstance(event, Finished):
                raise RuntimeError(f"the benchmark's training run ended early: {event.message}")
        raise RuntimeError("the benchmark's training run ended early")

    def timed_epochs(self, epochs: int) -> tuple[int, float]:
        start = time.perf_counter()
        for _ in range(epochs):
            self._next_epoch()
        return epochs * self.images_per_epoch, time.perf_counter() - start

    def close(self) -> None:
        self.events.close()  # runs the generator's finally: closes the CSV files


def compare_engine_plain(
    arch: str, *, threads: int, rounds: int, epochs_per_round: int, limit: int = 0, matmul=None, log=print
) -> CaseResult:
    """Interleaved rounds of engine vs plain; ``matmul()`` (GFLOP/s) is sampled once per round."""
    import torch

    from ..core.data import load_dataset

    config = bench_config(arch, threads, limit, epochs=1 + rounds * epochs_per_round)
    dataset = load_dataset(config.data)
    result = CaseResult(arch)
    reset_peak()
    with tempfile.TemporaryDirectory(prefix="gan-studio-bench-") as folder:
        engine = EngineRun(config, dataset, Path(folder) / "run")
        try:
            torch.set_num_threads(engine.threads)  # the same threads for the plain loop
            plain = PlainLoop(spec_from_config(config), plain_data(dataset.images, arch))
            plain.run_epoch()  # warm-up, as the engine's first epoch
            result.images_per_round = epochs_per_round * engine.images_per_epoch
            for index in range(rounds):
                order = ("engine", "plain") if index % 2 == 0 else ("plain", "engine")
                rates, cpu_rates = {}, {}
                for side in order:
                    cpu = time.process_time()
                    if side == "engine":
                        images, seconds = engine.timed_epochs(epochs_per_round)
                    else:
                        images, seconds = plain.timed_epochs(epochs_per_round)
                    rates[side] = images / seconds
                    cpu_rates[side] = images / (time.process_time() - cpu)
                result.engine_images_per_s.append(rates["engine"])
                result.plain_images_per_s.append(rates["plain"])
                result.ratios.append(rates["engine"] / rates["plain"])
                result.cpu_ratios.append(cpu_rates["engine"] / cpu_rates["plain"])
                if matmul is not None:
                    result.matmul_gflops.append(matmul())
                log(f"  {arch} round {index + 1}/{rounds}: engine {rates['engine']:.0f} img/s, "
                    f"plain {rates['plain']:.0f} img/s, ratio {result.ratios[-1]:.3f} (CPU time {result.cpu_ratios[-1]:.3f})")
            memory = read_memory()
            samples = engine.rss_samples[1:] or engine.rss_samples
            result.rss_steady_mb = statistics.median(samples)
            result.rss_peak_mb = memory["peak_mb"]
        finally:
            engine.close()
    return result
