"""Taking results away: grids and single images with sidecars that regenerate them
(``samples``), interpolation and training-progress animations (``animation``), the generator's
weights (``weights``) or its ONNX graph (``onnx``), an image's projection (``projection``), and
what every export shares (``common``: refusing to overwrite, progress, upscaling).

This package is the face the window and the command line use (``from ..core import export``;
``export.export_grid(...)``). It imports torch.
"""

from .animation import export_interpolation, export_progress_animation
from .common import check_writable
from .samples import export_grid, export_images, open_snapshot, regenerate_from_sidecar, sample_to_files
from .onnx import export_onnx
from .weights import export_generator_weights

__all__ = [
    "check_writable", "export_generator_weights", "export_grid", "export_images", "export_interpolation", "export_onnx",
    "export_progress_animation", "open_snapshot", "regenerate_from_sidecar", "sample_to_files",
]
