"""Plausibility of arm-level values: a value outside its instrument's range cannot be right.

The ranges come from the review declaration (``review.yaml``, ``outcomes[*].range``), e.g.
ALSFRS-R ``[0, 48]``. Checked are the arm-level location values of ``continuous_outcomes.csv``
(mean, median, quartiles, minimum, maximum and the confidence limits of the arm mean), never
spreads (SD, SE, the ``±`` value). Which range applies depends on the kind of value:

* ``final`` and ``baseline``: the instrument's range ``[low, high]``;
* ``change`` (from baseline, in the instrument's unit): ``[-(high - low), high - low]``;
* ``slope`` and ``percent_change``: not checked (their unit is not the instrument's).

Between-group results (``rct_effects.csv``, ``review_results.csv``) are checked the same way
when their ``measure`` is ``MD``: a difference between two values on the instrument's scale lies
in ``[-(high - low), high - low]`` (estimate and CI limits). Other measures have no bound taken
from the instrument (an SMD too large to be one is a ``compendium check-reported`` flag).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from compendium.review import Review

#: arm-level columns holding values on the instrument's scale (spreads such as sd and se are not)
LOCATION_COLUMNS = ("mean", "median", "q1", "q3", "min", "max", "ci_low", "ci_high")

#: between-group columns holding a mean difference on the instrument's scale
EFFECT_COLUMNS = ("estimate", "ci_low", "ci_high")

#: value types whose values are levels on the instrument's scale
LEVEL_VALUE_TYPES = frozenset({"final", "baseline"})


@dataclass(frozen=True)
class RangeFlag:
    """An arm-level value outside the range its outcome and value type allow."""

    file: str
    row: int
    column: str
    value: float
    range: tuple[float, float]
    study_id: str
    outcome: str


def outcome_ranges(review: Review) -> dict[str, tuple[float, float]]:
    """``{outcome id: (low, high)}`` for every outcome of the declaration that has a ``range``
    (:func:`compendium.review.load_review` checks that each is two finite numbers, low < high)."""
    return {outcome.id: outcome.range for outcome in review.outcomes if outcome.range is not None}


def out_of_range(
    table: pd.DataFrame, ranges: Mapping[str, tuple[float, float]], *, file: str = "continuous_outcomes.csv"
) -> list[RangeFlag]:
    """Arm-level values of ``table`` (``continuous_outcomes``) outside their outcome's range.

    Parameters
    ----------
    table : the arm-level table, as text or typed; columns ``outcome``, ``value_type`` and any of
        :data:`LOCATION_COLUMNS` are used, others are ignored
    ranges : ``{outcome id: (low, high)}``, e.g. from :func:`outcome_ranges`
    file : the file name used in the flags

    Returns
    -------
    One :class:`RangeFlag` per value outside its range; ``row`` is the 1-based data row.

    Examples
    --------
    >>> table = pd.DataFrame({"study_id": ["s"], "outcome": ["alsfrs_r"], "value_type": ["final"], "mean": ["1e300"]})
    >>> out_of_range(table, {"alsfrs_r": (0, 48)})[0].value
    1e+300
    """
    flags = []
    columns = [column for column in LOCATION_COLUMNS if column in table.columns]
    for position, (_, row) in enumerate(table.iterrows(), start=1):
        bounds = ranges.get(str(row.get("outcome", "")))
        if bounds is None:
            continue
        allowed = _allowed(bounds, str(row.get("value_type", "final")))
        flags += _flags_in_row(row, position, columns, allowed, file)
    return flags


def effects_out_of_range(
    table: pd.DataFrame, ranges: Mapping[str, tuple[float, float]], *, file: str
) -> list[RangeFlag]:
    """Mean differences of a between-group table (``rct_effects``, ``review_results``) outside
    ``[-(high - low), high - low]`` of their outcome's range; rows of other measures are not checked.

    Examples
    --------
    >>> table = pd.DataFrame({"study_id": ["s"], "outcome": ["alsfrs_r"], "measure": ["MD"], "estimate": ["1e300"]})
    >>> effects_out_of_range(table, {"alsfrs_r": (0, 48)}, file="rct_effects.csv")[0].range
    (-48, 48)
    """
    flags = []
    columns = [column for column in EFFECT_COLUMNS if column in table.columns]
    for position, (_, row) in enumerate(table.iterrows(), start=1):
        bounds = ranges.get(str(row.get("outcome", "")))
        if bounds is not None and row.get("measure") == "MD":
            flags += _flags_in_row(row, position, columns, _allowed(bounds, "change"), file)
    return flags


def _flags_in_row(
    row: pd.Series, position: int, columns: list[str], allowed: tuple[float, float] | None, file: str
) -> list[RangeFlag]:
    if allowed is None:
        return []
    flags = []
    for column in columns:
        value = _number(row[column])
        if value is not None and not allowed[0] <= value <= allowed[1]:
            flags.append(
                RangeFlag(file, position, column, value, allowed, str(row.get("study_id", "")), str(row["outcome"]))
            )
    return flags


def _allowed(bounds: tuple[float, float], value_type: str) -> tuple[float, float] | None:
    low, high = bounds
    if value_type in LEVEL_VALUE_TYPES:
        return (low, high)
    if value_type == "change":
        return (-(high - low), high - low)
    return None


def _number(cell: object) -> float | None:
    """The cell as a finite float; None for an empty, non-numeric or non-finite cell (reported elsewhere)."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    try:
        value = float(cell)  # type: ignore[arg-type]  # any cell: float() refuses what it cannot read
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None
