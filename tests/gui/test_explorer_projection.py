"""The explorer with a projection and with directions from a file: the point found becomes the
current one, and sliders, bookmarks and interpolation work from there."""

from __future__ import annotations

import numpy as np
import pytest

from gan_studio.core.images import save_png_atomic
from gan_studio.core.latent.direction_files import load_directions
from gan_studio.core.latent.projection import ProjectionSettings
from gan_studio.gui.widgets.latent_explorer import LatentExplorer


@pytest.fixture
def explorer(qtbot, tiny_run):
    widget = LatentExplorer()
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    widget.set_run_dir(tiny_run)
    widget.set_source_path(tiny_run)
    qtbot.waitUntil(lambda: widget.current_image() is not None and widget.direction_bank.count() == 8, timeout=20000)
    yield widget
    assert widget.shutdown()


def test_the_project_button_drives_a_job_that_ends_with_the_current_point_set(qtbot, explorer, tmp_path):
    image = np.zeros((28, 28, 1), np.uint8)
    image[8:20, 8:20] = 200
    path = save_png_atomic(image, tmp_path / "square.png")
    panel = explorer.projection
    panel.settings = ProjectionSettings(steps=40, starts=2, feature_weight=0.0)
    panel.choose_image = lambda: str(path)
    with qtbot.waitSignal(explorer.imageRendered, timeout=5000):
        explorer.psi_slider.setValue(50)  # the projection is drawn at psi 1: the explorer goes there
    with qtbot.waitSignal(explorer.imageRendered, timeout=30000):  # the point found, drawn
        with qtbot.waitSignal(panel.projected, timeout=30000) as found:
            panel.choose_button.click()
    z = found.args[0]
    np.testing.assert_array_equal(explorer.current_latent(), z)
    assert explorer.psi() == 1.0 and explorer.caption.text().startswith("Projected image · ψ 1.00")
    np.testing.assert_array_equal(explorer.current_image(), panel.result_view.image())  # the redrawing is on show
    assert explorer.add_bookmark("projected").z == pytest.approx(z.tolist())
    with qtbot.waitSignal(explorer.imageRendered, timeout=5000):
        explorer.direction_bank.slider(0).setValue(100)  # the sliders move from the projected point
    d = explorer._directions
    np.testing.assert_allclose(explorer.current_latent() - z, d.sigma[0] * d.vectors[0], atol=1e-4)


def test_directions_saved_from_the_explorer_load_back_with_their_variance(qtbot, explorer, tmp_path):
    found = explorer._directions
    written = explorer.direction_files.save(tmp_path / "directions.npz")
    loaded, about = load_directions(written, z_dim=100)
    np.testing.assert_array_equal(loaded.explained, found.explained)
    assert about["generator"].endswith(".pt") and about["epoch"] == 1
    explorer._directions = None
    explorer.direction_files.load(written)
    np.testing.assert_array_equal(explorer._directions.vectors, found.vectors)
    assert explorer.direction_bank.caption(0) == f"PC1 · {100 * float(found.explained[0]):.0f}% of variance"
