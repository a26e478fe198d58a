"""Reported-statistics consistency check: do the printed numbers of each row agree with each other?

For every row of ``data/raw`` that carries an estimate with a confidence interval, a standard
error, a p-value or a Z statistic, the other printed numbers are recomputed from it and
compared, in the spirit of statcheck (Nuijten et al. 2016, Behav Res Methods 48:1205-1226):

* ratio measures (OR, RR, HR, IRR, SMR, SIR, PMR) are handled on the log scale, difference measures
  (MD, SMD, RD, MR beta, arm-level means) on the raw scale;
* the standard error comes from the printed SE if there is one, otherwise from the CI width:
  ``se = (g(ci_high) - g(ci_low)) / (2 * z)`` with ``z`` the normal quantile of ``ci_level``;
* ``z = |g(estimate)| / se`` gives the two-sided normal p-value, compared with the printed p and
  its relation (``=``, ``<``, ``>``) and with a printed Z statistic.

Every printed number is taken as an interval: the value plus or minus half a unit in its last
printed digit (``4.45`` stands for 4.445 to 4.455). A row is flagged only when no combination
of values inside those intervals agrees (plus the tolerances below). Flags are findings to read,
not errors: rows kept ``verified_as_printed`` (a published typo stored as printed) are expected to
be flagged, and nothing is ever corrected.

Also checked: a CI that does not contain its estimate or is reversed, a ratio CI that reaches
zero, an SMD too large to be an SMD, arms that do not add up to a trial's printed total, review
rows whose k or n exceed the review's own totals or whose group split does not add up, an
SMR/SIR that does not equal observed/expected cases, arm-level n above the arm's size, and
arm-level values outside their instrument's range (ranges from ``review.yaml``; see
:mod:`compendium.data.plausibility`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import cast

import pandas as pd
from scipy.special import ndtr, ndtri  # the normal cdf and quantile (scipy.stats.norm's own, without its import)

from compendium.data.plausibility import out_of_range, outcome_ranges
from compendium.data.validate import read_text_table
from compendium.errors import CompendiumError
from compendium.meta.effects import DEFAULT_CI_LEVEL
from compendium.review import Review, review_for
from compendium.vocabulary import RATIO_MEASURES

#: columns of the table returned by :func:`check_reported`
COLUMNS = ["file", "row", "study_id", "field", "reason", "details"]

#: measures whose CIs are usually exact Poisson intervals: legitimately asymmetric on the log
#: scale when cases are few, so the symmetry rule is not applied to them (observed/expected is
#: checked instead)
EXACT_CI_MEASURES = frozenset({"SMR", "SIR", "PMR"})

#: |SMD| above this is flagged: standardised differences beyond 5 SD are essentially never seen
#: in clinical trials, and such a value usually means a raw mean difference labelled as an SMD
SMD_MAX_ABS = 5.0

#: tolerance on the |z| scale when comparing the z implied by the CI (or SE) with the z implied
#: by a printed p or printed Z, on top of the rounding intervals. It absorbs t-based CIs in small
#: samples and CIs computed on a slightly different scale; a real contradiction (a CI that crosses
#: the null with p < 0.001) is far larger
Z_TOLERANCE = 0.2

#: a CI is flagged as asymmetric on the scale of its measure only when, after allowing for
#: rounding, the two half-widths still differ by more than this fraction of the full width
ASYMMETRY_RELATIVE_TOLERANCE = 0.10

#: the tables checked, in report order
TABLES = ("trials", "arms", "continuous_outcomes", "rct_effects", "review_results", "observational", "mr_estimates")


@dataclass(frozen=True)
class Printed:
    """A number as printed: its value and half a unit of its last printed digit."""

    value: float
    half: float

    @property
    def low(self) -> float:
        return self.value - self.half

    @property
    def high(self) -> float:
        return self.value + self.half


def printed(text: object) -> Printed | None:
    """Parse a printed number (``'4.45'``, ``'0.010'``, ``'5e-08'``); ``None`` when empty or not a
    finite number (``nan``, ``inf``, ``1e309``: refused by ``compendium validate``)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    text = str(text).strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or not math.isfinite(float(number)):
        return None
    exponent = number.as_tuple().exponent
    return Printed(float(number), 0.5 * 10.0 ** int(exponent))


