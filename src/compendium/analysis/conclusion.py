"""The stage-03 answer to the review's trial question (in the ALS review "does exercise help people
who have ALS, and is it safe?"), by stated rules.

The answer follows from the result tables, never from prose written ahead of time:

* **T1 "Probably yes"**: a pooled analysis of the primary set (randomised, non-intervention
  control, k >= 2) whose CI excludes no effect in favour of the intervention, with GRADE certainty
  Moderate or High.
* **T2 "Possibly"**: the same, with Low certainty.
* **T3 "Not established"**: otherwise. The reasons then say how many outcomes could be pooled,
  which single-trial results (primary set) favour the intervention with a CI that excludes no
  effect, which do not, and the best GRADE certainty.

A result "favours the intervention" when its CI lies entirely on the better side of no effect, the
better side given by ``higher_is_better``; a CI that excludes no effect with an unknown better side
is reported as "direction unclear". Safety is answered separately from the trials' rows of the
review's safety outcomes (``safety: true`` in ``review.yaml``; ``adverse_events`` in the ALS
review): how many randomised trials reported on them and how many found more harm with the
intervention. The words come from the declaration (``intervention.noun``).
"""

from __future__ import annotations

import pandas as pd

from compendium.analysis.treatment import PRIMARY
from compendium.bias.vocabulary import CERTAINTY_LEVELS
from compendium.review import Review
from compendium.vocabulary import RATIO_MEASURES

#: sides of a result: favours the intervention, the control, neither, or unclear
INTERVENTION, CONTROL, NEITHER, UNCLEAR = "intervention", "control", "neither", "unclear"
#: GRADE certainty needed for each positive answer
PROBABLY_YES_CERTAINTY = ("High", "Moderate")
POSSIBLY_CERTAINTY = ("Low",)


def favours(row: pd.Series, null: float | None = None) -> str:
    """``"intervention"``, ``"control"``, ``"unclear"`` (CI excludes no effect, better side unknown) or ``"neither"``;
    no effect is 1 for ratio measures (RR, OR: shown back-transformed), else 0, unless ``null`` is given."""
    if null is None:
        null = 1.0 if row.get("measure") in RATIO_MEASURES and row.get("log_scale", True) is not False else 0.0
    if row["ci_low"] <= null <= row["ci_high"]:
        return NEITHER
    better = row.get("higher_is_better")
    if pd.isna(better):
        return UNCLEAR
    above = row["ci_low"] > null
    return INTERVENTION if above == bool(better) else CONTROL


def _label(row: pd.Series) -> str:
    kind = (
        f", {row['value_type']}"
        if pd.notna(row.get("value_type")) and row.get("value_type") in ("final", "change", "slope")
        else ""
    )
    return (
        f"{row['study']} ({row['outcome']}{kind}: {row['measure']} {row['estimate']:.3g}, "
        f"{row['ci_low']:.3g} to {row['ci_high']:.3g})"
    )


