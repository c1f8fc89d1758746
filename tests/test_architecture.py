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
    torch_free_core = {"config", "recipes", "events", "errors", "runs.folder", "runs.lock", "images", "data", "train.commands", "latent.paths",
                       "latent.bookmarks", "latent.projection", "latent.direction_files", "extras", "resources", "device",
                       "quality.metrics", "quality.judges", "jobs", "formatting", "train.launch",
                       "atomic", "runs.catalogue", "runs.compare", "runs.lineage",
                       "playground.config", "playground.distributions", "playground.coverage",
                       "playground.events", "playground.render", "playground.run"}
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


# -- the layers inside the package -----------------------------------------------------------------

# The core's sub-packages, lowest first: each may import the shared modules at the top of core/ and
# the sub-packages before it in this list, never one after it (lazy imports inside functions count).
CORE_LAYERS = ("data", "models", "runs", "quality", "train", "playground", "latent", "export")


def _gan_studio_imports(path: Path) -> list[str]:
    """Every gan_studio module a file imports, anywhere in it, as an absolute dotted name."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    if path.name == "__init__.py":
        package = package[:-1]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names += [target] + [f"{target}.{alias.name}" for alias in node.names]
            elif node.module and node.module.startswith("gan_studio"):
                names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names if alias.name.startswith("gan_studio")]
    return names


def _core_layer(name: str) -> int | None:
    """The index of the core sub-package a dotted name lies in (None for a shared core module)."""
    parts = name.split(".")
    if parts[:2] != ["gan_studio", "core"] or len(parts) < 3:
        return None
    return CORE_LAYERS.index(parts[2]) if parts[2] in CORE_LAYERS else None


def test_every_core_subpackage_is_a_listed_layer():
    found = {p.parent.name for p in (PACKAGE / "core").glob("*/__init__.py")}
    assert found == set(CORE_LAYERS)


def test_core_subpackages_import_only_the_layers_below_them():
    offenders = []
    for path in (PACKAGE / "core").rglob("*.py"):
        own = _core_layer(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for name in _gan_studio_imports(path):
            layer = _core_layer(name)
            if layer is not None and (own is None or layer > own):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders


def test_the_core_and_the_window_never_import_the_command_line_or_the_benchmarks():
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for folder in ("core", "gui")
        for path in (PACKAGE / folder).rglob("*.py")
        for name in _gan_studio_imports(path)
        if name.split(".")[1:2] in (["cli"], ["bench"])
    ]
    assert not offenders


def test_the_benchmarks_use_only_public_names():
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (PACKAGE / "bench").rglob("*.py")
        for name in _gan_studio_imports(path)
        if any(part.startswith("_") and part != "__init__" for part in name.split(".")[1:])
    ]
    assert not offenders
