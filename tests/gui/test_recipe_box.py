"""The recipe box: built from plain data (facts and a config), shows the chosen recipe, applies it."""

from __future__ import annotations

import pytest

from gan_studio.core.config import preset_config
from gan_studio.core.recipes import NONE, DataFacts
from gan_studio.gui.widgets.recipe_box import RecipeBox
from gan_studio.gui.widgets.training_status import TrainingStatus


@pytest.fixture
def box(qtbot) -> RecipeBox:
    widget = RecipeBox()
    qtbot.addWidget(widget)
    config = preset_config("default")
    config.data.image_size, config.data.channels = 32, 3
    widget.set_config(config)
    return widget


def test_it_shows_the_recipe_the_data_chose(box):
    assert not box.apply_button.isEnabled()
    box.set_data(DataFacts(1300, 32, 3), "/data/flowers")
    assert box.line.text().startswith("Small colour set (1,300 images, 32 px RGB): DCGAN-32, DiffAugment")
    assert box.apply_button.isEnabled()


def test_apply_emits_the_config_and_the_user_can_choose_none(box, qtbot):
    box.set_data(DataFacts(1300, 32, 3), "/data/flowers")
    with qtbot.waitSignal(box.recipeApplied) as blocker:
        box.apply_button.click()
    assert blocker.args[0].train.augment == "translation,cutout,color"
    box.choice.setCurrentIndex(box.choice.findData(NONE))
    assert box.line.text().startswith("No recipe")
    with qtbot.waitSignal(box.recipeApplied) as blocker:
        box.apply_button.click()
    assert blocker.args[0].train.augment == "none"


def test_a_new_source_applies_the_automatic_recipe_but_the_first_one_does_not(box, qtbot):
    applied = []
    box.recipeApplied.connect(applied.append)
    box.set_data(DataFacts(5000, 28, 1), "builtin:digits")  # the data restored at start-up
    assert applied == []
    box.set_data(DataFacts(1300, 32, 3), "/data/flowers")
    assert len(applied) == 1 and applied[0].train.ada_target > 0
    box.set_data(DataFacts(1300, 32, 3), "/data/flowers")  # reloaded at another size: same source
    assert len(applied) == 1


def test_the_status_bar_shows_the_time_limit_beside_the_eta(qtbot):
    status = TrainingStatus()
    qtbot.addWidget(status)
    status.set_time_limit(5)
    status.set_progress(1, 100, 3, 78, 3, 500.0, 290.0)
    assert status.eta_label.text().endswith("· limit 5 min")
    status.set_time_limit(0)
    status.set_progress(1, 100, 4, 78, 4, 500.0, 290.0)
    assert "limit" not in status.eta_label.text()
