from __future__ import annotations

from PySide6.QtGui import QColor

from gan_studio.gui.widgets.playground_canvas import PlaygroundCanvas
from tests.gui.playground_frames import plain_frame


def _colours(widget):
    image = widget.grab().toImage()
    rect = widget.picture_rect()
    return {image.pixelColor(x, y).name() for x in range(rect.left() + 2, rect.right() - 2, 7)
            for y in range(rect.top() + 2, rect.bottom() - 2, 7)}


def test_the_canvas_draws_a_frame_and_only_the_views_switched_on(qtbot):
    canvas = PlaygroundCanvas("now")
    qtbot.addWidget(canvas)
    canvas.resize(300, 320)
    canvas.show()
    assert canvas.renders == 0
    canvas.set_frame(plain_frame())
    full = _colours(canvas)
    assert canvas.renders >= 1 and len(full) > 20  # the heat map's ramp, points, lines
    canvas.set_views([])
    assert _colours(canvas) == {QColor(255, 255, 255).name()}
    canvas.set_views(["real"])
    assert QColor(26, 150, 65).name() in _colours(canvas) | {c for c in full}
    assert "modes" in canvas._title() and "D 3  G 2" in canvas._title()


def test_a_repaint_of_the_same_frame_is_not_rendered_again_but_a_new_frame_is(qtbot):
    canvas = PlaygroundCanvas("test")
    qtbot.addWidget(canvas)
    canvas.resize(300, 320)
    canvas.show()
    canvas.set_frame(plain_frame())
    canvas.grab()
    assert canvas.renders == 1
    canvas.grab()
    assert canvas.renders == 1  # the cached picture, drawn again
    canvas.set_views({"real", "fake"})
    canvas.grab()
    assert canvas.renders == 2  # other views: a new picture
    canvas.set_frame(plain_frame())
    canvas.grab()
    assert canvas.renders == 3  # a new frame, even one equal to the last


def test_a_frame_drawn_in_the_worker_is_painted_as_is_and_redrawn_only_for_other_views(qtbot, monkeypatch):
    import gan_studio.gui.widgets.playground_canvas as canvas_module
    from gan_studio.core.playground.render import with_picture

    canvas = PlaygroundCanvas("test")
    qtbot.addWidget(canvas)
    canvas.resize(300, 320)
    canvas.show()
    views, size = canvas.picture_request()
    drawn = with_picture(plain_frame(), views, size)
    drawn.picture.image[:] = (1, 2, 3)  # a picture render_frame would never draw
    calls = []
    real_render = canvas_module.render_frame
    monkeypatch.setattr(canvas_module, "render_frame", lambda *a, **k: calls.append(a) or real_render(*a, **k))
    canvas.set_frame(drawn)
    assert _colours(canvas) == {QColor(1, 2, 3).name()} and calls == []
    canvas.set_views({"real"})  # not what it was drawn with: the canvas draws it itself
    assert QColor(1, 2, 3).name() not in _colours(canvas) and len(calls) == 1


def test_a_narrow_canvas_puts_the_coverage_on_a_second_line_and_clips_nothing(qtbot):
    from PySide6.QtGui import QFontMetrics

    canvas = PlaygroundCanvas("before (plain, pack 1)")
    qtbot.addWidget(canvas)
    canvas.set_frame(plain_frame())
    canvas.resize(900, 600)
    assert canvas._title_lines() == [canvas._title()]
    one_line_top = canvas.picture_rect().top()
    canvas.resize(300, 600)  # two canvases side by side at 1280x800 are ~300 px wide each
    lines = canvas._title_lines()
    metrics = QFontMetrics(canvas.font())
    assert len(lines) == 2 and lines[1].startswith("modes")
    assert all(metrics.horizontalAdvance(line) <= canvas.width() for line in lines)
    assert canvas.picture_rect().top() > one_line_top  # the picture moves down below both lines
