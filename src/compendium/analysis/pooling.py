"""Pooled analyses of stage 03: definitions, fits, subgroups and sensitivity analyses.

An :class:`Analysis` is one set of comparable study results (``yi``, ``vi`` on the analysis scale:
log for ratio measures). :func:`build_treatment_analyses` and :func:`build_risk_analyses` make them
from the rows of :mod:`~compendium.analysis.treatment` and :mod:`~compendium.analysis.risk`;
:func:`fit_analysis` fits one with :func:`compendium.meta.rma` (and a subgroup analysis when at
least two subgroups have two or more studies: :func:`compendium.meta.regression.subgroup_analysis`,
Q-between with G - 1 df); the ``*_table`` functions give the contract tables. Ratio results are
shown back-transformed (``estimate``, ``ci_*``, ``pi_*``); ``yi``, ``vi`` and ``tau2`` stay on the
log scale.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import pandas as pd

from compendium.analysis.inputs import ROB_ABSENT
from compendium.analysis.rob import HIGH_RISK, RobLookup
from compendium.analysis.treatment import (
    ACTIVE_COMPARATOR,
    ARM_EVENTS,
    ARM_LEVEL,
    EXCLUDED_COLUMNS,
    NON_RANDOMISED,
    NOT_ESTIMABLE_FOR_RATIO,
    PRIMARY,
    WITH_ACTIVE,
    WITHOUT_HIGH_ROB,
    comparability_key,
    poolable,
    set_label,
)
from compendium.analysis.windows import NO_TIMEPOINT
from compendium.errors import CompendiumError
from compendium.meta import SENSITIVITY, MetaResult, rma
from compendium.meta.diagnostics import leave_one_out
from compendium.meta.effects import OUTCOME_TYPES, escalc
from compendium.meta.regression import SubgroupResult, subgroup_analysis
from compendium.meta.revman import (
    MH_MEASURES,
    RevManResult,
    as_meta_result,
    continuous_effects,
    rma_iv,
    rma_mh,
    rma_peto,
)
from compendium.meta.settings import METHODS, MetaSettings
from compendium.review import Pooling
from compendium.shared import slug
from compendium.vocabulary import CONDITION_RISK, RATIO_MEASURES

#: minimum studies for a pooled analysis, for a subgroup to count, and for leave-one-out
MIN_POOLED_K = 2
MIN_SUBGROUP_K = 2
MIN_LEAVE_ONE_OUT_K = 3
#: the starts of the notes of an SMD oriented by the stage (positive favours the intervention)
SMD_NOTE = "SMD (Hedges' g)"
SIGN_NOTE = "sign reversed for instruments where lower is better"

POOLED_COLUMNS = [
    "analysis_id",
    "question",
    "outcome",
    "subgroup",
    "analysis_set",
    "measure",
    "k",
    "participants",
    "estimate",
    "ci_low",
    "ci_high",
    "pi_low",
    "pi_high",
    "pval",
    "tau2",
    "i2",
    "q",
    "q_pval",
    "method",
    "test",
    "notes",
    "outcome_label",
    "q_between",
    "df_between",
    "pval_between",
    "log_scale",
    "higher_is_better",
    "analysis_set_label",
    "window",
    "declared_pooling",
]
STUDY_COLUMNS = [
    "analysis_id",
    "study_id",
    "study",
    "yi",
    "vi",
    "ci_low",
    "ci_high",
    "weight",
    "rob_overall",
    "estimate",
    "subgroup",
    "participants",
    "data_source",
    "sd_method",
    "secondary_source",
    "notes",
    "source_id",
    "control_mean",
]
SENSITIVITY_COLUMNS = [
    "analysis_id",
    "variant",
    "estimate",
    "ci_low",
    "ci_high",
    "tau2",
    "i2",
    "k",
    "pi_low",
    "pi_high",
    "method",
    "test",
    "notes",
]
SINGLE_COLUMNS = [
    "question",
    "outcome",
    "outcome_measure",
    "value_type",
    "timepoint_weeks",
    "window",
    "study_id",
    "study",
    "analysis_set",
    "intervention_type",
    "data_source",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "pval",
    "n1i",
    "n2i",
    "participants",
    "sd_method",
    "higher_is_better",
    "secondary_source",
    "notes",
]


def participants_of(data: pd.DataFrame) -> tuple[float, str]:
    """Sum of ``data["participants"]``, or NaN with a note naming the studies (``data["study"]``)
    that do not report them (:func:`which_studies`)."""
    values = pd.to_numeric(data["participants"])
    if values.notna().all():
        return float(values.sum()), ""
    missing = which_studies(data.loc[values.isna(), "study"].astype(str), len(data))
    return np.nan, f"participants not reported by {missing}"


def which_studies(names: Iterable[str], k: int) -> str:
    """The studies a note is about: their names, or "all k studies" when the note is about every
    study of an analysis of more than two (a list of 37 names says nothing more).

    Examples
    --------
    >>> which_studies(["Akiba 1986", "Brownson 1987"], 37), which_studies(["A", "B", "C"], 3)
    ('Akiba 1986, Brownson 1987', 'all 3 studies')
    """
    names = [str(name) for name in names]
    return f"all {k} studies" if len(names) == k > 2 else ", ".join(names)


@dataclass(frozen=True, eq=False)
class Analysis:
    """One set of comparable study results; ``data`` has study_id, study, outcome, yi, vi,
    participants, data_source, sd_method, secondary_source, notes (and intervention_type for trials)."""

    analysis_id: str
    question: str
    outcome: str
    label: str
    analysis_set: str
    measure: str
    log_scale: bool
    data: pd.DataFrame
    notes: tuple[str, ...] = ()
    events: float | None = None
    #: the outcome's declared pooling settings, when the analysis is pooled with them (:func:`fit_analysis`)
    pooling: Pooling | None = None

    @property
    def k(self) -> int:
        return len(self.data)

    def participants(self) -> tuple[float, str]:
        """Sum of participants, or NaN with a note naming the studies that do not report them."""
        return participants_of(self.data)


@dataclass(frozen=True, eq=False)
class AnalysisFit:
    """A fitted analysis, its subgroup analysis (or why there is none) and the fitting settings."""

    analysis: Analysis
    result: MetaResult
    subgroups: SubgroupResult | None
    subgroup_note: str
    subgroup_column: str | None


def _display(values: np.ndarray | float, log_scale: bool) -> np.ndarray | float:
    return np.exp(values) if log_scale else values


# --- building analyses ----------------------------------------------------------------------------


def _smd_rows(rows: pd.DataFrame, intervention: str) -> tuple[pd.DataFrame, list[str]]:
    """Hedges' g from the arms (escalc "SMD"), oriented so that positive values favour the intervention."""
    types = rows["value_type"] if rows["value_type"].isin(OUTCOME_TYPES).all() else None
    smd = escalc(
        "SMD",
        rows,
        m1i="m1i",
        sd1i="sd1i",
        n1i="n1i",
        m2i="m2i",
        sd2i="sd2i",
        n2i="n2i",
        outcome_type=types.name if types is not None else None,
        source="continuous_outcomes",
    )
    flip = ~rows["higher_is_better"].astype(bool).to_numpy()
    out = rows.copy()
    out["yi"] = np.where(flip, -smd["yi"].to_numpy(), smd["yi"].to_numpy())
    out["vi"] = smd["vi"].to_numpy()
    out["measure"] = "SMD"
    notes = [
        f"{SMD_NOTE} because the trials use different instruments; "
        f"oriented so that positive values favour {intervention}"
    ]
    if flip.any():
        notes.append(f"{SIGN_NOTE}: " + ", ".join(rows.loc[flip, "study"]))
    return out, notes


