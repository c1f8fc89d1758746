"""The recipe chosen from the data's facts, shown, applied, overridden; and --recipe on the command line."""

from __future__ import annotations

import numpy as np
import pytest

from gan_studio.core.config import preset_config
from gan_studio.core.recipes import (
    AUTOMATIC, NONE, RECIPES, DataFacts, apply_recipe, choose_recipe, describe, recipe_values, resolve,
)


@pytest.mark.parametrize(
    ("count", "size", "channels", "expected"),
    [
        (5000, 28, 1, "digits-like"),
        (800, 28, 1, "small-gray"),
        (1300, 32, 3, "small-colour"),
        (9000, 64, 3, "small-colour"),
        (20_000, 64, 3, "large"),
        (60_000, 28, 1, "large"),
    ],
)
def test_the_recipe_follows_count_and_channels(count, size, channels, expected):
    assert choose_recipe(DataFacts(count, size, channels)).name == expected


def test_a_small_colour_set_gets_diffaugment_with_adaptive_p_and_more_epochs():
    facts = DataFacts(1300, 32, 3)
    config = preset_config("default")
    config.data.image_size, config.data.channels = 32, 3  # the facts come from data loaded so
    config = apply_recipe(config, choose_recipe(facts), facts)
    assert config.train.augment == "translation,cutout,color"
    assert config.train.ada_target > 0 and config.train.augment_p == 0.0
    assert config.train.epochs == round(150_000 / 1300)
    line = describe(choose_recipe(facts), facts, config)
    assert line.startswith("Small colour set (1,300 images, 32 px RGB): DCGAN-32, DiffAugment translation+cutout+color")


def test_grayscale_leaves_the_colour_policy_out_and_the_digits_keep_the_default():
    small = DataFacts(500, 28, 1)
    assert "color" not in apply_recipe(preset_config("default"), choose_recipe(small), small).train.augment
    digits = DataFacts(5000, 28, 1)
    default = preset_config("default")
    assert apply_recipe(default, choose_recipe(digits), digits) == default


def test_the_size_goes_to_the_nearest_dcgan_size():
    facts = DataFacts(1000, 48, 3)
    assert recipe_values(choose_recipe(facts), facts, preset_config("default"))["data.image_size"] == 32
    facts = DataFacts(1000, 100, 3)
    assert recipe_values(choose_recipe(facts), facts, preset_config("default"))["data.image_size"] == 64


def test_the_user_overrides_the_recipe():
    facts = DataFacts(1300, 32, 3)
    config = preset_config("default")
    config.train.epochs = 7
    chosen = apply_recipe(config, RECIPES["small-colour"], facts, keep={"train.epochs", "train.augment"})
    assert chosen.train.epochs == 7 and chosen.train.augment == "none"
    assert chosen.train.ada_target > 0  # the rest of the recipe still applies
    assert apply_recipe(config, resolve(NONE, facts), facts) == config
    assert resolve(AUTOMATIC, facts).name == "small-colour"
    assert resolve("small-gray", facts).name == "small-gray"
    with pytest.raises(ValueError, match="unknown recipe"):
        resolve("fancy", facts)


def test_facts_of_a_loaded_dataset():
    assert DataFacts.of(np.zeros((12, 32, 32, 3), np.uint8), 4) == DataFacts(12, 32, 3, 4)


def test_the_command_line_shows_the_recipe_and_the_flags_win(tmp_path, capsys):
    from gan_studio.cli.main import main

    code = main(["train", "--limit", "64", "--epochs", "1", "--batch", "16", "--threads", "1", "--width", "4",
                 "--device", "cpu", "--out", str(tmp_path / "run")])
    assert code == 0
    err = capsys.readouterr().err
    assert "Recipe: Small grayscale set (64 images, 28 px grayscale): DCGAN-28, DiffAugment translation+cutout" in err
    import json

    config = json.loads((tmp_path / "run" / "run.json").read_text())["config"]
    assert config["train"]["augment"] == "translation,cutout" and config["train"]["epochs"] == 1
    code = main(["train", "--limit", "64", "--epochs", "1", "--batch", "16", "--threads", "1", "--width", "4",
                 "--device", "cpu", "--recipe", "none", "--upsample", "resize", "--out", str(tmp_path / "plain")])
    assert code == 0 and "Recipe" not in capsys.readouterr().err
    plain = json.loads((tmp_path / "plain" / "run.json").read_text())["config"]
    assert plain["train"]["augment"] == "none" and plain["model"]["upsample"] == "resize"
