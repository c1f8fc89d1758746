from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt

from gan_studio.gui.widgets.neighbour_grid import NeighbourGrid


def test_a_click_on_a_cell_reports_its_index(qtbot):
    grid = NeighbourGrid("nothing", columns=4)
    qtbot.addWidget(grid)
    grid.resize(400, 200)
    grid.show()
    images = np.stack([np.full((6, 6, 1), 30 * i, np.uint8) for i in range(8)])
    grid.set_cells(images)
    assert grid.cell_count() == 8
    for index in (0, 3, 5, 7):
        with qtbot.waitSignal(grid.cellClicked) as clicked:
            qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=QPoint(*grid.cell_center(index)))
        assert clicked.args == [index]
    rect = grid.target_rect()
    assert grid.cell_at(rect.left() + 1, rect.top() + 1) is None  # the frame, not a cell
    assert grid.cell_at(rect.right() + 5, rect.top() + 5) is None
    grid.set_cells(None)
    assert grid.cell_count() == 0 and grid.image() is None
