from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from gan_studio.gui.widgets.latent_explorer import PLACEHOLDER, LatentExplorer


@pytest.fixture
def make_explorer(qtbot):
    made = []

    def make() -> LatentExplorer:
        explorer = LatentExplorer()
        qtbot.addWidget(explorer)
        explorer.resize(900, 700)
        explorer.show()
        made.append(explorer)
        return explorer

    yield make
    for explorer in made:
        assert explorer.shutdown()
        assert not explorer.worker.is_running()


def load(qtbot, explorer: LatentExplorer, run) -> LatentExplorer:
    explorer.set_run_dir(run)
    explorer.set_source_path(run)
    qtbot.waitUntil(lambda: explorer.current_image() is not None and explorer.direction_bank.count() == 8, timeout=20000)
    return explorer


@pytest.fixture
def explorer(qtbot, make_explorer, tiny_run):
    return load(qtbot, make_explorer(), tiny_run)


def moved(qtbot, explorer, action):
    """Run ``action`` and return the picture it leads to."""
    with qtbot.waitSignal(explorer.imageRendered, timeout=5000):
        action()
    return explorer.current_image().copy()


def test_placeholder_and_disabled_controls_before_a_generator(make_explorer):
    explorer = make_explorer()
    assert explorer.objectName() == "latentExplorer"
    assert explorer.current_image() is None and explorer.current_latent() is None
    assert explorer.view._placeholder == PLACEHOLDER
    assert not explorer.controls.isEnabled() and not explorer.export_button.isEnabled()


def test_loaded_explorer_labels_its_direction_sliders(explorer):
    assert explorer.controls.isEnabled()
    assert explorer.current_image().shape == (28, 28, 1)
    assert explorer.direction_bank.caption(0).startswith("PC1 · ")
    assert explorer.direction_bank.caption(0).endswith("% of variance")
    slider = explorer.findChild(type(explorer.direction_bank.slider(0)), "directionSlider7")
    assert slider is not None and (slider.minimum(), slider.maximum()) == (-300, 300)
    assert explorer.class_row.isHidden()  # the tiny run is unconditional


def test_moving_a_direction_slider_changes_the_image_along_that_direction(qtbot, explorer):
    before_z, before = explorer.current_latent(), explorer.current_image().copy()
    after = moved(qtbot, explorer, lambda: explorer.direction_bank.slider(0).setValue(300))
    assert not np.array_equal(before, after)
    d = explorer._directions
    np.testing.assert_allclose(explorer.current_latent() - before_z, 3.0 * d.sigma[0] * d.vectors[0], atol=1e-4)


def test_the_same_seed_gives_the_same_image(qtbot, explorer):
    seed5 = moved(qtbot, explorer, lambda: explorer.seed_spin.setValue(5))
    seed6 = moved(qtbot, explorer, lambda: explorer.seed_spin.setValue(6))
    again = moved(qtbot, explorer, lambda: explorer.seed_spin.setValue(5))
    assert not np.array_equal(seed5, seed6)
    np.testing.assert_array_equal(seed5, again)


def test_reset_returns_to_the_seed_point(qtbot, explorer):
    seed_image = moved(qtbot, explorer, lambda: explorer.seed_spin.setValue(3))
    seed_z = explorer.current_latent()
    moved(qtbot, explorer, lambda: explorer.direction_bank.slider(1).setValue(-200))
    moved(qtbot, explorer, lambda: explorer.psi_slider.setValue(40))
    again = moved(qtbot, explorer, lambda: explorer.reset_button.click())
    assert not explorer.direction_bank.values().any() and explorer.psi() == 1.0
    np.testing.assert_array_equal(explorer.current_latent(), seed_z)
    np.testing.assert_array_equal(again, seed_image)


def test_psi_scales_the_drawn_point_not_the_point(qtbot, explorer):
    z = explorer.current_latent()
    zero = moved(qtbot, explorer, lambda: explorer.psi_slider.setValue(0))
    np.testing.assert_array_equal(explorer.current_latent(), z)
    other = moved(qtbot, explorer, lambda: explorer.seed_spin.setValue(explorer.seed_spin.value() + 1))
    np.testing.assert_array_equal(zero, other)  # psi 0: every point is drawn as z = 0


