"""Direction of one published result: which side of the null its CI (or p-value, or stated
conclusion) lies on. One vocabulary for the MR summary and the triangulation (stage 04).

Rules for one ratio estimate (``null`` 1; for a difference or beta ``null`` 0), first match wins:

* CI printed: entirely above the null -> ``ci_above``; entirely below -> ``ci_below``; else
  ``ci_includes`` (a bound equal to the null counts as including it);
* estimate and p-value printed but no CI: ``p < alpha`` (relation ``=`` or ``<``) -> ``p_above``
  or ``p_below`` by the side of the estimate; ``p >= alpha`` (relation ``=`` or ``>``) ->
  ``p_ns``; a relation that does not decide (``p < 0.1``) -> ``p_unclear``;
* no estimate, but a stated conclusion -> ``stated_increase``, ``stated_null``, ``stated_decrease``;
* nothing usable -> ``no_estimate``.

A category maps to a direction of the exposure's effect (:data:`CATEGORY_DIRECTION`):
``harm`` (higher risk of the condition, or worse disease in mice), ``benefit`` (lower risk, milder disease),
``null`` (no clear effect) or ``none`` (not usable). ``alpha`` is 0.05 (:data:`ALPHA`).
"""

from __future__ import annotations

import math

import pandas as pd

from compendium.shared import is_present
from compendium.vocabulary import BENEFIT, BOTH, HARM, NONE, NULL

ALPHA = 0.05

CI_ABOVE, CI_BELOW, CI_INCLUDES = "ci_above", "ci_below", "ci_includes"
P_ABOVE, P_BELOW, P_NS, P_UNCLEAR = "p_above", "p_below", "p_ns", "p_unclear"
STATED_INCREASE, STATED_NULL, STATED_DECREASE = "stated_increase", "stated_null", "stated_decrease"
NO_ESTIMATE = "no_estimate"

#: category of one result -> direction of the exposure's effect
CATEGORY_DIRECTION: dict[str, str] = {
    CI_ABOVE: HARM,
    CI_BELOW: BENEFIT,
    CI_INCLUDES: NULL,
    P_ABOVE: HARM,
    P_BELOW: BENEFIT,
    P_NS: NULL,
    P_UNCLEAR: NONE,
    STATED_INCREASE: HARM,
    STATED_NULL: NULL,
    STATED_DECREASE: BENEFIT,
    NO_ESTIMATE: NONE,
}
#: ``reported_conclusion`` (mr_estimates) -> category
STATED_CATEGORY: dict[str, str] = {
    "causal_increase": STATED_INCREASE,
    "no_causal_effect": STATED_NULL,
    "causal_decrease": STATED_DECREASE,
}


def classify_estimate(
    estimate: object,
    ci_low: object,
    ci_high: object,
    p_value: object = None,
    p_relation: object = None,
    reported_conclusion: object = None,
    *,
    null: float = 1.0,
    alpha: float = ALPHA,
) -> str:
    """The category of one result by the rules of the module docstring."""
    if is_present(ci_low) and is_present(ci_high):
        if float(ci_low) > null:
            return CI_ABOVE
        if float(ci_high) < null:
            return CI_BELOW
        return CI_INCLUDES
    if (
        is_present(estimate)
        and is_present(p_value)
        and is_present(p_relation)
        and not math.isclose(float(estimate), null)
    ):
        p, relation = float(p_value), str(p_relation)
        significant = (relation == "=" and p < alpha) or (relation == "<" and p <= alpha)
        if significant:
            return P_ABOVE if float(estimate) > null else P_BELOW
        if relation in ("=", ">") and p >= alpha:
            return P_NS
        return P_UNCLEAR
    if is_present(reported_conclusion) and not is_present(estimate):
        return STATED_CATEGORY[str(reported_conclusion)]
    return NO_ESTIMATE


def classify_frame(frame: pd.DataFrame, null: float | pd.Series = 1.0, *, alpha: float = ALPHA) -> pd.Series:
    """:func:`classify_estimate` for every row of ``frame`` (columns ``estimate, ci_low, ci_high``,
    optionally ``p_value, p_relation, reported_conclusion``); ``null`` may vary by row."""
    nulls = null if isinstance(null, pd.Series) else pd.Series(null, index=frame.index)

    def column(name: str) -> pd.Series:
        return frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype=object)

    values = zip(
        column("estimate"),
        column("ci_low"),
        column("ci_high"),
        column("p_value"),
        column("p_relation"),
        column("reported_conclusion"),
        nulls,
    )
    categories = [classify_estimate(*row[:6], null=float(row[6]), alpha=alpha) for row in values]
    return pd.Series(categories, index=frame.index, dtype=object)


def combine_directions(directions: list[str] | pd.Series) -> str:
    """One direction for several results of one study: ``harm`` or ``benefit`` when some results
    point that way and none the other way (null results may accompany them), ``both`` when both
    ways occur, ``null`` when every usable result is null, ``none`` when nothing is usable."""
    found = set(directions) - {NONE}
    if BOTH in found or {HARM, BENEFIT} <= found:
        return BOTH
    for direction in (HARM, BENEFIT, NULL):
        if direction in found:
            return direction
    return NONE
