"""The stage-03 answer to the review's trial question (in the ALS review "does exercise help people
who have ALS, and is it safe?"), by stated rules.

The answer follows from the result tables, never from prose written ahead of time. A question
declares what it asks (``asks`` in ``review.yaml``: ``benefit``, ``harm`` or ``effect``; default
``benefit`` when the outcomes say which side is better). The pooled analyses of the primary set
(randomised, non-intervention control, k >= 2, all subgroups) are read with their GRADE certainty:
a result "shows benefit" when its CI lies entirely on the better side of no effect, "shows harm"
when entirely on the worse side (the better side given by ``higher_is_better``), in both cases with
at least Low certainty.

* **T1 "Yes" / "Probably yes"**: the question asks about benefit (harm) and a result shows benefit
  (harm) with High / Moderate certainty, and none shows the opposite.
* **T2 "Possibly"**: the same, with Low certainty only.
* **T4 "The data point the other way"**: a result shows the opposite of what is asked, and
  none what is asked (harm when benefit is asked, benefit when harm is asked). The lead names the
  side the data show and says no bare "No": the question's text is the reviewer's own words, and
  "Does lidocaine increase mortality? No: ..." (``asks`` left at its default, benefit) would read
  as a denial of the harm the data show.
* **T5 "Mixed"**: results show benefit on some outcomes and harm on others.
* **E1 "An effect is shown"**: the question asks about any effect, and a result's CI excludes no
  effect with at least Low certainty.
* **T3 "Not established"**: otherwise. The reasons then say how many outcomes could be pooled,
  which single-trial results (primary set) favour the intervention with a CI that excludes no
  effect, which do not, and the best GRADE certainty.

Every pooled result of the primary set follows the answer as a GRADE informative statement
(:func:`compendium.bias.plain_language.informative_statement`): the verb from the direction of its
CI, the hedge from its certainty. A CI that excludes no effect with an unknown better side is
reported as "direction unclear". Safety is answered separately for the review's safety outcomes
(``safety: true`` in ``review.yaml``) from every kind of data the review has on them: pooled
results, arm-level event counts and effects the trials printed, of randomised trials. The words
come from the declaration (``intervention.noun``, ``comparator.noun``, outcome labels).
"""

from __future__ import annotations

import pandas as pd

from compendium.analysis.pooling import pooled_with_declared_settings
from compendium.analysis.treatment import CONTROL_ROLE, INTERVENTION_ROLE, PRIMARY
from compendium.analysis.windows import ALL_TIMEPOINTS, NO_TIMEPOINT
from compendium.bias.plain_language import direction, in_sentence, informative_statement, oriented_direction
from compendium.bias.vocabulary import CERTAINTY_LEVELS
from compendium.effects import DEFAULT_CI_LEVEL
from compendium.review import Outcome, Review
from compendium.shared import ci_label
from compendium.vocabulary import RATIO_MEASURES

#: sides of a result: favours the intervention, the control, neither, or unclear
INTERVENTION, CONTROL, NEITHER, UNCLEAR = "intervention", "control", "neither", "unclear"
#: GRADE certainty needed for each positive answer
PROBABLY_YES_CERTAINTY = ("High", "Moderate")
POSSIBLY_CERTAINTY = ("Low",)
#: certainty at which a result counts as shown (T1, T2, T4, T5, E1)
SHOWN_CERTAINTY = PROBABLY_YES_CERTAINTY + POSSIBLY_CERTAINTY


def null_of(row: pd.Series) -> float:
    """No effect: 1 for ratio measures shown back-transformed (RR, OR), else 0."""
    return 1.0 if row.get("measure") in RATIO_MEASURES and row.get("log_scale", True) is not False else 0.0


def favours(row: pd.Series, null: float | None = None) -> str:
    """``"intervention"``, ``"control"``, ``"unclear"`` (CI excludes no effect, better side unknown) or ``"neither"``;
    no effect is 1 for ratio measures (RR, OR: shown back-transformed), else 0, unless ``null`` is given."""
    if null is None:
        null = null_of(row)
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


