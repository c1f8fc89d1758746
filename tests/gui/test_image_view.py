from __future__ import annotations

import numpy as np
import pytest

from gan_studio.gui.qt_images import to_qimage
from gan_studio.gui.widgets.image_view import ImageView

from .helpers import drawn_pixels


def test_to_qimage_keeps_pixels_after_the_array_is_gone():
    array = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    image = to_qimage(array)
    del array
    assert (image.width(), image.height()) == (2, 2)
    assert image.pixelColor(1, 0).getRgb()[:3] == (3, 4, 5)
    with pytest.raises(ValueError):
        to_qimage(np.zeros((2, 2), np.float32))


def test_image_view_draws_the_picture_crisply_scaled(qtbot):
    view = ImageView("nothing yet")
    qtbot.addWidget(view)
    view.resize(100, 100)
    view.show()
    picture = np.zeros((4, 4, 1), np.uint8)
    picture[0, 0] = 255
    view.set_image(picture)
    assert view.target_rect().width() == 100  # 4 px x 25
    shot = view.grab().toImage()
    rect = view.target_rect()
    # The top-left source pixel covers a 25 x 25 block of white, and the next one is black.
    assert shot.pixelColor(rect.left() + 12, rect.top() + 12).lightness() == 255
    assert shot.pixelColor(rect.left() + 37, rect.top() + 12).lightness() == 0
    assert view.image() is not None and view.image()[0, 0, 0] == 255
    view.set_image(None)
    assert view.image() is None


def test_a_small_picture_fills_the_view_at_a_fractional_scale_with_crisp_pixels(qtbot):
    """The epoch grid (8 x 8 digits of 28 px with 2 px gaps: 242 px) in the 420 x 600 area the
    window gives it at 1280 x 800 was drawn at 1x; now it fills the width, nearest-neighbour."""
    view = ImageView()
    qtbot.addWidget(view)
    view.resize(420, 600)
    view.show()
    picture = (np.random.default_rng(0).random((242, 242, 1)) > 0.5).astype(np.uint8) * 255
    view.set_image(picture)
    rect = view.target_rect()
    assert (rect.width(), rect.height()) == (420, 420) and rect.top() == 90  # filled, centred
    drawn = drawn_pixels(view)
    # Nearest neighbour: every screen pixel is one of the source's two values, none blended...
    assert set(np.unique(drawn)) == {0, 255}
    # ...and the centre of each source pixel shows that pixel.
    centres = ((np.arange(242) + 0.5) * 420 / 242).astype(int)
    np.testing.assert_array_equal(drawn[np.ix_(centres, centres)][..., 0], picture[..., 0])
