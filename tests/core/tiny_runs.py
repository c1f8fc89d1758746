"""Tiny trained runs for the explorer and export tests: one epoch on 64 digits, in about a second."""

from __future__ import annotations

from pathlib import Path

from gan_studio.core.config import DataConfig, ModelConfig, RunConfig, TrainConfig
from gan_studio.core.events import EpochEnd
from gan_studio.core.train.trainer import Trainer

from .helpers import run_to_end


def tiny_run_config(arch: str = "mlp", conditional: bool = False) -> RunConfig:
    """As conftest's tiny_config, for module-scoped fixtures; arch "dcgan" is 4 channels wide."""
    return RunConfig(
        preset="test",
        data=DataConfig(limit=64),
        model=ModelConfig(arch=arch, z_dim=8, hidden=16, width=4, conditional=conditional),
        train=TrainConfig(
            epochs=1, batch_size=16, loss="ns", schedule="simultaneous", lr_g=1e-3, lr_d=1e-3,
            threads=1, device="cpu", grid_size=4, checkpoint_every=1,
        ),
    )


def train_tiny_run(path: Path, arch: str = "mlp", conditional: bool = False, epochs: int = 1) -> tuple[Path, EpochEnd]:
    """Train a run into ``path``; returns it and the last EpochEnd (with the generator's weights)."""
    config = tiny_run_config(arch, conditional)
    config.train.epochs = epochs
    events, _ = run_to_end(Trainer.new(config, path))
    return path, [e for e in events if isinstance(e, EpochEnd)][-1]