def _treatment_id(key: tuple[str, ...]) -> str:
    return "-".join(["treatment", *(slug(part)[:40] for part in key)])


def _label(rows: pd.DataFrame, measure: str, outcome_labels: Mapping[str, str]) -> str:
    """The analysis's label: the outcome's declared label (``outcome_labels``; else its rows'
    instrument text, or the outcome id), the instrument when it is one and its text differs from the
    label, the value type (arm-level rows), the time window and the measure."""
    first = rows.iloc[0]
    instrument = str(first["outcome_measure"]) if rows["outcome_measure"].nunique() == 1 else ""
    outcome_label = outcome_labels.get(str(first["outcome"])) or instrument or str(first["outcome"])
    what = (
        f"{outcome_label} ({instrument})"
        if instrument and instrument.casefold() != outcome_label.casefold()
        else outcome_label
    )
    if first["data_source"] == ARM_EVENTS:
        return f"{what}, events, {first['window']} ({measure})"
    if first["data_source"] == ARM_LEVEL:
        return f"{what}, {str(first['value_type']).replace('_', ' ')}, {first['window']} ({measure})"
    return f"{what}, {first['window']} ({measure}, as reported by the trials)"


def _analysis(
    key: tuple[str, ...],
    rows: pd.DataFrame,
    analysis_set: str,
    extra_notes: list[str],
    *,
    intervention: str,
    continuous_measure: str,
    comparator: str,
    outcome_labels: Mapping[str, str] | None,
) -> Analysis:
    """One treatment analysis; ``outcome_labels`` (the review's declared labels) name the outcome in
    its label (an outcome without one is named by its rows' ``outcome_measure`` text)."""
    notes = list(extra_notes)
    measure = str(rows["measure"].iloc[0])
    arm_level = rows["data_source"].iloc[0] == ARM_LEVEL
    if (
        arm_level
        and continuous_measure == "SMD"
        or (continuous_measure == "auto" and arm_level and rows["outcome_measure"].nunique() > 1)
    ):
        rows, smd_notes = _smd_rows(rows, intervention)
        measure = "SMD"
        notes += (
            smd_notes
            if continuous_measure == "auto"
            else [
                f"{SMD_NOTE} as the review declares (continuous_measure: SMD); "
                f"oriented so that positive values favour {intervention}"
            ]
        )
    elif arm_level:
        direction = "higher" if bool(rows["higher_is_better"].iloc[0]) else "lower"
        notes.append(f"MD {intervention} minus {comparator} on one instrument ({direction} is better)")
        if continuous_measure == "MD" and rows["outcome_measure"].nunique() > 1:
            notes.append(
                "MD across different instruments as the review declares (continuous_measure: MD); "
                "the instruments must share one scale and unit"
            )
    derived = rows.loc[rows["sd_method"].astype(str).str.contains("se|ci|wan", regex=True), "study"]
    if len(derived):
        notes.append("SDs derived by code for " + ", ".join(derived) + " (sd_method in study_effects)")
    if rows["secondary_source"].any():
        notes.append(
            "numbers read in a secondary source for "
            + which_studies(rows.loc[rows["secondary_source"], "study"], len(rows))
        )
    data = rows.reset_index(drop=True)
    ratio = measure in RATIO_MEASURES
    risk_difference = measure == "RD" and data["data_source"].iloc[0] == ARM_EVENTS
    if ratio:
        notes.append(f"{measure} of {intervention} vs {comparator} from events per arm, pooled on the log scale")
    elif risk_difference:
        notes.append(
            f"RD (risk difference) of {intervention} minus {comparator} from events per arm (escalc 'RD'); "
            "trials with no events, or only events, in both arms count"
        )
    events = pd.to_numeric(data["m1i"]).sum() + pd.to_numeric(data["m2i"]).sum() if ratio or risk_difference else None
    return Analysis(
        analysis_id=_treatment_id(key),
        question="treatment",
        outcome=str(rows["outcome"].iloc[0]),
        label=_label(rows, measure, outcome_labels or {}),
        analysis_set=analysis_set,
        measure=measure,
        log_scale=ratio,
        data=data,
        notes=tuple(notes),
        events=float(events) if events is not None else None,
    )


