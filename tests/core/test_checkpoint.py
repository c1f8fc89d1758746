"""Checkpoints: atomic writes, safe loading, clear errors for corrupt or foreign files."""

from __future__ import annotations

import pickle

import pytest
import torch

from gan_studio.core.runs.checkpoint import load_checkpoint, load_generator, save_checkpoint
from gan_studio.core.errors import CheckpointError
from gan_studio.core.train.trainer import Trainer

from .helpers import run_to_end


class _Payload:
    """Unpickling this object creates a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_save_replaces_atomically_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "ck.pt"
    save_checkpoint({"epoch": 1, "w": torch.ones(3)}, path)
    save_checkpoint({"epoch": 2, "w": torch.zeros(3)}, path)
    assert load_checkpoint(path)["epoch"] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["ck.pt"]


def test_a_pickle_payload_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"format": "gan-studio-checkpoint", "version": 1, "x": _Payload(marker)}, path)
    with pytest.raises(CheckpointError, match="refused"):
        load_checkpoint(path)
    path.write_bytes(pickle.dumps(_Payload(marker)))  # a bare pickle, not a torch zip
    with pytest.raises(CheckpointError):
        load_checkpoint(path)
    assert not marker.exists()


def test_corrupt_truncated_and_empty_files_are_clear_errors(tmp_path, tiny_config):
    tiny_config.train.epochs = 1
    _, finished = run_to_end(Trainer.new(tiny_config, tmp_path / "run"))
    data = finished.checkpoint.read_bytes()
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(truncated)
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty"):
        load_checkpoint(empty)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.pt")
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.ones(2)}, other)
    with pytest.raises(CheckpointError, match="not a GAN Studio checkpoint"):
        load_checkpoint(other)


def test_a_checkpoint_of_another_model_is_named_as_such(tmp_path, tiny_config):
    tiny_config.train.epochs = 1
    _, finished = run_to_end(Trainer.new(tiny_config, tmp_path / "run"))
    generator, config, state = load_generator(finished.checkpoint)
    assert not generator.training and config == tiny_config
    # Same file, but its config now claims a wider MLP than the weights it holds.
    state = torch.load(finished.checkpoint, weights_only=True)
    state["config"] = state["config"].replace('"hidden": 16', '"hidden": 32')
    forged = tmp_path / "forged.pt"
    torch.save(state, forged)
    with pytest.raises(CheckpointError, match="holds a generator for a different model than mlp for 28x28x1 images"):
        load_generator(forged)