def z_for_level(ci_level: float) -> float:
    """Two-sided normal quantile of a CI level in percent (95 -> 1.959964)."""
    return float(ndtri(1 - (1 - ci_level / 100) / 2))


def z_for_p(p: float) -> float:
    """|z| of a two-sided normal p-value; ``inf`` for p = 0."""
    return float(-ndtri(min(max(p, 0.0), 1.0) / 2)) if p > 0 else math.inf


def _scale(measure: str | None):
    """The transformation g of the measure's scale and whether it is a ratio measure."""
    if measure in RATIO_MEASURES:
        return math.log, True
    return (lambda x: x), False


def _positive_low(p: Printed) -> float:
    """Lower rounding limit of a positive number, kept above zero for the log scale."""
    return p.low if p.low > 0 else p.value / 10


def estimate_flags(
    measure: str | None,
    estimate: str | None = None,
    ci_low: str | None = None,
    ci_high: str | None = None,
    ci_level: str | None = None,
    se: str | None = None,
    p_value: str | None = None,
    p_relation: str | None = None,
    z_value: str | None = None,
) -> list[tuple[str, str, str]]:
    """Consistency flags of one printed estimate, as ``(field, reason, details)`` tuples.

    Arguments are the cells as printed (strings); empty or ``None`` means not printed. ``measure``
    empty means unknown: only the CI-containment rules are applied then.
    """
    flags: list[tuple[str, str, str]] = []
    est, lo, hi = printed(estimate), printed(ci_low), printed(ci_high)
    se_p, p, z_printed = printed(se), printed(p_value), printed(z_value)
    level = printed_level.value if (printed_level := printed(ci_level)) else DEFAULT_CI_LEVEL
    measure = measure or None
    g, is_ratio = _scale(measure)

    if measure == "SMD" and est is not None and abs(est.value) > SMD_MAX_ABS:
        flags.append(
            (
                "estimate",
                "smd_implausible",
                f"|SMD| = {abs(est.value):g} > {SMD_MAX_ABS:g}: too large for a standardised mean difference; "
                "possibly a raw mean difference labelled SMD",
            )
        )

    if lo is not None and hi is not None:
        if lo.value > hi.value:
            flags.append(("ci_low", "ci_reversed", f"ci_low {lo.value:g} is above ci_high {hi.value:g}"))
            return flags
        if est is not None and not (lo.value <= est.value <= hi.value):
            flags.append(
                (
                    "estimate",
                    "ci_excludes_estimate",
                    f"estimate {est.value:g} lies outside its CI [{lo.value:g}, {hi.value:g}]",
                )
            )
            return flags
        if is_ratio and (lo.value <= 0 or (est is not None and est.value <= 0)):
            flags.append(
                ("ci_low", "ratio_nonpositive", f"a {measure} and its CI must be positive; ci_low is {lo.value:g}")
            )
            return flags
    if measure is None or est is None:
        return flags

    if lo is not None and hi is not None and measure not in EXACT_CI_MEASURES:
        flags.extend(_asymmetry(measure, est, lo, hi, g, is_ratio))

    z_range = _implied_z(est, lo, hi, se_p, level, g, is_ratio)
    if z_range is None:
        return flags
    z_min, z_max = z_range
    basis = "SE" if se_p is not None else f"{level:g}% CI"
    if p is not None and p_relation:
        bad = False
        if p_relation == "=":
            zp_min, zp_max = z_for_p(min(p.high, 1.0)), z_for_p(max(p.low, 0.0))
            bad = z_max + Z_TOLERANCE < zp_min or z_min - Z_TOLERANCE > zp_max
        elif p_relation == "<":
            bad = z_max + Z_TOLERANCE < z_for_p(p.value)
        elif p_relation == ">":
            bad = z_min - Z_TOLERANCE > z_for_p(p.value)
        if bad:
            p_implied = 2 * ndtr(-(z_min + z_max) / 2)
            flags.append(
                (
                    "p_value",
                    "p_contradicts_ci",
                    f"printed p {p_relation} {p.value:g}, but the {basis} implies |z| between {z_min:.2f} and "
                    f"{z_max:.2f} (two-sided p about {p_implied:.2g})",
                )
            )
    if z_printed is not None:
        zz_min, zz_max = abs(z_printed.value) - z_printed.half, abs(z_printed.value) + z_printed.half
        if z_max + Z_TOLERANCE < zz_min or z_min - Z_TOLERANCE > zz_max:
            flags.append(
                (
                    "z_value",
                    "z_contradicts_ci",
                    f"printed Z = {z_printed.value:g}, but the {basis} implies |z| between {z_min:.2f} and {z_max:.2f}",
                )
            )
    return flags