def not_estimable_note(unusable: pd.DataFrame, outcome: str) -> tuple[str, ...]:
    """The note of a ratio analysis naming the trials of its outcome left out as not estimable
    (:func:`~compendium.analysis.treatment.not_estimable_for_ratio`: no events, or only events, in both
    arms), so that the pooled row says so where the report shows it; ``()`` when there are none."""
    left = unusable[
        (unusable["outcome"] == outcome)
        & unusable["reason"].astype(str).str.contains(NOT_ESTIMABLE_FOR_RATIO, regex=False)
    ]
    if left.empty:
        return ()
    studies = sorted(
        {
            f"{study} (week {float(weeks):g})" if pd.notna(weeks) else str(study)
            for study, weeks in zip(left["study"], pd.to_numeric(left["timepoint_weeks"], errors="coerce"))
        }
    )
    return (
        f"of this outcome's trials, left out as not estimable for a ratio (no events, or only events, in both "
        f"arms; Cochrane Handbook 10.4.4.2): {', '.join(studies)}",
    )


@dataclass(frozen=True, eq=False)
class TreatmentAnalyses:
    """Pooled analyses, their with-active-comparator variants, shown single results and exclusions."""

    analyses: list[Analysis]
    with_active: dict[str, Analysis]
    singles: pd.DataFrame
    excluded: pd.DataFrame