def _number(value: object) -> str:
    return f"{float(value):.2f}" if abs(float(value)) < 100 else f"{float(value):.0f}"  # type: ignore[arg-type]  # a table cell


def outcome_words(row: pd.Series, review: Review) -> str:
    """A pooled result's outcome in the declared words: the outcome's label, and its time window
    when the review declares windows (``at 0-4 months``)."""
    window = str(row.get("window") or "")
    label = review.outcome_label(str(row["outcome"]))
    if window and window not in (ALL_TIMEPOINTS, "nan"):
        return f"{label} ({window})" if window == NO_TIMEPOINT else f"{label} at {window}"
    return label


def outcome_direction(
    measure: str, ci_low: float, ci_high: float, outcome: Outcome | None, oriented: bool = True
) -> str:
    """What a result says happens to the outcome: an SMD is oriented so that positive values favour the
    intervention (:mod:`compendium.analysis.pooling`), so its side is turned back with the outcome's
    declared ``higher_is_better``; other measures, and an SMD that is not ``oriented`` (pooled with the
    outcome's declared settings: RevMan's, experimental minus control), are on the outcome's own scale."""
    null = 1.0 if measure in RATIO_MEASURES else 0.0
    if measure == "SMD" and oriented:
        return oriented_direction(ci_low, ci_high, null, outcome.higher_is_better if outcome else None)
    return direction(ci_low, ci_high, null)


def result_statement(row: pd.Series, certainty: str, review: Review, level: float = DEFAULT_CI_LEVEL) -> str:
    """A pooled result as a GRADE informative statement with its numbers and certainty, e.g.
    ``Lidocaine probably increases mortality (RR 1.70, 95% CI 1.15 to 2.51; 6 studies, 1,106 participants;
    moderate certainty)``; the interval is labelled with its ``level`` (the stage's parameter); an
    unrated result says "certainty not rated" and keeps the numbers only. The intervention is named
    with the noun of the outcome's comparison (:meth:`Review.comparison_of`)."""
    intervention = review.comparison_of(str(row["outcome"])).intervention
    label = outcome_words(row, review)
    k = int(row["k"]) if pd.notna(row.get("k")) else None
    participants = row.get("participants")
    size = ", ".join(
        part
        for part in (
            f"{k} {'study' if k == 1 else 'studies'}" if k is not None else "",
            f"{int(participants):,} participants" if pd.notna(participants) else "",
        )
        if part
    )
    numbers = (
        f"{row['measure']} {_number(row['estimate'])}, {ci_label(level)} {_number(row['ci_low'])} to "
        f"{_number(row['ci_high'])}"
    )
    if certainty not in CERTAINTY_LEVELS.values():
        return f"{label}: {numbers}{'; ' + size if size else ''}; certainty not rated"
    way = outcome_direction(
        str(row["measure"]),
        float(row["ci_low"]),
        float(row["ci_high"]),
        review.outcome(str(row["outcome"])),
        oriented=not pooled_with_declared_settings(row),
    )
    statement = informative_statement(intervention, label, way, certainty)
    return f"{statement} ({numbers}{'; ' + size if size else ''}; {certainty.lower()} certainty)"


#: answer words per rule and what the question asks
_SHOWN = {"benefit": INTERVENTION, "harm": CONTROL}
_OPPOSITE = {"benefit": CONTROL, "harm": INTERVENTION}
_SIDE_WORD = {INTERVENTION: "benefit", CONTROL: "harm"}


def _answer(asks: str, rated: list[tuple[str, str]], singles_favour: bool) -> tuple[str, str]:
    """``(lead, rule)`` from ``rated``: (side, certainty) of each pooled result (module docstring)."""
    shown = [(side, c) for side, c in rated if c in SHOWN_CERTAINTY]
    if asks == "effect" or asks not in _SHOWN:
        if any(side != NEITHER for side, _ in shown):
            return "An effect is shown:", "E1"
        return "Not established: no effect is shown with at least low certainty.", "T3"
    wanted = [c for side, c in shown if side == _SHOWN[asks]]
    opposite = [c for side, c in shown if side == _OPPOSITE[asks]]
    if wanted and opposite:
        return "Mixed: the results show benefit on some outcomes and harm on others.", "T5"
    if opposite:
        return f"The data point to {_SIDE_WORD[_OPPOSITE[asks]]}, not {asks}.", "T4"
    if any(c == "High" for c in wanted):
        return "Yes.", "T1"
    if any(c in PROBABLY_YES_CERTAINTY for c in wanted):
        return "Probably yes.", "T1"
    if wanted:
        return "Possibly; the certainty of the evidence is low.", "T2"
    if singles_favour and asks == "benefit":
        return (
            "Not established. Single small trials suggest benefits on some outcomes, but no benefit is shown "
            "with at least low certainty.",
            "T3",
        )
    return f"Not established: no {asks} is shown with at least low certainty.", "T3"


