"""The command line under torchrun: one rank of a distributed run, and ``--nproc N``.

``torchrun --nproc_per_node=N -m gan_studio train ...`` starts N copies of this command; each
finds torchrun's variables (RANK, WORLD_SIZE, LOCAL_RANK), joins the process group and trains
its shard (core/train/distributed_session.py). ``gan-studio train --nproc N`` (and ``resume``)
starts torchrun's elastic launcher (torch.distributed.run) on this machine with the same
arguments, so that nobody has to type torchrun.

Faults: a rank that dies closes its connections, so the others fail in their next collective
and exit with one line; the launcher notices the first exit within its monitor interval
(0.1 s), sends SIGTERM to the rest and SIGKILL after 30 s. Ctrl-C reaches the launcher only
(torchrun starts each rank in a session of its own): it sends SIGINT to every rank, whose stop
wish the ranks exchange, so all stop at the same step and rank 0 saves; SIGTERM does the same.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from ..core.errors import GanStudioError
from ..core.jobs import user_message
from .training import drive_training


LAUNCHED_HERE = "GAN_STUDIO_LAUNCHED_BY_NPROC"


def add_nproc_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--nproc", type=int, metavar="N",
        help="train across N processes on this machine (starts torchrun; one GPU each on CUDA, gloo on CPU)",
    )


def launched_by_torchrun() -> bool:
    from ..core.train.distributed import launched_by_torchrun as launched

    return launched()


def run_rank(make_trainer: Callable, device_name: str, quiet: bool) -> int:
    """Train as one rank: ``make_trainer(context)`` builds its DistributedTrainer. Only rank 0
    prints progress; an error is one line from the rank that met it (status 2 for a user's
    mistake, 1 for a failed job)."""
    from ..core.train.distributed import DistributedError, ElsewhereError, finish, lost_peer_message, start

    context = None
    try:
        context = start(device_name)
        trainer = make_trainer(context)
        status = drive_training(trainer, quiet, show=context.is_main, signals=(signal.SIGINT, signal.SIGTERM))
        finish(wait_for_peers=True)
        return status
    except ElsewhereError as error:  # another rank has said it; rank 0 repeats it once
        if context is not None and context.is_main:
            _error(str(error))
        return 2
    except DistributedError as error:
        _error(str(error))
        return 1
    except (GanStudioError, OSError) as error:
        _error(user_message(error, terse=True))
        return 2
    except RuntimeError as error:
        message = lost_peer_message(error, context) if context is not None else None
        if message is None:
            raise
        if not os.environ.get(LAUNCHED_HERE):  # under --nproc the launcher says which rank failed
            _error(f"{message}; the last checkpoint is kept")
        return 1
    finally:
        if context is not None:
            try:
                finish()
            except RuntimeError:  # the group is already broken: nothing left to close
                pass


def launch_local(args: argparse.Namespace, argv: list[str]) -> int:
    """``--nproc N``: torchrun's launcher on this machine, running this same command line."""
    if args.nproc < 1:
        raise GanStudioError(f"--nproc must be at least 1 (got {args.nproc})")
    if launched_by_torchrun():
        raise GanStudioError("--nproc starts torchrun itself: leave it out when torchrun already launched the command")
    from torch.distributed import run as torchrun
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError

    # The launcher's own log lines (thread settings, each signal it sends, a failed rank's
    # exit code) would bury the ranks' one-line errors; its failures come back as
    # ChildFailedError and are said in one line below. Its loggers set their own levels.
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("torch.distributed"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    os.environ[LAUNCHED_HERE] = "1"  # the ranks leave a lost peer to the line said here
    command = ["--standalone", "--nnodes=1", f"--nproc_per_node={args.nproc}", "--monitor-interval=0.1",
               "-m", "gan_studio", *strip_nproc(argv)]
    try:
        torchrun.run(torchrun.parse_args(command))
    except SignalException:  # Ctrl-C or SIGTERM: the launcher has stopped the ranks (rank 0 saved)
        return 130
    except ChildFailedError as error:
        return _report_failure(error, getattr(args, "out", None) or getattr(args, "run", None))
    return 0


def failure_summary(failures: dict) -> tuple[str, int]:
    """One line for the ranks that failed first, and the exit status to return."""
    # A rank killed by a signal is the cause; the others then failed on losing it.
    rank, failure = min(failures.items(), key=lambda item: (item[1].exitcode >= 0, item[1].timestamp))
    code = failure.exitcode
    how = f"was killed by {failure.signal_name()}" if code < 0 else f"exited with status {code}"
    return f"rank {rank} {how}; the launcher stopped every rank", (1 if code < 0 else code)


def _report_failure(error, run: Path | None) -> int:
    failures = error.failures
    codes = {failure.exitcode for failure in failures.values()}
    if 2 in codes:  # a user's mistake, said by the rank that found it (the rest were then stopped)
        return 2
    if codes <= {130}:  # every rank stopped on a signal, rank 0 saved
        return 130
    # A rank killed from outside (SIGKILL: the kernel's OOM killer, kill -9; a crash) said
    # nothing: say it here. Ranks that exited with an error said it in their own line (or a
    # traceback), and the SIGTERM the launcher sends the others afterwards is no cause.
    killed = {rank: f for rank, f in failures.items() if f.exitcode < 0 and f.signal_name() not in ("SIGTERM", "SIGINT")}
    if not killed:
        return 1
    line, status = failure_summary(killed)
    last = Path(run) / "checkpoints" / "last.pt" if run is not None else None
    kept = f"; the last checkpoint is kept: {last}" if last is not None and last.is_file() else ""
    _error(line + kept)
    return status


def strip_nproc(argv: list[str]) -> list[str]:
    """``argv`` without ``--nproc N`` / ``--nproc=N``."""
    kept, skip = [], False
    for item in argv:
        if skip:
            skip = False
        elif item == "--nproc":
            skip = True
        elif not item.startswith("--nproc="):
            kept.append(item)
    return kept


def _error(message: str) -> None:
    print(f"gan-studio: error: {message}", file=sys.stderr, flush=True)
