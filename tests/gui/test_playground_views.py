from __future__ import annotations

from gan_studio.gui.widgets.playground_views import TOGGLES, PlaygroundViewToggles


def test_each_view_switches_off_and_on(qtbot):
    toggles = PlaygroundViewToggles()
    qtbot.addWidget(toggles)
    assert toggles.views() == set(TOGGLES)
    with qtbot.waitSignal(toggles.viewsChanged) as blocker:
        toggles.findChild(type(toggles.boxes["surface"]), "view_surface").setChecked(False)
    assert blocker.args == [set(TOGGLES) - {"surface"}]
