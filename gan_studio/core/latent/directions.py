"""Principal directions of a generator's latent space, after GANSpace.

Härkönen et al. 2020, "Discovering Interpretable GAN Controls": PCA of the activations of the
generator's first block over many random z, then a least-squares regression of z onto the PCA
coordinates gives one direction in z per component. For the tutorial MLP that block is the first
hidden layer after its ReLU; for the DCGAN the first transposed conv after batch norm and ReLU.
Use it through :mod:`.latent`, which re-exports it; :mod:`.direction_files` saves and loads the
result (JSON, or .npz as GANSpace writes it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from ..errors import GanStudioError
from .direction_files import Directions  # torch-free, so the window can read and write them
from .paths import seed_latent
from ..models.networks import KERNEL_LAYERS

if TYPE_CHECKING:
    from .snapshot import GeneratorSnapshot

_ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.ELU, nn.GELU, nn.SiLU)


def first_block(net: nn.Module) -> int:
    """Index in ``net`` (an nn.Sequential) of the nonlinearity after its first weight layer."""
    children = list(net.children()) if isinstance(net, nn.Sequential) else []
    seen_kernel = False
    for index, layer in enumerate(children):
        seen_kernel = seen_kernel or isinstance(layer, KERNEL_LAYERS)
        if seen_kernel and isinstance(layer, _ACTIVATIONS):
            return index
    raise GanStudioError("cannot find the generator's first layer: principal directions need an nn.Sequential net")


def principal_directions(
    snapshot: GeneratorSnapshot, k: int = 8, samples: int = 2000, seed: int = 0, label: int | None = None
) -> Directions:
    """The k principal directions of the first block's activations, as unit vectors in z.

    Deterministic for a seed. A conditional generator is probed at one class (``label``, or 0);
    the regression is onto z only, never onto the label embedding.
    """

    if samples < 2:
        raise GanStudioError(f"principal directions need at least 2 samples (got {samples})")
    if label is not None and snapshot.num_classes and not 0 <= label < snapshot.num_classes:
        raise GanStudioError(f"class {label} does not exist; this model has classes 0 to {snapshot.num_classes - 1}")
    z = seed_latent(seed, snapshot.z_dim, samples)
    generator = snapshot.generator
    prefix = generator.net[: first_block(generator.net) + 1]
    # All of it in inference mode: no autograd bookkeeping, and the big activation matrix can
    # be centred in place.
    with torch.inference_mode():
        with snapshot._lock:
            inputs = torch.from_numpy(z)
            if generator.embed is not None:
                labels = torch.full((samples,), 0 if label is None else int(label), dtype=torch.long)
                inputs = torch.cat([inputs, generator.embed(labels)], dim=1)
            activations = _run_prefix(prefix, inputs).flatten(1)
        activations -= activations.mean(dim=0)
        # One flat reduction: var(dim=0) walks the big matrix column-wise and costs 10x more.
        flat = activations.reshape(-1)
        total_variance = float(torch.dot(flat, flat)) / (samples - 1)
        k = max(1, min(int(k), samples - 1, activations.shape[1]))
        coordinates, variances = _top_components(activations, k, seed)
        coordinates, variances = coordinates.double(), variances.double()
    # The float32 total may fall a hair below the float64 parts when k spans every component.
    total_variance = max(total_variance, float(variances.sum()))

    latents = torch.from_numpy(z).double()
    latents -= latents.mean(dim=0)
    directions = (coordinates.T @ latents) / coordinates.square().sum(dim=0).clamp_min(1e-30)[:, None]
    directions = directions / directions.norm(dim=1, keepdim=True).clamp_min(1e-30)
    # Sign convention: the largest entry of each vector is positive, so "+" means the same
    # thing on every platform and run.
    flip = torch.sign(directions.gather(1, directions.abs().argmax(dim=1, keepdim=True)))
    directions = directions * flip
    sigma = (latents @ directions.T).std(dim=0)
    explained = variances / total_variance if total_variance > 0 else torch.zeros_like(variances)
    return Directions(
        vectors=directions.float().numpy(), explained=explained.float().numpy(), sigma=sigma.float().numpy()
    )


def _run_prefix(prefix: nn.Sequential, h: torch.Tensor) -> torch.Tensor:
    """The first block on a big batch, in place where it can be: each copy of the activations
    (2000 x 6272 floats for the DCGAN-28) costs more in page faults than in arithmetic."""
    owned = False  # never change the caller's tensor in place
    for layer in prefix:
        if isinstance(layer, nn.ConvTranspose2d) and h.shape[2:] == (1, 1) and layer.groups == 1 and layer.padding == (0, 0):
            # A transposed conv of a 1x1 map is a matrix product (the DCGAN's first layer);
            # as one, it runs about twice as fast as the conv kernel on the CPU.
            weight = layer.weight
            h = (h.flatten(1) @ weight.reshape(weight.shape[0], -1)).view(h.shape[0], weight.shape[1], *weight.shape[2:])
            if layer.bias is not None:
                h += layer.bias[:, None, None]
        elif owned and isinstance(layer, nn.BatchNorm2d) and layer.running_var is not None and not layer.training:
            scale = torch.rsqrt(layer.running_var + layer.eps)
            shift = -layer.running_mean * scale
            if layer.affine:
                scale, shift = scale * layer.weight, shift * layer.weight + layer.bias
            h.mul_(scale[:, None, None]).add_(shift[:, None, None])
        elif owned and type(layer) is nn.ReLU:
            h.relu_()
        else:
            h = layer(h)
        owned = owned or not isinstance(layer, (nn.Unflatten, nn.Flatten))
    return h


def _top_components(x: torch.Tensor, k: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(coordinates (N, k), variances (k,)) of the top-k principal components of centred x.

    Exact (eigen-decomposition of the smaller Gram matrix, in float64) when a side is small;
    otherwise a randomised SVD (Halko et al. 2011) with a seeded sketch: torch.pca_lowrank would
    draw from the global RNG, making the result depend on whatever ran before. With 4 power
    iterations its variances come within a few per cent of the exact ones even for the flat
    spectrum of an untrained DCGAN (0.12 s against several seconds for the exact SVD).
    """
    n, d = x.shape
    if min(n, d) <= 1024:
        x = x.double()
        if d <= n:
            values, vectors = torch.linalg.eigh(x.T @ x)  # d x d covariance (unscaled)
            order = values.argsort(descending=True)[:k]
            coordinates = x @ vectors[:, order]
        else:
            values, vectors = torch.linalg.eigh(x @ x.T)  # n x n Gram: its eigenvectors are U
            order = values.argsort(descending=True)[:k]
            coordinates = vectors[:, order] * values[order].clamp_min(0).sqrt()
        return coordinates, values[order].clamp_min(0) / (n - 1)
    rng = torch.Generator().manual_seed(int(seed) + 7919)
    width = min(k + 10, n, d)
    basis, _ = torch.linalg.qr(x @ torch.randn(d, width, generator=rng, dtype=x.dtype))
    for _ in range(4):  # power iterations sharpen the spectrum's head
        basis, _ = torch.linalg.qr(x.T @ basis)
        basis, _ = torch.linalg.qr(x @ basis)
    left, singular, _ = torch.linalg.svd(basis.T @ x, full_matrices=False)
    coordinates = (basis @ left[:, :k]) * singular[:k]
    return coordinates, singular[:k].square() / (n - 1)