def treatment_conclusion(
    pooled: pd.DataFrame,
    single_trial_results: pd.DataFrame,
    summary_of_findings: pd.DataFrame,
    rct_effects: pd.DataFrame,
    trials: pd.DataFrame,
    review: Review,
) -> dict:
    """``{"question_id", "question", "answer", "rule", "reasons", "safety"}`` from stage 03's tables
    (module docstring); the question is the review's trial question (:meth:`Review.question_for_role`)."""
    noun = review.intervention
    if "question" in summary_of_findings:
        summary_of_findings = summary_of_findings[summary_of_findings["question"] == "treatment"]
    certainty_of = dict(
        zip(summary_of_findings.get("analysis_id", pd.Series(dtype=str)), summary_of_findings["certainty"])
    )
    primary_pooled = pooled[(pooled["question"] == "treatment") & (pooled["analysis_set"] == PRIMARY)]
    if "subgroup" in primary_pooled.columns:
        primary_pooled = primary_pooled[primary_pooled["subgroup"] == "all"]
    positive = []
    for _, row in primary_pooled.iterrows():
        if favours(row) == INTERVENTION:
            positive.append((row["outcome_label"], certainty_of.get(row["analysis_id"], "not rated")))
    strong = [outcome for outcome, certainty in positive if certainty in PROBABLY_YES_CERTAINTY]
    moderate = [outcome for outcome, certainty in positive if certainty in POSSIBLY_CERTAINTY]

    singles = single_trial_results[single_trial_results["analysis_set"] == PRIMARY]
    directions = singles.apply(favours, axis=1) if len(singles) else pd.Series(dtype=str)
    level_of = {label: level for level, label in CERTAINTY_LEVELS.items()}
    ratings = [c for c in summary_of_findings["certainty"] if c in level_of]
    best = max(ratings, key=lambda c: level_of[c]) if ratings else "not rated"

    reasons = [
        f"{len(primary_pooled)} outcome(s) had at least two comparable randomised trials with usable numbers to pool"
        + (
            ""
            if len(primary_pooled)
            else "; every other outcome rests on a single trial or on trials that print no usable numbers"
        ),
    ]
    if len(singles):
        for side, text in (
            (INTERVENTION, f"favour {noun} (CI excludes no effect)"),
            (NEITHER, "show no clear difference"),
            (CONTROL, "favour the control"),
            (UNCLEAR, "exclude no effect, better side not recorded"),
        ):
            hits = singles[directions == side]
            if len(hits):
                reasons.append(f"single-trial results that {text}: " + "; ".join(_label(r) for _, r in hits.iterrows()))
    reasons.append(f"best GRADE certainty across the rated outcomes: {best}")

    if strong:
        answer, rule = f"Probably yes, for {', '.join(strong)}.", "T1"
    elif moderate:
        answer, rule = f"Possibly, for {', '.join(moderate)}; the certainty of the evidence is low.", "T2"
    else:
        answer, rule = (
            (
                "Not established. Single small trials suggest benefits on some outcomes, but no benefit is shown "
                "with at least low certainty."
                if (directions == INTERVENTION).any()
                else "Not established: no benefit is shown with at least low certainty."
            ),
            "T3",
        )
    question = review.question_for_role("treatment")
    return {
        "question_id": question.id if question else "",
        "question": question.text if question else "",
        "answer": answer,
        "rule": rule,
        "reasons": reasons,
        "safety": safety_summary(rct_effects, trials, review),
    }


def safety_summary(rct_effects: pd.DataFrame, trials: pd.DataFrame, review: Review) -> str:
    """One sentence on the review's safety outcomes (``safety: true``) from the randomised trials
    that reported on them; empty when the review declares no safety outcome."""
    if not review.safety_outcomes:
        return ""
    what = " or ".join(review.outcome_label(o) for o in review.safety_outcomes)
    randomised = set(trials.loc[trials["randomised"].astype(bool), "study_id"])
    events = rct_effects[rct_effects["outcome"].isin(review.safety_outcomes) & rct_effects["study_id"].isin(randomised)]
    if events.empty:
        return f"No randomised trial in the data reported on {what}."
    harmful = events[events["direction"] == "favours_control"]["study_id"].nunique()
    reporting = events["study_id"].nunique()
    return (
        f"{reporting} of {len(randomised)} randomised trials reported on {what}; {harmful} found more {what} "
        f"with {review.intervention}. The trials were small and short, so rare harms cannot be ruled out."
    )


def assumption_sentence(comparison: pd.DataFrame, intervention: str) -> str:
    """What the set with stated assumptions shows, in one or two sentences for the answer (empty
    when no pooled result rests on an assumption). ``comparison``: stage 03's
    ``assumption_comparison`` table. The answer's rules use printed numbers only; this only reports."""
    resting = comparison[comparison["assumption_ids"].fillna("").astype(str) != ""]
    if resting.empty:
        return ""
    parts = []
    for _, row in resting.iterrows():
        estimate = row["with_assumptions_estimate"]
        result = (
            f"{row['outcome_label']}: {row['measure']} {estimate:.3g} "
            f"(CI {row['with_assumptions_ci_low']:.3g} to {row['with_assumptions_ci_high']:.3g}), "
            f"k = {int(row['with_assumptions_k'])}, GRADE {str(row['with_assumptions_certainty']).lower()}"
        )
        if pd.isna(row["printed_estimate"]):
            result += ", not poolable from printed numbers"
        elif row["direction_differs"] or row["significance_differs"]:
            result += ", differing in direction or significance from the result from printed numbers"
        else:
            result += ", same direction and significance as from printed numbers"
        parts.append(result)
    return (
        f"Sensitivity analysis with the stated assumptions of the ledger (not used for this answer): "
        f"{len(parts)} pooled result(s) of {intervention} versus control rest on them; " + "; ".join(parts) + "."
    )
