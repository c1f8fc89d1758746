"""Optional extras (``pip install 'gan-studio[onnx]'``): which are installed, found without
importing them, so the window can ask on its own thread (no torch, no Qt here)."""

from __future__ import annotations

import importlib.util

# extra -> the packages a feature needs at run time (torch's ONNX exporter needs onnx and
# onnxscript; onnxruntime, in the same extra, only runs the files it writes).
EXTRAS = {"onnx": ("onnx", "onnxscript")}
FEATURES = {"onnx": "ONNX export"}


def missing_packages(extra: str) -> list[str]:
    """The packages of ``extra`` that are not installed ([] when the feature can run)."""
    return [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]


def missing_extra_message(extra: str) -> str:
    """One sentence saying what is missing and how to install it ("" when nothing is)."""
    missing = missing_packages(extra)
    if not missing:
        return ""
    names = " and ".join(missing)
    return f"{FEATURES[extra]} needs the optional package{'s' if len(missing) > 1 else ''} {names}: pip install 'gan-studio[{extra}]'."
