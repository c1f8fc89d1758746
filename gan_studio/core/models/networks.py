"""The players: the tutorial's MLP, a DCGAN, and their class-conditional variants.

No Qt here. Both discriminators return raw logits (scores for WGAN/hinge): the losses apply the
sigmoid, because BCE-with-logits is the numerically stable form of Keras' sigmoid + BCE.

A conditional generator concatenates a learned label embedding to z; a conditional discriminator
is a projection discriminator (Miyato & Koyama 2018): logit = head(h) + <embed(y), h> on the
penultimate features h.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ..config import DCGAN_SIZES, D_NORMS, INITS, ModelConfig
from ..errors import ConfigError

# Layers whose weight is a kernel: the only ones regularised, initialised and counted in FLOPs.
KERNEL_LAYERS = (
    nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d,
)
_DCGAN_BASE = {28: (7, 2), 32: (4, 3), 64: (4, 4)}  # image side -> (side of the first map, up-samplings)


class Generator(nn.Module):
    """Maps z (N, z_dim) and, when conditional, labels (N,) to images (N, C, H, W) in output_range."""

    def __init__(
        self,
        net: nn.Module,
        z_dim: int,
        num_classes: int,
        image_shape: tuple[int, int, int],
        output_range: tuple[float, float],
        embed_dim: int = 0,
    ) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.num_classes = num_classes
        self.image_shape = tuple(image_shape)
        self.output_range = output_range
        # PyTorch's default N(0, 1) suits this embedding: it is read like extra latent dimensions.
        self.embed = nn.Embedding(num_classes, embed_dim) if num_classes else None
        self.net = net

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        if self.embed is not None:
            z = torch.cat([z, self.embed(_check_labels(labels, z, "generator"))], dim=1)
        return self.net(z)


class Discriminator(nn.Module):
    """Maps images (N, C, H, W) and, when conditional, labels (N,) to raw logits (N,)."""

    def __init__(
        self,
        features: nn.Module,
        head: nn.Module,
        feature_dim: int,
        num_classes: int,
        uses_batch_norm: bool,
    ) -> None:
        super().__init__()
        self.num_classes = num_classes
        # True when real and fake must go through D as separate batches: batch statistics would
        # otherwise mix them (and break WGAN-GP's per-sample gradient penalty).
        self.uses_batch_norm = uses_batch_norm
        self.features = features  # x -> h: a vector (MLP) or a feature map (DCGAN)
        self.head = head  # h -> one logit per sample
        self.embed = nn.Embedding(num_classes, feature_dim) if num_classes else None
        if self.embed is not None:
            # Glorot uniform, as SNGAN's projection embedding: N(0, 1) would swamp the head's logit.
            nn.init.xavier_uniform_(self.embed.weight)

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        h = self.features(x)
        logits = self.head(h).flatten()  # flatten, not view: works on channels_last outputs
        if self.embed is not None:
            y = _check_labels(labels, x, "discriminator")
            # Mean over the spatial positions keeps the projection O(1) whatever the map size.
            pooled = h if h.dim() == 2 else h.mean(dim=(2, 3))
            logits = logits + (self.embed(y) * pooled).sum(dim=1)
        return logits


def _check_labels(labels: Tensor | None, batch: Tensor, who: str) -> Tensor:
    # Shape only: checking the range would be a CPU-GPU sync on every step; nn.Embedding itself
    # raises on an out-of-range label.
    if labels is None:
        raise ValueError(f"this {who} is conditional: pass the class labels (a LongTensor of shape (N,))")
    if labels.dim() != 1 or labels.shape[0] != batch.shape[0]:
        raise ValueError(f"labels must have shape ({batch.shape[0]},), got {tuple(labels.shape)}")
    return labels


# -- building ----------------------------------------------------------------------------------


def build_models(
    model: ModelConfig, loss: str, image_shape: tuple[int, int, int], num_classes: int
) -> tuple[Generator, Discriminator]:
    """Build G and D for a config, initialised per ``model.init`` (uses the global torch RNG).

    ``num_classes`` is ignored unless ``model.conditional``; an unconditional model ignores the
    labels passed to forward.
    """
    channels, height, width = (int(s) for s in image_shape)
    if channels < 1 or height < 1 or width < 1:
        raise ConfigError(f"image shape must be positive (C, H, W), got {tuple(image_shape)}")
    if model.init not in INITS:
        raise ConfigError(f"model.init must be one of {', '.join(INITS)} (got {model.init!r})")
    if model.d_norm not in D_NORMS:
        raise ConfigError(f"model.d_norm must be one of {', '.join(D_NORMS)} (got {model.d_norm!r})")
    classes = 0
    if model.conditional:
        if num_classes < 2:
            raise ConfigError(
                f"a conditional model needs labelled data (at least 2 classes; the data has {num_classes})"
            )
        classes = int(num_classes)
    # A few dimensions per class, capped: 40 for ten digits.
    embed_dim = min(50, 4 * classes) if classes else 0
    shape = (channels, height, width)

    if model.arch == "mlp":
        g, d = _mlp(model, shape, classes, embed_dim)
        init = "keras" if model.init == "auto" else model.init
    elif model.arch == "dcgan":
        g, d = _dcgan(model, loss, shape, classes, embed_dim)
        init = "dcgan" if model.init == "auto" else model.init
    else:
        raise ConfigError(f"model.arch must be mlp or dcgan (got {model.arch!r})")
    for net in (g, d):
        _initialise(net, init)
    if model.spectral_norm:
        _spectral_norm(d)
    return g, d


def _spectral_norm(d: Discriminator) -> None:
    """Spectral normalisation of every kernel of D (after initialisation: SN divides whatever
    weights it finds by their largest singular value, estimated by one power iteration a step)."""
    from torch.nn.utils.parametrizations import spectral_norm

    for layer in [m for m in d.modules() if isinstance(m, KERNEL_LAYERS)]:
        spectral_norm(layer)


def _mlp(
    model: ModelConfig, shape: tuple[int, int, int], classes: int, embed_dim: int
) -> tuple[Generator, Discriminator]:
    # The tutorial (keras_adversarial's simple_gan): 100-500-500-784 sigmoid and 784-500-500-1.
    pixels, hidden = math.prod(shape), model.hidden
    g_net = nn.Sequential(
        nn.Linear(model.z_dim + embed_dim, hidden), nn.ReLU(),
        nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, pixels), nn.Sigmoid(),
        nn.Unflatten(1, shape),
    )
    features = nn.Sequential(
        nn.Flatten(), nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU()
    )
    g = Generator(g_net, model.z_dim, classes, shape, (0.0, 1.0), embed_dim)
    d = Discriminator(features, nn.Linear(hidden, 1), hidden, classes, uses_batch_norm=False)
    return g, d


def _dcgan(
    model: ModelConfig, loss: str, shape: tuple[int, int, int], classes: int, embed_dim: int
) -> tuple[Generator, Discriminator]:
    channels, height, width = shape
    if height != width or height not in _DCGAN_BASE:
        sizes = ", ".join(str(s) for s in DCGAN_SIZES)
        raise ConfigError(f"the DCGAN makes {sizes}-pixel square images; the data is {height}x{width}")
    base, ups = _DCGAN_BASE[height]
    w = model.width
    top = w * 2 ** (ups - 1)  # channels of the smallest map

    # G: a transposed conv from 1x1 to base x base (same MACs as a Linear, no reshape), then
    # up-samplings by 2 halving the channels: stride-2 transposed 4x4 convs, or (upsample
    # "resize") nearest 2x then a 3x3 conv, 2.25x the MACs. Convs followed by batch norm need no bias.
    z_in = model.z_dim + embed_dim
    g_layers: list[nn.Module] = [
        nn.Unflatten(1, (z_in, 1, 1)),
        nn.ConvTranspose2d(z_in, top, base, 1, 0, bias=False), nn.BatchNorm2d(top), nn.ReLU(),
    ]
    ch = top
    for i in range(ups):
        last = i == ups - 1
        out = channels if last else ch // 2
        if model.upsample == "resize":
            g_layers += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(ch, out, 3, 1, 1, bias=last)]
        else:
            g_layers.append(nn.ConvTranspose2d(ch, out, 4, 2, 1, bias=last))
        g_layers += [nn.Tanh()] if last else [nn.BatchNorm2d(out), nn.ReLU()]
        ch = out
    g = Generator(nn.Sequential(*g_layers), model.z_dim, classes, shape, (-1.0, 1.0), embed_dim)

    # D mirrors G: no norm on the first layer (as Radford et al.), then norm + LeakyReLU(0.2).
    norm = model.d_norm
    if norm == "auto":
        # Batch norm breaks the per-sample GP; SNGAN's D has no other normalisation.
        norm = "none" if loss == "wgan-gp" or model.spectral_norm else "batch"
    d_layers: list[nn.Module] = [nn.Conv2d(channels, w, 4, 2, 1), nn.LeakyReLU(0.2)]
    ch = w
    for _ in range(ups - 1):
        d_layers.append(nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=norm == "none"))
        if norm == "batch":
            d_layers.append(nn.BatchNorm2d(ch * 2))
        elif norm == "layer":
            d_layers.append(nn.GroupNorm(1, ch * 2))  # LayerNorm over (C, H, W), per-channel affine
        d_layers.append(nn.LeakyReLU(0.2))
        ch *= 2
    head = nn.Conv2d(ch, 1, base, 1, 0)  # base x base -> 1x1: one logit
    d = Discriminator(nn.Sequential(*d_layers), head, ch, classes, uses_batch_norm=norm == "batch")
    return g, d


def _initialise(net: nn.Module, init: str) -> None:
    if init == "torch":
        return  # PyTorch's own defaults, applied by the constructors
    for module in net.modules():
        if isinstance(module, KERNEL_LAYERS):
            if init == "keras":
                nn.init.xavier_uniform_(module.weight)  # Keras Dense/Conv default: glorot_uniform
            else:
                nn.init.normal_(module.weight, 0.0, 0.02)  # Radford et al.
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d) and init == "dcgan":
            nn.init.normal_(module.weight, 1.0, 0.02)
            nn.init.zeros_(module.bias)
        # Embeddings and GroupNorm keep their constructor's init under every scheme.


# -- measures ----------------------------------------------------------------------------------


def kernel_weights(module: nn.Module) -> list[Tensor]:
    """The weights a Keras kernel_regularizer applies to: Linear/Conv kernels, not biases, norms
    or embeddings."""
    from torch.nn.utils import parametrize

    # A spectrally normalised layer's weight is computed each call: its parameter is the original.
    return [
        layer.parametrizations.weight.original if parametrize.is_parametrized(layer, "weight") else layer.weight
        for layer in module.modules()
        if isinstance(layer, KERNEL_LAYERS)
    ]


def weight_penalty(module: nn.Module, l1: float, l2: float) -> Tensor:
    """Keras' L1L2 regulariser summed over weight kernels: l1*sum|W| + l2*sum W^2.

    Biases, norm and embedding parameters are not penalised (Keras' kernel_regularizer).
    """
    params = next(module.parameters(), None)
    zero = torch.zeros((), device=params.device if params is not None else None,
                       dtype=params.dtype if params is not None else None)
    if l1 == 0 and l2 == 0:
        return zero  # no graph, no pass over the weights
    total = zero
    for weight in kernel_weights(module):
        if l1:
            total = total + l1 * weight.abs().sum()
        if l2:
            total = total + l2 * weight.square().sum()
    return total


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _layer_macs(net: nn.Module, *inputs: Tensor) -> list[int]:
    """Multiply-adds of each kernel layer, in call order, for one forward pass of ``inputs``."""
    macs: list[int] = []

    def hook(layer: nn.Module, args: tuple[Tensor, ...], out: Tensor) -> None:
        if isinstance(layer, nn.Linear):
            macs.append(out.numel() * layer.in_features)
        elif isinstance(layer, nn.modules.conv._ConvTransposeNd):
            # Every input position scatters a kernel into every output channel.
            macs.append(args[0].numel() * (layer.out_channels // layer.groups) * math.prod(layer.kernel_size))
        else:
            macs.append(out.numel() * (layer.in_channels // layer.groups) * math.prod(layer.kernel_size))

    handles = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, KERNEL_LAYERS)]
    try:
        net(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return macs


def step_flops(
    model: ModelConfig, image_shape: tuple[int, int, int], num_classes: int, batch_size: int
) -> float:
    """Approximate FLOPs (2 per multiply-add) of one training step, for a roofline figure.

    Counts the Linear/Conv layers of the simultaneous step: G(z), D(real), D(fake), then
    loss_d.backward(inputs=D's params) and loss_g.backward(inputs=G's params). A backward pass
    costs a weight gradient (same MACs as the forward) plus an input gradient (same again),
    except where the layer's input needs no gradient (z, real images). Norms, activations and
    the projection term are left out: they are a few per cent at most.
    """
    # Meta tensors: shapes flow through the hooks with no memory and no arithmetic.
    with torch.device("meta"):
        g, d = build_models(model, "ns", image_shape, num_classes)
        g.eval()
        d.eval()
        labels = torch.zeros(1, dtype=torch.long) if g.num_classes else None
        g_macs = _layer_macs(g, torch.zeros(1, g.z_dim), labels)
        d_macs = _layer_macs(d, torch.zeros(1, *g.image_shape), labels)
    g_fwd, d_fwd = sum(g_macs), sum(d_macs)
    # z needs no gradient, but a conditional G's label embedding (concatenated to z) does.
    g_in = g_fwd if g.num_classes else g_fwd - g_macs[0]
    d_in = d_fwd - d_macs[0]  # real images need no input gradient
    g_total = g_fwd + g_fwd + g_in  # forward, weight grads, input grads
    # D: real and fake each forward + weight grads + input grads (loss_d), then the whole input
    # gradient chain again through D(fake) for loss_g.
    d_total = 2 * (d_fwd + d_fwd + d_in) + d_fwd
    return 2.0 * float(g_total + d_total) * batch_size