def treatment_conclusion(
    pooled: pd.DataFrame,
    single_trial_results: pd.DataFrame,
    summary_of_findings: pd.DataFrame,
    rct_effects: pd.DataFrame,
    trials: pd.DataFrame,
    review: Review,
    arm_events: pd.DataFrame | None = None,
    level: float = DEFAULT_CI_LEVEL,
) -> dict:
    """``{"question_id", "question", "asks", "lead", "answer", "rule", "statements", "reasons", "safety"}`` from
    stage 03's tables (module docstring); the question is the review's trial question
    (:meth:`Review.question_for_role`); ``arm_events``: the data package's ``dichotomous_outcomes``
    with the ``role`` of each arm (:func:`compendium.analysis.treatment.with_arm_roles`); ``level``: the
    confidence level of the pooled intervals, named in every statement."""
    noun = review.intervention
    if "question" in summary_of_findings:
        summary_of_findings = summary_of_findings[summary_of_findings["question"] == "treatment"]
    certainty_of = dict(
        zip(summary_of_findings.get("analysis_id", pd.Series(dtype=str)), summary_of_findings["certainty"])
    )
    primary_pooled = primary_results(pooled)
    question = review.question_for_role("treatment")
    asks = question.asks if question else "effect"
    rated = []
    ranked = []
    for _, row in primary_pooled.iterrows():
        certainty = str(certainty_of.get(row["analysis_id"], "not rated"))
        side = favours(row)
        rated.append((side, certainty))
        ranked.append((side == NEITHER, -_level(certainty), result_statement(row, certainty, review, level)))
    statements = [text for *_, text in sorted(ranked, key=lambda r: (r[0], r[1]))]

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
            (CONTROL, f"favour {review.comparator} (CI excludes no effect)"),
            (UNCLEAR, "exclude no effect, better side not recorded"),
        ):
            hits = singles[directions == side]
            if len(hits):
                reasons.append(f"single-trial results that {text}: " + "; ".join(_label(r) for _, r in hits.iterrows()))
    reasons.append(f"best GRADE certainty across the rated outcomes: {best}")

    lead, rule = _answer(asks, rated, bool((directions == INTERVENTION).any()))
    answer = " ".join([lead, *(f"{s}." for s in statements)])
    return {
        "question_id": question.id if question else "",
        "question": question.text if question else "",
        "asks": asks,
        "lead": lead,
        "answer": answer,
        "rule": rule,
        "statements": statements,
        "reasons": reasons,
        "safety": safety_summary(rct_effects, trials, review, pooled, arm_events, certainty_of, level),
    }


def _level(certainty: str) -> int:
    return next((level for level, label in CERTAINTY_LEVELS.items() if label == certainty), 0)


def _trials(n: int) -> str:
    return "trial" if n == 1 else "trials"


def primary_results(pooled: pd.DataFrame) -> pd.DataFrame:
    """The trial question's pooled results of the primary set, over all subgroups."""
    rows = pooled[(pooled["question"] == "treatment") & (pooled["analysis_set"] == PRIMARY)]
    if "subgroup" in rows.columns:
        rows = rows[rows["subgroup"] == "all"]
    return rows


