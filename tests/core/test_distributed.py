"""Distributed training, in this process: the shards, resuming at another world size, the pieces
of the command line, and a real one-rank gloo process group driving the DistributedTrainer.
The runs across two processes are in test_distributed_runs.py."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as dist

from gan_studio.cli.distributed import failure_summary, strip_nproc
from gan_studio.core.config import set_value
from gan_studio.core.errors import GanStudioError
from gan_studio.core.train.distributed import (
    DistributedCommands,
    DistributedContext,
    first_line,
    choose_backend,
    launched_by_torchrun,
    timeout_seconds,
)
from gan_studio.core.train.distributed_session import DistributedTrainer
from gan_studio.core.train.sharding import resumed_step_in_epoch, shard_indices
from gan_studio.core.train.trainer import Trainer

from .helpers import checkpoint_weights, run_to_end


# -- the shards ----------------------------------------------------------------------------------
@pytest.mark.parametrize("world_size", [2, 3, 4])
def test_the_shards_of_a_step_are_disjoint_and_make_the_batch_of_one_process(world_size):
    order = torch.randperm(100, generator=torch.Generator().manual_seed(0))
    batch = 8
    for step in range(100 // (batch * world_size)):
        shards = [shard_indices(order, step, batch, rank, world_size) for rank in range(world_size)]
        assert all(len(shard) == batch for shard in shards)
        together = torch.cat(shards)
        assert len(set(together.tolist())) == batch * world_size  # disjoint
        one_process = shard_indices(order, step, batch * world_size)
        assert torch.equal(together, one_process)


def test_one_process_takes_the_plain_slices():
    order = torch.arange(50)
    assert torch.equal(shard_indices(order, 2, 16), order[32:48])
    assert torch.equal(shard_indices(order, 3, 16), order[48:50])  # the short last batch


def test_a_short_last_batch_gives_every_rank_as_many_images():
    order = torch.arange(37)  # 37 = 2 x 16 + 5: the last global batch of two ranks has 5 images
    last = [shard_indices(order, 1, 16, rank, 2) for rank in range(2)]
    assert [len(shard) for shard in last] == [3, 3]
    assert set(torch.cat(last).tolist()) == set(range(32, 37))  # all five, one of them twice


def test_resuming_at_another_world_size_restarts_at_the_last_global_batch_boundary():
    state = {"step_in_epoch": 3, "world_size": 2}  # 3 steps of 2 x 16 = 96 images of the epoch
    assert resumed_step_in_epoch(state, 16, 2) == 3
    assert resumed_step_in_epoch(state, 16, 1) == 6  # 96 images at 16 a step: exact
    assert resumed_step_in_epoch(state, 16, 4) == 1  # 64 of the 96: 32 are trained on again
    assert resumed_step_in_epoch({"step_in_epoch": 5}, 16, 2) == 2  # an older checkpoint: one process
    assert resumed_step_in_epoch({"step_in_epoch": 0, "world_size": 2}, 16, 3) == 0


# -- the pieces ---------------------------------------------------------------------------------
def test_torchrun_is_recognised_by_its_variables():
    assert launched_by_torchrun({"RANK": "0", "WORLD_SIZE": "2", "LOCAL_RANK": "0"})
    assert not launched_by_torchrun({"RANK": "0", "WORLD_SIZE": "2"})
    assert not launched_by_torchrun({})


def test_the_backend_follows_the_device():
    assert choose_backend("auto", cuda_available=True) == ("nccl", "cuda")
    assert choose_backend("cuda:1", cuda_available=True) == ("nccl", "cuda")
    assert choose_backend("auto", cuda_available=False) == ("gloo", "cpu")
    assert choose_backend("cpu", cuda_available=True) == ("gloo", "cpu")
    with pytest.raises(GanStudioError, match="no CUDA GPU"):
        choose_backend("cuda", cuda_available=False)
    with pytest.raises(GanStudioError, match="not on mps"):
        choose_backend("mps", cuda_available=False)


def test_the_timeout_comes_from_the_environment():
    assert timeout_seconds({}) == 120.0
    assert timeout_seconds({"GAN_STUDIO_DIST_TIMEOUT": "5"}) == 5.0
    with pytest.raises(GanStudioError, match="GAN_STUDIO_DIST_TIMEOUT"):
        timeout_seconds({"GAN_STUDIO_DIST_TIMEOUT": "soon"})


def test_a_stop_is_only_a_wish_until_the_ranks_agree():
    commands = DistributedCommands()
    commands.stop()
    assert commands.stop_wished and not commands.stop_requested
    commands.agreed_stop()
    assert commands.stop_requested


def test_nproc_is_left_out_of_the_command_handed_to_torchrun():
    assert strip_nproc(["train", "--nproc", "2", "--epochs", "1"]) == ["train", "--epochs", "1"]
    assert strip_nproc(["resume", "RUN", "--nproc=4"]) == ["resume", "RUN"]


def test_the_launcher_names_the_rank_that_was_killed_first():
    failures = {
        0: SimpleNamespace(exitcode=1, timestamp=10, signal_name=lambda: ""),
        1: SimpleNamespace(exitcode=-9, timestamp=11, signal_name=lambda: "SIGKILL"),
    }
    line, status = failure_summary(failures)
    assert line == "rank 1 was killed by SIGKILL; the launcher stopped every rank" and status == 1


def test_gloo_errors_are_cut_to_their_gist():
    error = RuntimeError(
        "[/x/gloo/transport/tcp/pair.cc:537] Read error [127.0.0.1]:22959: Connection reset by peer. "
        "This is typically caused by a remote worker hanging."
    )
    assert first_line(error) == "Read error [127.0.0.1]:22959: Connection reset by peer"


# -- one rank of gloo, in this process ------------------------------------------------------------
@pytest.fixture
def one_rank(tmp_path):
    """A real gloo process group of one rank, and its context."""
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'group'}", rank=0, world_size=1)
    try:
        yield DistributedContext(rank=0, world_size=1, local_rank=0, backend="gloo", device="cpu")
    finally:
        dist.destroy_process_group()


@pytest.mark.parametrize("model", ["mlp", "dcgan"])
def test_one_rank_under_ddp_trains_bit_for_bit_like_one_process(tmp_path, tiny_config, one_rank, model):
    # DDP at world size 1 averages over one rank; the shard is the plain slice; rank 0 keeps
    # the run's noise stream; ADA's statistics are summed over one rank. So the weights must be
    # identical: DDP changes nothing else (the DCGAN: BatchNorm, channels_last, augmentation).
    tiny_config.train.ema_decay = 0.9
    if model == "dcgan":
        tiny_config.model.arch, tiny_config.model.width, tiny_config.data.image_size = "dcgan", 4, 28
        for key, value in (("train.augment", "translation,cutout"), ("train.augment_p", 0.2), ("train.ada_target", 0.1)):
            set_value(tiny_config, key, value)
    run_to_end(Trainer.new(tiny_config, tmp_path / "plain"))
    _, finished = run_to_end(DistributedTrainer.new(tiny_config, tmp_path / "ddp", one_rank))
    plain = checkpoint_weights(tmp_path / "plain" / "checkpoints" / "last.pt")
    ddp = checkpoint_weights(finished.checkpoint)
    assert plain.keys() == ddp.keys()
    assert all(torch.equal(plain[name], ddp[name]) for name in plain)
    info = json.loads((tmp_path / "ddp" / "run.json").read_text())
    assert (info["world_size"], info["backend"]) == (1, "gloo")
    assert json.loads((tmp_path / "plain" / "run.json").read_text())["sessions"][0]["backend"] is None
    state = torch.load(finished.checkpoint, weights_only=True)
    assert state["world_size"] == 1 and len(state["noise_rng_ranks"]) == 1


def test_a_stop_wish_stops_the_run_at_an_agreed_step_and_saves(tmp_path, tiny_config, one_rank):
    trainer = DistributedTrainer.new(tiny_config, tmp_path / "run", one_rank)
    events = []
    for event in trainer.events():
        events.append(event)
        if type(event).__name__ == "RunStarted":
            trainer.commands.stop()  # as the signal handler does
    finished = events[-1]
    assert finished.reason.name == "STOPPED"
    # The wish goes out with step 1's reduction and is read at step 2: the run stops after it.
    assert finished.global_step == 2
    assert torch.load(finished.checkpoint, weights_only=True)["global_step"] == 2
    resumed = Trainer.resume(tmp_path / "run")  # and one process continues it
    _, done = run_to_end(resumed)
    assert done.reason.name == "COMPLETED" and done.epoch == tiny_config.train.epochs


def test_the_launcher_adds_nothing_to_a_mistake_a_rank_has_said(capsys):
    from gan_studio.cli.distributed import _report_failure

    failures = {0: SimpleNamespace(exitcode=2, timestamp=1, signal_name=lambda: ""),
                1: SimpleNamespace(exitcode=-15, timestamp=2, signal_name=lambda: "SIGTERM")}
    assert _report_failure(SimpleNamespace(failures=failures), None) == 2
    assert capsys.readouterr().err == ""


def test_out_of_memory_on_a_rank_ends_the_job_with_one_sentence_and_keeps_the_checkpoint(
    tmp_path, tiny_config, one_rank, monkeypatch
):
    from gan_studio.core.train.distributed import DistributedError
    from gan_studio.core.train.steps import AdversarialStep

    run_to_end(DistributedTrainer.new(tiny_config, tmp_path / "run", one_rank))
    last = (tmp_path / "run" / "checkpoints" / "last.pt").read_bytes()

    def out_of_memory(self, real, labels, batch_number):
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(AdversarialStep, "__call__", out_of_memory)
    with pytest.raises(DistributedError) as caught:
        list(DistributedTrainer.resume(tmp_path / "run", one_rank, extra_epochs=1).events())
    assert str(caught.value).startswith("rank 0 ran out of memory (CUDA out of memory); one rank cannot redo its step")
    assert (tmp_path / "run" / "checkpoints" / "last.pt").read_bytes() == last


def test_the_launcher_names_a_rank_killed_from_outside_but_not_the_ones_it_stopped(capsys):
    from gan_studio.cli.distributed import _report_failure

    stopped = SimpleNamespace(exitcode=-15, timestamp=1, signal_name=lambda: "SIGTERM")
    said = SimpleNamespace(exitcode=1, timestamp=2, signal_name=lambda: "")
    assert _report_failure(SimpleNamespace(failures={0: stopped, 1: said}), None) == 1
    assert capsys.readouterr().err == ""  # rank 1 said why in its own line
    killed = SimpleNamespace(exitcode=-9, timestamp=3, signal_name=lambda: "SIGKILL")
    assert _report_failure(SimpleNamespace(failures={0: stopped, 1: killed}), None) == 1
    assert "rank 1 was killed by SIGKILL" in capsys.readouterr().err


def test_ada_adjusts_p_from_the_statistics_of_every_rank():
    from gan_studio.core.train.augment import ADA_INTERVAL, Augmenter

    alone = Augmenter(("translation",), 0.5, 0.6, torch.Generator(), "cpu")
    together = Augmenter(("translation",), 0.5, 0.6, torch.Generator(), "cpu")
    together.reduce = lambda values: values * 2  # a second rank that saw the same
    for _ in range(ADA_INTERVAL):
        for augmenter in (alone, together):
            augmenter.observe(torch.full((16,), 3.0))
    assert float(alone.r_t) == float(together.r_t) == 1.0
    assert float(together.p) - 0.5 == pytest.approx(2 * (float(alone.p) - 0.5))  # twice the images


# -- the window's child process, with a stand-in for `python -m gan_studio train --nproc N` -------
_STAND_IN = """#!/bin/bash
out=""; while [ $# -gt 0 ]; do [ "$1" = "--out" ] && out="$2"; shift; done
trap 'echo "gan-studio: error: stopped by the test" >&2; exit 130' INT
mkdir -p "$out"; echo '{}' > "$out/run.json"
while true; do sleep 0.05; done
"""


def test_a_launched_run_shows_its_folder_and_stops_on_request(tmp_path, tiny_config):
    from gan_studio.core.jobs import TaskState
    from gan_studio.core.train.launch import LaunchedRun, follow_launch, gpu_count

    assert gpu_count(["cpu", "cuda:0", "cuda:1", "mps"]) == 2
    python = tmp_path / "python"
    python.write_text(_STAND_IN)
    python.chmod(0o755)
    launched = LaunchedRun(tiny_config, tmp_path / "run", 2, python=str(python))
    assert launched.command[1:6] == ["-m", "gan_studio", "train", "--nproc", "2"]
    config_file = Path(launched.command[launched.command.index("--config") + 1])
    assert json.loads(config_file.read_text())["train"]["batch_size"] == tiny_config.train.batch_size
    task = TaskState()
    job = follow_launch(launched, task)
    assert next(job) == "ready"  # run.json is there
    task.cancel()  # the window's Stop
    with pytest.raises(StopIteration) as end:
        next(job)
    assert end.value.value == (130, "stopped by the test")
    assert not launched.running and not config_file.exists()