def test_raw_latent_sliders_edit_one_dimension(qtbot, explorer):
    explorer.mode_combo.setCurrentIndex(1)
    assert explorer.latent_bank.count() == 100
    slider = explorer.latent_bank.slider(3)
    assert slider.objectName() == "latentSlider3"
    z = explorer.current_latent()
    assert slider.value() == int(round(float(np.clip(z[3], -3, 3)) * 100))  # shows the point
    moved(qtbot, explorer, lambda: slider.setValue(-250))
    after = explorer.current_latent()
    assert after[3] == pytest.approx(-2.5)
    np.testing.assert_array_equal(np.delete(after, 3), np.delete(z, 3))


def test_clicking_a_neighbour_moves_there(qtbot, explorer):
    grid = explorer.neighbour_grid
    qtbot.waitUntil(lambda: grid.cell_count() == 8, timeout=5000)
    target = explorer._neighbours[2].copy()
    with qtbot.waitSignal(explorer.imageRendered, timeout=5000):
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=QPoint(*grid.cell_center(2)))
    np.testing.assert_array_equal(explorer.current_latent(), target)


def test_a_bookmark_survives_closing_and_reopening_the_run(qtbot, make_explorer, explorer, tiny_run):
    moved(qtbot, explorer, lambda: explorer.seed_spin.setValue(11))
    picture = moved(qtbot, explorer, lambda: explorer.direction_bank.slider(2).setValue(150))
    explorer.bookmark_button.click()
    explorer.bookmark_list.rename(len(explorer.bookmark_list.bookmarks()) - 1, "tall one")
    saved_z = explorer.current_latent()
    assert explorer.shutdown()

    reopened = load(qtbot, make_explorer(), tiny_run)
    names = [b.name for b in reopened.bookmark_list.bookmarks()]
    assert "tall one" in names
    row = names.index("tall one")
    item = reopened.bookmark_list.item(row)
    with qtbot.waitSignal(reopened.imageRendered, timeout=5000):
        rect = reopened.bookmark_list.visualItemRect(item)
        # A real double-click: press/release first (item views ignore a lone double-click event).
        qtbot.mouseClick(reopened.bookmark_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(reopened.bookmark_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    np.testing.assert_allclose(reopened.current_latent(), saved_z, atol=1e-6)
    np.testing.assert_array_equal(reopened.current_image(), picture)
    # Delete removes it from the run folder too.
    reopened.bookmark_list.setCurrentRow(row)
    qtbot.keyClick(reopened.bookmark_list, Qt.Key.Key_Delete)
    reopened.set_run_dir(tiny_run)
    assert "tall one" not in [b.name for b in reopened.bookmark_list.bookmarks()]


def test_interpolation_plays_between_two_bookmarks(qtbot, explorer):
    for seed, name in ((1, "A"), (2, "B")):
        moved(qtbot, explorer, lambda s=seed: explorer.seed_spin.setValue(s))
        explorer.add_bookmark(name)
    bar = explorer.interpolation
    bar.from_combo.setCurrentText("A")
    bar.to_combo.setCurrentText("B")
    frames, ts = [], []
    # The t of each frame drawn, from the request's tag (frames may be dropped, never reordered).
    explorer.worker.rendered.connect(lambda rid, tag, images: ts.append(tag[1]) if tag[0] == "interp" else None)
    explorer.imageRendered.connect(lambda: frames.append(explorer.current_image().copy()))
    bar.play_button.click()
    assert bar.is_playing()
    qtbot.waitUntil(lambda: len(ts) >= 4, timeout=5000)
    bar.play_button.click()
    assert not bar.is_playing()
    assert ts == sorted(set(ts)) and ts[-1] > ts[0] >= 0.0
    assert any(not np.array_equal(frames[0], f) for f in frames[1:])


def test_new_weights_keep_the_point_and_the_directions(qtbot, explorer, tiny_run):
    from gan_studio.core.latent.snapshot import GeneratorSnapshot

    snapshot = GeneratorSnapshot.open(tiny_run)
    weights = {name: value.numpy() for name, value in snapshot.state_dict().items()}
    moved(qtbot, explorer, lambda: explorer.direction_bank.slider(0).setValue(120))
    z, directions = explorer.current_latent(), explorer._directions
    with qtbot.waitSignal(explorer.imageRendered, timeout=20000):
        explorer.set_generator_weights(snapshot.config.to_json(), (1, 28, 28), 0, weights, epoch=2)
    assert explorer._directions is directions and explorer.direction_bank.slider(0).value() == 120
    np.testing.assert_array_equal(explorer.current_latent(), z)
    assert "epoch 2" in explorer.caption.text()
