"""The session and trainer of one rank of a distributed run (DistributedDataParallel).

What changes from one process (session.py, trainer.py), and nothing else:

* G and D are wrapped separately in DistributedDataParallel, whose backward averages each
  player's gradients over the ranks; the step (steps.py) calls the wrappers and keeps its own
  schedule. On CUDA their BatchNorm layers become SyncBatchNorm (statistics of the global
  batch); on gloo/CPU they stay per-rank BatchNorm, since SyncBatchNorm refuses CPU tensors
  ("expected input tensor to be on GPU").
* Each rank trains on its shard of the epoch's global order (sharding.py): ``batch`` is per
  rank, the global batch is ``batch x world_size``; learning rates are used as configured.
* Each rank draws its own noise (its own stream, saved for every rank in the checkpoint).
* After every step one small all-reduce carries the step's metrics (summed, then divided by
  the ranks: the mean that is logged) and two flags: a rank's stop wish and rank 0's "report
  now". Each is read one step later (never a device sync on the step in flight), so every
  rank reports, stops and saves at the same step.
* Rank 0 alone writes the run folder: run.json, the CSVs, the epoch grids, the checkpoints, the
  quality and health monitors; it alone keeps the EMA copy of G. Saving gathers every rank's
  noise stream into rank 0's checkpoint.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

from ..config import RunConfig
from ..errors import DataError, GanStudioError, is_out_of_memory
from ..events import STEP_METRICS
from ..jobs import user_message
from ..runs.folder import CsvAppender, RunFolder
from .distributed import DistributedCommands, DistributedContext, DistributedError, ElsewhereError, first_line
from .opening import OpenedRun, open_new_run, open_run_to_resume, read_data, record_data
from .session import TrainingSession
from .trainer import Trainer

_METRICS = len(STEP_METRICS)


class _NoTable:
    """What ranks other than 0 get for a CSV of the run folder: they write nothing."""

    def write_rows(self, rows) -> None:
        pass

    def close(self) -> None:
        pass


class DistributedSession(TrainingSession):
    def __init__(
        self, config: RunConfig, dataset, run: RunFolder, state: dict | None,
        context: DistributedContext, commands: DistributedCommands,
    ) -> None:
        self.context = context
        self.rank, self.world_size, self.backend = context.rank, context.world_size, context.backend
        self._commands = commands
        self._inflight: list[tuple[dist.Work, torch.Tensor]] = []  # step reductions not yet read
        self._report_wish = False  # rank 0: its clock asks for a report (sent with the next step)
        self._wish_sent = False  # rank 0: a report was asked for and has not happened yet
        self._report_agreed = False  # every rank: the ranks have agreed to report now
        self._noise_states: list[torch.Tensor] | None = None
        super().__init__(config, dataset, run, state)
        if not context.is_main:  # the EMA copy only serves rank 0's grids, scores and checkpoints
            self.ema = self.step_fn.ema = None
        self._seed_noise(state)
        self._wrap_players()
        self.augmenter.reduce = _sum_over_ranks  # ADA's p from every rank's real batches, alike on all
        self.device_description += f"; {self.world_size} processes ({context.backend}), global batch {self.global_batch}"

    @property
    def global_batch(self) -> int:
        return self.batch_size * self.world_size

    def _choose_device(self, name: str) -> torch.device:
        return torch.device(self.context.device)

    def _seed_noise(self, state: dict | None) -> None:
        """Every rank its own noise: the saved streams at the same world size; otherwise rank 0
        keeps the run's stream (one process continues it exactly) and rank r > 0 starts one
        seeded by (seed, r, step)."""
        saved = (state or {}).get("noise_rng_ranks")
        size = self.noise_rng.get_state().numel()  # a stream saved on another kind of device cannot go on
        if saved is not None and len(saved) == self.world_size and saved[self.rank].numel() == size:
            self.noise_rng.set_state(saved[self.rank].cpu())
        elif self.rank > 0:
            words = np.random.SeedSequence([self.config.train.seed, self.rank, self.global_step]).generate_state(2)
            self.noise_rng.manual_seed(int(words[0]) << 31 ^ int(words[1]))

    def _wrap_players(self) -> None:
        from torch.nn.parallel import DistributedDataParallel

        cuda = self.device.type == "cuda"
        if cuda:
            # In place for our players (their root is no BatchNorm): the parameters, hence the
            # optimisers', stay the same objects, and the state dicts keep their keys.
            torch.nn.SyncBatchNorm.convert_sync_batchnorm(self.g)
            torch.nn.SyncBatchNorm.convert_sync_batchnorm(self.d)
        # Buffers not synced at each forward: they are BatchNorm's running statistics, which training
        # (batch statistics) never reads; only rank 0's are used (its grids and checkpoints), and
        # broadcasting them would cost a collective at every forward pass of D (2-3 a step).
        options = dict(device_ids=[self.device.index] if cuda else None, forward_sync_buffers=False)
        self.step_fn.ddp_g = DistributedDataParallel(self.g, **options)
        self.step_fn.ddp_d = DistributedDataParallel(self.d, **options)

    # -- the run folder: rank 0 writes ------------------------------------------------------------
    def open_table(self, path: Path, columns):
        return CsvAppender(path, columns) if self.context.is_main else _NoTable()

    def write_epoch_grid(self):
        if self.context.is_main:
            return super().write_epoch_grid()
        return np.zeros((0, 0), dtype=np.uint8), self.run.sample_path(self.epoch)

    def generator_weights(self) -> dict[str, np.ndarray]:
        return super().generator_weights() if self.context.is_main else {}

    def save_checkpoint(self, elapsed: float, numbered: bool) -> Path:
        states: list = [None] * self.world_size
        dist.all_gather_object(states, self.noise_rng.get_state())
        if not self.context.is_main:
            return self.run.last_checkpoint_path
        self._noise_states = states
        return super().save_checkpoint(elapsed, numbered)

    def state(self, elapsed: float) -> dict:
        state = super().state(elapsed)
        state["noise_rng_ranks"] = self._noise_states or [self.noise_rng.get_state()]
        return state

    # -- stepping together ----------------------------------------------------------------------
    def step(self, real: torch.Tensor, labels: torch.Tensor | None, only: str | None = None) -> torch.Tensor:
        try:
            metrics = super().step(real, labels, only)
        except Exception as error:  # noqa: BLE001 - only out-of-memory is turned into a sentence
            if not is_out_of_memory(error):
                raise
            raise DistributedError(
                f"rank {self.rank} ran out of memory ({first_line(error)[:120]}); one rank cannot redo its step "
                f"alone, so the job stops on every rank and the last checkpoint is kept. Try a smaller batch "
                f"than {self.batch_size} a process, or a smaller model width."
            ) from None
        flags = torch.tensor([float(self._commands.stop_wished), float(self._report_wish)])
        self._report_wish = False
        packed = torch.cat([metrics, flags.to(metrics.device, non_blocking=True)])
        self._inflight.append((dist.all_reduce(packed, async_op=True), packed))
        self._settle(keep=1)  # the previous step's flags: its reduction is done by now
        return packed[:_METRICS]

    def _settle(self, keep: int = 0) -> None:
        """Read the flags of every finished step reduction but the newest ``keep``."""
        while len(self._inflight) > keep:
            work, packed = self._inflight.pop(0)
            work.wait()
            stop, report = packed[_METRICS:].tolist()
            if stop:
                self._commands.agreed_stop()
            if report:
                self._report_agreed = True

    def report_due(self, due: bool) -> bool:
        if self.context.is_main and due and not self._wish_sent:
            self._report_wish = self._wish_sent = True
        agreed, self._report_agreed = self._report_agreed, False
        if agreed:
            self._wish_sent = False
        return agreed

    def agree(self, flag: bool) -> bool:
        value = torch.tensor([float(flag)], device=self.device)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value.item())

    def read_metrics(self, pending: list[torch.Tensor]) -> np.ndarray:
        self._settle()  # every rank reads at the same step, so the flags stay in step too
        return super().read_metrics([values / self.world_size for values in pending])


def _sum_over_ranks(values: torch.Tensor) -> torch.Tensor:
    dist.all_reduce(values)
    return values


class DistributedTrainer(Trainer):
    """A :class:`Trainer` for one rank: rank 0 opens (or creates) the run folder and tells the
    others where it is and what config to train; the others read it and write nothing."""

    def __init__(self, run_dir, config, resume, *, context: DistributedContext, **options) -> None:
        super().__init__(run_dir, config, resume, commands=DistributedCommands(), **options)
        self.context = context

    @classmethod
    def new(cls, config: RunConfig, run_dir: Path, context: DistributedContext, **options) -> DistributedTrainer:
        return cls(run_dir, config.copy(), False, context=context, **options)

    @classmethod
    def resume(cls, run_dir: Path, context: DistributedContext, extra_epochs: int | None = None, **options) -> DistributedTrainer:
        return cls(run_dir, None, True, context=context, extra_epochs=extra_epochs, **options)

    def _make_session(self, opened: OpenedRun) -> DistributedSession:
        return DistributedSession(self.config, opened.dataset, opened.run, opened.state, self.context, self.commands)

    def _make_observers(self, opened: OpenedRun, session) -> tuple:
        return super()._make_observers(opened, session) if self.context.is_main else ()

    def _open(self) -> OpenedRun:
        context = self.context
        opened, failure, payload = None, None, None
        if context.is_main:
            try:
                opened = self._open_as_writer()  # takes the run's lock: rank 0 is its one writer
                payload = (str(opened.run.path), opened.config.to_json(), None)
            except (GanStudioError, OSError) as error:
                failure, payload = error, (None, None, user_message(error, terse=True))
        shared = [payload]
        dist.broadcast_object_list(shared, src=0)
        path, config_json, message = shared[0]
        if failure is not None:
            raise failure
        if message is not None:
            raise ElsewhereError(message)
        if not context.is_main:
            try:
                opened = self._open_as_reader(Path(path), RunConfig.from_json(config_json))
            except (GanStudioError, OSError) as error:
                failure = error
        # Every rank has opened the run, or all of them stop with the first rank's reason.
        reasons: list = [None] * context.world_size
        dist.all_gather_object(reasons, None if failure is None else user_message(failure, terse=True))
        if failure is not None:
            raise failure
        for rank, reason in enumerate(reasons):
            if reason is not None:
                opened.close(failed=True)  # rank 0: the lock let go, a new run's folder removed
                raise ElsewhereError(f"rank {rank}: {reason}")
        return opened

    def _open_as_writer(self) -> OpenedRun:
        world = self.context.world_size
        if self.resuming:  # checked before the run is touched, from what run.json says
            run = RunFolder.open(self.run_dir)
            check_global_batch(run.config, int(run.info.get("dataset", {}).get("count", 0) or 0), world)
            return open_run_to_resume(self.run_dir, self.extra_epochs, self.minutes, self.dataset, self.machine)
        dataset = read_data(self.config, self.dataset)
        check_global_batch(self.config, len(dataset.images), world)
        return open_new_run(self.run_dir, self.config, dataset)

    def _open_as_reader(self, path: Path, config: RunConfig) -> OpenedRun:
        from ..runs.checkpoint import load_checkpoint

        run = RunFolder.open(path)
        dataset = read_data(config, self.dataset)
        record_data(run, config, dataset)  # rank 0 has recorded it: this checks it is the same data
        state = load_checkpoint(run.last_checkpoint_path, map_location="cpu") if self.resuming else None
        return ReadOnlyRun(run, config, dataset, state)


class ReadOnlyRun(OpenedRun):
    """The run as a rank other than 0 opens it: no lock, and closing it never touches the
    folder (rank 0 alone cleans up a run that failed to start)."""

    def close(self, failed: bool = False) -> None:
        pass


def check_global_batch(config: RunConfig, count: int, world_size: int) -> None:
    batch = config.train.batch_size
    if count and batch * world_size > count:
        raise DataError(
            f"the global batch ({batch} a process x {world_size} processes = {batch * world_size}) is larger than "
            f"the dataset ({count} images): choose a batch of at most {count // world_size} a process"
        )
