"""The second analysis set of stage 03: the trial analyses "with stated assumptions".

The primary set uses printed numbers only. This set runs the same effect, pooling and GRADE code
(:mod:`~compendium.analysis.treatment`, :mod:`~compendium.analysis.pooling`,
:mod:`~compendium.analysis.grading`) on the tables :func:`compendium.assumptions.apply_ledger`
returns: the evidence tables with the ledger's assumptions filled in (Cochrane Handbook v6.4,
6.5.2; shown as a sensitivity analysis, 10.14). The ledger concerns trial tables only, so the
risk analyses are not repeated. With the ledger switched off (``enabled=False``), or without a
ledger, nothing is computed and every table of the set is empty (with its header): the primary
tables are never touched by this module.

* ``pooled_with_assumptions``: the ``pooled`` columns, then ``numbers`` (always
  ``with_assumptions``; the primary ``pooled`` rows use printed numbers), ``assumption_ids``
  (the ledger rows the analysis rests on, ``; ``-separated, empty when none) and
  ``assumption_weight_share`` (the share of the weight from studies that rest on them).
* ``study_effects_with_assumptions``: ``study_effects`` columns plus ``assumption_ids`` per study.
* ``assumptions_applied``: which ledger row changed which cell (value before and after, how it
  was derived), with its justification, source and the analyses that use it.
* ``assumption_comparison``: one row per trial analysis pooled in either set: the result from
  printed numbers, the result with the assumptions, GRADE certainty of each, the assumptions,
  and whether direction and significance differ.
* ``summary_of_findings_with_assumptions`` / ``grade_domains_with_assumptions``: GRADE of the
  set, rated down for the assumptions by :func:`compendium.assumptions.assumption_downgrade`
  (added to the risk-of-bias domain, which stays at most two levels).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from compendium.analysis.grading import SOF_EXTRA_COLUMNS, grade_tables
from compendium.analysis.inputs import StageInputs
from compendium.analysis.pooling import (
    POOLED_COLUMNS,
    SINGLE_COLUMNS,
    STUDY_COLUMNS,
    AnalysisFit,
    build_treatment_analyses,
    fit_analysis,
    pooled_table,
    study_table,
)
from compendium.analysis.rob import RobLookup
from compendium.analysis.treatment import trial_effects
from compendium.assumptions import APPLIED_COLUMNS, apply_ledger, assumption_downgrade, assumptions_by_effect
from compendium.bias.grade import grade_domains_table, summary_of_findings
from compendium.vocabulary import null_value

#: the ``numbers`` value of the rows of this set (the primary set uses printed numbers only)
WITH_ASSUMPTIONS = "with_assumptions"
PRINTED = "printed"
POOLED_ASSUMPTION_COLUMNS = [*POOLED_COLUMNS, "numbers", "assumption_ids", "assumption_weight_share"]
STUDY_ASSUMPTION_COLUMNS = [*STUDY_COLUMNS, "assumption_ids"]
APPLIED_TABLE_COLUMNS = [*APPLIED_COLUMNS, "justification", "source_id", "locator", "analysis_ids"]
_RESULT_FIELDS = ("k", "estimate", "ci_low", "ci_high", "pval", "certainty")
COMPARISON_COLUMNS = [
    "analysis_id",
    "outcome",
    "outcome_label",
    "measure",
    *(f"{PRINTED}_{name}" for name in _RESULT_FIELDS),
    *(f"{WITH_ASSUMPTIONS}_{name}" for name in _RESULT_FIELDS),
    "assumption_ids",
    "direction_differs",
    "significance_differs",
    "grade_assumptions",
    "notes",
]
SEPARATOR = "; "


@dataclass(frozen=True, eq=False)
class AssumptionSet:
    """The set's fits, which assumptions each analysis and each study rests on, and its tables."""

    fits: list[AnalysisFit] = field(default_factory=list)
    #: analysis_id -> assumption_ids per row of the analysis data ([] for printed numbers only)
    marks: dict[str, list[list[str]]] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def assumption_ids(self, analysis_id: str) -> list[str]:
        """The ledger rows an analysis of this set rests on, in ledger order of first use."""
        return list(dict.fromkeys(i for ids in self.marks.get(analysis_id, []) for i in ids))


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def empty_tables() -> dict[str, pd.DataFrame]:
    """The set's contract tables with their headers and no rows (ledger off or absent)."""
    sof = _empty([*summary_of_findings([]).columns, *SOF_EXTRA_COLUMNS])
    return {
        "pooled_with_assumptions": _empty(POOLED_ASSUMPTION_COLUMNS),
        "study_effects_with_assumptions": _empty(STUDY_ASSUMPTION_COLUMNS),
        "assumptions_applied": _empty(APPLIED_TABLE_COLUMNS),
        "assumption_comparison": _empty(COMPARISON_COLUMNS),
        "summary_of_findings_with_assumptions": sof,
        "grade_domains_with_assumptions": _empty(list(grade_domains_table([]).columns)),
    }


