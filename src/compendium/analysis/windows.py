"""Which time point of a trial is analysed, and which trials' time points are comparable.

Rule (ours, stated in ``methods.json``):

1. For each trial, outcome and value type, the analysed time point is the one nearest to the end
   of the intervention (``trials.duration_weeks``); a tie goes to the later time point. When the
   duration is not recorded, the earliest post-baseline time point is used. Follow-up time points
   after the end of the intervention are shown, not pooled.
2. Trials are pooled only when their analysed time points fall in the same window of the review's
   declared ``time_windows`` (``review.yaml``; the ALS review uses Cheng 2024's 0-4, 5-8, 9-12 and
   over 12 months). A review that declares no windows pools every time point of an outcome
   together, including rows without a recorded time point; with windows, a row without a time
   point cannot be placed and is listed as excluded with that reason.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from compendium.review import TimeWindow

NO_TIMEPOINT = "time point not recorded"
#: the one window of a review that declares none
ALL_TIMEPOINTS = "all time points"


def _missing(weeks: float | None) -> bool:
    return weeks is None or not math.isfinite(float(weeks))


def time_window(weeks: float | None, windows: Sequence[TimeWindow]) -> str:
    """The window label of a time point in weeks: ``ALL_TIMEPOINTS`` when no windows are declared,
    ``NO_TIMEPOINT`` when the time point is missing and windows are declared."""
    if not windows:
        return ALL_TIMEPOINTS
    if weeks is None or _missing(weeks):
        return NO_TIMEPOINT
    for window in windows:
        if float(weeks) <= window.upper_weeks:
            return window.label
    return NO_TIMEPOINT  # unreachable when the last window is open (load_review makes it so)


def select_timepoint(timepoints: Sequence[float], duration_weeks: float | None) -> float | None:
    """The analysed time point: nearest to the end of the intervention (ties: the later one);
    the earliest post-baseline time point when the duration is unknown; None when there is none."""
    points = sorted({float(t) for t in timepoints if not _missing(t) and float(t) > 0})
    if not points:
        return None
    if duration_weeks is None or _missing(duration_weeks):
        return points[0]
    end = float(duration_weeks)
    return min(points, key=lambda t: (abs(t - end), -t))


def window_rule(windows: Sequence[TimeWindow]) -> str:
    """The rule in one paragraph (for methods.json)."""
    start = (
        "Per trial, outcome and value type the analysed time point is the one nearest to the end of the "
        "intervention (ties: the later); earliest post-baseline time point when the duration is not recorded. "
    )
    if not windows:
        return (
            start + "The review declares no time windows: every analysed time point of an outcome is pooled together."
        )
    listed = ", ".join(
        f"{w.label} (up to {w.upper_weeks:g} weeks)" if math.isfinite(w.upper_weeks) else w.label for w in windows
    )
    return start + f"Trials are pooled only within one window: {listed}."
