"""Which time point of a trial is analysed, and which trials' time points are comparable.

Rule (ours, stated in ``methods.json``):

1. For each trial, outcome and value type, the analysed time point is the one nearest to the end
   of the intervention (``trials.duration_weeks``); a tie goes to the later time point. When the
   duration is not recorded, the earliest post-baseline time point is used. Follow-up time points
   after the end of the intervention are shown, not pooled.
2. Trials are pooled only when their analysed time points fall in the same window:
   0-4, 5-8, 9-12 and over 12 months after randomisation (the windows of Cheng 2024's pooled
   ALSFRS results, in weeks as months x 4.345: 17.4, 34.8 and 52.2 weeks inclusive).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: (label, upper bound in weeks, inclusive); the last window is open
TIME_WINDOWS: tuple[tuple[str, float], ...] = (
    ("0-4 months", 17.4), ("5-8 months", 34.8), ("9-12 months", 52.2), ("over 12 months", math.inf),
)
NO_TIMEPOINT = "time point not recorded"


def time_window(weeks: float | None) -> str:
    """The window label of a time point in weeks (``NO_TIMEPOINT`` when missing)."""
    if weeks is None or not math.isfinite(float(weeks)):
        return NO_TIMEPOINT
    for label, upper in TIME_WINDOWS:
        if float(weeks) <= upper:
            return label
    raise AssertionError("unreachable: the last window is open")


def select_timepoint(timepoints: Sequence[float], duration_weeks: float | None) -> float | None:
    """The analysed time point: nearest to the end of the intervention (ties: the later one);
    the earliest post-baseline time point when the duration is unknown; None when there is none."""
    points = sorted({float(t) for t in timepoints if t is not None and math.isfinite(float(t)) and float(t) > 0})
    if not points:
        return None
    if duration_weeks is None or not math.isfinite(float(duration_weeks)):
        return points[0]
    return min(points, key=lambda t: (abs(t - float(duration_weeks)), -t))


def window_rule() -> str:
    """The rule in one paragraph (for methods.json)."""
    windows = ", ".join(f"{label} (up to {upper:g} weeks)" if math.isfinite(upper) else label for label, upper in TIME_WINDOWS)
    return ("Per trial, outcome and value type the analysed time point is the one nearest to the end of the "
            "intervention (ties: the later); earliest post-baseline time point when the duration is not recorded. "
            f"Trials are pooled only within one window: {windows}.")