def direction_and_significance(row: pd.Series) -> tuple[int, bool]:
    """(sign of the estimate beside no effect, whether the CI excludes no effect) of a pooled row."""
    null = null_value(str(row["measure"]))
    sign = int(np.sign(float(row["estimate"]) - null))
    return sign, not float(row["ci_low"]) <= null <= float(row["ci_high"])


def build_assumption_set(
    inputs: StageInputs,
    rob: RobLookup,
    primary_pooled: pd.DataFrame,
    primary_singles: pd.DataFrame,
    primary_sof: pd.DataFrame,
    *,
    enabled: bool,
    tau2_method: str,
    test: str,
    level: float,
    subgroup: str | None,
    outcomes: list[str] | None = None,
    exclude_high_rob: bool = False,
    include_active_comparators: bool = False,
) -> AssumptionSet:
    """The analysis set with the ledger's assumptions (module docstring), beside the primary
    results ``primary_pooled``, ``primary_singles`` and ``primary_sof`` (stage 03's tables)."""
    if not enabled:
        return AssumptionSet(tables=empty_tables(), notes=["assumption ledger: switched off (use_assumptions=False)"])
    if inputs.ledger is None or inputs.ledger.empty:
        return AssumptionSet(
            tables=empty_tables(), notes=["assumption ledger: none in the data package (no sensitivity set)"]
        )
    review = inputs.review
    tables, applied = apply_ledger(inputs.tables, inputs.ledger, rejected=inputs.rejected)
    effects = trial_effects(dataclasses.replace(inputs, tables=tables))
    treatment = build_treatment_analyses(
        effects.effects,
        rob,
        include_active_comparators=include_active_comparators,
        exclude_high_rob=exclude_high_rob,
        outcomes=outcomes,
        unusable=effects.unusable,
        intervention=review.intervention,
        comparator=review.comparator,
        outcome_labels=review.outcome_labels,
        continuous_measure=review.continuous_measure,
        level=level,
    )
    fits = [fit_analysis(a, method=tau2_method, test=test, level=level, subgroup=subgroup) for a in treatment.analyses]
    marks = {fit.analysis.analysis_id: assumptions_by_effect(applied, fit.analysis.data) for fit in fits}
    result = AssumptionSet(fits=fits, marks=marks)

    pooled = pooled_table(fits, review.intervention)
    ids = {a: SEPARATOR.join(result.assumption_ids(a)) for a in marks}
    shares = {fit.analysis.analysis_id: _weight_share(fit, marks[fit.analysis.analysis_id]) for fit in fits}
    pooled = pooled.assign(
        numbers=WITH_ASSUMPTIONS,
        assumption_ids=pooled["analysis_id"].map(ids),
        assumption_weight_share=pooled["analysis_id"].map(shares),
    )[POOLED_ASSUMPTION_COLUMNS]
    studies = study_table(fits, rob, level)
    by_study = {
        (fit.analysis.analysis_id, str(study)): SEPARATOR.join(row_ids)
        for fit in fits
        for study, row_ids in zip(fit.analysis.data["study_id"], marks[fit.analysis.analysis_id])
    }
    studies = studies.assign(
        assumption_ids=[by_study.get((a, str(s)), "") for a, s in zip(studies["analysis_id"], studies["study_id"])]
    )[STUDY_ASSUMPTION_COLUMNS]

    overall = primary_pooled[(primary_pooled["question"] == "treatment") & (primary_pooled["subgroup"] == "all")]
    primary_by_id = {str(r["analysis_id"]): r for _, r in overall.iterrows()}
    downgrades = {}
    for fit in fits:
        analysis_id = fit.analysis.analysis_id
        used = applied[applied["assumption_id"].isin(result.assumption_ids(analysis_id))]
        weights = dict(zip(fit.analysis.data["study_id"].astype(str), np.asarray(fit.result.weights, dtype=float)))
        printed = primary_by_id.get(analysis_id)
        agrees = None
        if printed is not None:
            own = pooled[(pooled["analysis_id"] == analysis_id) & (pooled["subgroup"] == "all")].iloc[0]
            agrees = direction_and_significance(printed) == direction_and_significance(own)
        downgrades[analysis_id] = assumption_downgrade(used, weights, primary_agrees=agrees)
    sof, domains = grade_tables(
        fits,
        _empty(SINGLE_COLUMNS),
        rob,
        review.surrogates,
        indirect_exposures=review.indirect_exposure_reasons,
        extra_rob=downgrades,
        mids=review.mids,
    )

    result.tables.update(
        {
            "pooled_with_assumptions": pooled,
            "study_effects_with_assumptions": studies,
            "assumptions_applied": applied_table(applied, inputs.ledger, marks),
            "assumption_comparison": comparison_table(
                primary_pooled,
                pooled,
                primary_sof,
                sof,
                primary_singles,
                downgrades,
                {fit.analysis.analysis_id: set(fit.analysis.data["study_id"].astype(str)) for fit in fits},
            ),
            "summary_of_findings_with_assumptions": sof,
            "grade_domains_with_assumptions": domains,
        }
    )
    resting = [a for a in marks if result.assumption_ids(a)]
    result.notes.append(
        f"assumption ledger: {len(applied)} stated assumption(s) applied; {len(fits)} trial analysis(es) pooled "
        f"with them, {len(resting)} of which rest on at least one ({', '.join(resting) or 'none'})"
    )
    return result


