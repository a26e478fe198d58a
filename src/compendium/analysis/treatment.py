"""Trial effects for the treatment question and which of them can be pooled together.

Two kinds of study result, never mixed in one analysis:

* **arm-level** (``continuous_outcomes``): intervention minus control, computed by
  :func:`compendium.effects.escalc` from mean, SD and n per arm. SDs missing in the source are
  derived by :func:`compendium.effects.fill_sd` (from an SE, a CI, or a median with IQR/range; the
  method is recorded per arm). A value printed after "±" whose type is not stated (``plus_minus``)
  is never used. An arm without n cannot be pooled: n is never filled in.
* **trial-reported** (``rct_effects``): a between-group MD or SMD printed with a CI or SE, turned
  into ``yi, vi`` by :func:`compendium.effects.generic_inverse_variance`. Such results are pooled
  only with results of the same outcome, measure and identically described instrument, value type
  and unit (``outcome_measure``) in the same time window; per-protocol results are shown, not
  used, when the trial also reports an intention-to-treat result.

The analysed time point and the time windows are :mod:`compendium.analysis.windows`. Trial sets:
the primary set is randomised trials with a control without the intervention
(:func:`compendium.data.summary.primary_trials`); active-comparator trials enter only the
sensitivity analysis asked for by ``include_active_comparators``; non-randomised studies are shown
only. A multi-arm trial with more than one intervention arm reporting the same outcome is shown, not
pooled (combining arms is not implemented; no curated trial needs it).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from compendium.analysis.inputs import StageInputs, as_bool
from compendium.analysis.windows import NO_TIMEPOINT, select_timepoint, time_window
from compendium.data.summary import primary_trials
from compendium.meta.effects import DEFAULT_CI_LEVEL, escalc, fill_sd, generic_inverse_variance
from compendium.vocabulary import RATIO_MEASURES

#: analysis-set codes (stored in the tables; conclusion, reviews and grading compare codes)
PRIMARY = "primary"
ACTIVE_COMPARATOR = "active_comparator"
NON_RANDOMISED = "non_randomised"
WITH_ACTIVE = "with_active_comparators"
WITHOUT_HIGH_ROB = "primary_without_high_rob"
#: readable names of the analysis sets ({intervention} is the review's noun)
SET_LABELS = {
    PRIMARY: "randomised, non-{intervention} control",
    ACTIVE_COMPARATOR: "active comparator (both arms {intervention})",
    NON_RANDOMISED: "not randomised",
    WITH_ACTIVE: "with active comparators (sensitivity analysis)",
    WITHOUT_HIGH_ROB: "randomised, non-{intervention} control, excluding high risk of bias",
}
#: arm roles of arms.csv
INTERVENTION_ROLE, CONTROL_ROLE = "intervention", "control"


def set_label(analysis_set: str, intervention: str) -> str:
    """The readable name of an analysis set with the review's intervention noun (other codes, such as
    the populations of the risk analyses, with '_' read as a space)."""
    label = SET_LABELS.get(analysis_set, str(analysis_set).replace("_", " "))
    return label.format(intervention=intervention)


ARM_LEVEL = "arm-level"
ARM_EVENTS = "arm-level events"
TRIAL_REPORTED = "trial-reported"
#: value type of arm-level dichotomous results
EVENTS_VALUE_TYPE = "events"
#: value type recorded for trial-reported between-group effects (their value type is in outcome_measure)
REPORTED_VALUE_TYPE = "between-group effect as reported"
#: continuous between-group measures that can be pooled by generic inverse variance
CONTINUOUS_EFFECT_MEASURES = ("MD", "SMD")
#: source types whose numbers were read in another document than the study's own report
SECONDARY_SOURCE_TYPES = ("secondary_review", "news_report")
PER_PROTOCOL_MARK = "per-protocol"

EFFECT_COLUMNS = [
    "question",
    "study_id",
    "study",
    "year",
    "analysis_set",
    "intervention_type",
    "data_source",
    "outcome",
    "outcome_measure",
    "value_type",
    "timepoint_weeks",
    "window",
    "higher_is_better",
    "measure",
    "yi",
    "vi",
    "n1i",
    "n2i",
    "participants",
    "m1i",
    "sd1i",
    "m2i",
    "sd2i",
    "sd_method",
    "secondary_source",
    "source_id",
    "notes",
]
EXCLUDED_COLUMNS = [
    "question",
    "study_id",
    "study",
    "source_table",
    "outcome",
    "outcome_measure",
    "value_type",
    "timepoint_weeks",
    "reason",
]


def trial_sets(inputs: StageInputs) -> pd.DataFrame:
    """One row per trial: study_id, analysis_set (primary / active_comparator / non_randomised),
    intervention_type, duration_weeks."""
    trials = primary_trials(inputs.tables, inputs.review.intervention)
    randomised = as_bool(trials["randomised"])
    active = trials["comparator_type"].astype(str) == "active_intervention"
    sets = np.where(~randomised, NON_RANDOMISED, np.where(active, ACTIVE_COMPARATOR, PRIMARY))
    return pd.DataFrame(
        {
            "study_id": trials["study_id"].astype(str).to_numpy(),
            "analysis_set": sets,
            "intervention_type": trials["intervention_type"].astype(str).to_numpy(),
            "duration_weeks": pd.to_numeric(trials["duration_weeks"]).to_numpy(),
        }
    )


def _secondary_sources(inputs: StageInputs) -> set[str]:
    sources = inputs.tables["sources"]
    return set(sources.loc[sources["source_type"].astype(str).isin(SECONDARY_SOURCE_TYPES), "source_id"].astype(str))


def _weeks(timepoint: Hashable) -> float:
    """A ``timepoint_weeks`` group key as a float (NaN when the time point is missing).

    The column is numeric (``number`` in the schema), so a key that is not a number is a bug."""
    if isinstance(timepoint, (int, float, np.integer, np.floating)):
        return float(timepoint)
    raise TypeError(f"timepoint_weeks must be numeric, got {timepoint!r}")


def _trial_fields(study_id: str, labels: dict, years: dict, sets: pd.DataFrame) -> dict:
    """The leading columns of an effect row: the question, the study and its trial set."""
    return {
        "question": "treatment",
        "study_id": study_id,
        "study": labels.get(study_id, study_id),
        "year": years.get(study_id),
        "analysis_set": sets["analysis_set"].get(study_id, NON_RANDOMISED),
        "intervention_type": sets["intervention_type"].get(study_id, "unclear"),
    }


def _excluded(
    inputs: StageInputs, row: pd.Series | dict, source_table: str, reason: str, value_type: str | None = None
) -> dict:
    labels = inputs.labels()
    get = row.get
    return {
        "question": "treatment",
        "study_id": str(get("study_id")),
        "study": labels.get(str(get("study_id")), str(get("study_id"))),
        "source_table": source_table,
        "outcome": get("outcome"),
        "outcome_measure": get("outcome_measure"),
        "value_type": value_type if value_type is not None else get("value_type"),
        "timepoint_weeks": get("timepoint_weeks"),
        "reason": reason,
    }


def _fill_sds(outcomes: pd.DataFrame) -> pd.DataFrame:
    """fill_sd per CI level (rows without a CI level use 95%)."""
    levels = pd.to_numeric(outcomes["ci_level"]).fillna(DEFAULT_CI_LEVEL)
    parts = [
        fill_sd(
            part,
            n="n",
            sd="sd",
            se="se",
            ci_low="ci_low",
            ci_high="ci_high",
            median="median",
            q1="q1",
            q3="q3",
            minimum="min",
            maximum="max",
            mean="mean",
            level=float(level),
            prefix="filled_",
        )
        for level, part in outcomes.groupby(levels, sort=True)
    ]
    return (
        pd.concat(parts).loc[outcomes.index]
        if parts
        else outcomes.assign(filled_sd=np.nan, filled_mean=np.nan, filled_sd_method="")
    )


def _arm_problem(arm: pd.Series, role: str) -> str:
    """Why an arm row cannot be used ('' when it can)."""
    if pd.isna(arm["n"]):
        return f"n missing in the {role} arm ('{arm['arm']}'): cannot be pooled (n is not filled in)"
    if pd.isna(arm["filled_mean"]):
        return f"mean missing in the {role} arm ('{arm['arm']}')"
    if pd.isna(arm["filled_sd"]):
        unlabelled = (
            " (a value after '±' of unstated type is never used as an SD)" if pd.notna(arm.get("plus_minus")) else ""
        )
        return f"no SD, SE, CI or quantiles in the {role} arm ('{arm['arm']}'){unlabelled}"
    return ""


def arm_level_effects(inputs: StageInputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Exercise-minus-control MDs from arm-level rows at each trial's analysed time point.

    Returns (effects, excluded): effects has :data:`EFFECT_COLUMNS` (``yi``/``vi`` the MD and its
    variance; arm means, SDs and ns kept for an SMD); excluded says for every other row why it is
    not analysed (baseline, other time point, n or SD missing, ...).
    """
    tables = inputs.tables
    sets = trial_sets(inputs).set_index("study_id")
    labels = inputs.labels()
    years = dict(zip(tables["studies"]["study_id"].astype(str), tables["studies"]["year"]))
    secondary = _secondary_sources(inputs)
    outcomes = tables["continuous_outcomes"].copy()
    outcomes["study_id"] = outcomes["study_id"].astype(str)
    arms = tables["arms"][["study_id", "arm", "role"]].astype({"study_id": str, "arm": str})
    outcomes = outcomes.astype({"arm": str}).merge(arms, on=["study_id", "arm"], how="left", validate="many_to_one")
    excluded: list[dict] = []
    baseline = outcomes["value_type"].astype(str) == "baseline"
    for _, row in outcomes[baseline].iterrows():
        excluded.append(_excluded(inputs, row, "continuous_outcomes", "baseline value (not an outcome)"))
    outcomes = _fill_sds(outcomes[~baseline].copy())
    records = []
    windows = inputs.review.time_windows
    noun = inputs.review.intervention
    for (study_key, outcome, value_type), group in outcomes.groupby(
        ["study_id", "outcome", "value_type"], sort=True, dropna=False
    ):
        study_id = str(study_key)  # already text: study_id was cast with astype(str) above
        duration = sets["duration_weeks"].get(study_id, np.nan)
        chosen = select_timepoint(group["timepoint_weeks"].tolist(), duration)
        for timepoint, at in group.groupby("timepoint_weeks", sort=True, dropna=False):
            if pd.isna(timepoint) and (windows or chosen is not None):
                reason = (
                    f"{NO_TIMEPOINT}: the review declares time windows, so the row cannot be placed in one"
                    if windows
                    else f"{NO_TIMEPOINT}: the trial reports this outcome at a recorded time point, which is used"
                )
                for _, row in at.iterrows():
                    excluded.append(_excluded(inputs, row, "continuous_outcomes", reason))
                continue
            if pd.notna(timepoint) and timepoint != chosen:
                end = (
                    f"the end of the {duration:g}-week intervention"
                    if pd.notna(duration)
                    else "the first post-baseline assessment (duration not recorded)"
                )
                why = (
                    f"not the analysed time point: {chosen:g} weeks is nearest to {end}"
                    if chosen is not None
                    else "no post-baseline time point (weeks > 0) to analyse"
                )
                for _, row in at.iterrows():
                    excluded.append(_excluded(inputs, row, "continuous_outcomes", why))
                continue
            for measure_text, rows in at.groupby("outcome_measure", sort=True, dropna=False):
                intervention_arm, control = rows[rows["role"] == INTERVENTION_ROLE], rows[rows["role"] == CONTROL_ROLE]
                unknown = rows[~rows["role"].isin([INTERVENTION_ROLE, CONTROL_ROLE])]
                problem = ""
                if len(unknown):
                    arms_named = ", ".join(f"'{a}'" for a in unknown["arm"])
                    problem = (
                        f"arm {arms_named} is not in arms.csv for this study (no role: {INTERVENTION_ROLE} or "
                        f"{CONTROL_ROLE}); the arm must be listed in arms.csv"
                        if unknown["role"].isna().all()
                        else f"arm {arms_named} has role {', '.join(map(str, unknown['role'].unique()))}; "
                        f"expected {INTERVENTION_ROLE} or {CONTROL_ROLE}"
                    )
                elif len(intervention_arm) != 1 or len(control) != 1:
                    problem = (
                        f"{len(intervention_arm)} {noun} and {len(control)} control arm rows; one of each is needed "
                        "(combining arms is not implemented)"
                    )
                else:
                    problem = _arm_problem(intervention_arm.iloc[0], noun) or _arm_problem(control.iloc[0], "control")
                if problem:
                    for _, row in rows.iterrows():
                        excluded.append(_excluded(inputs, row, "continuous_outcomes", problem))
                    continue
                e, c = intervention_arm.iloc[0], control.iloc[0]
                methods = {e["filled_sd_method"], c["filled_sd_method"]}
                sd_method = (
                    methods.pop()
                    if len(methods) == 1
                    else f"{noun}: {e['filled_sd_method']}; control: {c['filled_sd_method']}"
                )
                notes = [str(n) for n in (e.get("notes"), c.get("notes")) if pd.notna(n) and str(n)]
                records.append(
                    {
                        **_trial_fields(study_id, labels, years, sets),
                        "data_source": ARM_LEVEL,
                        "outcome": outcome,
                        "outcome_measure": measure_text,
                        "value_type": value_type,
                        "timepoint_weeks": _weeks(timepoint),
                        "window": time_window(_weeks(timepoint), windows),
                        "higher_is_better": bool(e["higher_is_better"]),
                        "measure": "MD",
                        "n1i": float(e["n"]),
                        "n2i": float(c["n"]),
                        "participants": float(e["n"] + c["n"]),
                        "m1i": float(e["filled_mean"]),
                        "sd1i": float(e["filled_sd"]),
                        "m2i": float(c["filled_mean"]),
                        "sd2i": float(c["filled_sd"]),
                        "sd_method": sd_method,
                        "secondary_source": bool({str(e["source_id"]), str(c["source_id"])} & secondary),
                        "source_id": str(e["source_id"]),
                        "notes": "; ".join(dict.fromkeys(notes)),
                    }
                )
    effects = pd.DataFrame.from_records(records, columns=EFFECT_COLUMNS)
    if len(effects):
        md = escalc(
            "MD",
            effects,
            m1i="m1i",
            sd1i="sd1i",
            n1i="n1i",
            m2i="m2i",
            sd2i="sd2i",
            n2i="n2i",
            source="continuous_outcomes",
        )
        effects["yi"], effects["vi"] = md["yi"].to_numpy(), md["vi"].to_numpy()
    return effects, pd.DataFrame.from_records(excluded, columns=EXCLUDED_COLUMNS)


