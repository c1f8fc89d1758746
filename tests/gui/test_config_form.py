from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QPushButton, QWidget

from gan_studio.core.config import PRESETS, ModelConfig, RunConfig, preset_config
from gan_studio.gui.widgets.config_form import ConfigForm

NAMES = (
    "presetCombo", "tutorialButton", "modelCombo", "widthSpin", "hiddenSpin", "zDimSpin", "conditionalCheck",
    "sizeSpin", "channelsCombo", "lossCombo", "scheduleCombo", "dStepsSpin", "labelSmoothingSpin", "emaSpin",
    "epochsSpin", "minutesSpin", "batchSpin", "lrGSpin", "lrDSpin", "beta1Spin", "beta2Spin", "seedSpin", "deviceCombo",
    "threadsSpin",
)


@pytest.fixture
def form(qtbot) -> ConfigForm:
    widget = ConfigForm()
    qtbot.addWidget(widget)
    return widget


def child(form: ConfigForm, name: str):
    widget = form.findChild(QWidget, name)
    assert widget is not None, name
    return widget


def select(combo: QComboBox, value) -> None:
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)


def with_machine_fields(config: RunConfig) -> RunConfig:
    """What a preset keeps: the data widget's fields and this machine's device and threads."""
    config.data.source, config.data.limit, config.data.resample = "/photos", 100, "bilinear"
    config.train.device, config.train.threads = "cpu", 1
    return config


def test_every_control_is_named_described_and_fits_a_side_panel(form):
    for name in NAMES:
        widget = child(form, name)
        assert widget.toolTip(), name
        assert widget.accessibleName(), name
    assert child(form, "configError").accessibleName()
    assert form.minimumSizeHint().width() <= 320
    assert [child(form, "presetCombo").itemData(i) for i in range(len(PRESETS))] == list(PRESETS)


def test_set_config_round_trips_every_preset_with_one_signal(form, tiny_config):
    emitted = []
    form.configChanged.connect(lambda: emitted.append(1))
    for name in PRESETS:
        config = with_machine_fields(preset_config(name))
        config.model.init, config.train.gp_weight, config.train.grid_size = "torch", 3.0, 5  # not on the form
        form.set_config(config)
        assert form.config() == config
        assert form.config() is not form.config()
        assert form.validation_error() is None
    assert len(emitted) == len(PRESETS)
    form.set_config(tiny_config)
    assert form.config() == tiny_config
    assert child(form, "presetCombo").currentIndex() == -1  # "test" is no preset: shown as custom


def test_tutorial_button_and_preset_choice_keep_only_data_and_machine(form, qtbot):
    custom = with_machine_fields(preset_config("hinge"))
    custom.train.epochs, custom.train.seed, custom.model.conditional = 3, 42, True
    form.set_config(custom)
    with qtbot.waitSignal(form.configChanged):
        qtbot.mouseClick(child(form, "tutorialButton"), Qt.MouseButton.LeftButton)
    assert form.config() == with_machine_fields(preset_config("tutorial"))
    assert not child(form, "widthSpin").isEnabled() and child(form, "hiddenSpin").isEnabled()
    combo = child(form, "presetCombo")
    assert combo.currentData() == "tutorial"
    # A user's choice (the keyboard emits `activated`) applies the next preset in the list.
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == "conditional"
    assert form.config() == with_machine_fields(preset_config("conditional"))


def test_editing_a_field_emits_config_changed_and_changes_config(form, qtbot):
    with qtbot.waitSignal(form.configChanged):
        child(form, "batchSpin").setValue(32)
    assert form.config().train.batch_size == 32
    epochs = child(form, "epochsSpin")
    epochs.lineEdit().selectAll()
    with qtbot.waitSignal(form.configChanged):
        qtbot.keyClicks(epochs, "7")
    assert form.config().train.epochs == 7
    with qtbot.waitSignal(form.configChanged):
        child(form, "conditionalCheck").setChecked(True)
    assert form.config().model.conditional
    with qtbot.waitSignal(form.configChanged):
        select(child(form, "channelsCombo"), 3)
    assert form.config().data.channels == 3
    with qtbot.waitSignal(form.configChanged):
        select(child(form, "upsampleCombo"), "resize")
    assert form.config().model.upsample == "resize"


def test_an_invalid_combination_is_shown_and_reported(form):
    select(child(form, "modelCombo"), "dcgan")
    error_label = child(form, "configError")
    assert form.validation_error() is None and error_label.isHidden()
    child(form, "sizeSpin").setValue(48)
    error = form.validation_error()
    assert error is not None and "DCGAN" in error and "48" in error
    assert not error_label.isHidden() and error_label.text() == error
    select(child(form, "modelCombo"), "mlp")  # the MLP takes any size
    assert form.validation_error() is None and error_label.isHidden()


def test_a_value_the_form_cannot_show_survives_and_is_reported(form):
    form.set_config(RunConfig(model=ModelConfig(arch="gpt")))
    assert child(form, "modelCombo").currentIndex() == -1
    assert form.config().model.arch == "gpt"
    assert "model.arch" in form.validation_error()


def test_choosing_wgan_gp_switches_to_its_schedule_once(form, qtbot):
    config = preset_config("default")
    config.train.schedule, config.train.d_steps = "simultaneous", 1
    form.set_config(config)
    assert not child(form, "dStepsSpin").isEnabled()  # d_steps means nothing when both step together
    seen = []
    form.configChanged.connect(lambda: seen.append((form.config().train.schedule, form.config().train.d_steps)))
    select(child(form, "lossCombo"), "wgan-gp")
    assert seen == [("alternating", 5)]
    assert form.validation_error() is None
    assert not child(form, "labelSmoothingSpin").isEnabled()
    select(child(form, "lossCombo"), "ns")
    assert form.config().train.d_steps == 1 and child(form, "labelSmoothingSpin").isEnabled()
    # set_config shows what it is given, even a combination the user would have had adjusted.
    config = dataclasses.replace(config, train=dataclasses.replace(config.train, loss="wgan-gp"))
    form.set_config(config)
    assert form.config().train.schedule == "simultaneous"
    assert "WGAN-GP needs the alternating schedule" in form.validation_error()


