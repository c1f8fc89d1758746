"""The state of one training run in memory: device, data, players, optimisers, random streams.

The :class:`~gan_studio.core.train.trainer.Trainer` drives a session; the session knows how to take a
step, save and restore itself exactly, and draw the epoch grid. Resuming is exact: the data
order of the epoch in progress, both random streams, the optimisers and the EMA are all saved.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..atomic import link_or_copy
from ..runs.checkpoint import describe_model, load_module_state, save_checkpoint
from ..config import RunConfig
from ..data import ImageDataset
from ..device import configure_cpu_threads, describe_device, resolve_device, tune_allocator
from ..errors import CheckpointError, ConfigError
from ..events import STEP_METRICS
from ..models.losses import make_loss
from ..models.networks import build_models
from ..runs.folder import CsvAppender, RunFolder
from ..models.sampling import fixed_inputs, render_grid, weights_to_numpy
from ..config import augment_policy
from .augment import Augmenter
from .sharding import resumed_step_in_epoch, shard_indices
from .init_from import Parent
from .steps import AdversarialStep

EPOCH_COLUMNS = ("epoch", "step", "epoch_time_s", "elapsed_s", *STEP_METRICS)


class TrainingSession:
    # One process trains alone; a distributed session (distributed_session.py) sets its own.
    rank = 0
    world_size = 1
    backend: str | None = None

    def __init__(self, config: RunConfig, dataset: ImageDataset, run: RunFolder, state: dict | None,
                 parent: Parent | None = None) -> None:
        self.config = config
        self.run = run
        cfg = config.train
        tune_allocator()
        self.threads = configure_cpu_threads(cfg.threads)
        self.device = self._choose_device(cfg.device)
        self.device_description = describe_device(self.device, self.threads)

        # Data stays uint8 on the device; each batch is scaled to the model's range as it is used.
        images = torch.from_numpy(dataset.images).permute(0, 3, 1, 2)  # a channels_last view of NHWC
        self.images = images.to(self.device)
        self.labels = torch.from_numpy(dataset.labels).to(self.device) if dataset.labels is not None else None
        self.image_shape = tuple(self.images.shape[1:])
        self.num_classes = dataset.num_classes if config.model.conditional else 0
        count = len(self.images)
        self.batch_size = cfg.batch_size
        global_batch = self.batch_size * self.world_size  # per-rank batch x ranks
        self.steps_per_epoch = count // global_batch if cfg.drop_last else math.ceil(count / global_batch)

        # Weights: seeded without disturbing the process' global random stream.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            self.g, self.d = build_models(config.model, cfg.loss, self.image_shape, self.num_classes)
        # channels_last helps oneDNN's convolutions on CPU (~12 % per DCGAN step here).
        self.channels_last = config.model.arch == "dcgan" and self.device.type == "cpu"
        memory_format = torch.channels_last if self.channels_last else torch.contiguous_format
        self.g.to(self.device, memory_format=memory_format)
        self.d.to(self.device, memory_format=memory_format)
        self.low, self.high = self.g.output_range
        self.ema = copy.deepcopy(self.g).eval() if cfg.ema_decay > 0 else None
        for parameter in self.ema.parameters() if self.ema is not None else ():
            parameter.requires_grad_(False)

        fused = self.device.type in ("cpu", "cuda")  # fused Adam: ~13 % faster MLP steps on CPU
        adam = dict(betas=(cfg.beta1, cfg.beta2), eps=cfg.adam_eps, fused=fused)
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=cfg.lr_g, **adam)
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=cfg.lr_d, **adam)

        self.data_rng = torch.Generator().manual_seed(cfg.seed)
        self.noise_rng = torch.Generator(device=self.device).manual_seed(cfg.seed + 1)
        self.fixed_z, self.fixed_labels = fixed_inputs(
            cfg.seed, cfg.grid_size**2, config.model.z_dim, self.num_classes, cfg.grid_size
        )
        self.augmenter = Augmenter(
            augment_policy(cfg.augment), cfg.augment_p if augment_policy(cfg.augment) else 0.0, cfg.ada_target,
            self.noise_rng, self.device,
        )
        self.step_fn = AdversarialStep(
            self.g, self.d, self.opt_g, self.opt_d, make_loss(cfg.loss, cfg.label_smoothing),
            schedule=cfg.schedule, d_steps=cfg.d_steps, gp_weight=cfg.gp_weight,
            l1=config.model.l1, l2=config.model.l2, noise_rng=self.noise_rng,
            ema=self.ema, ema_decay=cfg.ema_decay, ema_warmup=cfg.ema_warmup, channels_last=self.channels_last,
            augmenter=self.augmenter, r1_gamma=cfg.r1_gamma, r1_every=cfg.r1_every,
        )

        if parent is not None and state is None:  # a new run starting from another run's weights
            parent.load_into(self)

        self.epoch = 0  # epochs completed
        self.step_in_epoch = 0  # batches done in the epoch in progress
        self.global_step = 0
        self.elapsed_before = 0.0  # training seconds of earlier sessions of this run
        self.epoch_order: torch.Tensor | None = None
        self._last_values: np.ndarray | None = None
        if state is not None:
            self._restore(state)
        self._epochs_file = self.open_table(run.epochs_path, EPOCH_COLUMNS)

    def close(self) -> None:
        self._epochs_file.close()

    # -- what a distributed session changes (distributed_session.py) ----------------------------
    def _choose_device(self, name: str) -> torch.device:
        return resolve_device(name)

    def open_table(self, path: Path, columns) -> CsvAppender:
        """A CSV of the run folder to append to (only one process of a run writes them)."""
        return CsvAppender(path, columns)

    def report_due(self, due: bool) -> bool:
        """Whether the loop reports its metrics now; alone, when its own clock says so."""
        return due

    def agree(self, flag: bool) -> bool:
        """A decision every process of the run must take alike (one process: its own)."""
        return flag

    # -- stepping --------------------------------------------------------------------------------
    def batches(self) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
        """The rest of the current epoch's batches, as (real images in model range, labels)."""
        if self.epoch_order is None:
            self.epoch_order = torch.randperm(len(self.images), generator=self.data_rng)
        order = self.epoch_order.to(self.device)
        scale = (self.high - self.low) / 255.0
        while self.step_in_epoch < self.steps_per_epoch:
            index = shard_indices(order, self.step_in_epoch, self.batch_size, self.rank, self.world_size)
            real = self.images[index].float().mul_(scale).add_(self.low)
            yield real, (self.labels[index] if self.labels is not None and self.num_classes else None)

    def step(self, real: torch.Tensor, labels: torch.Tensor | None, only: str | None = None) -> torch.Tensor:
        """One step on the batch; ``only`` ("d", "g", "both"): a single step of those players."""
        self.global_step += 1
        self.step_in_epoch += 1
        if only is not None:
            return self.step_fn.one_player(real, labels, only, self.global_step)
        return self.step_fn(real, labels, self.global_step)

    def set_loss_and_d_steps(self, loss: str | None, d_steps: int | None) -> tuple[str, int]:
        """Live edits from the window; the checkpoint's config records them."""
        cfg = self.config.train
        if loss is not None and loss != cfg.loss:
            if (loss == "wgan-gp") != (cfg.loss == "wgan-gp") and self.d.uses_batch_norm:
                raise ConfigError("this discriminator has batch norm, which WGAN-GP's penalty cannot use; start a new run")
            self.step_fn.loss = make_loss(loss, cfg.label_smoothing)
            self.step_fn.gp_weight = cfg.gp_weight if self.step_fn.loss.needs_gradient_penalty else 0.0
            cfg.loss = loss
        if d_steps is not None and d_steps >= 1:
            self.step_fn.d_steps = cfg.d_steps = int(d_steps)
        return cfg.loss, cfg.d_steps

    def end_epoch(self) -> None:
        self.epoch += 1
        self.step_in_epoch = 0
        self.epoch_order = None

    def read_metrics(self, pending: list[torch.Tensor]) -> np.ndarray:
        values = torch.stack(pending).cpu().numpy().astype(np.float64)
        self._last_values = values
        return values

    def diverged(self) -> bool:
        values = self._last_values
        if values is None:
            return False
        losses = values[:, :2]
        # NaN in g_loss is expected on steps where G does not move (alternating, d_steps > 1).
        return bool(np.isinf(losses).any() or np.isnan(losses[:, 0]).any() or self._nan_g_loss(losses))

    def _nan_g_loss(self, losses: np.ndarray) -> bool:
        if self.config.train.schedule == "alternating" and self.config.train.d_steps > 1:
            steps_with_g = np.arange(self.global_step - len(losses) + 1, self.global_step + 1) % self.config.train.d_steps == 0
            return bool(np.isnan(losses[steps_with_g, 1]).any())
        return bool(np.isnan(losses[:, 1]).any())

    def divergence_message(self) -> str:
        return (
            f"Training diverged at step {self.global_step} (a loss became NaN or infinite) and was stopped; "
            "the last good checkpoint is kept. Try a lower learning rate."
        )

    def set_learning_rates(self, lr_g: float | None, lr_d: float | None) -> tuple[float, float]:
        for optimizer, lr in ((self.opt_g, lr_g), (self.opt_d, lr_d)):
            if lr is not None and lr > 0:
                for group in optimizer.param_groups:
                    group["lr"] = float(lr)
        return self.learning_rates()

    def learning_rates(self) -> tuple[float, float]:
        return self.opt_g.param_groups[0]["lr"], self.opt_d.param_groups[0]["lr"]

    # -- outputs ---------------------------------------------------------------------------------
    def metric_rows(self, steps: np.ndarray, values: np.ndarray, elapsed: float) -> list[list[Any]]:
        lr_g, lr_d = self.learning_rates()
        time_s = f"{self.elapsed_before + elapsed:.3f}"
        epoch = self.epoch + 1
        return [
            [epoch, int(step), time_s, *("" if math.isnan(v) else f"{v:.6g}" for v in row), f"{lr_g:.6g}", f"{lr_d:.6g}"]
            for step, row in zip(steps, values)
        ]

    def append_epoch_summary(self, epoch_time: float, means: np.ndarray, elapsed: float) -> None:
        row = [self.epoch, self.global_step, f"{epoch_time:.3f}", f"{self.elapsed_before + elapsed:.3f}"]
        self._epochs_file.write_rows([row + ["" if math.isnan(v) else f"{v:.6g}" for v in means]])

    def sampling_generator(self):
        return self.ema if self.ema is not None else self.g

    def write_epoch_grid(self) -> tuple[np.ndarray, Path]:
        grid = render_grid(self.sampling_generator(), self.fixed_z, self.fixed_labels, self.config.train.grid_size)
        from ..images import save_png_atomic

        return grid, save_png_atomic(grid, self.run.sample_path(self.epoch))

    def generator_weights(self) -> dict[str, np.ndarray]:
        return weights_to_numpy(self.sampling_generator())

    # -- checkpoints -----------------------------------------------------------------------------
    def state(self, elapsed: float) -> dict[str, Any]:
        return {
            "config": self.config.to_json(),
            "image_shape": list(self.image_shape),
            "num_classes": self.num_classes,
            "generator": self.g.state_dict(),
            "discriminator": self.d.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "ema": self.ema.state_dict() if self.ema is not None else None,
            "augment": self.augmenter.state(),
            "data_rng": self.data_rng.get_state(),
            "noise_rng": self.noise_rng.get_state(),
            "epoch": self.epoch,
            "step_in_epoch": self.step_in_epoch,
            "global_step": self.global_step,
            "epoch_order": self.epoch_order,
            "world_size": self.world_size,  # the processes its step counters count for
            "fixed_z": self.fixed_z,
            "fixed_labels": self.fixed_labels,
            "elapsed_s": self.elapsed_before + elapsed,
            "dataset_fingerprint": self.run.info.get("dataset", {}).get("fingerprint", ""),
        }

    def save_checkpoint(self, elapsed: float, numbered: bool) -> Path:
        path = save_checkpoint(self.state(elapsed), self.run.last_checkpoint_path)
        if numbered and self.epoch % self.config.train.checkpoint_every == 0:
            link_or_copy(path, self.run.epoch_checkpoint_path(self.epoch))
        return path

    def _restore(self, state: dict[str, Any]) -> None:
        path = self.run.last_checkpoint_path
        expected = describe_model(self.config, self.image_shape, self.num_classes)
        if tuple(state.get("image_shape", ())) != self.image_shape or int(state.get("num_classes", -1)) != self.num_classes:
            found = describe_model(self.config, tuple(state.get("image_shape", (0, 0, 0))), int(state.get("num_classes", 0)))
            raise CheckpointError(f"{path} was made for a {found}, but the data gives a {expected}")
        load_module_state(self.g, state["generator"], "generator", path, expected)
        load_module_state(self.d, state["discriminator"], "discriminator", path, expected)
        try:
            self.opt_g.load_state_dict(state["opt_g"])
            self.opt_d.load_state_dict(state["opt_d"])
            if self.ema is not None:
                load_module_state(self.ema, state["ema"], "EMA generator", path, expected)
            self.data_rng.set_state(state["data_rng"].cpu())
            self.epoch = int(state["epoch"])
            self.step_in_epoch = resumed_step_in_epoch(state, self.batch_size, self.world_size)
            self.global_step = int(state["global_step"])
            self._restore_noise_stream(state["noise_rng"].cpu())
            self.epoch_order = state["epoch_order"]
            self.fixed_z, self.fixed_labels = state["fixed_z"], state["fixed_labels"]
            self.elapsed_before = float(state["elapsed_s"])
            self.augmenter.restore(state.get("augment"))  # absent from checkpoints made before it
        except (KeyError, ValueError, RuntimeError, TypeError, AttributeError) as error:
            raise CheckpointError(f"{path} is incomplete or of another version ({type(error).__name__}: {error})") from None

    def _restore_noise_stream(self, saved: torch.Tensor) -> None:
        """The noise stream where it stopped; from another kind of device, a fresh one.

        A generator's state is its device's own format (a CPU one is 5,056 bytes of Mersenne
        Twister, a CUDA one 16 bytes of Philox seed and offset): the stream of a run moved
        between CPU and GPU cannot continue, so it restarts from the seed and the step (still
        the same on every resume from this checkpoint). The weights, optimisers, data order and
        the data stream, all device-free, continue exactly.
        """
        if saved.numel() == self.noise_rng.get_state().numel():
            self.noise_rng.set_state(saved)
        else:
            self.noise_rng.manual_seed(self.config.train.seed + 1 + self.global_step)
