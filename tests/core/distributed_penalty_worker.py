"""One rank of the WGAN-GP check (test_distributed_runs.py): run by torchrun, 2 gloo processes.

Each rank takes its half of a fixed batch, computes the critic's loss with the gradient penalty
exactly as the step does (autograd.grad with create_graph through the DDP-wrapped critic, then
an ordinary backward, which DDP averages), and rank 0 saves the critic's gradients to argv[1].
"""

from __future__ import annotations

import sys

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from gan_studio.core.config import ModelConfig
from gan_studio.core.models.losses import gradient_penalty, make_loss
from gan_studio.core.models.networks import build_models

BATCH = 4  # per rank; the single-process reference takes 2 x BATCH
GP_WEIGHT = 10.0


def critic_and_batch():
    """The critic (the wgan-gp preset's kind of D, tiny) and a fixed real and fake batch."""
    torch.manual_seed(0)
    _, critic = build_models(ModelConfig(arch="dcgan", width=4), "wgan-gp", (1, 28, 28), 0)
    data = torch.Generator().manual_seed(1)
    real = torch.rand(2 * BATCH, 1, 28, 28, generator=data) * 2 - 1
    fake = torch.rand(2 * BATCH, 1, 28, 28, generator=data) * 2 - 1
    return critic, real, fake


def critic_loss(critic, real, fake, alphas: torch.Generator) -> torch.Tensor:
    loss = make_loss("wgan-gp", 0.0)
    return loss.d_loss(critic(real, None), critic(fake, None)) + GP_WEIGHT * gradient_penalty(critic, real, fake, None, alphas)


def main(out: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    critic, real, fake = critic_and_batch()
    alphas = torch.Generator().manual_seed(2)
    if rank == 1:  # the second half of the interpolation weights one process would draw
        torch.rand(BATCH, 1, 1, 1, generator=alphas)
    part = slice(rank * BATCH, (rank + 1) * BATCH)
    wrapped = DistributedDataParallel(critic)
    critic_loss(wrapped, real[part], fake[part], alphas).backward()
    if rank == 0:
        torch.save({name: p.grad for name, p in critic.named_parameters()}, out)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