def _asymmetry(measure: str, est: Printed, lo: Printed, hi: Printed, g, is_ratio: bool) -> list[tuple[str, str, str]]:
    """Flag a CI whose half-widths differ on the measure's scale beyond rounding and tolerance."""
    low = _positive_low if is_ratio else (lambda p: p.low)
    # d_up - d_low = g(hi) + g(lo) - 2 g(est), over the rounding box
    diff_min = g(low(hi)) + g(low(lo)) - 2 * g(est.high)
    diff_max = g(hi.high) + g(lo.high) - 2 * g(low(est))
    if diff_min <= 0 <= diff_max:
        return []
    width = g(hi.value) - g(lo.value)
    asymmetry = min(abs(diff_min), abs(diff_max))
    if width <= 0 or asymmetry / width <= ASYMMETRY_RELATIVE_TOLERANCE:
        return []
    scale = "log" if is_ratio else "raw"
    below, above = g(est.value) - g(lo.value), g(hi.value) - g(est.value)
    return [
        (
            "ci_low",
            "ci_asymmetric",
            f"on the {scale} scale of a {measure} the CI runs {below:.3g} below and {above:.3g} above the estimate "
            f"({asymmetry / width:.0%} of its width beyond rounding)",
        )
    ]


def _implied_z(
    est: Printed, lo: Printed | None, hi: Printed | None, se: Printed | None, level: float, g, is_ratio: bool
) -> tuple[float, float] | None:
    """Range of |z| = |g(estimate)| / se over the rounding box, or ``None`` if no SE can be had."""
    low = _positive_low if is_ratio else (lambda p: p.low)
    if se is not None and se.value > 0 and not is_ratio:
        se_min, se_max = max(se.low, se.value / 10), se.high
    elif lo is not None and hi is not None:
        zc = z_for_level(level)
        se_min = (g(low(hi)) - g(lo.high)) / (2 * zc)
        se_max = (g(hi.high) - g(low(lo))) / (2 * zc)
        if se_max <= 0:
            return None
        se_min = max(se_min, se_max / 100)
    else:
        return None
    g_lo, g_hi = g(low(est)), g(est.high)
    abs_min = 0.0 if g_lo <= 0 <= g_hi else min(abs(g_lo), abs(g_hi))
    abs_max = max(abs(g_lo), abs(g_hi))
    return abs_min / se_max, abs_max / se_min


def _read(raw_dir: Path, name: str) -> pd.DataFrame | None:
    path = raw_dir / f"{name}.csv"
    return read_text_table(path) if path.is_file() else None


def _cell(row: pd.Series, column: str) -> str:
    return str(row[column]).strip() if column in row.index else ""


def _integer(text: str) -> int | None:
    number = printed(text)
    return int(number.value) if number is not None else None