def test_training_locks_everything_but_the_learning_rates(form, qtbot):
    lr_g, lr_d = child(form, "lrGSpin"), child(form, "lrDSpin")
    with qtbot.assertNotEmitted(form.learningRatesEdited):
        lr_g.setValue(1e-4)  # not training: only the config changes
    form.set_training_active(True)
    for name in NAMES:
        assert child(form, name).isEnabled() == (name in ("lrGSpin", "lrDSpin")), name
    with qtbot.waitSignal(form.learningRatesEdited) as blocker:
        lr_g.stepBy(1)  # the arrows walk 1e-4, 2e-4, 5e-4 ...
    assert blocker.args == [pytest.approx(2e-4), pytest.approx(2e-4)]
    assert lr_g.text() == "2e-4"
    # Typing emits once, on Enter: "1e-3" must not steer the trainer to a rate of 1 on the way.
    lr_d.lineEdit().selectAll()
    with qtbot.assertNotEmitted(form.learningRatesEdited):
        qtbot.keyClicks(lr_d, "1e-3")
    with qtbot.waitSignal(form.learningRatesEdited) as blocker:
        qtbot.keyClick(lr_d, Qt.Key.Key_Return)
    assert blocker.args == [pytest.approx(2e-4), pytest.approx(1e-3)]
    form.set_training_active(False)
    assert child(form, "epochsSpin").isEnabled() and child(form, "presetCombo").isEnabled()
    assert not child(form, "hiddenSpin").isEnabled()  # the default DCGAN has no hidden layer size
    assert isinstance(child(form, "tutorialButton"), QPushButton)


def test_ema_and_threads_show_off_and_auto(form):
    ema, threads = child(form, "emaSpin"), child(form, "threadsSpin")
    assert ema.text() == "off" and threads.text().startswith("auto")
    ema.stepBy(1)
    assert ema.value() == pytest.approx(0.9)
    ema.stepBy(3)
    assert ema.text() == "0.999" and form.config().train.ema_decay == pytest.approx(0.999)
    assert ema.validate("0.5", 3)[0] != ema.validate("0.99", 4)[0]  # between off and 0.9 cannot be typed


def test_set_devices_keeps_the_selection_while_it_exists(form, qtbot):
    combo = child(form, "deviceCombo")
    assert [combo.itemText(i) for i in range(combo.count())] == ["auto", "cpu"]
    form.set_devices(["cpu", "cuda:0"])
    combo.setCurrentIndex(combo.findText("cuda:0"))
    assert form.config().train.device == "cuda:0"
    with qtbot.assertNotEmitted(form.configChanged):
        form.set_devices(["cpu", "cuda:0", "cuda:1"])
    assert combo.currentText() == "cuda:0"
    assert [combo.itemText(i) for i in range(combo.count())] == ["auto", "cpu", "cuda:0", "cuda:1"]
    with qtbot.waitSignal(form.configChanged):
        form.set_devices(["cpu"])
    assert form.config().train.device == "auto"


def test_the_minutes_choice_reaches_the_config(form, qtbot):
    spin = child(form, "minutesSpin")
    assert spin.text() == "no time limit" and form.config().train.minutes == 0.0
    with qtbot.waitSignal(form.configChanged):
        spin.setValue(5.0)
    assert form.config().train.minutes == 5.0
    config = preset_config("default")
    config.train.minutes = 2.5
    form.set_config(config)
    assert spin.value() == 2.5 and form.config().train.minutes == 2.5


def test_the_most_used_settings_come_first_and_the_rest_fold_away(form, qtbot):
    form.show()
    order = ["presetCombo", "modelCombo", "lossCombo", "epochsSpin", "batchSpin", "lrGSpin", "lrDSpin",
             "scheduleCombo", "labelSmoothingSpin", "emaSpin"]
    tops = [child(form, name).mapTo(form, child(form, name).rect().topLeft()).y() for name in order]
    assert tops == sorted(tops)
    assert all(child(form, name).isVisible() for name in order)  # loss settings included
    folded = ("widthSpin", "zDimSpin", "sizeSpin", "beta1Spin", "seedSpin", "deviceCombo", "threadsSpin")
    assert not any(child(form, name).isVisible() for name in folded)
    assert form.expanded_sections() == ["Loss details"]
    form.set_expanded_sections(["Hardware", "no such section"])
    assert form.expanded_sections() == ["Hardware"] and child(form, "threadsSpin").isVisible()
    assert not child(form, "emaSpin").isVisible()
    before = form.config()
    form.set_config(preset_config("wgan-gp"))  # a config neither opens nor folds anything
    assert form.expanded_sections() == ["Hardware"]
    form.set_config(before)
    assert form.config() == before  # folding changes no value


def test_a_runs_recipe_shows_but_the_device_and_threads_stay_this_machines(form, tiny_config):
    from gan_studio.core.config import Machine

    form.set_config(tiny_config)  # cpu, 1 thread
    elsewhere = tiny_config.copy()
    elsewhere.train.device, elsewhere.train.threads, elsewhere.train.batch_size = "cuda:3", 7, 8
    form.show_recipe(elsewhere)
    assert form.config().train.batch_size == 8
    assert form.machine() == Machine("cpu", 1)
