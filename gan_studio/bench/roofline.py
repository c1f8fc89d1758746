"""The machine's ceiling, for the roofline figure: fp32 GFLOP/s of a large square matmul with the
same thread count as training, and the FLOPs of one training step (``models.step_flops``)."""

from __future__ import annotations

import time


class Matmul:
    """Built once (the operands), sampled between benchmark rounds so it sees the same load."""

    def __init__(self, n: int = 2048, reps: int = 4) -> None:
        import torch

        generator = torch.Generator().manual_seed(0)
        self.a = torch.randn(n, n, generator=generator)
        self.b = torch.randn(n, n, generator=generator)
        self.out = torch.empty(n, n)
        self.n, self.reps = n, reps
        torch.mm(self.a, self.b, out=self.out)  # first call: MKL's own warm-up

    def __call__(self) -> float:
        """GFLOP/s of the fastest of ``reps`` products (the ceiling: noise only ever slows it)."""
        import torch

        best = float("inf")
        for _ in range(self.reps):
            start = time.perf_counter()
            torch.mm(self.a, self.b, out=self.out)
            best = min(best, time.perf_counter() - start)
        return 2.0 * self.n**3 / best / 1e9


def flops_per_image(arch: str) -> float:
    """FLOPs per trained image of the benchmark's preset (the tutorial MLP / the default DCGAN).

    ``step_flops`` counts the simultaneous step (the tutorial's schedule, exactly). The DCGAN
    preset alternates, which runs D on the fake batch twice: its count is a lower bound, by the
    FLOPs of one D forward pass (~10 % of the step).
    """
    from ..core.config import preset_config
    from ..core.models.networks import step_flops

    config = preset_config("tutorial" if arch == "mlp" else "default")
    batch = config.train.batch_size
    return step_flops(config.model, (1, 28, 28), 0, batch) / batch
