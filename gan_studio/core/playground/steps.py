"""One player's update on 2-D points: what to compute, apart from the loop that runs it.

A *D step* is one discriminator update on a fresh real batch and a fake batch made with G
detached; a *G step* is one generator update against the current D. "Both" is ``d_steps`` D
steps then one G step: the alternating schedule of pytorch/examples, as core/train/steps.py
runs it for images. Losses and the gradient penalty are the image trainer's
(core/models/losses.py). With packing, D sees ``batch_size`` packs of ``pack`` points each, as
PacGAN does (so each update draws batch_size * pack real and fake points).
"""

from __future__ import annotations

import json
from contextlib import contextmanager

import numpy as np
import torch
from torch import Tensor

from ..models.losses import gradient_penalty, make_loss
from .config import PlaygroundConfig
from .distributions import Distribution
from .models import build_optimizer, build_players

STEP_VALUES = ("d_loss", "g_loss", "d_real", "d_fake")
NAN = float("nan")


class PlaygroundSteps:
    """The two players, their optimisers and random streams; ``d_step``/``g_step`` update one."""

    def __init__(self, config: PlaygroundConfig, distribution: Distribution) -> None:
        self.config = config
        self.distribution = distribution
        self.g, self.d = build_players(config, config.seed)
        self.data_rng = np.random.default_rng(config.seed)
        self.noise_rng = torch.Generator().manual_seed(config.seed + 1)
        self.loss = make_loss(config.loss)
        self._build_optimizers()
        self.d_updates = 0
        self.g_updates = 0

    def _build_optimizers(self) -> None:
        cfg = self.config
        self.opt_g = build_optimizer(cfg.optimizer, self.g.parameters(), cfg.lr_g, cfg.beta1)
        self.opt_d = build_optimizer(cfg.optimizer, self.d.parameters(), cfg.lr_d, cfg.beta1)

    # -- live edits ------------------------------------------------------------------------------
    def apply(self, config: PlaygroundConfig) -> None:
        """Take the new settings from the next update on (the optimiser state is kept unless the
        optimiser itself or G's shape changes)."""
        old, self.config = self.config, config
        if config.loss != old.loss:
            self.loss = make_loss(config.loss)
        if config.z_dim != old.z_dim:
            self.g.resize_noise(config.z_dim)
        if config.optimizer != old.optimizer or config.z_dim != old.z_dim:
            self._build_optimizers()
        else:
            self._set_learning_rates()

    def learning_rates(self) -> tuple[float, float]:
        """(G's, D's) for the next update: lr_g/lr_d times lr_decay ** (share of `steps` done), so
        the schedule follows the G updates alone and a resumed run takes it up where it was."""
        cfg = self.config
        factor = cfg.lr_decay ** min(1.0, self.g_updates / cfg.steps)  # 1 ** x is exactly 1: constant rates
        return cfg.lr_g * factor, cfg.lr_d * factor

    def _set_learning_rates(self) -> None:
        for opt, lr in zip((self.opt_g, self.opt_d), self.learning_rates()):
            for group in opt.param_groups:
                group["lr"] = lr

    @contextmanager
    def evaluating(self):
        """G with batch norm's running statistics (not the batch's), for pictures and samples."""
        was_training = self.g.training
        self.g.eval()
        try:
            yield self.g
        finally:
            self.g.train(was_training)

    # -- batches ---------------------------------------------------------------------------------
    def real_batch(self) -> Tensor:
        cfg = self.config
        points = self.distribution.sample(cfg.batch_size * cfg.pack, self.data_rng)
        return torch.from_numpy(points).view(cfg.batch_size, cfg.pack, 2)

    def noise(self, n: int) -> Tensor:
        return torch.randn(n, self.config.z_dim, generator=self.noise_rng)

    def fake_batch(self) -> Tensor:
        cfg = self.config
        return self.g(self.noise(cfg.batch_size * cfg.pack)).view(cfg.batch_size, cfg.pack, 2)

    # -- the two updates -------------------------------------------------------------------------
    def d_step(self) -> dict[str, float]:
        real = self.real_batch()
        with torch.no_grad():
            fake = self.fake_batch()
        real_out, fake_out = self.d(real), self.d(fake)
        loss_d = self.loss.d_loss(real_out, fake_out)
        if self.config.gp_weight:
            loss_d = loss_d + self.config.gp_weight * gradient_penalty(self.d, real, fake, None, self.noise_rng)
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward(inputs=list(self.d.parameters()))
        self._set_learning_rates()
        self.opt_d.step()
        self.d_updates += 1
        return {"d_loss": float(loss_d.detach()), "g_loss": NAN, "d_real": float(self.loss.score(real_out.detach()).mean()),
                "d_fake": float(self.loss.score(fake_out.detach()).mean())}

    def g_step(self) -> dict[str, float]:
        fake_out = self.d(self.fake_batch())
        # None of the playground's losses reads D(real) in G's objective (LOSSES has no minimax).
        loss_g = self.loss.g_loss(fake_out, fake_out.detach())
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward(inputs=list(self.g.parameters()))
        self._set_learning_rates()
        self.opt_g.step()
        self.g_updates += 1
        return {"d_loss": NAN, "g_loss": float(loss_g.detach()), "d_real": NAN, "d_fake": float(self.loss.score(fake_out.detach()).mean())}

    # -- saving ----------------------------------------------------------------------------------
    def state(self) -> dict:
        return {
            "generator": self.g.state_dict(),
            "discriminator": self.d.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "noise_rng": self.noise_rng.get_state(),
            "data_rng": json.dumps(self.data_rng.bit_generator.state),
            "d_updates": self.d_updates,
            "g_updates": self.g_updates,
            "config": self.config.to_json(),
        }

    def load_state(self, state: dict) -> None:
        self.g.load_state_dict(state["generator"])
        self.d.load_state_dict(state["discriminator"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.noise_rng.set_state(state["noise_rng"])
        self.data_rng.bit_generator.state = json.loads(state["data_rng"])
        self.d_updates, self.g_updates = int(state["d_updates"]), int(state["g_updates"])

    def sample(self, n: int, seed: int) -> np.ndarray:
        """``n`` points from G, with their own noise (``seed``), not touching the training streams."""
        z = torch.randn(n, self.config.z_dim, generator=torch.Generator().manual_seed(seed))
        with torch.inference_mode(), self.evaluating() as g:
            return g(z).numpy().astype(np.float64)