def build_treatment_analyses(
    effects: pd.DataFrame,
    rob: RobLookup,
    *,
    include_active_comparators: bool = False,
    exclude_high_rob: bool = False,
    outcomes: list[str] | None = None,
    unusable: pd.DataFrame | None = None,
    intervention: str = "intervention",
    comparator: str = "control",
    outcome_labels: Mapping[str, str] | None = None,
    continuous_measure: str = "auto",
    level: float = 95.0,
    repeated_studies: Collection[str] = (),
) -> TreatmentAnalyses:
    """Group trial effects by :func:`~compendium.analysis.treatment.comparability_key` and decide
    what is pooled: the primary set when it has at least two trials; with
    ``include_active_comparators`` also a variant (or, when the primary set alone has fewer than two
    trials, an analysis) with the active-comparator trials. Everything else is a shown result.
    ``unusable`` (rows excluded earlier, :data:`~compendium.analysis.treatment.EXCLUDED_COLUMNS`)
    lets the notes of shown results name the trials whose data could not be used; shown results get
    ``level`` percent intervals, like the pooled ones. ``intervention`` and ``comparator`` are the
    review's nouns and ``outcome_labels`` its declared outcome labels (:attr:`Review.outcome_labels
    <compendium.review.Review.outcome_labels>`), used in the analyses' labels and notes.
    ``repeated_studies``: outcomes whose rows of one study under different ``outcome_measure`` texts are
    separate results that are all pooled, as RevMan pools a study split across the subgroups of one
    analysis (the outcomes pooled with declared RevMan settings); elsewhere a second instrument of a
    trial in one analysis is left out with the reason."""
    if exclude_high_rob and not rob.available:
        raise CompendiumError(
            "exclude_high_rob=True needs stage 02's rob2_judgements; run stage 02 first "
            "(compendium run --only 02) or set exclude_high_rob=False"
        )
    effects = effects.copy()
    if outcomes is not None:
        effects = effects[effects["outcome"].isin(outcomes)]
    excluded: list[dict] = []
    analyses: list[Analysis] = []
    with_active: dict[str, Analysis] = {}
    shown: list[pd.Series] = []
    make = partial(
        _analysis,
        intervention=intervention,
        continuous_measure=continuous_measure,
        comparator=comparator,
        outcome_labels=outcome_labels,
    )
    effects["_key"] = [
        comparability_key(row) if poolable(row) else ("unpooled", str(i)) for i, row in effects.iterrows()
    ]
    for group_key, rows in effects.groupby("_key", sort=True):
        if not isinstance(group_key, tuple):  # "_key" holds comparability_key tuples (set above)
            raise TypeError(f"analysis key must be a tuple, got {group_key!r}")
        key: tuple[str, ...] = group_key
        rows = rows.sort_values(["study_id", "outcome_measure"], kind="mergesort")
        duplicate = rows.duplicated(["study_id", "outcome_measure"] if key[0] in repeated_studies else "study_id")
        for _, row in rows[duplicate].iterrows():
            excluded.append(_exclusion(row, "another instrument of the same trial is used in this analysis"))
        rows = rows[~duplicate]
        primary = rows[rows["analysis_set"] == PRIMARY]
        notes: list[str] = []
        analysis_set = PRIMARY
        if exclude_high_rob:
            high = primary[
                [rob.judgement("treatment", s, o) in HIGH_RISK for s, o in zip(primary["study_id"], primary["outcome"])]
            ]
            for _, row in high.iterrows():
                excluded.append(_exclusion(row, "high risk of bias (exclude_high_rob=True)"))
            primary = primary.drop(high.index)
            analysis_set = WITHOUT_HIGH_ROB
        active = rows[rows["analysis_set"] == ACTIVE_COMPARATOR]
        others = rows[rows["analysis_set"].isin([ACTIVE_COMPARATOR, NON_RANDOMISED])]
        shown.extend(row for _, row in others.iterrows())
        if key[0] == "unpooled":
            shown.extend(row for _, row in primary.iterrows())
            continue
        if len(primary) >= MIN_POOLED_K:
            analysis = make(key, primary, analysis_set, notes)
            if analysis.measure in RATIO_MEASURES and unusable is not None:
                analysis = replace(analysis, notes=analysis.notes + not_estimable_note(unusable, analysis.outcome))
            analyses.append(analysis)
            if include_active_comparators and len(active):
                with_active[analysis.analysis_id] = make(key, pd.concat([primary, active]), WITH_ACTIVE, [])
        elif include_active_comparators and len(primary) + len(active) >= MIN_POOLED_K:
            shown.extend(row for _, row in primary.iterrows())
            analyses.append(
                make(
                    key,
                    pd.concat([primary, active]),
                    WITH_ACTIVE,
                    ["fewer than two primary trials: pooled only with active-comparator trials"],
                )
            )
        else:
            shown.extend(row for _, row in primary.iterrows())
    excluded_frame = pd.DataFrame.from_records(excluded, columns=EXCLUDED_COLUMNS)
    singles = single_results(
        pd.DataFrame(shown, columns=effects.columns) if shown else effects.iloc[0:0],
        effects,
        pd.concat([excluded_frame, unusable]) if unusable is not None else excluded_frame,
        intervention=intervention,
        level=level,
    )
    return TreatmentAnalyses(analyses, with_active, singles, excluded_frame)


def _exclusion(row: pd.Series, reason: str) -> dict:
    table = {ARM_LEVEL: "continuous_outcomes", ARM_EVENTS: "dichotomous_outcomes"}.get(
        row["data_source"], "rct_effects"
    )
    return {**{c: row.get(c) for c in EXCLUDED_COLUMNS}, "source_table": table, "reason": reason}


def single_results(
    rows: pd.DataFrame,
    all_effects: pd.DataFrame,
    excluded: pd.DataFrame,
    intervention: str = "intervention",
    level: float = 95.0,
) -> pd.DataFrame:
    """Shown (not pooled) trial results with a z-based ``level`` percent CI and p (:data:`SINGLE_COLUMNS`);
    notes say why each is not pooled."""
    records = []
    for _, row in rows.iterrows():
        res = rma([row["yi"]], [row["vi"]], method="FE", test="z", level=level)
        show = np.exp if row["measure"] in RATIO_MEASURES and row["data_source"] == ARM_EVENTS else (lambda x: x)
        same = all_effects[(all_effects["outcome"] == row["outcome"]) & (all_effects["study_id"] != row["study_id"])]
        if row["analysis_set"] != PRIMARY:
            why = f"{set_label(row['analysis_set'], intervention)}: not in the primary analysis"
        elif row["window"] == NO_TIMEPOINT:
            why = "time point not recorded: not pooled"
        elif len(same[same["analysis_set"] == PRIMARY]):
            others = same[same["analysis_set"] == PRIMARY]
            why = (
                "no comparable trial (other trials with this outcome differ in "
                + "; ".join(sorted({_difference(row, other) for _, other in others.iterrows()}))
                + ")"
            )
        else:
            why = "the only trial with usable data for this outcome"
            unusable = excluded[
                (excluded["outcome"] == row["outcome"])
                & (excluded["study_id"] != row["study_id"])
                & ~excluded["reason"]
                .astype(str)
                .str.startswith(("baseline", "not the analysed", "p value", "direction"))
            ]
            if len(unusable):
                why += (
                    " (also reported, not usable: "
                    + "; ".join(f"{s}: {r}" for s, r in sorted(set(zip(unusable["study"], unusable["reason"]))))
                    + ")"
                )
        notes = "; ".join(n for n in (why, str(row["notes"]) if pd.notna(row["notes"]) else "") if n)
        records.append(
            {
                **{c: row.get(c) for c in SINGLE_COLUMNS if c in row.index},
                "estimate": show(res.estimate),
                "ci_low": show(res.ci_low),
                "ci_high": show(res.ci_high),
                "pval": res.pval,
                "notes": notes,
            }
        )
    table = pd.DataFrame.from_records(records, columns=SINGLE_COLUMNS)
    return table.sort_values(
        ["question", "outcome", "analysis_set", "study_id", "outcome_measure"], kind="mergesort"
    ).reset_index(drop=True)