def _participants(inputs: StageInputs, study_id: str, n_intervention: float, n_control: float) -> tuple[float, str]:
    """Participants of a trial-reported effect: its own group sizes, else the arms' numbers analysed,
    else randomised (the note says which)."""
    if pd.notna(n_intervention) and pd.notna(n_control):
        return float(n_intervention + n_control), ""
    arms = inputs.tables["arms"]
    arms = arms[arms["study_id"].astype(str) == study_id]
    for column, what in (("n_analysed", "analysed"), ("n_randomised", "randomised")):
        values = pd.to_numeric(arms[column])
        if len(values) and values.notna().all():
            return float(
                values.sum()
            ), f"participants = number {what} in the trial's arms (the effect's own group sizes are not reported)"
    return np.nan, "participants not reported"


def reported_effects(inputs: StageInputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Trial-reported MD/SMD with a CI or SE as ``yi, vi`` (:data:`EFFECT_COLUMNS`), and why every
    other ``rct_effects`` row is not analysed (p value or direction only, per-protocol, other time point)."""
    effects_table = inputs.tables["rct_effects"].copy()
    effects_table["study_id"] = effects_table["study_id"].astype(str)
    sets = trial_sets(inputs).set_index("study_id")
    labels = inputs.labels()
    years = dict(zip(inputs.tables["studies"]["study_id"].astype(str), inputs.tables["studies"]["year"]))
    secondary = _secondary_sources(inputs)
    excluded: list[dict] = []
    measure = effects_table["measure"].astype("string")
    has_interval = (effects_table["ci_low"].notna() & effects_table["ci_high"].notna()) | effects_table["se"].notna()
    usable = measure.isin(CONTINUOUS_EFFECT_MEASURES).fillna(False) & effects_table["estimate"].notna() & has_interval
    for _, row in effects_table[~usable].iterrows():
        if pd.isna(row["estimate"]):
            reason = (
                "p value only (no estimate)"
                if pd.notna(row["p_value"])
                else "direction only (no estimate)"
                if pd.notna(row["direction"])
                else "no estimate"
            )
        elif pd.isna(row["measure"]) or str(row["measure"]) not in CONTINUOUS_EFFECT_MEASURES:
            reason = f"measure {row['measure']!s} is not a continuous between-group effect (MD or SMD)"
        else:
            reason = "no CI or SE"
        excluded.append(_excluded(inputs, row, "rct_effects", reason, REPORTED_VALUE_TYPE))
    rows = effects_table[usable].copy()
    per_protocol = rows["outcome_measure"].astype(str).str.lower().str.contains(PER_PROTOCOL_MARK, regex=False)
    has_itt = rows.groupby(["study_id", "outcome"], dropna=False)["outcome_measure"].transform(
        lambda s: (~s.astype(str).str.lower().str.contains(PER_PROTOCOL_MARK, regex=False)).any()
    )
    dropped = per_protocol & has_itt
    for _, row in rows[dropped].iterrows():
        excluded.append(
            _excluded(
                inputs,
                row,
                "rct_effects",
                "per-protocol result; the trial's intention-to-treat result is used",
                REPORTED_VALUE_TYPE,
            )
        )
    rows = rows[~dropped]
    keep: list[int] = []  # row labels of the RangeIndex from read_csv
    for (study_id, _, _), group in rows.groupby(["study_id", "outcome", "outcome_measure"], sort=True, dropna=False):
        timed = group[group["timepoint_weeks"].notna()]
        if timed.empty:
            keep.extend(group.index)
            continue
        chosen = select_timepoint(timed["timepoint_weeks"].tolist(), sets["duration_weeks"].get(study_id, np.nan))
        analysed = group["timepoint_weeks"] == chosen
        keep.extend(group.index[analysed])
        for _, row in group[~analysed].iterrows():
            excluded.append(
                _excluded(
                    inputs,
                    row,
                    "rct_effects",
                    f"not the analysed time point ({chosen:g} weeks)"
                    if chosen is not None
                    else "no post-baseline time point (weeks > 0) to analyse",
                    REPORTED_VALUE_TYPE,
                )
            )
    rows = rows.loc[sorted(keep)]
    parts = []
    for level, part in rows.groupby(pd.to_numeric(rows["ci_level"]).fillna(DEFAULT_CI_LEVEL), sort=True):
        parts.append(
            generic_inverse_variance(
                part,
                estimate="estimate",
                ci_low="ci_low",
                ci_high="ci_high",
                se="se",
                level=float(level),
                source="rct_effects",
            )
        )
    rows = pd.concat(parts).sort_index() if parts else rows.assign(yi=np.nan, vi=np.nan, vi_method="")
    records = []
    for _, row in rows.iterrows():
        study_id = row["study_id"]
        participants, note = _participants(inputs, study_id, row["n_intervention"], row["n_control"])
        notes = [
            n
            for n in (
                str(row["notes"]) if pd.notna(row["notes"]) else "",
                note,
                f"variance from the {'printed CI' if str(row['vi_method']).startswith('ci') else 'printed SE'}",
            )
            if n
        ]
        records.append(
            {
                **_trial_fields(study_id, labels, years, sets),
                "data_source": TRIAL_REPORTED,
                "outcome": row["outcome"],
                "outcome_measure": row["outcome_measure"],
                "value_type": REPORTED_VALUE_TYPE,
                "timepoint_weeks": row["timepoint_weeks"],
                "window": time_window(row["timepoint_weeks"], inputs.review.time_windows),
                "higher_is_better": np.nan,
                "measure": str(row["measure"]),
                "yi": float(row["yi"]),
                "vi": float(row["vi"]),
                "n1i": row["n_intervention"],
                "n2i": row["n_control"],
                "participants": participants,
                "m1i": np.nan,
                "sd1i": np.nan,
                "m2i": np.nan,
                "sd2i": np.nan,
                "sd_method": "",
                "secondary_source": str(row["source_id"]) in secondary,
                "source_id": str(row["source_id"]),
                "notes": "; ".join(notes),
            }
        )
    return (
        pd.DataFrame.from_records(records, columns=EFFECT_COLUMNS),
        pd.DataFrame.from_records(excluded, columns=EXCLUDED_COLUMNS),
    )


#: the words of the reason a trial's events give no ratio (:func:`not_estimable_for_ratio`)
NOT_ESTIMABLE_FOR_RATIO = "not estimable as a"


def not_estimable_for_ratio(intervention: pd.Series, control: pd.Series, measure: str) -> str:
    """Why a trial's events give no ratio (RR, OR), or "" when they do (always for RD).

    A trial with no events in either arm, or with every participant having the event in both arms,
    has no information on a risk ratio or an odds ratio: only the 0.5 continuity correction would
    make a number of it. It is left out of ratio analyses (Cochrane Handbook v6.4, 10.4.4.2; it
    would count for a risk difference), as metafor's ``rma.mh`` and ``escalc(drop00=TRUE)`` do; the
    engine's :func:`compendium.effects.escalc` keeps metafor's default (``drop00=FALSE``).
    """
    if measure not in RATIO_MEASURES:
        return ""
    events = (float(intervention["events"]), float(control["events"]))
    totals = (float(intervention["total"]), float(control["total"]))
    if events == (0.0, 0.0):
        what = "no events in either arm"
    elif events == totals:
        what = "every participant had the event in both arms"
    else:
        return ""
    return (
        f"{what}: {NOT_ESTIMABLE_FOR_RATIO} {measure} (Cochrane Handbook 10.4.4.2; such a trial informs a risk "
        "difference only, and the 0.5 continuity correction would invent an effect)"
    )


def with_arm_roles(rows: pd.DataFrame, arms: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (a table with ``study_id`` and ``arm``, e.g. ``dichotomous_outcomes``) with the
    ``role`` of each arm from ``arms`` (``intervention`` or ``control``; missing for an arm not listed
    there): arms are named freely (``lidocaine``, ``placebo``), their role says which side they are."""
    roles = arms[["study_id", "arm", "role"]].astype({"study_id": str, "arm": str})
    rows = rows.astype({"study_id": str, "arm": str})
    return rows.merge(roles, on=["study_id", "arm"], how="left", validate="many_to_one")


def dichotomous_effects(inputs: StageInputs, measure: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Log RR, log OR or RD (``measure``; default each outcome's, :meth:`Review.dichotomous_measure_for
    <compendium.review.Review.dichotomous_measure_for>`: its declared pooling's, else the review's first) of
    intervention vs control from ``dichotomous_outcomes`` (events and totals per arm), one per trial,
    outcome, event definition and time point; escalc's zero-cell rule (add 1/2 to the cells of a
    study with a zero cell, metafor's default) applies. A trial with no events (or only events) in
    both arms is not estimable for a ratio and goes to ``excluded`` with that reason
    (:func:`not_estimable_for_ratio`); for RD it stays. Returns (effects, excluded) like
    :func:`arm_level_effects`; ``yi``/``vi`` on the log scale for the ratios."""
    tables = inputs.tables
    review = inputs.review
    rows = tables.get("dichotomous_outcomes", pd.DataFrame()).copy()
    if rows.empty:
        return pd.DataFrame(columns=EFFECT_COLUMNS), pd.DataFrame(columns=EXCLUDED_COLUMNS)
    rows = with_arm_roles(rows, tables["arms"])
    sets = trial_sets(inputs).set_index("study_id")
    labels = inputs.labels()
    years = dict(zip(tables["studies"]["study_id"].astype(str), tables["studies"]["year"]))
    secondary = _secondary_sources(inputs)
    windows = review.time_windows
    records, excluded = [], []
    keys = ["study_id", "outcome", "outcome_measure", "timepoint_weeks"]
    for (study_key, outcome, measure_text, timepoint), group in rows.groupby(keys, sort=True, dropna=False):
        study_id = str(study_key)  # already text: study_id was cast with astype(str) above
        intervention = group[group["role"] == INTERVENTION_ROLE]
        control = group[group["role"] == CONTROL_ROLE]
        if len(intervention) != 1 or len(control) != 1 or len(group) != 2:
            reason = (
                f"{len(intervention)} {review.intervention} and {len(control)} control arm rows "
                f"(of {len(group)}); one of each is needed (combining arms is not implemented)"
            )
            excluded += [
                _excluded(inputs, row, "dichotomous_outcomes", reason, EVENTS_VALUE_TYPE) for _, row in group.iterrows()
            ]
            continue
        a, c = intervention.iloc[0], control.iloc[0]
        outcome_measure = measure or review.dichotomous_measure_for(str(outcome))
        reason = not_estimable_for_ratio(a, c, outcome_measure)
        if reason:
            excluded += [
                _excluded(inputs, row, "dichotomous_outcomes", reason, EVENTS_VALUE_TYPE) for _, row in group.iterrows()
            ]
            continue
        declared = review.outcome(str(outcome))
        records.append(
            {
                **_trial_fields(study_id, labels, years, sets),
                "data_source": ARM_EVENTS,
                "outcome": outcome,
                "outcome_measure": measure_text,
                "value_type": EVENTS_VALUE_TYPE,
                "timepoint_weeks": timepoint,
                "window": time_window(_weeks(timepoint), windows),
                "higher_is_better": declared.higher_is_better
                if declared and declared.higher_is_better is not None
                else np.nan,
                "measure": outcome_measure,
                "n1i": float(a["total"]),
                "n2i": float(c["total"]),
                "participants": float(a["total"] + c["total"]),
                "m1i": float(a["events"]),
                "sd1i": np.nan,
                "m2i": float(c["events"]),
                "sd2i": np.nan,
                "sd_method": "",
                "secondary_source": bool({str(a["source_id"]), str(c["source_id"])} & secondary),
                "source_id": str(a["source_id"]),
                "notes": f"events {int(a['events'])}/{int(a['total'])} vs {int(c['events'])}/{int(c['total'])}",
            }
        )
    effects = pd.DataFrame.from_records(records, columns=EFFECT_COLUMNS)
    for each, rows_of_measure in effects.groupby("measure", sort=True):
        computed = escalc(
            str(each), rows_of_measure, ai="m1i", n1i="n1i", ci="m2i", n2i="n2i", source="dichotomous_outcomes"
        )
        effects.loc[rows_of_measure.index, "yi"] = computed["yi"].to_numpy()
        effects.loc[rows_of_measure.index, "vi"] = computed["vi"].to_numpy()
    return effects, pd.DataFrame.from_records(excluded, columns=EXCLUDED_COLUMNS)


@dataclass(frozen=True, eq=False)
class TrialEffects:
    """Trial effects of the three kinds (arm-level continuous, trial-reported, arm-level events),
    each with the rows that could not be used."""

    arm: pd.DataFrame
    arm_excluded: pd.DataFrame
    reported: pd.DataFrame
    reported_excluded: pd.DataFrame
    events: pd.DataFrame
    events_excluded: pd.DataFrame

    @property
    def effects(self) -> pd.DataFrame:
        """Every usable effect (:data:`EFFECT_COLUMNS`), arm-level first."""
        parts = [frame for frame in (self.arm, self.reported, self.events) if len(frame)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=EFFECT_COLUMNS)

    @property
    def unusable(self) -> pd.DataFrame:
        """Every input row that could not be used, with its reason (:data:`EXCLUDED_COLUMNS`)."""
        parts = [frame for frame in (self.arm_excluded, self.reported_excluded, self.events_excluded) if len(frame)]
        return pd.concat(parts or [pd.DataFrame(columns=EXCLUDED_COLUMNS)], ignore_index=True)


def trial_effects(inputs: StageInputs) -> TrialEffects:
    """:func:`arm_level_effects`, :func:`reported_effects` and :func:`dichotomous_effects` of ``inputs``."""
    return TrialEffects(*arm_level_effects(inputs), *reported_effects(inputs), *dichotomous_effects(inputs))


def comparability_key(row: pd.Series) -> tuple[str, ...]:
    """The key of the analysis a trial effect belongs to.

    Arm-level: (outcome, value type, window); the measure is chosen per analysis (MD when every
    trial uses the same instrument, else SMD). Trial-reported: (outcome, measure, outcome_measure,
    window). Effects without a recorded time point are never pooled.
    """
    if row["data_source"] == ARM_LEVEL:
        return (str(row["outcome"]), str(row["value_type"]), str(row["window"]))
    if row["data_source"] == ARM_EVENTS:
        return (str(row["outcome"]), str(row["measure"]), EVENTS_VALUE_TYPE, str(row["window"]))
    return (str(row["outcome"]), str(row["measure"]), str(row["outcome_measure"]), str(row["window"]))


def poolable(row: pd.Series) -> bool:
    """Whether an effect may join a pooled analysis at all (a recorded time point is needed)."""
    return row["window"] != NO_TIMEPOINT