def check_reported(
    raw_dir: str | Path, *, ranges: Mapping[str, tuple[float, float]] | None = None, review: Review | None = None
) -> pd.DataFrame:
    """Flag rows of ``raw_dir`` whose printed statistics disagree; one row per flag.

    Returns a DataFrame with columns ``file, row, study_id, field, reason, details``; ``row`` is
    the 1-based data row of the file (the header is row 0, as in ``compendium validate``).
    Missing files or columns are skipped, so partial folders (test fixtures) can be checked.
    ``ranges`` (``{outcome id: (low, high)}``) are the instruments' ranges; by default they are
    taken from ``review`` (stage 01 passes its declaration), else read from the declaration that
    governs the folder (:func:`compendium.review.review_for`).
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise CompendiumError(f"{raw_dir}: not a directory; expected a data folder such as data/raw")
    if ranges is None:
        ranges = outcome_ranges(review or review_for(raw_dir))
    tables = {name: _read(raw_dir, name) for name in TABLES}
    records: list[dict] = []

    def add(name: str, index: Hashable, row: pd.Series, field: str, reason: str, details: str) -> None:
        records.append(
            {
                "file": f"{name}.csv",
                "row": cast(int, index) + 1,  # the tables keep pandas' default RangeIndex
                "study_id": _cell(row, "study_id"),
                "field": field,
                "reason": reason,
                "details": details,
            }
        )

    for name in ("continuous_outcomes", "rct_effects", "review_results", "observational", "mr_estimates"):
        table = tables[name]
        if table is None:
            continue
        for index, row in table.iterrows():
            is_arm_level = name == "continuous_outcomes"
            for field, reason, details in estimate_flags(
                "MD" if is_arm_level else _cell(row, "measure"),
                _cell(row, "mean" if is_arm_level else "estimate"),
                _cell(row, "ci_low"),
                _cell(row, "ci_high"),
                _cell(row, "ci_level"),
                "" if is_arm_level else _cell(row, "se"),
                _cell(row, "p_value"),
                _cell(row, "p_relation"),
                _cell(row, "z_value"),
            ):
                if is_arm_level and field == "estimate":
                    field = "mean"
                add(name, index, row, field, reason, details)
    records += _trial_totals(tables)
    records += _review_totals(tables.get("review_results"))
    records += _observed_expected(tables.get("observational"))
    records += _arm_level_n(tables)
    records += _outside_range(tables.get("continuous_outcomes"), ranges)
    frame = pd.DataFrame(records, columns=COLUMNS)
    order = {f"{name}.csv": i for i, name in enumerate(TABLES)}
    frame = frame.sort_values(["file", "row"], key=lambda s: s.map(order) if s.name == "file" else s, kind="stable")
    return frame.reset_index(drop=True)


def _record(name: str, index: Hashable, study_id: str, field: str, reason: str, details: str) -> dict:
    return {
        "file": f"{name}.csv",
        "row": cast(int, index) + 1,  # the tables keep pandas' default RangeIndex
        "study_id": study_id,
        "field": field,
        "reason": reason,
        "details": details,
    }


def _trial_totals(tables: dict) -> list[dict]:
    """A trial's printed total randomised (or allocated) must equal the sum over its arms."""
    trials, arms = tables.get("trials"), tables.get("arms")
    if trials is None or arms is None or "n_randomised_total" not in trials.columns:
        return []
    out = []
    for index, trial in trials.iterrows():
        total = _integer(_cell(trial, "n_randomised_total"))
        if total is None:
            continue
        study_arms = arms[arms["study_id"] == trial["study_id"]]
        for column in ("n_randomised", "n_enrolled"):
            if column not in study_arms.columns or study_arms.empty:
                continue
            parsed = [_integer(_cell(a, column)) for _, a in study_arms.iterrows()]
            counts = [c for c in parsed if c is not None]
            if len(counts) == len(parsed):
                if sum(counts) != total:
                    out.append(
                        _record(
                            "trials",
                            index,
                            trial["study_id"],
                            "n_randomised_total",
                            "arms_total_mismatch",
                            f"arms' {column} add up to {sum(counts)} ({' + '.join(map(str, counts))}), but the "
                            f"printed total is {total}",
                        )
                    )
                break
    return out


