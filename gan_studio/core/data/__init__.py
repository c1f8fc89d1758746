"""Data sources to uint8 image arrays: built-in digits, image folders, the tutorial's CSV
layout, IDX (MNIST) files and NumPy files.

Imports only the standard library, NumPy and Pillow (no torch, no Qt), so the window can load
and preview data before torch is imported.
"""

from .dataset import ImageDataset, LoadReport
from .images import IMAGE_EXTENSIONS
from .loader import load_dataset, source_kind

__all__ = ["IMAGE_EXTENSIONS", "ImageDataset", "LoadReport", "load_dataset", "source_kind"]
