"""Choosing where to train, and setting up the CPU so it trains at full speed."""

from __future__ import annotations

import ctypes
import os
import sys

from .errors import ConfigError


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_threads() -> int:
    """All cores but one: the window's own thread needs a core to stay smooth. Under torchrun
    (LOCAL_WORLD_SIZE processes on this machine, no window) each process takes its share."""
    local_processes = int(os.environ.get("LOCAL_WORLD_SIZE", "1") or 1)
    if local_processes > 1:
        return max(1, cpu_count() // local_processes)
    return max(1, cpu_count() - 1)


def available_devices() -> list[str]:
    """Devices present on this machine, for a chooser: always "cpu", then GPUs."""
    import torch

    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return devices


def resolve_device(name: str):
    """Turn "auto" / "cpu" / "cuda[:N]" / "mps" into a torch.device, or say why not."""
    import torch

    present = available_devices()
    if name == "auto":
        return torch.device(next((d for d in present if d != "cpu"), "cpu"))
    if name == "cuda":
        name = "cuda:0"
    if name not in present:
        raise ConfigError(f"device {name!r} is not available here; this machine has: {', '.join(present)}")
    return torch.device(name)


def describe_device(device, threads: int) -> str:
    import torch

    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({threads} thread{'s' if threads != 1 else ''})"
    return str(device)


def configure_cpu_threads(threads: int) -> int:
    """Set torch's intra-op threads for the calling process; 0 means default_threads()."""
    import torch

    count = threads or default_threads()
    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
    return count


def release_device_memory(device) -> None:
    """Give back what a failed step held (after an out-of-memory error), so a checkpoint still fits."""
    import gc
    import threading

    # Only on the main thread: a collection in the window's training thread can free Qt objects
    # left in reference cycles (a closed window's pyqtgraph widgets), and a QObject destroyed off
    # the GUI thread while the GUI thread deletes its relatives deadlocked the test suite
    # (2026-12-03, the out-of-memory fault test). The step's own tensors are not in cycles.
    if threading.current_thread() is threading.main_thread():
        gc.collect()
    if getattr(device, "type", "") == "cuda":
        import torch

        torch.cuda.empty_cache()


_allocator_tuned = False


def tune_allocator() -> None:
    """Keep glibc from handing big buffers back to the OS after every step.

    Without this the DCGAN page-faults ~90 MB per step on Linux and each step takes ~35 % longer.
    Harmless elsewhere (not Linux/glibc: nothing happens).
    """
    global _allocator_tuned
    if _allocator_tuned or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 256 * 1024 * 1024)
    libc.mallopt(m_trim_threshold, 1024 * 1024 * 1024)
    _allocator_tuned = True
