"""Re-analysis of every analysis and subgroup of a Cochrane review with its own stored settings.

Each analysis (and each of its subgroups) is pooled by :mod:`compendium.meta.revman` with the
review's pooling method, measure, model and confidence level, and compared with the results
the file stores. The result is one plain ``dict`` per analysis and per subgroup, with the keys of
``compendium cochrane --json`` (:data:`compendium.cochrane.model.RESULT_KEYS` plus the settings,
``subgroup_test``, ``stored``, ``agrees``, ``reason``, ``excluded``, ``footnotes`` and ``studies``,
each study's result beside the file's).

Agreement: a RevMan 5 file stores results at full precision: every stored quantity must be
reproduced to 1e-6 relative (p-values to 1e-4 relative or 1e-10 absolute: RevMan's chi-square
tail is less precise than its other results); a data package rounds to 6 decimals: 5e-7 absolute.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from compendium.cochrane.model import RESULT_KEYS, STUDY_KEYS, Analysis, Review, Stored, StudyRow
from compendium.errors import CompendiumError
from compendium.meta.distributions import z_critical
from compendium.meta.revman import (
    MH_MEASURES,
    RevManResult,
    SubgroupTest,
    binary_effects,
    binary_estimable,
    continuous_effects,
    rma_iv,
    rma_mh,
    rma_oe,
    rma_peto,
    subgroup_test,
)

#: relative tolerance for a RevMan 5 file's stored results (and for its p-values)
RM5_RELATIVE = 1e-6
RM5_PVALUE_RELATIVE = 1e-4
#: absolute tolerance for a data package's results (rounded to 6 decimals)
PACKAGE_ABSOLUTE = 5e-7
#: below these absolute differences a RevMan 5 value agrees whatever its relative difference (values
#: stored as 0.0, such as tau^2 of a fixed-effect analysis, and p-values far in the tails)
ABSOLUTE_FLOOR = 1e-12
PVALUE_ABSOLUTE = 1e-10
#: quantities that are p-values
PVALUE_KEYS = ("q_pval", "pval")
#: the p-value of each heterogeneity test, by the prefix of its keys: a chi-square test on 0 df (one
#: study, one subgroup) has none; metafor reports 1, files hold 0, 1 or nothing, so it is not compared
TEST_PVALUES = {"": "q_pval", "subgroup_test.": "pval"}
#: the pooling methods the engine re-computes (RevMan 5's METHOD: MH, IV, PETO)
POOLINGS = ("MH", "IV", "Peto")

ROW_NEEDS = {
    "dichotomous": ("events_1", "total_1", "events_2", "total_2"),
    "continuous": ("mean_1", "sd_1", "total_1", "mean_2", "sd_2", "total_2"),
    "generic_iv": ("yi", "sei"),
    "oe": ("oe", "v"),
    "other": (),
}


def _column(rows: list[StudyRow], key: str) -> np.ndarray:
    return np.array([row.values[key] for row in rows], dtype=float)


def _has_values(analysis: Analysis, row: StudyRow) -> bool:
    return all(row.values.get(key) is not None for key in ROW_NEEDS[analysis.data_type])


def _usable(analysis: Analysis, rows: tuple[StudyRow, ...]) -> list[StudyRow]:
    """The rows :func:`pool` pools, in order: every value the data type needs, and not marked not
    estimable by the file (RevMan's own verdict on the row is followed)."""
    return [row for row in rows if _has_values(analysis, row) and row.estimable]


def study_results(
    analysis: Analysis, rows: tuple[StudyRow, ...], result: RevManResult | None, source_format: str
) -> list[dict[str, Any]]:
    """Each study's estimate, CI (at the analysis's study CI level) and weight (percent), beside the
    file's own (``stored``); ``agrees`` as for the pooled results (None when the file stores none)."""
    position = {id(row): i for i, row in enumerate(_usable(analysis, rows))}
    crit = z_critical(analysis.ci_study)
    scale = math.exp if analysis.log_scale else float
    out = []
    for row in rows:
        values: dict[str, float | None] = dict.fromkeys(STUDY_KEYS)
        i = position.get(id(row))
        if result is not None and i is not None and math.isfinite(result.yi[i]):
            y, se = float(result.yi[i]), math.sqrt(result.vi[i])
            values = {
                "estimate": scale(y),
                "ci_low": scale(y - crit * se),
                "ci_high": scale(y + crit * se),
                "weight": float(result.weights[i]) if math.isfinite(result.weights[i]) else None,
            }
        stored = {key: row.stored.get(key) for key in STUDY_KEYS}
        present = stored["estimate"] is not None
        out.append(
            {
                "study_id": row.study_id,
                "study": row.study,
                **values,
                "stored": stored,
                "agrees": not _mismatches(values, stored, source_format) if present else None,
            }
        )
    return out


def pool(analysis: Analysis, rows: tuple[StudyRow, ...]) -> tuple[RevManResult | None, list[dict[str, str]], str]:
    """Pool ``rows`` with the analysis's settings.

    Returns
    -------
    (result, excluded, reason)
        ``result`` None when it cannot be computed (``reason`` says why); ``excluded`` lists every
        study row left out, with its reason.
    """
    needs = ROW_NEEDS[analysis.data_type]
    usable = _usable(analysis, rows)
    excluded = [{"study": row.study, "reason": _left_out_reason(analysis, row)} for row in rows if row not in usable]
    level, random = analysis.ci_total, pooled_random(analysis)
    if analysis.data_type == "other" or analysis.pooling not in POOLINGS:
        reason = (
            "other data: RevMan lists them without pooling"
            if analysis.data_type == "other"
            else f"pooling method {analysis.pooling!r} is not re-computed"
        )
        return None, excluded + [{"study": row.study, "reason": reason} for row in usable], reason
    if not usable:
        return (
            None,
            excluded,
            "no estimable study" if any(_has_values(analysis, r) for r in rows) else "no study with data",
        )
    if analysis.data_type == "dichotomous":
        a, n1, c, n2 = (_column(usable, key) for key in needs)
        bad = (a < 0) | (c < 0) | (a > n1) | (c > n2)
        if bad.any():
            row = usable[int(np.argmax(bad))]
            raise CompendiumError(
                f"analysis {analysis.comparison}.{analysis.outcome} ({analysis.analysis_id or analysis.name}), "
                f"study {row.study_id}: expected 0 <= events <= total in each group, got "
                f"{row.values['events_1']:g}/{row.values['total_1']:g} and "
                f"{row.values['events_2']:g}/{row.values['total_2']:g}"
            )
        b, d = n1 - a, n2 - c
        measure = "OR" if analysis.measure == "PETO_OR" else analysis.measure
        if measure not in MH_MEASURES:
            return None, excluded, f"dichotomous data pooled as {analysis.measure} is not supported"
        keep = binary_estimable(measure, a, b, c, d)
        excluded += [
            {
                "study": row.study,
                "reason": "not estimable: "
                + (
                    "a group without participants"
                    if n1[i] == 0 or n2[i] == 0
                    else "no events in either group"
                    if a[i] == 0 and c[i] == 0
                    else "every participant had the event"
                ),
            }
            for i, (row, ok) in enumerate(zip(usable, keep))
            if not ok
        ]
        if analysis.pooling == "MH":
            result = rma_mh(a, b, c, d, measure, level=level, random=random)
        elif analysis.pooling == "Peto":
            result = rma_peto(a, b, c, d, level=level)
        else:
            yi, vi = binary_effects(measure, a, b, c, d)
            result = rma_iv(yi, vi, measure, level=level, random=random)
    elif analysis.data_type == "continuous":
        if analysis.measure not in ("MD", "SMD"):
            return None, excluded, f"continuous data pooled as {analysis.measure} is not supported"
        yi, vi = continuous_effects(analysis.measure, *(_column(usable, key) for key in needs))
        excluded += [
            {"study": row.study, "reason": "not estimable: group too small or no spread"}
            for row, y in zip(usable, yi)
            if not math.isfinite(y)
        ]
        result = rma_iv(yi, vi, analysis.measure, level=level, random=random)
    elif analysis.data_type == "generic_iv":
        yi, sei = _column(usable, "yi"), _column(usable, "sei")
        excluded += [
            {"study": row.study, "reason": "not estimable: standard error 0"}
            for row, s in zip(usable, sei)
            if not s > 0
        ]
        result = rma_iv(yi, sei**2, analysis.measure, level=level, random=random)
    else:
        oe, v = _column(usable, "oe"), _column(usable, "v")
        excluded += [
            {"study": row.study, "reason": "not estimable: variance 0"} for row, x in zip(usable, v) if not x > 0
        ]
        result = rma_oe(oe, v, level=level, random=random)
    if result.k == 0:
        return None, excluded, "no estimable study"
    return result, excluded, ""


def _left_out_reason(analysis: Analysis, row: StudyRow) -> str:
    """Why a row the file holds is not pooled: values missing (a study-data row may hold a contrast-level
    result only, which the engine does not mix into arm-level data), or marked not estimable."""
    if _has_values(analysis, row):
        return "not estimable (so marked in the file)"
    missing = ", ".join(k for k in ROW_NEEDS[analysis.data_type] if row.values.get(k) is None)
    if row.values.get("contrast_yi") is not None:
        return f"missing {missing}: the row holds a contrast-level result (GIV mean and SE) only, not re-analysed"
    return f"missing {missing}"


def pooled_random(analysis: Analysis) -> bool:
    """Whether the analysis is pooled with random effects: as the file says, except Peto's odds ratio
    of dichotomous data, which RevMan 5 pools with a fixed effect only (Deeks & Higgins 2010)."""
    return analysis.random and not (analysis.pooling == "Peto" and analysis.data_type == "dichotomous")


def _values(analysis: Analysis, result: RevManResult | None) -> dict[str, float | int | None]:
    if result is None:
        return dict.fromkeys(RESULT_KEYS)
    scale = math.exp if analysis.log_scale else float
    out: dict[str, float | int | None] = {
        "estimate": scale(result.estimate),
        "ci_low": scale(result.ci_low),
        "ci_high": scale(result.ci_high),
        "tau2": result.tau2,
        "q": result.q,
        "df": result.df,
        "q_pval": result.q_pval,
        "i2": result.i2,
        "z": result.z,
        "pval": result.pval,
    }
    return {key: (value if value is None or math.isfinite(value) else None) for key, value in out.items()}


def _close(key: str, computed: float | int | None, stored: float, source_format: str) -> bool:
    if computed is None:
        return False
    if source_format == "Cochrane data package":
        return abs(computed - stored) <= PACKAGE_ABSOLUTE
    if key in PVALUE_KEYS:  # far in the tails only the absolute difference of p-values means anything
        return abs(computed - stored) <= max(RM5_PVALUE_RELATIVE * abs(stored), PVALUE_ABSOLUTE)
    return abs(computed - stored) <= max(RM5_RELATIVE * abs(stored), ABSOLUTE_FLOOR)


def _mismatches(computed: dict[str, Any], stored: Stored, source_format: str, prefix: str = "") -> list[str]:
    """The stored quantities ``computed`` does not reproduce (a test's p-value on 0 df is not compared:
    :data:`TEST_PVALUES`)."""
    skip = TEST_PVALUES.get(prefix) if computed.get("df") == 0 else None
    return [
        prefix + key
        for key, value in stored.items()
        if value is not None and key != skip and not _close(key, computed.get(key), value, source_format)
    ]


def _test_dict(test: SubgroupTest | None) -> dict[str, float | int | None] | None:
    if test is None:
        return None
    return {"q": test.q, "df": test.df, "pval": test.pval, "i2": test.i2}


def reanalyse(review: Review) -> list[dict[str, Any]]:
    """One record per analysis and per subgroup (the ``analyses`` of ``compendium cochrane --json``)."""
    records = []
    for analysis in review.analyses:
        group_results = []
        sub_records = []
        for group in analysis.subgroups:
            result, excluded, reason = pool(analysis, group.rows)
            excluded = [*group.left_out, *excluded]
            group_results.append(result)
            record = _record(
                review, analysis, group.number, group.name, result, excluded, reason, group.stored, None, None
            )
            studies = study_results(analysis, group.rows, result, review.source_format)
            sub_records.append(record | {"footnotes": _footnotes(group.rows), "studies": studies})
        result, excluded, reason = pool(analysis, analysis.rows)
        excluded = [*analysis.left_out, *excluded]
        test = _test_dict(subgroup_test([r for r in group_results if r is not None])) if analysis.subgroups else None
        records.append(
            _record(
                review,
                analysis,
                None,
                None,
                result,
                excluded,
                reason,
                analysis.stored,
                test,
                analysis.subgroup_test_stored,
            )
            | {
                "footnotes": _footnotes(analysis.rows),
                "studies": study_results(analysis, analysis.rows, result, review.source_format),
            }
        )
        records.extend(sub_records)
    return records


def _footnotes(rows: tuple[StudyRow, ...]) -> list[dict[str, str]]:
    """The file's footnotes of the study rows, with their study."""
    return [{"study": row.study, "text": text} for row in rows for text in row.footnotes]


def _record(
    review: Review,
    analysis: Analysis,
    number: int | None,
    name: str | None,
    result: RevManResult | None,
    excluded: list[dict[str, str]],
    reason: str,
    stored: Stored,
    test: dict[str, float | int | None] | None,
    stored_test: Stored | None,
) -> dict[str, Any]:
    values = _values(analysis, result)
    notes = [analysis.caveat]
    if analysis.random and not pooled_random(analysis):
        notes.append("random effects not applied: RevMan pools Peto odds ratios with a fixed effect only")
    reason = "; ".join(filter(None, [*notes, reason]))
    stored_out: dict[str, Any] = {key: int(v) if key == "df" and v is not None else v for key, v in stored.items()}
    if analysis.subgroups and number is None:
        stored_out["subgroup_test"] = stored_test
    # RevMan leaves an analysis it did not pool without an estimate (it may still store df)
    present = stored.get("estimate") is not None
    mismatches = _mismatches(values, stored, review.source_format)
    if stored_test is not None:
        mismatches += _mismatches(test or {}, stored_test, review.source_format, "subgroup_test.")
    if not present:
        agrees = None
        reason = reason or (
            "the file shows no pooled result for the whole analysis (subtotals only or none)"
            if number is None and not analysis.totals
            else "the file stores no results for this analysis"
        )
    else:
        agrees = not mismatches
        if mismatches:
            reason = "; ".join(filter(None, [reason, "not reproduced: " + ", ".join(mismatches)]))
    record: dict[str, Any] = {
        "comparison": analysis.comparison,
        "outcome": analysis.outcome,
        "name": analysis.name,
        "subgroup_number": number,
        "subgroup": name,
        "data_type": analysis.data_type,
        "pooling": analysis.pooling or None,
        "measure": analysis.measure,
        "model": "random" if pooled_random(analysis) else "fixed",
        "tau2_method": "DL" if pooled_random(analysis) else None,
        "k": result.k if result is not None else 0,
        **values,
    }
    if analysis.subgroups and number is None:
        record["subgroup_test"] = test
    record |= {
        "stored": stored_out,
        "agrees": agrees,
        "reason": reason or None,
        "excluded": excluded,
        "analysis_id": analysis.analysis_id,
        "level": analysis.ci_total,
    }
    return record
