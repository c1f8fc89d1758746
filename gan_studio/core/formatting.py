"""Numbers as both faces show them: durations, training speed, and metrics that may be missing.

The window and the command line import these from here, so a run reads the same in both.
"""

from __future__ import annotations

import math
from typing import Any


def format_duration(seconds: float) -> str:
    """"01:05" for 65 s, "1:01:05" from an hour, "--:--" when unknown (infinite or NaN)."""
    if not math.isfinite(seconds):
        return "--:--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


def format_speed(images_per_s: float) -> str:
    """Training speed, e.g. "1,234 img/s"."""
    return f"{images_per_s:,.0f} img/s"


def format_value(value: Any, spec: str, missing: str = "-") -> str:
    """``spec.format(value)`` for a finite number; ``missing`` for None, NaN, infinities and non-numbers."""
    if isinstance(value, (int, float)) and math.isfinite(value):
        return spec.format(value)
    return missing
