"""Which run a new run starts from: ``--init-from RUN[:best|last|PATH]``, as plain values.

Torch-free, so the window can name a parent before torch is loaded; loading the parent's weights
and checking that they fit the new run is core/train/init_from.py's part.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .folder import CHECKPOINT_CHOICES, resolve_checkpoint


@dataclass(frozen=True)
class InitFrom:
    """A new run takes G and D (and, with ``optimizers``, both Adam states) from this checkpoint."""

    source: Path  # a run folder, or a checkpoint file
    which: str = "auto"  # auto (best.pt if the run has one, else last.pt), last, best, or a checkpoint path
    optimizers: bool = False  # also the optimisers' moments (the new config's learning rates still apply)

    @classmethod
    def parse(cls, spec: str, optimizers: bool = False) -> InitFrom:
        """``RUN``, ``RUN:best``, ``RUN:last``, ``RUN:PATH`` (a checkpoint; relative to RUN when it is
        there) or a checkpoint file."""
        text = str(spec)
        if Path(text).expanduser().exists():
            return cls(Path(text).expanduser(), "auto", optimizers)
        head, sep, tail = text.rpartition(":")
        if not sep or not head or (len(head) == 1 and tail[:1] in ("\\", "/")):  # no colon, or a Windows drive letter
            return cls(Path(text).expanduser(), "auto", optimizers)
        run = Path(head).expanduser()
        if tail in CHECKPOINT_CHOICES:
            return cls(run, tail, optimizers)
        inside, elsewhere = run / tail, Path(tail).expanduser()
        return cls(run, str(elsewhere if elsewhere.exists() and not inside.exists() else inside), optimizers)

    def checkpoint(self) -> Path:
        """The checkpoint file meant; CheckpointError (one sentence) when there is none."""
        return resolve_checkpoint(self.source, self.which)

    def run_folder(self) -> Path | None:
        """The run folder the checkpoint belongs to, if it is in one."""
        if self.source.is_dir():
            return self.source
        folder = self.checkpoint().resolve().parent.parent  # RUN/checkpoints/x.pt
        return folder if (folder / "run.json").is_file() else None