def safety_summary(
    rct_effects: pd.DataFrame,
    trials: pd.DataFrame,
    review: Review,
    pooled: pd.DataFrame | None = None,
    arm_events: pd.DataFrame | None = None,
    certainty_of: dict[str, str] | None = None,
    level: float = DEFAULT_CI_LEVEL,
) -> str:
    """Sentences on the review's safety outcomes (``safety: true``) from the randomised trials that
    reported on them, using every kind of data: pooled results (with their GRADE certainty from
    ``certainty_of``, analysis_id -> certainty), arm-level event counts (``arm_events``, the data
    package's ``dichotomous_outcomes`` with the ``role`` of each arm,
    :func:`compendium.analysis.treatment.with_arm_roles`) and printed effects (``rct_effects``). Empty when the review
    declares no safety outcome; "no randomised trial ... reported" only when no table has a row."""
    if not review.safety_outcomes:
        return ""
    randomised = set(trials.loc[trials["randomised"].astype(bool), "study_id"])
    noun, comparator = review.intervention, review.comparator
    sentences = []
    for outcome in review.safety_outcomes:
        what = in_sentence(review.outcome_label(outcome))
        parts = []
        reporting: set[str] = set()
        if pooled is not None and not pooled.empty:
            rows = primary_results(pooled)
            for _, row in rows[rows["outcome"] == outcome].iterrows():
                certainty = (certainty_of or {}).get(row["analysis_id"], "not rated")
                parts.append(f"pooled result: {result_statement(row, str(certainty), review, level)}")
        if arm_events is not None and not arm_events.empty:
            events = arm_events[arm_events["outcome"].eq(outcome) & arm_events["study_id"].isin(randomised)]
            if not events.empty:
                reporting |= set(events["study_id"])
                by_role: dict = (
                    events.groupby("role")[["events", "total"]].sum(min_count=1).astype(float).to_dict("index")
                )
                counts = [
                    f"{by_role[role]['events']:.0f} of {by_role[role]['total']:,.0f} with {word}"
                    for role, word in ((INTERVENTION_ROLE, noun), (CONTROL_ROLE, comparator))
                    if role in by_role and pd.notna(by_role[role]["events"]) and pd.notna(by_role[role]["total"])
                ]
                if counts:
                    trials_n = events["study_id"].nunique()
                    parts.append(
                        f"{' and '.join(counts)} had {what} ({trials_n} {_trials(trials_n)}, arm-level counts)"
                    )
        printed = rct_effects[rct_effects["outcome"].eq(outcome) & rct_effects["study_id"].isin(randomised)]
        if not printed.empty:
            reporting |= set(printed["study_id"])
            harmful = printed[printed["direction"] == "favours_control"]["study_id"].nunique()
            printing = printed["study_id"].nunique()
            parts.append(
                f"of {printing} {_trials(printing)} that printed an effect, {harmful or 'none'} found more {what} "
                f"with {noun}"
            )
        if not parts:
            sentences.append(f"No randomised trial in the data reported on {what}.")
            continue
        lead = (
            f"{len(reporting)} of {len(randomised)} randomised trials reported on {what}"
            if reporting
            else what[:1].upper() + what[1:]
        )
        sentences.append(f"{lead}: " + "; ".join(parts) + ".")
    return " ".join(sentences)


def assumption_sentence(
    comparison: pd.DataFrame, intervention: str, comparator: str = "control", level: float = DEFAULT_CI_LEVEL
) -> str:
    """What the set with stated assumptions shows, in one or two sentences for the answer (empty
    when no pooled result rests on an assumption). ``comparison``: stage 03's
    ``assumption_comparison`` table; ``intervention``, ``comparator``: the review's nouns; ``level``:
    the confidence level of its intervals. The answer's
    rules use printed numbers only; this only reports."""
    resting = comparison[comparison["assumption_ids"].fillna("").astype(str) != ""]
    if resting.empty:
        return ""
    parts = []
    for _, row in resting.iterrows():
        estimate = row["with_assumptions_estimate"]
        result = (
            f"{row['outcome_label']}: {row['measure']} {estimate:.3g} "
            f"({ci_label(level)} {row['with_assumptions_ci_low']:.3g} to {row['with_assumptions_ci_high']:.3g}), "
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
        f"{len(parts)} pooled result(s) of {intervention} versus {comparator} rest on them; " + "; ".join(parts) + "."
    )
