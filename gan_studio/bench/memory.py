"""Resident memory of this process from /proc (Linux): current (VmRSS) and peak (VmHWM).

No psutil: the two numbers are one small file away. Elsewhere every figure is NaN.
"""

from __future__ import annotations

import math


def read_memory() -> dict[str, float]:
    """{"rss_mb": current resident MiB, "peak_mb": highest resident MiB since start or reset}."""
    values = {"rss_mb": math.nan, "peak_mb": math.nan}
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    values["rss_mb"] = int(line.split()[1]) / 1024.0
                elif line.startswith("VmHWM:"):
                    values["peak_mb"] = int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    return values


def reset_peak() -> bool:
    """Start VmHWM afresh from the current RSS (Linux >= 4.0: write 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False
