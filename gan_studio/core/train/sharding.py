"""Which images each process of a run trains on: one global order per epoch, cut into shards.

Every process draws the epoch's permutation of the whole dataset from the same seeded stream
(``TrainingSession.data_rng``: seeded by the run's seed, advanced once per epoch, saved in every
checkpoint), so the order depends on the seed and the epoch only, never on the number of
processes. Step ``s`` of the epoch takes the next ``batch x world_size`` images of it (the global
batch) and rank ``r`` trains on the ``r``-th slice of ``batch`` of them: the shards of one step
are disjoint, and together they are exactly the batch one process would take at
``batch x world_size``. With one process this is the plain slice ``order[s*batch:(s+1)*batch]``.
"""

from __future__ import annotations

import math

import torch


def shard_indices(order: torch.Tensor, step: int, batch: int, rank: int = 0, world_size: int = 1) -> torch.Tensor:
    """The indices rank ``rank`` of ``world_size`` trains on at ``step`` of the epoch ``order``.

    A short last global batch (``drop_last`` off: ``k`` images left) is shared out as
    ``ceil(k / world_size)`` images a rank, taken round the ``k`` in turn: every rank steps on
    the same number of images (collective operations need every rank to take every step), so up
    to ``world_size - 1`` of them are used twice in that step, as torch's DistributedSampler pads.
    """
    start = step * batch * world_size
    chunk = order[start : start + batch * world_size]
    if world_size == 1 or len(chunk) == batch * world_size:
        return chunk[rank * batch : (rank + 1) * batch]
    per_rank = math.ceil(len(chunk) / world_size)
    positions = (torch.arange(per_rank, device=chunk.device) + rank * per_rank) % len(chunk)
    return chunk[positions]


def resumed_step_in_epoch(state: dict, batch: int, world_size: int) -> int:
    """The step of the epoch in progress to continue from, at ``world_size`` processes.

    A checkpoint counts steps of the world size that saved it (``state["world_size"]``, 1 when
    absent). At another world size the run continues at the last global-batch boundary at or
    before the images already trained on in that epoch: up to one global batch of them is
    trained on again. Whole epochs resume exactly at any world size.
    """
    saved_step = int(state["step_in_epoch"])
    saved_world = int(state.get("world_size", 1))
    if saved_world == world_size or not saved_step:
        return saved_step
    return saved_step * batch * saved_world // (batch * world_size)
