"""Configs: presets are valid, JSON round-trips, bad values are clear errors."""

from __future__ import annotations

import json

import pytest

from gan_studio.core.config import PRESETS, RunConfig, load_config_file, preset_config, set_value
from gan_studio.core.errors import ConfigError


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_are_valid_and_round_trip_through_json(name):
    config = preset_config(name)
    assert RunConfig.from_json(config.to_json()) == config


def test_tutorial_preset_is_the_tutorial():
    config = preset_config("tutorial")
    assert (config.model.arch, config.model.z_dim, config.model.hidden) == ("mlp", 100, 500)
    assert (config.model.l1, config.model.l2) == (1e-5, 1e-5)
    assert (config.train.loss, config.train.schedule, config.train.batch_size) == ("minimax", "simultaneous", 128)
    assert (config.train.lr_g, config.train.lr_d, config.train.beta1, config.train.adam_eps) == (1e-3, 1e-3, 0.9, 1e-7)


def test_default_is_a_dcgan_with_the_non_saturating_loss():
    config = RunConfig()
    assert (config.model.arch, config.train.loss, config.train.lr_d, config.train.beta1) == ("dcgan", "ns", 2e-4, 0.5)
    assert config.train.lr_g == 4e-4


@pytest.mark.parametrize(
    "patch,message",
    [
        ({"train": {"batch_size": 0}}, "train.batch_size must be at least 1"),
        ({"train": {"lr_g": -1.0}}, "train.lr_g must be a learning rate"),
        ({"train": {"epochs": "ten"}}, "train.epochs must be an integer, got 'ten'"),
        ({"train": {"loss": "magic"}}, "train.loss must be one of"),
        ({"model": {"arch": "resnet"}}, "model.arch must be one of"),
        ({"model": {"conditional": 1}}, "model.conditional must be true or false"),
        ({"data": {"channels": 2}}, "data.channels must be 1"),
        ({"data": {"image_size": 48}}, "the DCGAN makes 28, 32, 64-pixel images"),
        ({"train": {"colour": "red"}}, "unknown key(s) in train: colour"),
        ({"optimizer": {}}, "unknown config section(s): optimizer"),
        ({"train": {"loss": "wgan-gp", "schedule": "simultaneous"}}, "WGAN-GP needs the alternating schedule"),
        ({"train": {"device": "gpu"}}, "train.device must be auto, cpu"),
    ],
)
def test_bad_values_are_one_clear_sentence(patch, message):
    data = RunConfig().to_dict()
    for section, values in patch.items():
        data.setdefault(section, {}).update(values)
    with pytest.raises(ConfigError) as error:
        RunConfig.from_dict(data)
    assert message in str(error.value)


def test_integers_are_accepted_where_numbers_are_expected():
    config = RunConfig.from_dict({"train": {"lr_g": 1, "epochs": 3.0}})
    assert config.train.lr_g == 1.0 and config.train.epochs == 3


def test_config_file_errors_name_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="broken.json: config is not valid JSON"):
        load_config_file(path)
    path.write_text(json.dumps({"train": {"batch_size": -5}}))
    with pytest.raises(ConfigError, match="broken.json: train.batch_size"):
        load_config_file(path)
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config_file(tmp_path / "missing.json")


def test_set_value_checks_types():
    config = RunConfig()
    set_value(config, "train.epochs", 7)
    assert config.train.epochs == 7
    with pytest.raises(ConfigError, match="train.epochs must be an integer"):
        set_value(config, "train.epochs", "x")
    with pytest.raises(ConfigError, match="unknown config key"):
        set_value(config, "train.nope", 1)
