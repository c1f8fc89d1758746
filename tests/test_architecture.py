"""The structure that keeps the core reusable: no Qt below gan_studio.gui, every package shipped."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gan_studio"
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "superqt")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_core_imports_no_qt():
    offenders = {
        str(path.relative_to(ROOT)): sorted(n for n in _imports(path) if n.split(".")[0] in QT_MODULES)
        for path in (PACKAGE / "core").rglob("*.py")
    }
    assert not {k: v for k, v in offenders.items() if v}


def test_views_never_import_torch():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (PACKAGE / "gui").rglob("*.py")
        if any(n.split(".")[0] == "torch" for n in _imports(path))
    ]
    assert not offenders


def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in PACKAGE.rglob("__init__.py")}
    assert found <= listed, f"add to pyproject packages: {sorted(found - listed)}"


def test_the_builtin_digits_ship_in_the_package():
    from gan_studio.core.resources import resource_path

    assert resource_path("digits.npz").stat().st_size > 500_000


def test_the_window_never_runs_torch_on_its_own_thread():
    """GUI modules may only import core modules that do not import torch at module level."""
    torch_free_core = {"config", "events", "errors", "runs.folder", "images", "data", "train.commands", "latent.paths",
                       "latent.bookmarks", "resources", "device", "quality.metrics", "quality.judges", "jobs", "formatting",
                       "atomic"}
    offenders = []
    for path in (PACKAGE / "gui").rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            if isinstance(node, ast.ImportFrom) and node.module and "core" in node.module.split("."):
                module = node.module.split("core")[-1].strip(".")
                for alias in node.names:  # `from ..core.latent import paths` names the module latent.paths
                    candidates = {module, f"{module}.{alias.name}".strip(".")}
                    if not any(c in torch_free_core or c.split(".")[0] == "data" for c in candidates):
                        offenders.append(f"{path.name}: core.{module or alias.name}")
    assert not offenders