def _difference(row: pd.Series, other: pd.Series) -> str:
    for column, what in (
        ("data_source", "data source"),
        ("value_type", "value type"),
        ("window", "time window"),
        ("measure", "measure"),
        ("outcome_measure", "instrument or unit"),
    ):
        if row[column] != other[column]:
            return f"{what}: {other['study']} {other[column]}"
    return f"{other['study']}"


def _category_label(category: str, labels: Mapping[str, str]) -> str:
    """An exposure category's declared label for the middle of a sentence (first letter in lower case
    unless the label starts with an acronym), else the id in words.

    Examples
    --------
    >>> _category_label("spouse_smoking", {"spouse_smoking": "Spouse smoked"})
    'spouse smoked'
    >>> _category_label("mvpa", {"mvpa": "MVPA"}), _category_label("other_sport", {})
    ('MVPA', 'other sport')
    """
    label = labels.get(category) or category.replace("_", " ")
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def build_risk_analyses(
    estimates: pd.DataFrame,
    outcomes: list[str] | None = None,
    *,
    condition: str,
    exposure_labels: Mapping[str, str] | None = None,
) -> list[Analysis]:
    """One analysis per key with at least two pooled rows (``status == 'pooled'``), outcome
    :data:`~compendium.vocabulary.CONDITION_RISK`, labelled with ``condition`` (the review's
    ``condition.noun``) and the exposure category's label (``exposure_labels``, the review's
    declared labels; a category without one is shown as its id in words)."""
    exposure_labels = exposure_labels or {}
    analyses: list[Analysis] = []
    if outcomes is not None and CONDITION_RISK not in outcomes:
        return analyses
    pooled = estimates[estimates["status"] == "pooled"]
    for key, rows in pooled.groupby("analysis_key", sort=True):
        first = rows.iloc[0]
        data = rows.assign(
            outcome=CONDITION_RISK,
            data_source="observational: " + rows["design"],
            sd_method="",
            notes=rows["estimate_label"].astype(str),
        ).reset_index(drop=True)
        notes = [
            f"{first['measure']} pooled on the log scale (generic inverse variance from the printed CIs, each at its "
            "printed level); "
            "study CIs in study_effects and the forest plot are recomputed from the variance (symmetric on the log "
            "scale) and can differ from printed exact CIs (printed values: risk_estimates)"
        ]
        if rows["secondary_source"].any():
            notes.append(
                "numbers read in a secondary source for "
                + which_studies(rows.loc[rows["secondary_source"], "study"], len(rows))
            )
        overlap = rows[rows["population_group"] != ""]
        if len(overlap):
            notes.append("one report per overlapping population: " + ", ".join(overlap["study"]))
        if first["measure"] == "SMR":
            notes.append("SMRs may be standardised morbidity or mortality ratios (see each study's design)")
        cases = pd.to_numeric(rows["cases"])
        label = (
            f"{condition} risk: {_category_label(str(first['exposure_category']), exposure_labels)} "
            f"({str(first['population_type']).replace('_', ' ')}), {first['measure']}"
        )
        analyses.append(
            Analysis(
                analysis_id=str(key),
                question="risk",
                outcome=CONDITION_RISK,
                label=label,
                analysis_set=str(first["population_type"]),
                measure=str(first["measure"]),
                log_scale=True,
                data=data,
                notes=tuple(notes),
                events=float(cases.sum()) if cases.notna().all() else None,
            )
        )
    return analyses


# --- fitting --------------------------------------------------------------------------------------


def fit_analysis(
    analysis: Analysis,
    *,
    method: str,
    test: str,
    level: float,
    subgroup: str | None,
    pooling: Pooling | None = None,
) -> AnalysisFit:
    """Fit ``analysis``; a subgroup analysis by ``subgroup`` (a column of the study rows, e.g.
    intervention_type) when at least two subgroups have two or more studies, else a note saying why not.

    With ``pooling`` (the outcome's declared settings, RevMan's) the pooled result is RevMan's method
    (:func:`declared_fit`) instead of ``method`` and ``test``; the subgroup analysis stays metafor's."""
    if pooling is not None:
        declared, res_or_reason = declared_fit(analysis, pooling, level)
        if isinstance(res_or_reason, str):
            analysis = replace(analysis, notes=analysis.notes + (res_or_reason,))
        else:
            analysis, res = declared, res_or_reason
            return _with_subgroups(analysis, res, method=method, test=test, level=level, subgroup=subgroup)
    data = analysis.data
    res = rma("yi", "vi", data=data, slab="study", method=method, test=test, level=level, source=analysis.analysis_id)
    return _with_subgroups(analysis, res, method=method, test=test, level=level, subgroup=subgroup)


