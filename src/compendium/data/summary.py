"""Stage-01 summaries of the evidence base: studies per stream, the flow into the analyses
(PRISMA-style), and the coverage table (for each study and outcome, what data exist)."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from compendium.shared import study_labels
from compendium.vocabulary import CONDITION_RISK, STREAM_ORDER

#: the tables whose rows are estimates of the risk question's outcome (they have no outcome column)
RISK_TABLES = ("observational", "mr_estimates")


def measured_outcomes(tables: dict[str, pd.DataFrame]) -> set[str]:
    """The outcome ids with data: named in any table's ``outcome`` column, and
    :data:`~compendium.vocabulary.CONDITION_RISK` when a risk table (:data:`RISK_TABLES`) has rows.

    Examples
    --------
    >>> events = pd.DataFrame({"outcome": ["death", None]})
    >>> sorted(measured_outcomes({"dichotomous_outcomes": events, "observational": pd.DataFrame()}))
    ['death']
    """
    measured = {str(o) for t in tables.values() if "outcome" in t.columns for o in t["outcome"].dropna()}
    if any(len(tables[name]) for name in RISK_TABLES if name in tables):
        measured.add(CONDITION_RISK)
    return measured


def stream_counts(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Number of studies per question and evidence stream (from ``studies``)."""
    studies = tables["studies"]
    counts = studies.groupby(["question", "stream"]).size().rename("studies").reset_index()
    counts["order"] = counts["stream"].map({s: i for i, s in enumerate(STREAM_ORDER)})
    return counts.sort_values(["order", "question"]).drop(columns="order").reset_index(drop=True)


#: why a trial is not in the primary set
ACTIVE_COMPARATOR_REASON = "active comparator (both arms {intervention})"
NOT_RANDOMISED_REASON = "not randomised"


def primary_trials(tables: dict[str, pd.DataFrame], intervention: str = "intervention") -> pd.DataFrame:
    """Trials eligible for the primary analysis: randomised and compared with a non-exercise control.

    Returns ``trials`` with a boolean column ``primary`` and ``exclusion_reason`` (empty when eligible).
    """
    trials = tables["trials"].copy()
    reasons = pd.Series("", index=trials.index, dtype="string")
    reasons[trials["comparator_type"] == "active_intervention"] = ACTIVE_COMPARATOR_REASON.format(
        intervention=intervention
    )
    reasons[trials["randomised"] == False] = NOT_RANDOMISED_REASON  # noqa: E712 (nullable boolean)
    trials["exclusion_reason"] = reasons
    trials["primary"] = reasons == ""
    return trials


def evidence_flow(
    tables: dict[str, pd.DataFrame], intervention: str = "intervention", questions: Collection[str] | None = None
) -> pd.DataFrame:
    """PRISMA-style flow: how many studies reach each step, per question.

    Columns: ``question, step, studies, note``. Treatment: intervention studies recorded ->
    excluded (not randomised; active comparator) -> randomised vs non-intervention control -> with
    arm-level continuous data -> with a trial-reported between-group effect. Risk: studies per
    stream and those with a numeric estimate. ``questions``: the review's declared question ids
    (``treatment``, ``risk``); the treatment steps are left out when no treatment question is
    declared (None: every step).
    """
    trials = primary_trials(tables, intervention)
    active = ACTIVE_COMPARATOR_REASON.format(intervention=intervention)
    primary_ids = set(trials.loc[trials["primary"], "study_id"])
    arm_level = set(tables["continuous_outcomes"].dropna(subset=["mean"])["study_id"])
    effects = set(tables["rct_effects"].dropna(subset=["estimate"])["study_id"])
    treatment_rows = [
        ("treatment", f"intervention studies of {intervention} recorded", len(trials), ""),
        (
            "treatment",
            "excluded: not randomised",
            int((trials["exclusion_reason"] == NOT_RANDOMISED_REASON).sum()),
            "shown, not pooled",
        ),
        (
            "treatment",
            "excluded: active comparator",
            int((trials["exclusion_reason"] == active).sum()),
            "shown, not pooled",
        ),
        ("treatment", f"randomised vs non-{intervention} control (primary set)", len(primary_ids), ""),
        (
            "treatment",
            "primary set with arm-level continuous data",
            len(primary_ids & arm_level),
            "mean with n and a dispersion, for pooling",
        ),
        ("treatment", "primary set with a reported between-group effect", len(primary_ids & effects), ""),
        (
            "treatment",
            "published reviews / meta-analyses (comparison)",
            int((tables["studies"]["stream"] == "review").sum()),
            "not pooled with trials",
        ),
    ]
    rows = treatment_rows if questions is None or "treatment" in questions else []
    studies = tables["studies"]
    numeric = {
        "observational_athletes": set(tables["observational"].dropna(subset=["estimate"])["study_id"]),
        "observational_general": set(tables["observational"].dropna(subset=["estimate"])["study_id"]),
        "mendelian_randomization": set(tables["mr_estimates"].dropna(subset=["estimate"])["study_id"]),
        "mr_meta_analysis": set(tables["mr_estimates"].dropna(subset=["estimate"])["study_id"]),
    }
    for stream in STREAM_ORDER:
        ids = set(studies.loc[(studies["stream"] == stream) & (studies["question"] == "risk"), "study_id"])
        if not ids:
            continue
        rows.append(("risk", f"{stream.replace('_', ' ')} studies recorded", len(ids), ""))
        if stream in numeric:
            rows.append(
                ("risk", f"{stream.replace('_', ' ')} with a numeric estimate and CI", len(ids & numeric[stream]), "")
            )
    return pd.DataFrame(rows, columns=["question", "step", "studies", "note"])


def coverage_table(tables: dict[str, pd.DataFrame], intervention: str = "intervention") -> pd.DataFrame:
    """For each trial and outcome, what data exist.

    Cell values: ``arm-level final``, ``arm-level change`` (or both, joined by ``+``),
    ``effect`` where the trial reports a between-group estimate, ``direction only`` where it
    reports only which arm did better, and empty where nothing was extracted.
    """
    outcomes = tables["continuous_outcomes"].dropna(subset=["mean"])
    parts: dict[tuple[str, str], set[str]] = {}
    for row in outcomes.itertuples():
        parts.setdefault((str(row.study_id), str(row.outcome)), set()).add(f"arm-level {row.value_type}")
    for row in tables["rct_effects"].itertuples():
        # pandas-stubs: a row field may be a Period or Interval, which their notna stub leaves out (pandas takes it)
        kind = "effect" if pd.notna(row.estimate) else ("p only" if pd.notna(row.p_value) else "direction only")  # type: ignore[arg-type]
        parts.setdefault((str(row.study_id), str(row.outcome)), set()).add(kind)
    trials = primary_trials(tables, intervention)
    labels = study_labels(tables["studies"])
    outcome_names = sorted({outcome for _, outcome in parts})
    records = []
    for trial in trials.itertuples():
        record = {
            "study_id": trial.study_id,
            "study": labels.get(str(trial.study_id), str(trial.study_id)),
            "set": "primary" if trial.primary else trial.exclusion_reason,
        }
        for outcome in outcome_names:
            record[outcome] = " + ".join(sorted(parts.get((str(trial.study_id), outcome), set())))
        records.append(record)
    return pd.DataFrame.from_records(records, columns=["study_id", "study", "set", *outcome_names])
