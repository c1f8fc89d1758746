"""Taking the generator away: its sampling weights as .safetensors plus a .json description.

The ONNX export (``onnx.py``) sits beside this one.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..atomic import atomic_path, write_text_atomic
from ..errors import GanStudioError
from ..jobs import NO_TASK, TaskState
from .common import CANCELLED_BEFORE_START, check_writable
from .samples import open_snapshot


def export_generator_weights(source, out: Path, force: bool = False, task: TaskState = NO_TASK) -> tuple[Path, Path]:
    """The sampling generator's weights as ``out`` (.safetensors) plus a .json describing the model.

    ``source``: a run folder, a checkpoint, an export, or a GeneratorSnapshot. The description is
    also stored in the file's metadata, so a lone .safetensors still loads. One write, so ``task``
    can only cancel it before it starts.
    """
    from safetensors.torch import save_file

    from ..latent.snapshot import EXPORT_FORMAT, EXPORT_VERSION, GeneratorSnapshot

    out = Path(out).expanduser()
    if out.suffix.lower() != ".safetensors":
        out = out.with_name(out.name + ".safetensors")
    description = out.with_suffix(".json")
    check_writable(out, force)
    check_writable(description, force)
    snapshot = source if isinstance(source, GeneratorSnapshot) else open_snapshot(source)
    info = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "config": snapshot.config.to_dict(),
        "image_shape": list(snapshot.image_shape),
        "num_classes": snapshot.num_classes,
        "epoch": snapshot.epoch,
        "class_names": snapshot.class_names,
    }
    text = json.dumps(info, indent=2)
    task.check(CANCELLED_BEFORE_START)
    from safetensors import SafetensorError

    try:
        with atomic_path(out) as temporary:
            save_file(snapshot.state_dict(), str(temporary), metadata={EXPORT_FORMAT: text})
    except SafetensorError as error:  # its I/O errors come as this type
        raise GanStudioError(f"cannot write {out}: {error}") from None
    write_text_atomic(description, text)
    return out, description