def declared_fit(analysis: Analysis, pooling: Pooling, level: float) -> tuple[Analysis, MetaResult | str]:
    """``analysis`` pooled with its outcome's declared settings, as RevMan 5 pools them
    (:mod:`compendium.meta.revman`).

    Events: Mantel-Haenszel (RR, OR, RD) or Peto (an OR analysis) as declared, else inverse variance,
    each with RevMan's zero-cell rule; arm-level means: RevMan's MD or SMD (Hedges' adjusted g, the
    experimental group minus the control group, not re-oriented), inverse variance; trial-reported
    effects: inverse variance. Random effects are DerSimonian-Laird's; intervals z-based. The study
    rows' ``yi`` and ``vi`` become RevMan's, so that the forest plot and the study table show them.

    Returns
    -------
    (analysis, result)
        The analysis with ``pooling`` set, RevMan's study estimates and a note naming the method; or
        ``(analysis, reason)`` when RevMan's method leaves out a study the analysis holds (the caller
        then pools with the stage's parameters and says why).
    """
    data = analysis.data
    source = str(data["data_source"].iloc[0])
    column = partial(_numbers, data)
    result: RevManResult
    measure = analysis.measure
    if source == ARM_EVENTS:
        a, n1, c, n2 = column("m1i"), column("n1i"), column("m2i"), column("n2i")
        if pooling.method == "MH" and measure in MH_MEASURES:
            result = rma_mh(a, n1 - a, c, n2 - c, measure, level=level, random=pooling.random)
        elif pooling.method == "Peto" and measure == "OR":
            result = rma_peto(a, n1 - a, c, n2 - c, level=level)
        else:
            result = rma_iv(data["yi"], data["vi"], measure, level=level, random=pooling.random)
    elif source == ARM_LEVEL:
        measure = pooling.measure if pooling.measure in ("MD", "SMD") else measure
        yi, vi = continuous_effects(
            measure, column("m1i"), column("sd1i"), column("n1i"), column("m2i"), column("sd2i"), column("n2i")
        )
        result = rma_iv(yi, vi, measure, level=level, random=pooling.random)
    else:
        result = rma_iv(data["yi"], data["vi"], measure, level=level, random=pooling.random)
    if result.k != len(data):
        left = ", ".join(data.loc[~np.isfinite(result.yi), "study"].astype(str))
        return analysis, (
            f"not pooled with the declared settings ({pooling.describe()}): {left} not estimable with them; "
            "pooled with the stage's parameters instead"
        )
    # the stage's orientation of an SMD does not apply to RevMan's
    notes = tuple(n for n in analysis.notes if not n.startswith((SMD_NOTE, SIGN_NOTE)))
    if measure == "SMD":
        notes += ("SMD as RevMan 5 computes it (Hedges' adjusted g), the experimental group minus the control group",)
    notes += (f"pooled with the outcome's declared settings (review.yaml): {pooling.describe()}",)
    label = analysis.label
    if measure != analysis.measure and label.endswith(f"({analysis.measure})"):
        label = label[: -len(analysis.measure) - 1] + f"{measure})"
    declared = replace(
        analysis,
        measure=measure,
        label=label,
        data=data.assign(yi=result.yi, vi=result.vi, measure=measure),
        notes=notes,
        pooling=pooling,
    )
    return declared, as_meta_result(result, list(data["study"].astype(str)))


