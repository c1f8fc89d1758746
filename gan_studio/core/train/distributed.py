"""One run across processes: torchrun's environment, the process group, and stopping together.

Launched by torchrun (``torchrun --nproc_per_node=N -m gan_studio train ...``), every process
finds RANK, WORLD_SIZE and LOCAL_RANK in its environment; :func:`launched_by_torchrun` says
so and :func:`start` joins the process group: NCCL when the run trains on CUDA (one GPU a
process, ``cuda:LOCAL_RANK``), gloo on CPU. The session and trainer of such a run are in
distributed_session.py; this module has what they share with the command line.

Every rank must take every collective operation at the same step, so nothing a single process
decides alone may change the control flow: a stop (Ctrl-C, SIGTERM from the launcher) is a
*wish* (:class:`DistributedCommands`) that the ranks exchange after each step, and all of them
stop at the same step once they have seen it.
"""

from __future__ import annotations

import datetime as _dt
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import GanStudioError
from .commands import TrainerCommands

# How long a rank waits in a collective operation for the others before it gives up (seconds).
# A rank that dies closes its connections and the others fail at once; this bounds a rank that
# hangs. It must exceed the longest time rank 0 works alone between two steps: an epoch's end
# (grid, checkpoint, quality evaluation: 2-10 s for the digits on one CPU core here) on slow storage.
DEFAULT_TIMEOUT_S = 120.0
TIMEOUT_VARIABLE = "GAN_STUDIO_DIST_TIMEOUT"
_TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK")


class DistributedError(GanStudioError):
    """A distributed run cannot go on (a rank failed, lost its peers, ran out of memory)."""


class ElsewhereError(DistributedError):
    """An error another rank found and reports itself: this rank stops without repeating it."""


@dataclass(frozen=True)
class DistributedContext:
    """Where this process stands in a distributed run."""

    rank: int  # 0 .. world_size - 1; rank 0 is the run folder's only writer
    world_size: int  # processes in the run, over every machine
    local_rank: int  # this process' index on its machine (its GPU)
    backend: str  # "nccl" (CUDA) or "gloo" (CPU)
    device: str  # "cuda:LOCAL_RANK" or "cpu"

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def launched_by_torchrun(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether this process is one rank of a torchrun launch (its variables are all set)."""
    return all(environ.get(name, "") != "" for name in _TORCHRUN_VARIABLES)


def timeout_seconds(environ: Mapping[str, str] = os.environ) -> float:
    text = environ.get(TIMEOUT_VARIABLE, "")
    try:
        value = float(text) if text else DEFAULT_TIMEOUT_S
    except ValueError:
        raise GanStudioError(f"{TIMEOUT_VARIABLE} must be a number of seconds, got {text!r}") from None
    if not value > 0:
        raise GanStudioError(f"{TIMEOUT_VARIABLE} must be a positive number of seconds, got {text!r}")
    return value


def choose_backend(device_name: str, cuda_available: bool) -> tuple[str, str]:
    """(backend, device kind) for the run's device setting: NCCL on CUDA, gloo otherwise."""
    wants_cuda = device_name == "auto" or device_name.startswith("cuda")
    if wants_cuda and cuda_available:
        return "nccl", "cuda"
    if device_name.startswith("cuda"):
        raise GanStudioError(f"device {device_name!r} is not available here: this rank has no CUDA GPU")
    if device_name == "mps":
        raise GanStudioError("a distributed run trains on CUDA GPUs or on the CPU, not on mps")
    return "gloo", "cpu"


def start(device_name: str, environ: Mapping[str, str] = os.environ) -> DistributedContext:
    """Join the process group torchrun's environment describes (MASTER_ADDR/PORT: env://)."""
    import torch
    import torch.distributed as dist

    rank, world_size, local_rank = (int(environ[name]) for name in _TORCHRUN_VARIABLES)
    backend, kind = choose_backend(device_name, torch.cuda.is_available())
    device = f"cuda:{local_rank}" if kind == "cuda" else "cpu"
    if kind == "cuda":
        torch.cuda.set_device(local_rank)
    timeout = _dt.timedelta(seconds=timeout_seconds(environ))
    try:
        dist.init_process_group(backend, rank=rank, world_size=world_size, timeout=timeout)
    except (RuntimeError, ValueError) as error:  # DistError is a RuntimeError
        raise DistributedError(f"rank {rank} could not join the other {world_size - 1} rank(s): {first_line(error)}") from None
    return DistributedContext(rank, world_size, local_rank, backend, device)


def finish(wait_for_peers: bool = False) -> None:
    """Leave the process group (after the run, on every rank).

    ``wait_for_peers`` (after a run that ended normally): a barrier first, so no rank tears down
    its gloo connections while rank 0 still scores and saves the last epoch; a rank that left
    early was seen to abort once ("terminate called without an active exception", SIGABRT) in
    the 2-process resume test."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        if wait_for_peers:
            dist.barrier()
        dist.destroy_process_group()


class DistributedCommands(TrainerCommands):
    """The commands of one rank. ``stop()`` (from a signal handler or another thread) is only a
    wish: the session sends it to every rank with the next step's metrics, and every rank stops
    at the same step (:meth:`agreed_stop`), rank 0 saving the checkpoint. Pause, save and
    learning-rate commands are for the window's single-process runs and are not sent here."""

    def __init__(self) -> None:
        super().__init__()
        self._wish = threading.Event()

    def stop(self) -> None:
        self._wish.set()

    @property
    def stop_wished(self) -> bool:
        return self._wish.is_set()

    def agreed_stop(self) -> None:
        """Every rank has seen a stop wish: stop at the next step boundary."""
        super().stop()


def lost_peer_message(error: BaseException, context: DistributedContext) -> str | None:
    """The sentence for a collective that failed because another rank is gone, else None."""
    import torch.distributed as dist

    text = first_line(error)
    lost = isinstance(error, dist.DistError) or any(
        marker in text for marker in ("Connection closed by peer", "Connection reset by peer", "Broken pipe", "gloo", "NCCL", "timed out")
    )
    if not isinstance(error, RuntimeError) or not lost:
        return None
    return f"rank {context.rank} lost contact with the other ranks ({text}); another rank has stopped or died"


def first_line(error: BaseException) -> str:
    """The gist of a collective's error: gloo's "[.../pair.cc:537] Read error [127.0.0.1]:22959:
    Connection reset by peer. This is typically caused by ..." becomes "Read error ...: Connection
    reset by peer"."""
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    if line.startswith("[") and "] " in line:
        line = line.split("] ", 1)[1]
    return line.split(". ", 1)[0]
