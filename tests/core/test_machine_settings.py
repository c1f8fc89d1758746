"""Machine settings (device, CPU threads) belong to the process: a resume takes its own, the run
only records them (run.json's config and sessions), and a checkpoint moves across devices."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from gan_studio.cli.main import main
from gan_studio.core.config import Machine
from gan_studio.core.errors import ConfigError
from gan_studio.core.runs.folder import RunFolder
from gan_studio.core.train.trainer import Trainer

from .helpers import checkpoint_weights, run_to_end


def _as_if_trained_elsewhere(run_dir, device="cuda:3", threads=7, noise_state=None):
    """Rewrite the run's config (run.json and last.pt) as another machine would have left it."""
    info_path = run_dir / "run.json"
    info = json.loads(info_path.read_text())
    info["config"]["train"].update(device=device, threads=threads)
    info_path.write_text(json.dumps(info))
    path = run_dir / "checkpoints" / "last.pt"
    state = torch.load(path, weights_only=True)
    config = json.loads(state["config"])
    config["train"].update(device=device, threads=threads)
    state["config"] = json.dumps(config)
    if noise_state is not None:
        state["noise_rng"] = noise_state
    torch.save(state, path)


@pytest.fixture
def trained_elsewhere(tmp_path, tiny_config):
    tiny_config.train.epochs = 1
    run_to_end(Trainer.new(tiny_config, tmp_path / "run"))
    _as_if_trained_elsewhere(tmp_path / "run")
    return tmp_path / "run"


def test_a_resume_trains_on_the_process_settings_and_run_json_records_both_sessions(trained_elsewhere):
    trainer = Trainer.resume(trained_elsewhere, extra_epochs=1, machine=Machine("cpu", 1))
    events, finished = run_to_end(trainer)
    assert finished.epoch == 2
    assert trainer.session.device.type == "cpu" and trainer.session.threads == 1
    assert events[0].device == "cpu (1 thread)"  # RunStarted
    info = RunFolder.open(trained_elsewhere).info
    assert (info["config"]["train"]["device"], info["config"]["train"]["threads"]) == ("cpu", 1)
    first, second = info["sessions"]
    assert (first["kind"], first["from_step"], first["device"], first["threads"]) == ("train", 0, "cpu", 1)
    assert (second["kind"], second["from_step"], second["resolved"]) == ("resume", 4, "cpu (1 thread)")
    assert second["host"] and second["pid"] > 0


def test_resume_on_the_command_line_takes_threads_and_device(trained_elsewhere, capsys):
    assert main(["resume", str(trained_elsewhere), "--epochs", "1", "--threads", "1", "--device", "cpu", "--quiet"]) == 0
    assert RunFolder.open(trained_elsewhere).info["sessions"][-1]["resolved"] == "cpu (1 thread)"
    capsys.readouterr()
    before = (trained_elsewhere / "run.json").read_bytes()
    # A device this machine lacks is the process' own mistake: one line, status 2, nothing trained.
    assert main(["resume", str(trained_elsewhere), "--epochs", "1", "--device", "cuda:9", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "device 'cuda:9' is not available here" in err and "\n" not in err
    assert (trained_elsewhere / "run.json").read_bytes() == before


def test_bad_machine_settings_are_one_sentence():
    with pytest.raises(ConfigError, match="the CPU threads must be 0 .automatic. or a positive count"):
        Machine("cpu", -1)
    with pytest.raises(ConfigError, match="the device must be auto, cpu, cuda, cuda:N or mps"):
        Machine("gpu", 1)


def test_a_checkpoint_from_another_device_loads_onto_the_cpu(tmp_path, tiny_config, monkeypatch):
    # No GPU here: a CUDA checkpoint is imitated by its device-specific part, the noise stream's
    # state (a CUDA generator's is 16 bytes of Philox seed and offset), and torch.load is watched
    # to see every tensor mapped onto the CPU, where the session copies it to its own device.
    tiny_config.train.epochs = 1
    run_to_end(Trainer.new(tiny_config, tmp_path / "run"))
    _as_if_trained_elsewhere(tmp_path / "run", device="cuda", noise_state=torch.zeros(16, dtype=torch.uint8))
    real_load, mapped = torch.load, []

    def watched_load(*args, **kwargs):
        mapped.append(kwargs.get("map_location"))
        return real_load(*args, **kwargs)

    shutil.copytree(tmp_path / "run", tmp_path / "copy")
    monkeypatch.setattr(torch, "load", watched_load)
    _, finished = run_to_end(Trainer.resume(tmp_path / "run", extra_epochs=1, machine=Machine("cpu", 1)))
    assert finished.epoch == 2 and mapped and set(mapped) == {"cpu"}
    # The noise stream restarts from the seed and the step: every such resume is the same.
    run_to_end(Trainer.resume(tmp_path / "copy", extra_epochs=1, machine=Machine("cpu", 1)))
    first, second = (checkpoint_weights(p / "checkpoints" / "last.pt") for p in (tmp_path / "run", tmp_path / "copy"))
    assert all(torch.equal(first[k], second[k]) for k in first)
