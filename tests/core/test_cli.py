"""The command line: same engine, one-line errors, sample and resume."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from gan_studio.cli.main import main
from gan_studio.core.images import load_png
from gan_studio.core.runs.folder import RunFolder

TINY = ["--model", "mlp", "--limit", "64", "--batch", "16", "--threads", "1", "--device", "cpu", "--quiet"]


def test_train_resume_and_sample(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--epochs", "1", "--out", str(run), *TINY]) == 0
    assert "Finished 1 epochs" in capsys.readouterr().err
    assert main(["resume", str(run), "--epochs", "1", "--quiet"]) == 0
    assert [e for e, _ in RunFolder.open(run).sample_paths()] == [1, 2]

    assert main(["sample", str(run), "--n", "6", "--out", str(tmp_path / "grid.png")]) == 0
    grid = load_png(tmp_path / "grid.png")
    assert grid.shape == (2 + 2 * 30, 2 + 3 * 30, 1)  # 6 samples, 3 columns, 28 px + 2 px padding

    assert main(["sample", str(run), "--n", "3", "--out", str(tmp_path / "singles")]) == 0
    pngs = sorted((tmp_path / "singles").glob("*.png"))
    assert len(pngs) == 3
    sidecar = json.loads(pngs[0].with_suffix(".json").read_text())
    assert len(sidecar["latent"]) == 100 and sidecar["epoch"] == 2


def test_options_reach_the_config(tmp_path):
    run = tmp_path / "run"
    args = ["train", "--epochs", "1", "--out", str(run), "--loss", "ls", "--lr", "0.003", "--seed", "5", *TINY]
    assert main(args) == 0
    config = RunFolder.open(run).config
    assert (config.train.loss, config.train.lr_g, config.train.lr_d, config.train.seed) == ("ls", 0.003, 0.003, 5)
    assert (config.model.arch, config.data.limit, config.train.batch_size) == ("mlp", 64, 16)


@pytest.mark.parametrize(
    "args,message",
    [
        (["train", "--data", "/no/such/folder"], "/no/such/folder does not exist"),
        (["train", "--batch", "0"], "train.batch_size must be at least 1"),
        (["train", "--model", "dcgan", "--size", "48"], "the DCGAN makes 28, 32, 64-pixel images"),
        (["resume", "/no/such/run"], "is not a GAN Studio run folder"),
        (["sample", "/no/such/run", "--out", "x.png"], "does not exist"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(tmp_path, capsys, args, message):
    assert main(args + ["--quiet"] if args[0] != "sample" else args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gan-studio: error:") and message in err and "\n" not in err


def test_empty_data_folder_is_an_error_naming_it(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["train", "--data", str(tmp_path / "empty"), "--out", str(tmp_path / "run"), *TINY]) == 2
    assert str(tmp_path / "empty") in capsys.readouterr().err


def test_version_and_help_for_every_command():
    out = subprocess.run([sys.executable, "-m", "gan_studio", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("gan-studio ")
    for command in ("train", "resume", "sample"):
        out = subprocess.run([sys.executable, "-m", "gan_studio", command, "--help"], capture_output=True, text=True)
        assert out.returncode == 0 and "usage: gan-studio " + command in out.stdout


def test_the_command_line_does_not_import_qt(tmp_path):
    code = (
        "import sys; from gan_studio.cli.main import main; "
        f"main(['train', '--epochs', '1', '--out', {str(tmp_path / 'run')!r}, *{TINY!r}]); "
        "assert not any(m.startswith('PySide6') or m.startswith('pyqtgraph') for m in sys.modules), 'Qt imported'"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert np.isfinite(RunFolder.open(tmp_path / "run").read_metrics()["d_loss"]).all()
