"""Bad settings: zero or negative sizes and rates, a batch larger than the data, unknown names, and
config files of the wrong types are one clear sentence naming the setting (and the file), before
any work starts and without leaving anything behind.

Each rule of config.validate is tested on the dataclass in tests/core/test_config.py; here the
same mistakes come in through the command line, a --config file and the window.
"""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtWidgets import QMessageBox

from gan_studio.core.config import preset_config
from gan_studio.gui.workers.training import TrainingState

from .helpers import TINY, assert_one_line_error, cli


@pytest.mark.parametrize(
    "args,message",
    [
        (["--epochs", "0"], "train.epochs must be at least 1 (got 0)"),
        (["--batch", "-1"], "train.batch_size must be at least 1 (got -1)"),
        (["--lr", "0"], "train.lr_g must be a learning rate in (0, 1] (got 0.0)"),
        (["--lr-d", "-0.1"], "train.lr_d must be a learning rate in (0, 1] (got -0.1)"),
        (["--lr", "5"], "train.lr_g must be a learning rate in (0, 1] (got 5.0)"),
        (["--lr", "nan"], "train.lr_g must be a learning rate in (0, 1] (got nan)"),
        (["--size", "0"], "data.image_size must be at least 4 pixels (got 0)"),
        (["--size", "-28"], "data.image_size must be at least 4 pixels (got -28)"),
        (["--limit", "-1"], "data.limit must be 0 (all) or a positive count (got -1)"),
        (["--width", "0"], "model.width must be a positive integer (got 0)"),
        (["--threads", "-2"], "train.threads must be 0 (automatic) or a positive count (got -2)"),
        (["--checkpoint-every", "0"], "train.checkpoint_every must be at least 1 (got 0)"),
        (["--d-steps", "0"], "train.d_steps must be at least 1 (got 0)"),
        (["--ema", "1"], "train.ema_decay must be in [0, 1) (got 1.0)"),
        (["--label-smoothing", "0.7"], "train.label_smoothing must be in [0, 0.5) (got 0.7)"),
        (["--device", "gpu"], "train.device must be auto, cpu, cuda, cuda:N or mps"),
    ],
)
def test_out_of_range_training_options_are_one_sentence(tmp_path, capsys, args, message):
    status, err = cli(capsys, "train", "--out", tmp_path / "run", *TINY, *args)
    assert_one_line_error(status, err, message)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--model", "resnet"], "argument --model: invalid choice: 'resnet'"),
        (["--loss", "magic"], "argument --loss: invalid choice: 'magic'"),
        (["--epochs", "ten"], "argument --epochs: invalid int value: 'ten'"),
        (["--channels", "2"], "argument --channels: invalid choice: 2"),
    ],
)
def test_unknown_names_and_wrong_types_on_the_command_line_say_what_is_allowed(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit_:  # argparse: usage line, then the error
        cli(capsys, "train", "--out", tmp_path / "run", *args)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and message in err and "Traceback" not in err
    assert err.strip().splitlines()[0].startswith("usage: gan-studio train")


@pytest.mark.parametrize(
    "command,message",
    [
        (["resume", "{run}", "--epochs", "0"], "--epochs must be at least 1"),
        (["sample", "{run}", "--n", "0", "--out", "{tmp}/g.png"], "the number of samples must be at least 1"),
        (["sample", "{run}", "--n", "-3", "--out", "{tmp}/g.png"], "the number of samples must be at least 1"),
        (["sample", "{run}", "--class", "3", "--out", "{tmp}/g.png"], "not conditional"),
        (["export", "{run}", "--images", "0", "--out", "{tmp}/images"], "the number of samples must be at least 1"),
        (["export", "{run}", "--grid", "0x3", "--out", "{tmp}/g.png"], "--grid wants ROWSxCOLS such as 8x8 (got '0x3')"),
        (["export", "{run}", "--grid", "2x2", "--scale", "0", "--out", "{tmp}/g.png"], "the scale must be at least 1 (got 0)"),
        (["export", "{run}", "--grid", "2x2", "--padding", "-1", "--out", "{tmp}/g.png"], "the padding must be positive"),
        (["export", "{run}", "--grid", "2x2", "--psi", "nan", "--out", "{tmp}/g.png"], "psi"),
        (["export", "{run}", "--gif", "interp", "--frames", "0", "--out", "{tmp}/a.gif"], "frames"),
        (["export", "{run}", "--gif", "interp", "--fps", "0", "--out", "{tmp}/a.gif"], "frames per second must be between 0 and 100"),
        (["export", "{run}", "--gif", "progress", "--scale", "-2", "--out", "{tmp}/a.gif"], "the scale must be at least 1"),
        (["evaluate", "{run}", "--n", "0"], "--n must be at least"),
    ],
)
def test_bad_numbers_for_the_other_commands_are_one_sentence(trained_run, tmp_path, capsys, command, message):
    argv = [a.replace("{run}", str(trained_run)).replace("{tmp}", str(tmp_path)) for a in command]
    status, err = cli(capsys, *argv)
    assert_one_line_error(status, err, message)
    assert not any(tmp_path.iterdir())  # nothing written


def test_a_batch_larger_than_the_data_is_named_and_makes_no_run(tmp_path, capsys):
    run = tmp_path / "run"
    status, err = cli(capsys, "train", "--out", run, *TINY, "--batch", "65")
    assert_one_line_error(status, err, "the batch size (65) is larger than the dataset (64 images): choose a batch of at most 64")
    assert not run.exists()
    status, err = cli(capsys, "train", "--out", run, *TINY, "--batch", "64", "--epochs", "1")  # fixed: same folder
    assert status == 0, err


@pytest.mark.parametrize(
    "text,message",
    [
        ('{"train": {"epochs": "ten"}}', "train.epochs must be an integer, got 'ten'"),
        ('{"train": {"batch_size": 0}}', "train.batch_size must be at least 1"),
        ('{"train": {"lr_g": NaN}}', "train.lr_g must be a learning rate"),
        ('{"train": {"lr_d": 1e400}}', "train.lr_d must be a learning rate"),
        ('{"data": {"limit": true}}', "data.limit must be an integer, got True"),
        ('{"model": {"arch": "resnet"}}', "model.arch must be one of"),
        ('{"train": {"loss": "magic"}}', "train.loss must be one of"),
        ('{"train": [1, 2]}', "config section 'train' must be an object, got list"),
        ("[1, 2]", "a config must be a JSON object, got list"),
        ("{not json", "config is not valid JSON"),
        ("", "config is not valid JSON"),
    ],
)
def test_a_config_file_of_wrong_types_names_the_file_and_the_setting(tmp_path, capsys, text, message):
    config = tmp_path / "my config.json"
    config.write_text(text)
    status, err = cli(capsys, "train", "--config", config, "--out", tmp_path / "run", "--quiet")
    assert_one_line_error(status, err, str(config), message)
    assert not (tmp_path / "run").exists()


def test_a_config_file_that_cannot_be_read_names_it(tmp_path, capsys):
    (tmp_path / "latin1.json").write_bytes('{"preset": "caf\xe9"}'.encode("latin-1"))
    status, err = cli(capsys, "train", "--config", tmp_path / "latin1.json", "--quiet")
    assert_one_line_error(status, err, "latin1.json", "UTF-8")
    status, err = cli(capsys, "train", "--config", tmp_path, "--quiet")  # a folder
    assert_one_line_error(status, err, f"cannot read config file {tmp_path}")


def test_the_window_ignores_a_damaged_saved_config(qtbot, settings):
    from gan_studio.gui.main_window import MainWindow

    for text in ('{"train": {"epochs": "ten"}}', "{not json", '{"train": {"batch_size": -4}}'):
        settings.setValue("run/config", text)
        window = MainWindow(settings=settings)
        qtbot.addWidget(window)
        assert window.form.config() == preset_config("default")  # the defaults, not a crash
        assert window.form.validation_error() is None
        window.shutdown()


def test_the_window_names_a_batch_larger_than_the_data_and_makes_no_run(qtbot, window, tiny_config, tmp_path):
    folder = tmp_path / "ten images"
    folder.mkdir()
    for i in range(10):
        Image.new("L", (28, 28), 20 * i).save(folder / f"{i}.png")
    window.form.set_config(tiny_config)  # batch 16
    window.data_panel.set_source(str(folder))
    with qtbot.waitSignal(window.trainingFailed, timeout=20000) as failed:
        window.start_training()
    assert "the batch size (16) is larger than the dataset (10 images)" in failed.args[0]
    box = window.findChild(QMessageBox, "errorDialog")
    assert box is not None and "choose a batch of at most 10" in box.text()
    box.accept()
    assert window.controller.state is TrainingState.IDLE and window.actions.train.isEnabled()
    runs = tmp_path / "runs"
    assert not runs.exists() or not any(runs.iterdir())