def _numbers(data: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(data[column]).to_numpy(dtype=float)


def _with_subgroups(
    analysis: Analysis, res: MetaResult, *, method: str, test: str, level: float, subgroup: str | None
) -> AnalysisFit:
    data = analysis.data
    if not subgroup:
        return AnalysisFit(analysis, res, None, "", None)
    if subgroup not in data.columns:
        return AnalysisFit(
            analysis, res, None, f"no subgroup analysis: {subgroup!r} is not recorded for these studies", None
        )
    counts = data[subgroup].astype(str).value_counts()
    enough = int((counts >= MIN_SUBGROUP_K).sum())
    if enough < 2:
        note = (
            f"no subgroup analysis by {subgroup}: {enough} subgroup(s) with at least {MIN_SUBGROUP_K} studies "
            f"({', '.join(f'{g} k = {n}' for g, n in sorted(counts.items()))}); at least 2 are needed"
        )
        return AnalysisFit(analysis, res, None, note, subgroup)
    sub = subgroup_analysis(
        data.assign(**{subgroup: data[subgroup].astype(str)}),
        subgroup,
        slab="study",
        method=method,
        test=test,
        level=level,
    )
    return AnalysisFit(analysis, res, sub, "", subgroup)


def _result_row(fit: AnalysisFit, res: MetaResult, subgroup: str, k_data: pd.DataFrame, intervention: str) -> dict:
    a = fit.analysis
    log = a.log_scale
    participants, missing_note = participants_of(k_data)
    notes = list(res.notes) + (list(a.notes) if subgroup == "all" else [])
    if subgroup == "all" and fit.subgroup_note:
        notes.append(fit.subgroup_note)
    if missing_note:
        notes.append(missing_note)
    return {
        "analysis_id": a.analysis_id,
        "question": a.question,
        "outcome": a.outcome,
        "subgroup": subgroup,
        "analysis_set": a.analysis_set,
        "measure": a.measure,
        "k": res.k,
        "participants": participants,
        "estimate": _display(res.estimate, log),
        "ci_low": _display(res.ci_low, log),
        "ci_high": _display(res.ci_high, log),
        "pi_low": _display(res.pi_low, log) if res.pi_low is not None else np.nan,
        "pi_high": _display(res.pi_high, log) if res.pi_high is not None else np.nan,
        "pval": res.pval,
        "tau2": res.tau2,
        "i2": res.i2,
        "q": res.q,
        "q_pval": res.q_pval,
        "method": res.method if a.pooling is None else f"{a.pooling.method} {res.method}",
        "test": res.test,
        "notes": "; ".join(notes),
        "outcome_label": a.label,
        "q_between": np.nan,
        "df_between": np.nan,
        "pval_between": np.nan,
        "log_scale": log,
        "higher_is_better": _higher_is_better(a),
        "analysis_set_label": set_label(a.analysis_set, intervention),
        "window": str(a.data["window"].iloc[0]) if "window" in a.data and len(a.data) else "",
        # the outcome's declared settings the row is pooled with ("" for the stage's parameters): an SMD
        # pooled so is RevMan's, the experimental minus the control group, not oriented to favour
        "declared_pooling": a.pooling.describe() if a.pooling is not None else "",
    }


def pooled_with_declared_settings(row: Mapping[str, object] | pd.Series) -> bool:
    """Whether a ``pooled`` row was pooled with its outcome's declared settings (its ``declared_pooling``)."""
    value = row.get("declared_pooling")
    return isinstance(value, str) and bool(value)


def fixed_effect(method: object) -> bool:
    """Whether a ``pooled`` row's ``method`` is a fixed (equal) effect: metafor's ``FE``, or a declared
    pooling's fixed effect (``MH FE``, ``Peto FE``, ``IV FE``: :func:`_result_row`)."""
    return str(method).endswith("FE")


def _higher_is_better(a: Analysis) -> object:
    """Whether a higher pooled value favours the intervention: SMDs are oriented so; an MD follows its
    instrument; unknown (NaN) for risk ratios and trial-reported effects without the information."""
    if a.measure == "SMD" and a.pooling is None:
        return True
    values = list(a.data["higher_is_better"].dropna().unique()) if "higher_is_better" in a.data else []
    return bool(values[0]) if len(values) == 1 else np.nan


def pooled_table(fits: list[AnalysisFit], intervention: str = "intervention") -> pd.DataFrame:
    """The contract ``pooled`` table: one 'all' row per analysis plus one row per subgroup.
    ``analysis_set`` holds the set's code (``primary``), ``analysis_set_label`` its readable name."""
    rows = []
    for fit in fits:
        rows.append(_result_row(fit, fit.result, "all", fit.analysis.data, intervention))
        if fit.subgroups is not None:
            s = fit.subgroups
            for name, res in s.results.items():
                data = fit.analysis.data
                row = _result_row(fit, res, name, data[data[fit.subgroup_column].astype(str) == name], intervention)
                row.update(q_between=s.q_between, df_between=s.df_between, pval_between=s.pval_between)
                rows.append(row)
    table = pd.DataFrame.from_records(rows, columns=POOLED_COLUMNS)
    table["_order"] = table["subgroup"] != "all"
    return (
        table.sort_values(["question", "analysis_id", "_order", "subgroup"], kind="mergesort")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def study_table(fits: list[AnalysisFit], rob: RobLookup, level: float) -> pd.DataFrame:
    """The contract ``study_effects`` table (CIs z-based at ``level``, back-transformed for ratios)."""
    from scipy import stats

    z = stats.norm.isf((1 - level / 100) / 2)
    parts = []
    for fit in fits:
        a, d = fit.analysis, fit.analysis.data
        se = np.sqrt(d["vi"].to_numpy(float))
        judgements = rob.column(d, a.question)
        parts.append(
            pd.DataFrame(
                {
                    "analysis_id": a.analysis_id,
                    "study_id": d["study_id"],
                    "study": d["study"],
                    "yi": d["yi"],
                    "vi": d["vi"],
                    "ci_low": _display(d["yi"].to_numpy(float) - z * se, a.log_scale),
                    "ci_high": _display(d["yi"].to_numpy(float) + z * se, a.log_scale),
                    "weight": np.asarray(fit.result.weights),
                    "rob_overall": [j if j is not None else "" for j in judgements],
                    "estimate": _display(d["yi"].to_numpy(float), a.log_scale),
                    "subgroup": d[fit.subgroup_column].astype(str) if fit.subgroup_column else "",
                    "participants": d["participants"],
                    "data_source": d["data_source"],
                    "sd_method": d["sd_method"],
                    "secondary_source": d["secondary_source"].astype(bool),
                    "notes": d["notes"],
                    "source_id": d["source_id"],
                    # the comparator mean of a mean difference from arm-level means (Summary of findings)
                    "control_mean": d["m2i"].where(d["data_source"] == ARM_LEVEL)
                    if a.measure == "MD" and "m2i" in d
                    else np.nan,
                }
            )
        )
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=STUDY_COLUMNS)
    return table[STUDY_COLUMNS].sort_values(["analysis_id", "study_id"], kind="mergesort").reset_index(drop=True)


def _variant(analysis_id: str, variant: str, res: MetaResult | None, log: bool, notes: str) -> dict:
    if res is None:
        return {
            "analysis_id": analysis_id,
            "variant": variant,
            "estimate": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "tau2": np.nan,
            "i2": np.nan,
            "k": np.nan,
            "pi_low": np.nan,
            "pi_high": np.nan,
            "method": "",
            "test": "",
            "notes": notes,
        }
    return {
        "analysis_id": analysis_id,
        "variant": variant,
        "estimate": _display(res.estimate, log),
        "ci_low": _display(res.ci_low, log),
        "ci_high": _display(res.ci_high, log),
        "tau2": res.tau2,
        "i2": res.i2,
        "k": res.k,
        "pi_low": _display(res.pi_low, log) if res.pi_low is not None else np.nan,
        "pi_high": _display(res.pi_high, log) if res.pi_high is not None else np.nan,
        "method": res.method,
        "test": res.test,
        "notes": "; ".join([*res.notes, notes] if notes else res.notes),
    }


def older_review_settings(level: float) -> MetaSettings:
    """The older-review sensitivity variant (:data:`compendium.meta.SENSITIVITY`'s estimator and
    test) at the run's ``level``, so its label and its intervals follow the level."""
    return replace(SENSITIVITY, level=level)


def sensitivity_table(
    fits: list[AnalysisFit],
    rob: RobLookup,
    *,
    test: str,
    level: float,
    with_active: dict[str, Analysis] | None = None,
    include_active_comparators: bool = False,
) -> pd.DataFrame:
    """The contract ``sensitivity`` table: every tau2 estimator (FE with a z test), the older-review
    variant (DL with z), the z test, leave-one-out (k >= 3), excluding high risk of bias, and (when
    asked) including active comparators."""
    rows = []
    older = older_review_settings(level)
    for fit in fits:
        a, data, res = fit.analysis, fit.analysis.data, fit.result
        log = a.log_scale

        def refit(frame: pd.DataFrame, method: str, test_: str, source: str = a.analysis_id) -> MetaResult:
            return rma("yi", "vi", data=frame, slab="study", method=method, test=test_, level=level, source=source)

        for method in METHODS:
            test_ = "z" if method == "FE" else test
            note = "equal-effects model, z test" if method == "FE" else ""
            rows.append(_variant(a.analysis_id, f"tau2 {method}, test {test_}", refit(data, method, test_), log, note))
        rows.append(
            _variant(
                a.analysis_id,
                f"older-review variant: {older.describe()}",
                refit(data, older.method, older.test),
                log,
                "",
            )
        )
        if test != "z":
            rows.append(_variant(a.analysis_id, f"tau2 {res.method}, test z", refit(data, res.method, "z"), log, ""))
        if res.k >= MIN_LEAVE_ONE_OUT_K:
            loo = leave_one_out(res)
            for _, row in loo.iterrows():
                rows.append(
                    {
                        "analysis_id": a.analysis_id,
                        "variant": f"leave out {row['omitted']}",
                        "estimate": _display(row["estimate"], log),
                        "ci_low": _display(row["ci_low"], log),
                        "ci_high": _display(row["ci_high"], log),
                        "tau2": row["tau2"],
                        "i2": row["i2"],
                        "k": res.k - 1,
                        "pi_low": np.nan,
                        "pi_high": np.nan,
                        "method": res.method,
                        "test": res.test,
                        "notes": "",
                    }
                )
        else:
            rows.append(
                _variant(
                    a.analysis_id,
                    "leave-one-out",
                    None,
                    log,
                    f"not done: k = {res.k} (needs at least {MIN_LEAVE_ONE_OUT_K})",
                )
            )
        rows.append(_high_rob_variant(fit, rob, refit, level))
        if a.question == "treatment" and include_active_comparators:
            extra = (with_active or {}).get(a.analysis_id)
            if a.analysis_set == WITH_ACTIVE:
                rows.append(
                    _variant(
                        a.analysis_id,
                        "including active comparators",
                        None,
                        log,
                        "the analysis itself includes active-comparator trials (fewer than two primary trials)",
                    )
                )
            elif extra is None:
                rows.append(
                    _variant(
                        a.analysis_id,
                        "including active comparators",
                        None,
                        log,
                        "no active-comparator trial has usable data for this analysis",
                    )
                )
            else:
                rows.append(
                    _variant(
                        a.analysis_id, "including active comparators", refit(extra.data, res.method, res.test), log, ""
                    )
                )
    table = pd.DataFrame.from_records(rows, columns=SENSITIVITY_COLUMNS)
    return table.sort_values(["analysis_id", "variant"], kind="mergesort").reset_index(drop=True)


def _high_rob_variant(fit: AnalysisFit, rob: RobLookup, refit, level: float) -> dict:
    a, data, res = fit.analysis, fit.analysis.data, fit.result
    variant = "excluding high risk of bias"
    if not rob.available:
        return _variant(a.analysis_id, variant, None, a.log_scale, f"not done: {ROB_ABSENT}")
    keep = [rob.judgement(a.question, s, o) not in HIGH_RISK for s, o in zip(data["study_id"], data["outcome"])]
    kept = data[keep]
    if len(kept) == len(data):
        return _variant(
            a.analysis_id, variant, res, a.log_scale, "no study at high risk of bias: same as the main analysis"
        )
    if len(kept) < MIN_POOLED_K:
        return _variant(
            a.analysis_id, variant, None, a.log_scale, f"k = {len(kept)} after excluding high risk of bias: not pooled"
        )
    return _variant(
        a.analysis_id,
        variant,
        refit(kept, res.method, res.test),
        a.log_scale,
        "excluded: " + ", ".join(data.loc[[not k for k in keep], "study"]),
    )
