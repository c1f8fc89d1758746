"""Taking the generator to ONNX runtimes: one .onnx file, z (and labels) in, images out.

The graph's inputs are ``z`` float32 (N, z_dim) and, for a conditional model, ``labels`` int64
(N,); its output ``images`` is float32 (N, C, H, W) in the model's own range (the MLP's sigmoid:
0 to 1; the DCGAN's tanh: -1 to 1), which the file's metadata states. N is dynamic. The file
also carries the description the safetensors export has (config, shapes, classes, epoch) under
the metadata key ``gan_studio``. torch's exporter (torch.export, then onnxscript) needs the
optional ``onnx`` extra.
"""

from __future__ import annotations

import contextlib
import json
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

from ..atomic import atomic_path
from ..errors import GanStudioError
from ..extras import missing_extra_message
from ..jobs import NO_TASK, TaskState
from .common import CANCELLED_BEFORE_START, check_writable
from .samples import open_snapshot

METADATA_KEY = "gan_studio"
TRACE_BATCH = 2  # torch.export specialises a dimension traced at size 1, so trace at 2
# What torch 2.13's exporter warns about its own internals on every export (pyproject's test
# filters list the same two): a deprecation inside torch.export, and z and labels sharing the
# batch dimension's name, which is what is meant.
EXPORTER_NOISE = ((FutureWarning, r"`isinstance\(treespec, LeafSpec\)` is deprecated"),
                  (UserWarning, r"# The axis name"))


@contextlib.contextmanager
def exporter_warnings_hidden() -> Iterator[None]:
    """Hide EXPORTER_NOISE. Swaps the process-wide warning filters: for the single-threaded
    command line only, never around a job in the window's threads."""
    with warnings.catch_warnings():
        for category, message in EXPORTER_NOISE:
            warnings.filterwarnings("ignore", message=message, category=category)
        yield


def export_onnx(source, out: Path, force: bool = False, task: TaskState = NO_TASK) -> Path:
    """The sampling generator of ``source`` (a run folder, a checkpoint, an export or a
    GeneratorSnapshot) as the ONNX file ``out``. One export, so ``task`` can only cancel it
    before it starts: 4-12 s for the default DCGAN on a shared 2-core CPU (load 12-17), the
    first in a process more (the exporter's imports take ~3.5 s)."""
    from ..latent.snapshot import EXPORT_FORMAT, GeneratorSnapshot

    out = Path(out).expanduser()
    if out.suffix.lower() != ".onnx":
        out = out.with_name(out.name + ".onnx")
    check_writable(out, force)
    if message := missing_extra_message("onnx"):
        raise GanStudioError(message)
    snapshot = source if isinstance(source, GeneratorSnapshot) else open_snapshot(source)
    task.check(CANCELLED_BEFORE_START)
    import torch

    # The exporter logs a warning for every torchvision operator it cannot register; GAN Studio
    # uses none of them.
    logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(logging.ERROR)
    batch = torch.export.Dim("batch", min=1)
    inputs: tuple = (torch.zeros(TRACE_BATCH, snapshot.z_dim),)
    shapes: dict = {"z": {0: batch}}
    names = ["z"]
    if snapshot.num_classes:
        inputs += (torch.zeros(TRACE_BATCH, dtype=torch.long),)
        shapes["labels"] = {0: batch}
        names.append("labels")
    with snapshot._lock:  # the module is not re-entrant
        program = torch.onnx.export(snapshot.generator, inputs, input_names=names, output_names=["images"],
                                    dynamic_shapes=shapes, dynamo=True, verbose=False)
    low, high = snapshot.generator.output_range
    description = {
        "format": EXPORT_FORMAT,
        "inputs": names,
        "output_range": [float(low), float(high)],
        "config": snapshot.config.to_dict(),
        "image_shape": list(snapshot.image_shape),
        "z_dim": snapshot.z_dim,
        "num_classes": snapshot.num_classes,
        "class_names": snapshot.class_names,
        "epoch": snapshot.epoch,
    }
    program.model.metadata_props[METADATA_KEY] = json.dumps(description)
    program.model.doc_string = (f"GAN Studio generator: z (N, {snapshot.z_dim}) float32"
                                + (" and labels (N,) int64" if snapshot.num_classes else "")
                                + f" -> images (N, {', '.join(map(str, snapshot.image_shape))}) in [{low:g}, {high:g}]")
    with atomic_path(out) as temporary:
        program.save(str(temporary))
    return out