def _review_totals(reviews: pd.DataFrame | None) -> list[dict]:
    """Per-outcome k and n may not exceed the review's whole-review totals; n_intervention + n_control = n."""
    if reviews is None or "study_id" not in reviews.columns:
        return []
    out = []
    for study_id, rows in reviews.groupby("study_id", sort=False):
        whole = rows[rows.get("outcome", pd.Series(dtype=str)) == "all_outcomes"]
        for column in ("k", "n"):
            if column not in rows.columns:
                continue
            totals = [v for v in (_integer(x) for x in whole[column]) if v is not None]
            if not totals:
                continue
            for index, row in rows.iterrows():
                value = _integer(_cell(row, column))
                if value is not None and value > max(totals):
                    out.append(
                        _record(
                            "review_results",
                            index,
                            str(study_id),
                            column,
                            "review_count_exceeds_total",
                            f"{column} = {value} for '{_cell(row, 'outcome_label')}' exceeds the review's total "
                            f"{column} = {max(totals)}",
                        )
                    )
        for index, row in rows.iterrows():
            n, n_e, n_c = (_integer(_cell(row, c)) for c in ("n", "n_intervention", "n_control"))
            if n is not None and n_e is not None and n_c is not None and n_e + n_c != n:
                out.append(
                    _record(
                        "review_results",
                        index,
                        str(study_id),
                        "n",
                        "review_split_mismatch",
                        f"n_intervention + n_control = {n_e} + {n_c} = {n_e + n_c}, but n = {n}",
                    )
                )
    return out


def _observed_expected(observational: pd.DataFrame | None) -> list[dict]:
    """An SMR/SIR/PMR must equal observed / expected cases within the rounding of both."""
    if observational is None or "expected_cases" not in observational.columns:
        return []
    out = []
    for index, row in observational.iterrows():
        est, expected, cases = (
            printed(_cell(row, "estimate")),
            printed(_cell(row, "expected_cases")),
            _integer(_cell(row, "cases")),
        )
        if _cell(row, "measure") not in EXACT_CI_MEASURES or est is None or expected is None or cases is None:
            continue
        if expected.value <= 0:
            continue
        ratio_low, ratio_high = cases / expected.high, cases / _positive_low(expected)
        if est.high < ratio_low or est.low > ratio_high:
            out.append(
                _record(
                    "observational",
                    index,
                    _cell(row, "study_id"),
                    "estimate",
                    "observed_expected_mismatch",
                    f"{cases} observed / {expected.value:g} expected = {cases / expected.value:.3g}, but the printed "
                    f"{_cell(row, 'measure')} is {est.value:g}",
                )
            )
    return out


def _outside_range(outcomes: pd.DataFrame | None, ranges: Mapping[str, tuple[float, float]]) -> list[dict]:
    """An arm-level value cannot lie outside its instrument's range."""
    if outcomes is None or not ranges:
        return []
    return [
        _record(
            "continuous_outcomes",
            flag.row - 1,
            flag.study_id,
            flag.column,
            "outside_instrument_range",
            f"{flag.column} = {flag.value:g} lies outside [{flag.range[0]:g}, {flag.range[1]:g}], the range of "
            f"{flag.outcome} for this kind of value",
        )
        for flag in out_of_range(outcomes, ranges)
    ]


def _arm_level_n(tables: dict) -> list[dict]:
    """An arm-level outcome cannot have more participants than the arm."""
    outcomes, arms = tables.get("continuous_outcomes"), tables.get("arms")
    if outcomes is None or arms is None or "n" not in outcomes.columns:
        return []
    size = {}
    for _, arm in arms.iterrows():
        parsed = [_integer(_cell(arm, c)) for c in ("n_randomised", "n_enrolled")]
        counts = [c for c in parsed if c is not None]
        if counts:
            size[(arm["study_id"], arm["arm"])] = max(counts)
    out = []
    for index, row in outcomes.iterrows():
        n, arm_size = _integer(_cell(row, "n")), size.get((row["study_id"], _cell(row, "arm")))
        if n is not None and arm_size is not None and n > arm_size:
            out.append(
                _record(
                    "continuous_outcomes",
                    index,
                    row["study_id"],
                    "n",
                    "n_exceeds_arm",
                    f"n = {n} but the arm has {arm_size} participants",
                )
            )
    return out
