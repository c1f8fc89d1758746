"""Starting a run from another run's checkpoint: the weights it takes, the parent it records, what it refuses."""

from __future__ import annotations

import json

import pytest
import torch

from gan_studio.cli.main import main
from gan_studio.core.errors import CheckpointError
from gan_studio.core.events import RunStarted
from gan_studio.core.runs.folder import RunFolder
from gan_studio.core.runs.lineage import InitFrom
from gan_studio.core.train.trainer import Trainer

from .helpers import run_to_end
from .tiny_runs import tiny_run_config, train_tiny_run


@pytest.fixture(scope="module")
def parent(tmp_path_factory):
    """A tiny MLP run of two epochs (z 8, hidden 16, 64 digits), with a best and a last checkpoint."""
    path, _ = train_tiny_run(tmp_path_factory.mktemp("parent") / "parent", epochs=2)
    return path


def _started(trainer: Trainer):
    """Iterate up to RunStarted (before any step), hand back the trainer's session, then close."""
    events = trainer.events()
    for event in events:
        if isinstance(event, RunStarted):
            return events, trainer.session
    raise AssertionError("no RunStarted")


def test_a_new_run_starts_with_the_parents_weights(parent, tmp_path):
    config = tiny_run_config()
    config.train.lr_g, config.train.seed = 5e-4, 7  # other settings: another seed would give other fresh weights
    events, session = _started(Trainer.new(config, tmp_path / "child", init_from=InitFrom(parent, "last")))
    try:
        state = torch.load(parent / "checkpoints" / "last.pt", weights_only=True)
        for module, key in ((session.g, "generator"), (session.d, "discriminator")):
            for name, tensor in module.state_dict().items():
                assert torch.equal(tensor, state[key][name]), f"{key}.{name}"
        assert session.global_step == 0 and session.epoch == 0
        assert not session.opt_g.state  # the optimisers start afresh unless asked
    finally:
        events.close()
    record = RunFolder.open(tmp_path / "child").info["parent"]
    assert record == {"run": str(parent.resolve()), "checkpoint": str((parent / "checkpoints" / "last.pt").resolve()),
                      "epoch": 2, "global_step": 8, "optimizers": False}


def test_the_optimisers_come_too_when_asked_with_this_runs_learning_rates(parent, tmp_path):
    config = tiny_run_config()
    config.train.lr_g, config.train.lr_d = 5e-4, 2e-4
    events, session = _started(Trainer.new(config, tmp_path / "child", init_from=InitFrom(parent, "last", optimizers=True)))
    try:
        state = torch.load(parent / "checkpoints" / "last.pt", weights_only=True)
        moments = [s["exp_avg"] for s in session.opt_g.state_dict()["state"].values()]
        expected = [s["exp_avg"] for s in state["opt_g"]["state"].values()]
        assert len(moments) == len(expected) > 0 and all(torch.equal(a, b) for a, b in zip(moments, expected))
        assert session.learning_rates() == (5e-4, 2e-4)
    finally:
        events.close()


def test_a_fine_tuned_run_trains_and_lists_its_parent(parent, tmp_path):
    config = tiny_run_config()
    config.train.quality_every = -1
    _, finished = run_to_end(Trainer.new(config, tmp_path / "child", init_from=InitFrom.parse(f"{parent}:best")))
    assert finished.global_step == 4
    from gan_studio.core.runs.catalogue import summarise

    assert summarise(tmp_path / "child").parent == str(parent.resolve())


@pytest.mark.parametrize(
    "change,words",
    [
        (lambda c: setattr(c.model, "hidden", 32), "model.hidden is 16 there, 32 here"),
        (lambda c: setattr(c.model, "arch", "dcgan"), "model.arch is mlp there, dcgan here"),
        (lambda c: setattr(c.data, "channels", 3), "its images are 28×28×1, this run's 28×28×3"),
    ],
)
def test_an_incompatible_model_is_refused_in_one_sentence_before_any_folder(parent, tmp_path, change, words):
    config = tiny_run_config()
    change(config)
    with pytest.raises(CheckpointError) as raised:
        list(Trainer.new(config, tmp_path / "child", init_from=InitFrom(parent)).events())
    message = str(raised.value)
    assert message.startswith("cannot start from ") and words in message and "\n" not in message
    assert message.count(". ") == 0  # one sentence
    assert not (tmp_path / "child").exists()


def test_the_command_line_refuses_and_starts_from_the_parents_config(parent, tmp_path, capsys):
    child = tmp_path / "child"
    assert main(["train", "--init-from", str(parent), "--preset", "default", "--out", str(child), "--quiet"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("gan-studio: error: cannot start from") and "\n" not in error and not child.exists()
    # No preset named: the parent's config, with the options given on top.
    assert main(["train", "--init-from", f"{parent}:last", "--epochs", "1", "--lr", "0.002", "--out", str(child), "--quiet"]) == 0
    info = json.loads((child / "run.json").read_text())
    assert info["config"]["model"] == RunFolder.open(parent).info["config"]["model"]
    assert info["config"]["train"]["lr_g"] == 0.002 and info["parent"]["checkpoint"].endswith("last.pt")
    assert main(["train", "--init-optimizers", "--out", str(tmp_path / "other"), "--quiet"]) == 2


def test_init_from_specs(parent, tmp_path):
    assert InitFrom.parse(str(parent)) == InitFrom(parent, "auto")
    assert InitFrom.parse(f"{parent}:best").which == "best" and InitFrom.parse(f"{parent}:last").which == "last"
    spec = InitFrom.parse(f"{parent}:checkpoints/epoch-0001.pt")
    assert spec.checkpoint() == parent / "checkpoints" / "epoch-0001.pt" and spec.run_folder() == parent
    file_spec = InitFrom.parse(str(parent / "checkpoints" / "last.pt"))
    assert file_spec.checkpoint() == parent / "checkpoints" / "last.pt" and file_spec.run_folder() == parent.resolve()
    with pytest.raises(CheckpointError, match="does not exist"):
        InitFrom.parse(f"{parent}:nothing.pt").checkpoint()
