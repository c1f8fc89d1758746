"""Small helpers shared by the core tests."""

from __future__ import annotations

from pathlib import Path

import torch

from gan_studio.core.events import Finished
from gan_studio.core.train.trainer import Trainer


def run_to_end(trainer: Trainer) -> tuple[list, Finished]:
    events = list(trainer.events())
    assert isinstance(events[-1], Finished), events[-1]
    return events, events[-1]


def checkpoint_weights(path: Path) -> dict[str, torch.Tensor]:
    state = torch.load(path, weights_only=True)
    flat = {f"g.{k}": v for k, v in state["generator"].items()}
    flat.update({f"d.{k}": v for k, v in state["discriminator"].items()})
    if state.get("ema") is not None:
        flat.update({f"ema.{k}": v for k, v in state["ema"].items()})
    return flat
