"""packaging/: the menu entry installs and validates, the icons exist in every format, the spec parses.

The PyInstaller build itself takes minutes: packaging/build_bundle.sh runs it and self-tests it.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"
INSTALL = PACKAGING / "install_desktop_entry.sh"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)

needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="the install script is a bash script")


def _install(prefix: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(INSTALL), "--prefix", str(prefix), *args], capture_output=True, text=True,
                           timeout=60, env=env)


@pytest.fixture
def program(tmp_path) -> Path:
    folder = tmp_path / "My Apps"  # a space: the Exec line must quote it
    folder.mkdir()
    path = folder / "gan-studio"
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


@needs_bash
def test_the_menu_entry_and_icons_install_and_uninstall(tmp_path, program):
    prefix = tmp_path / "share"
    result = _install(prefix, "--exec", str(program))
    assert result.returncode == 0, result.stderr
    entry = (prefix / "applications" / "gan-studio.desktop").read_text()
    assert f'Exec="{program}"\n' in entry and f"TryExec={program}\n" in entry and "Icon=gan-studio\n" in entry
    assert (prefix / "icons/hicolor/scalable/apps/gan-studio.svg").is_file()
    for size in SIZES:
        with Image.open(prefix / f"icons/hicolor/{size}x{size}/apps/gan-studio.png") as icon:
            assert icon.size == (size, size)
    assert (prefix / "metainfo/io.github.ganstudio.GanStudio.metainfo.xml").is_file()
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(prefix / "applications/gan-studio.desktop")],
                               capture_output=True, text=True, timeout=30)
        assert check.returncode == 0 and not check.stdout.strip(), check.stdout

    result = _install(prefix, "--uninstall")
    assert result.returncode == 0, result.stderr
    assert not list(prefix.rglob("gan-studio*")) and not list(prefix.rglob("*.metainfo.xml"))


@needs_bash
def test_install_refuses_a_program_that_is_not_there(tmp_path):
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # no gan-studio on it
    result = _install(tmp_path / "share", "--exec", str(tmp_path / "missing"), env=env)
    assert result.returncode != 0 and "not an executable" in result.stderr
    assert not (tmp_path / "share" / "applications").exists()


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils is not installed")
def test_the_desktop_entry_is_valid():
    result = subprocess.run(["desktop-file-validate", str(PACKAGING / "gan-studio.desktop")], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout  # hints count too


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream is not installed")
def test_the_appstream_metainfo_is_valid():
    result = subprocess.run(["appstreamcli", "validate", "--no-net", str(PACKAGING / "io.github.ganstudio.GanStudio.metainfo.xml")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_icon_exists_in_every_format_the_builds_use():
    for size in SIZES:
        with Image.open(ICONS / f"gan-studio-{size}.png") as icon:
            assert icon.size == (size, size) and icon.mode == "RGBA"
    with Image.open(ICONS / "gan-studio.ico") as ico:  # Windows
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])
    with Image.open(ICONS / "gan-studio.icns") as icns:  # macOS
        assert (512, 512, 2) in icns.info["sizes"]


def test_the_spec_parses_and_ships_the_resources():
    spec = (PACKAGING / "gan-studio.spec").read_text()
    ast.parse(spec)
    for name in ("digits.npz", "judge.safetensors", "judge.json", "__init__.py"):
        assert f'"{name}"' in spec
    assert (PACKAGING / "launcher.py").is_file() and os.access(PACKAGING / "build_bundle.sh", os.X_OK)


def test_the_slurm_script_starts_one_torchrun_a_node_that_trains_or_resumes(tmp_path):
    # srun and scontrol stand-ins print what the script asks of them.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "srun").write_text('#!/bin/sh\necho "$@"\n')
    (bin_dir / "scontrol").write_text('#!/bin/sh\nprintf "node-a\\nnode-b\\n"\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", SLURM_JOB_NODELIST="node-[a-b]", SLURM_JOB_NUM_NODES="2",
               SLURM_GPUS_ON_NODE="4", SLURM_JOB_ID="77", GAN_STUDIO=sys.executable)
    script = str(ROOT / "packaging" / "slurm_train.sh")
    run = tmp_path / "run"
    new = subprocess.run(["bash", script, str(run), "--epochs", "3"], env=env, capture_output=True, text=True, check=True)
    assert new.stdout.split()[2:] == [
        "-m", "torch.distributed.run", "--nnodes=2", "--nproc_per_node=4", "--rdzv-backend=c10d",
        "--rdzv-endpoint=node-a:29500", "--rdzv-id=77", "--max-restarts=0", "-m", "gan_studio",
        "train", "--out", str(run), "--epochs", "3",
    ]
    run.mkdir()
    (run / "run.json").write_text("{}")
    again = subprocess.run(["bash", script, str(run)], env=env, capture_output=True, text=True, check=True)
    assert again.stdout.split()[-3:] == ["gan_studio", "resume", str(run)]
