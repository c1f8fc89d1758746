"""The latent explorer's controls and their arrangement (kept apart from its behaviour).

``build_explorer_layout(explorer)`` creates every child widget as an attribute of the explorer:
the large view and the neighbour grid on the left, the controls in a scrolling column on the right.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QGroupBox, QHBoxLayout, QLabel, QScrollArea, QSlider, QSpinBox,
    QSplitter, QStackedWidget, QVBoxLayout, QWidget,
)

from ..controls import named_button
from .bookmark_list import BookmarkList
from .direction_files import DirectionFiles
from .direction_sliders import SliderBank
from .image_view import ImageView
from .interpolation_bar import InterpolationBar
from .neighbour_grid import NeighbourGrid
from .projection_panel import ProjectionPanel

PSI_STEPS = 100  # psi slider units per 1.0
MAX_SEED = 2**31 - 1


def _named(widget, name: str, accessible: str, tip: str):
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    widget.setToolTip(tip)
    return widget


def build_explorer_layout(e, placeholder: str) -> None:
    e.view = _named(ImageView(placeholder), "explorerView", "Current sample", "The generator's image at the current latent point")
    e.neighbour_grid = _named(
        NeighbourGrid(""), "neighbourGrid", "Neighbouring samples",
        "Random points near the current one: click one to move there",
    )
    e.neighbour_grid.setMinimumHeight(60)
    e.caption = QLabel("")
    e.caption.setObjectName("explorerCaption")
    e.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
    e.status = QLabel("")
    e.status.setObjectName("explorerStatus")
    e.status.setWordWrap(True)
    e.status.setStyleSheet("color: #c0392b")

    pictures = QWidget()
    pictures_layout = QVBoxLayout(pictures)
    pictures_layout.setContentsMargins(0, 0, 0, 0)
    pictures_layout.addWidget(e.view, 4)
    pictures_layout.addWidget(e.caption)
    pictures_layout.addWidget(e.neighbour_grid, 1)
    pictures_layout.addWidget(e.status)

    # -- the point: seed, class, truncation
    e.seed_spin = _named(QSpinBox(), "seedSpin", "Seed", "The seed of the random latent point")
    e.seed_spin.setRange(0, MAX_SEED)
    e.randomize_button = named_button("randomizeButton", "Randomize", "Jump to a random seed")
    e.reset_button = named_button("resetButton", "Reset", "Back to the seed's point: sliders at 0 and ψ 1")
    seed_row = QHBoxLayout()
    seed_row.addWidget(QLabel("Seed"))
    seed_row.addWidget(e.seed_spin, 1)
    seed_row.addWidget(e.randomize_button)
    seed_row.addWidget(e.reset_button)

    e.class_combo = _named(QComboBox(), "classCombo", "Class", "The class a conditional generator draws")
    e.class_row = QWidget()
    class_layout = QHBoxLayout(e.class_row)
    class_layout.setContentsMargins(0, 0, 0, 0)
    class_layout.addWidget(QLabel("Class"))
    class_layout.addWidget(e.class_combo, 1)
    e.class_row.setVisible(False)

    e.psi_slider = _named(
        QSlider(Qt.Orientation.Horizontal), "psiSlider", "Truncation psi",
        "Truncation ψ: below 1 pulls the point toward the average (more typical, less varied); above 1 exaggerates",
    )
    e.psi_slider.setRange(0, 2 * PSI_STEPS)
    e.psi_slider.setValue(PSI_STEPS)
    e.psi_label = QLabel("ψ 1.00")
    e.psi_label.setMinimumWidth(e.psi_label.fontMetrics().horizontalAdvance("ψ 0.00 "))
    psi_row = QHBoxLayout()
    psi_row.addWidget(e.psi_label)
    psi_row.addWidget(e.psi_slider, 1)

    point_box = QGroupBox("Point")
    point_layout = QVBoxLayout(point_box)
    point_layout.addLayout(seed_row)
    point_layout.addWidget(e.class_row)
    point_layout.addLayout(psi_row)

    # -- sliders: principal directions or raw latent dimensions
    e.mode_combo = _named(QComboBox(), "sliderMode", "Slider mode", "Move along the principal directions or along single latent dimensions")
    e.mode_combo.addItems(["Principal directions", "Latent dimensions"])
    e.direction_bank = SliderBank("directionSlider", "Move the point along this principal direction, in standard deviations")
    e.latent_bank = SliderBank("latentSlider", "The value of this latent dimension")
    e.directions_button = named_button(
        "directionsButton", "Recompute directions", "Find the principal directions again for the current generator (and class)"
    )
    directions_page = QWidget()
    directions_layout = QVBoxLayout(directions_page)
    directions_layout.setContentsMargins(0, 0, 0, 0)
    directions_layout.addWidget(e.direction_bank)
    directions_layout.addWidget(e.directions_button)
    e.direction_files = DirectionFiles()
    directions_layout.addWidget(e.direction_files)
    directions_layout.addStretch(1)
    latent_scroll = QScrollArea()
    latent_scroll.setObjectName("latentScroll")
    latent_scroll.setWidget(e.latent_bank)
    latent_scroll.setWidgetResizable(True)
    latent_scroll.setMinimumHeight(200)
    e.slider_stack = QStackedWidget()
    e.slider_stack.addWidget(directions_page)
    e.slider_stack.addWidget(latent_scroll)
    sliders_box = QGroupBox("Move")
    sliders_layout = QVBoxLayout(sliders_box)
    sliders_layout.addWidget(e.mode_combo)
    sliders_layout.addWidget(e.slider_stack)

    # -- bookmarks and interpolation
    e.bookmark_button = named_button("bookmarkButton", "Bookmark", "Save the current point (kept in the run folder)")
    e.bookmark_list = BookmarkList()
    e.bookmark_list.setMinimumHeight(80)
    bookmarks_box = QGroupBox("Bookmarks")
    bookmarks_layout = QVBoxLayout(bookmarks_box)
    bookmarks_layout.addWidget(e.bookmark_button)
    bookmarks_layout.addWidget(e.bookmark_list)
    e.interpolation = InterpolationBar()
    interp_box = QGroupBox("Interpolate")
    QVBoxLayout(interp_box).addWidget(e.interpolation)

    e.controls = QWidget()
    controls_layout = QVBoxLayout(e.controls)
    controls_layout.setContentsMargins(0, 0, 0, 0)
    e.projection = ProjectionPanel()
    for box in (point_box, e.projection, sliders_box, bookmarks_box, interp_box):
        controls_layout.addWidget(box)
    controls_layout.addStretch(1)
    e.export_button = named_button("exportButton", "Export…", "Save grids, single images, animations or the generator's weights")

    column = QWidget()
    column_layout = QVBoxLayout(column)
    column_layout.addWidget(e.controls, 1)
    column_layout.addWidget(e.export_button)
    scroll = QScrollArea()
    scroll.setWidget(column)
    scroll.setWidgetResizable(True)
    scroll.setMinimumWidth(340)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    split = QSplitter(Qt.Orientation.Horizontal)
    split.addWidget(pictures)
    split.addWidget(scroll)
    split.setStretchFactor(0, 3)
    split.setStretchFactor(1, 2)
    QVBoxLayout(e).addWidget(split)
