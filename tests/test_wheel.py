"""The wheel is complete: built from the checkout, installed into an empty venv, it works anywhere.

Builds the wheel from a copy of the checkout, makes a fresh venv (no system site packages),
installs ``torch==2.13.0`` first (as the README does: an unpinned torch pulls a CUDA build), then
the wheel, NOT the checkout, and runs the commands a user would from an unrelated folder. That
proves the built-in digits, the judge's weights and the icons ship inside the package. About a
minute; deselect with ``-m 'not slow'``. Skipped (with the reason) only when pip cannot reach an
index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from gan_studio import __version__

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
TORCH_PIN = os.environ.get("GAN_STUDIO_TORCH", "torch==2.13.0")
SHIPPED = (
    "gan_studio/resources/digits.npz",
    "gan_studio/resources/judge.safetensors",
    "gan_studio/resources/judge.json",
    "gan_studio/resources/icons/gan-studio.svg",
    "gan_studio/resources/icons/gan-studio-256.png",
)
# Not part of the source: build outputs, environments and runs at the top of the checkout (the
# package has a sub-package named runs), caches anywhere.
TOP_LEVEL_IGNORED = {".git", "build", "dist", ".venv", "venv", "runs"}
CACHES = shutil.ignore_patterns("*.egg-info", "__pycache__", ".pytest_cache", "bench-*.json")


def IGNORED(folder: str, names: list[str]) -> set[str]:  # noqa: N802 - used as copytree's ignore=
    top = TOP_LEVEL_IGNORED & set(names) if Path(folder).resolve() == ROOT else set()
    return top | set(CACHES(folder, names))
NO_NETWORK = ("NewConnectionError", "Max retries exceeded", "Temporary failure in name resolution",
              "Network is unreachable", "ConnectTimeout", "ProxyError", "Failed to establish a new connection")


def _run(args: list, cwd: Path, env: dict, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _pip_install(python: Path, args: list, cwd: Path, env: dict) -> None:
    result = _run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *args], cwd, env, 600)
    output = result.stdout + result.stderr
    if result.returncode != 0 and any(sign in output for sign in NO_NETWORK):
        pytest.skip(f"pip cannot reach a package index to install {args[-1]}: no network")
    assert result.returncode == 0, output[-3000:]


def _clean_env(venv: Path, home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv), QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(home / "config"), OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
    )
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv, work folder, env, wheel): the built wheel installed alone into a fresh venv."""
    if sys.platform == "win32":
        pytest.skip("the venv layout below is POSIX's")
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=IGNORED)  # builds write build/ beside the source: not ours
    work = base / "work"  # an unrelated folder: nothing here can shadow the installed package
    work.mkdir()
    venv = base / "venv"
    try:
        env = _clean_env(venv, base)
        build = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", source, "-w", base / "dist"], work, env, 300)
        output = build.stdout + build.stderr
        if build.returncode != 0 and any(sign in output for sign in NO_NETWORK):
            pytest.skip("pip cannot reach a package index for the build backend (setuptools): no network")
        assert build.returncode == 0, output[-3000:]
        (wheel,) = (base / "dist").glob("gan_studio-*.whl")
        created = _run([sys.executable, "-m", "venv", venv], work, env, 120)
        assert created.returncode == 0, created.stderr
        python = venv / "bin" / "python"
        _pip_install(python, [TORCH_PIN], work, env)
        _pip_install(python, [wheel], work, env)
        yield venv, work, env, wheel
    finally:
        shutil.rmtree(venv, ignore_errors=True)  # ~1 GB: do not leave it to pytest's tmp rotation


def test_the_wheel_holds_the_data_weights_and_icons(installed):
    *_, wheel = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in SHIPPED if name not in names]
    assert not missing, f"not in the wheel: {missing}"
    assert not any(name.startswith(("tests/", "resources/tools/")) for name in names)


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    venv, work, env, _ = installed
    result = _run([venv / "bin" / "python", "-c", "import gan_studio, torch; print(gan_studio.__file__, torch.__version__)"],
                  work, env, 120)
    assert result.returncode == 0, result.stderr
    location, torch_version = result.stdout.split()
    assert Path(location).is_relative_to(venv) and not Path(location).is_relative_to(ROOT)
    assert torch_version.startswith(TORCH_PIN.split("==")[-1]) or "==" not in TORCH_PIN


def test_version_from_the_command_and_the_module(installed):
    venv, work, env, _ = installed
    for command in ([venv / "bin" / "gan-studio", "--version"], [venv / "bin" / "python", "-m", "gan_studio", "--version"]):
        result = _run(command, work, env, 120)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"gan-studio {__version__}"


def test_train_then_sample_on_the_builtin_digits(installed):
    venv, work, env, _ = installed
    gan_studio = venv / "bin" / "gan-studio"
    train = _run([gan_studio, "train", "--preset", "tutorial", "--epochs", "1", "--limit", "256", "--threads", "1",
                  "--out", "RUN", "--quiet"], work, env, 300)
    assert train.returncode == 0, train.stderr
    assert (work / "RUN" / "run.json").is_file() and (work / "RUN" / "checkpoints" / "last.pt").is_file()
    sample = _run([gan_studio, "sample", "RUN", "--n", "4", "--out", "g.png"], work, env, 120)
    assert sample.returncode == 0, sample.stderr
    assert (work / "g.png").read_bytes().startswith(b"\x89PNG")


def test_the_window_self_test_passes(installed):
    venv, work, env, _ = installed
    result = _run([venv / "bin" / "gan-studio", "--self-test"], work, env, 360)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("self-test: OK"), result.stdout
