"""What the robustness tests share: a code-running payload, the command line, error checks."""

from __future__ import annotations

import pickle
from pathlib import Path

import torch

from gan_studio.cli.main import main

# A tiny run from the command line: 64 digits, a small MLP, one thread.
TINY = ["--model", "mlp", "--limit", "64", "--batch", "16", "--threads", "1", "--device", "cpu", "--quiet"]


class Payload:
    """Unpickling this object creates ``marker``: proof that a file ran code when it was opened."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def write_payload(path: Path, marker: Path, kind: str) -> Path:
    """A file that would create ``marker`` if unpickled.

    ``torch``: a torch.save'd dict shaped like a GAN Studio checkpoint with the payload inside;
    ``pickle``: a bare pickle of the payload (what ``torch.load(weights_only=False)`` would run).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "torch":
        torch.save({"format": "gan-studio-checkpoint", "version": 1, "epoch": 1, "x": Payload(marker)}, path)
    else:
        path.write_bytes(pickle.dumps({"format": "gan-studio-checkpoint", "x": Payload(marker)}))
    return path


def cli(capsys, *args: str) -> tuple[int, str]:
    """Run ``gan-studio ARGS`` in this process; returns (exit status, stderr)."""
    status = main([str(a) for a in args])
    return status, capsys.readouterr().err


def assert_one_line_error(status: int, err: str, *needles: str) -> None:
    """Exit status 2, one line starting 'gan-studio: error:', no traceback, every needle in it."""
    text = err.strip()
    assert status == 2, err
    assert text.startswith("gan-studio: error:") and "\n" not in text and "Traceback" not in text, err
    for needle in needles:
        assert needle in text, f"{needle!r} not in {text!r}"


def temporaries(folder: Path) -> list[Path]:
    """Temporary files an atomic write would leave behind if it did not clean up."""
    return sorted(p for p in Path(folder).rglob(".*.tmp"))