def _weight_share(fit: AnalysisFit, marks: list[list[str]]) -> float:
    weights = np.asarray(fit.result.weights, dtype=float)
    resting = np.array([bool(ids) for ids in marks])
    return float(weights[resting].sum() / weights.sum()) if weights.sum() > 0 else float("nan")


def applied_table(applied: pd.DataFrame, ledger: pd.DataFrame, marks: dict[str, list[list[str]]]) -> pd.DataFrame:
    """``applied`` with each ledger row's justification, source, locator and the analyses that use it."""
    info = ledger.set_index(ledger["assumption_id"].astype(str))
    users = {
        ident: SEPARATOR.join(a for a, rows in marks.items() if any(ident in ids for ids in rows))
        for ident in applied["assumption_id"].astype(str)
    }
    return applied.assign(
        justification=applied["assumption_id"].map(info["justification"]),
        source_id=applied["assumption_id"].map(info["source_id"]),
        locator=applied["assumption_id"].map(info["locator"]),
        analysis_ids=applied["assumption_id"].map(users),
    )[APPLIED_TABLE_COLUMNS]


def _singles_text(primary_singles: pd.DataFrame, sensitivity_row: pd.Series, studies: set[str]) -> str:
    """The printed-number single-trial results of the analysis's studies at its outcome and window."""
    label = str(sensitivity_row["outcome_label"])
    rows = primary_singles[
        (primary_singles["outcome"] == sensitivity_row["outcome"])
        & primary_singles["study_id"].astype(str).isin(studies)
        & primary_singles["window"].astype(str).map(lambda w: bool(w) and w in label)
        & primary_singles["value_type"].astype(str).map(lambda v: v.replace("_", " ") in label)
    ]
    return "; ".join(
        f"{r['study']} {r['measure']} {r['estimate']:.3g} ({r['ci_low']:.3g} to {r['ci_high']:.3g})"
        for _, r in rows.iterrows()
    )


def comparison_table(
    primary_pooled: pd.DataFrame,
    pooled: pd.DataFrame,
    primary_sof: pd.DataFrame,
    sof: pd.DataFrame,
    primary_singles: pd.DataFrame,
    downgrades: dict[str, tuple[int, str]],
    studies: dict[str, set[str]],
) -> pd.DataFrame:
    """One row per trial analysis pooled in either set (:data:`COMPARISON_COLUMNS`), primary order first;
    ``downgrades``: analysis_id -> GRADE levels and reason for the assumptions; ``studies``:
    analysis_id -> the study_ids of the analysis with the assumptions."""
    sets = {}
    for label, table, grades in ((PRINTED, primary_pooled, primary_sof), (WITH_ASSUMPTIONS, pooled, sof)):
        overall = table[(table["question"] == "treatment") & (table["subgroup"] == "all")]
        certainty = dict(zip(grades.get("analysis_id", pd.Series(dtype=str)), grades["certainty"]))
        sets[label] = {str(r["analysis_id"]): (r, certainty.get(r["analysis_id"])) for _, r in overall.iterrows()}
    order = list(dict.fromkeys([*sets[PRINTED], *sets[WITH_ASSUMPTIONS]]))
    records = []
    for analysis_id in order:
        printed, assumed = sets[PRINTED].get(analysis_id), sets[WITH_ASSUMPTIONS].get(analysis_id)
        first = (printed or assumed)[0]  # type: ignore[index]
        record: dict[str, object] = {
            "analysis_id": analysis_id,
            "outcome": first["outcome"],
            "outcome_label": first["outcome_label"],
            "measure": first["measure"],
            "assumption_ids": assumed[0]["assumption_ids"] if assumed is not None else "",
            "grade_assumptions": downgrades.get(analysis_id, (0, ""))[1],
        }
        for label, pair in ((PRINTED, printed), (WITH_ASSUMPTIONS, assumed)):
            for name in _RESULT_FIELDS:
                record[f"{label}_{name}"] = (
                    None if pair is None else (pair[1] if name == "certainty" else pair[0][name])
                )
        notes = []
        if printed is not None and assumed is not None:
            (sign_p, sig_p), (sign_a, sig_a) = (direction_and_significance(x[0]) for x in (printed, assumed))
            record["direction_differs"], record["significance_differs"] = sign_p != sign_a, sig_p != sig_a
        else:
            record["direction_differs"] = record["significance_differs"] = None
        if printed is None:
            shown = _singles_text(primary_singles, assumed[0], studies.get(analysis_id, set()))  # type: ignore[index]
            notes.append(
                "not pooled from printed numbers"
                + (f"; shown as single-trial results: {shown}" if shown else " (fewer than two trials)")
            )
        elif assumed is None:
            notes.append("not pooled with the assumptions (the analysis changes with the ledger)")
        elif not record["assumption_ids"]:
            notes.append("no study of this analysis rests on an assumption: same result in both sets")
        record["notes"] = SEPARATOR.join(notes)
        records.append(record)
    return pd.DataFrame.from_records(records, columns=COMPARISON_COLUMNS)
