"""Our results beside the published reviews' (``review_comparison``), with the reasons they differ
stated from the data: trial sets (k, n, whether the trial list is known), measure, time point,
model, population and comparison, and printed inconsistencies."""

from __future__ import annotations

import re

import pandas as pd

from compendium.analysis.inputs import StageInputs, as_bool
from compendium.analysis.risk import NOT_POOLED_CATEGORY
from compendium.analysis.treatment import PRIMARY
from compendium.review import Review
from compendium.shared import ci_label
from compendium.vocabulary import CONDITION_RISK, null_value

COLUMNS = ["outcome", "ours", "review", "theirs", "reasons", "review_id", "outcome_label", "subgroup"]


def _num(x: float) -> str:
    return f"{x:.2f}"


def _effect(measure: str, est: float, lo: float, hi: float, label: str, printed: bool = False) -> str:
    """``MD 4.60 (90% CI 0.41 to 8.79)``: ``label`` names the interval (:func:`compendium.shared.ci_label`);
    ``printed``: a source's interval, marked "as printed"."""
    return f"{measure} {_num(est)} ({label} {_num(lo)} to {_num(hi)}{', as printed' if printed else ''})"


def printed_ci_label(ci_level: float | None) -> str:
    """The label of an interval a source printed: its printed level, or that the level was not printed."""
    return "CI (level not printed)" if ci_level is None or pd.isna(ci_level) else ci_label(float(ci_level))


def theirs_text(row: pd.Series) -> str:
    """The review's result as printed: measure, estimate, CI, k, n, I2, p."""
    parts = []
    if pd.notna(row["estimate"]):
        measure = row["measure"] if pd.notna(row["measure"]) else "effect"
        parts.append(
            _effect(
                measure,
                row["estimate"],
                row["ci_low"],
                row["ci_high"],
                printed_ci_label(row.get("ci_level")),
                printed=True,
            )
            if pd.notna(row["ci_low"])
            else f"{measure} {_num(row['estimate'])} (no CI printed)"
        )
    counts = [
        f"k = {int(row['k'])}" if pd.notna(row["k"]) else "",
        f"n = {int(row['n'])}" if pd.notna(row["n"]) else "",
    ]
    parts += [c for c in counts if c]
    if pd.notna(row["i2"]):
        parts.append(f"I2 = {row['i2']:g}%")
    if pd.notna(row["p_value"]):
        parts.append(f"p {row['p_relation'] if pd.notna(row['p_relation']) else '='} {row['p_value']:g}")
    return "; ".join(parts) if parts else "no numbers printed"


def _exposure(subgroup: str, words: dict[str, tuple[str, ...]]) -> str | None:
    """The exposure category a review's subgroup label names: the first category of ``words``
    (category -> the words that name it, :attr:`compendium.review.Review.exposure_words`; ``other``
    never) one of whose words starts a word of the label."""
    text = subgroup.lower()
    named = (
        category
        for category, names in words.items()
        if category != NOT_POOLED_CATEGORY and any(re.search(rf"\b{re.escape(name)}", text) for name in names)
    )
    return next(named, None)


def _ours(
    row: pd.Series,
    codes: tuple[str, ...],
    exposure_words: dict[str, tuple[str, ...]],
    pooled: pd.DataFrame,
    singles: pd.DataFrame,
    risk: pd.DataFrame,
    no_numbers: pd.DataFrame,
    label: str,
) -> tuple[str, dict]:
    """Our matching result as display text, and facts for the reasons (k, measure, window, model);
    ``label`` names our intervals (the run's level, :func:`compendium.shared.ci_label`);
    ``codes`` are our outcome codes that answer the review's outcome (:meth:`Review.compared_codes`),
    ``exposure_words`` the words that name each declared exposure category (:func:`_exposure`)."""
    if row["outcome"] == CONDITION_RISK:
        category = _exposure(str(row["subgroup"]), exposure_words)
        if category is None:
            return "no matching analysis (exposure not identified)", {}
        matching = pooled[
            (pooled["question"] == "risk")
            & (pooled["subgroup"] == "all")
            & pooled["analysis_id"].str.contains(category, regex=False)
        ]
        if pd.notna(row["measure"]):
            matching = matching[matching["measure"] == row["measure"]]
        if len(matching):
            best = matching.iloc[0]
            return (
                f"{_effect(best['measure'], best['estimate'], best['ci_low'], best['ci_high'], label)}; "
                f"k = {int(best['k'])} "
                f"({best['analysis_id']})",
                {"k": int(best["k"]), "measure": best["measure"], "model": f"{best['method']}, {best['test']}"},
            )
        shown = risk[(risk["exposure_category"] == category) & risk["estimate"].notna() & risk["measure"].notna()]
        if pd.notna(row["measure"]):
            shown = shown[shown["measure"] == row["measure"]]
        if len(shown):
            return (
                "not pooled; single estimates: "
                + "; ".join(
                    sorted({f"{s['study']} {s['measure']} {_num(s['estimate'])}" for _, s in shown.iterrows()})
                ),
                {"k": 0},
            )
        return "no comparable estimate in our data", {"k": 0}
    matching = pooled[
        (pooled["question"] == "treatment") & (pooled["subgroup"] == "all") & pooled["outcome"].isin(codes)
    ]
    if len(matching):
        best = matching.iloc[0]
        return (
            f"{_effect(best['measure'], best['estimate'], best['ci_low'], best['ci_high'], label)}; "
            f"k = {int(best['k'])}, "
            f"{best['outcome_label']}",
            {
                "k": int(best["k"]),
                "measure": best["measure"],
                "model": f"{best['method']}, {best['test']}",
                "window": best["outcome_label"],
            },
        )
    single = singles[(singles["analysis_set"] == PRIMARY) & singles["outcome"].isin(codes)]
    if len(single):
        texts = [
            f"{s['study']}: {_effect(s['measure'], s['estimate'], s['ci_low'], s['ci_high'], label)}, "
            f"{s['outcome_measure']}, {s['window']}"
            for _, s in single.iterrows()
        ]
        return "not pooled (one trial per analysis): " + " | ".join(texts), {
            "k": 1,
            "measure": single.iloc[0]["measure"],
            "studies": sorted(set(single["study"])),
        }
    trials = sorted(set(no_numbers.loc[no_numbers["outcome"].isin(codes), "study"]))
    if trials:
        return "no analysable trial data: only p values or directions (" + ", ".join(trials) + ")", {"k": 0}
    return "no trial data for this outcome", {"k": 0}


def _substitutes_note(review: Review, outcome: str, codes: tuple[str, ...]) -> str:
    """'their outcome is X (0-40); ours may be Y' when the review's outcome is one of ours and the
    declaration compares other outcomes with it (``compared_with``); '' otherwise."""
    others = [code for code in codes if code != outcome]
    if outcome not in codes or not others:
        return ""
    declared = review.outcome(outcome)
    bounds = f" ({declared.range[0]:g}-{declared.range[1]:g})" if declared and declared.range else ""
    return f"their outcome is {review.outcome_label(outcome)}{bounds}; ours may be " + " or ".join(
        review.outcome_label(code) for code in others
    )


def review_comparison(
    inputs: StageInputs,
    pooled: pd.DataFrame,
    singles: pd.DataFrame,
    risk: pd.DataFrame,
    excluded: pd.DataFrame,
    level: float = 95.0,
) -> pd.DataFrame:
    """One row per review result (whole-review rows give context, not rows): ``outcome, ours,
    review, theirs, reasons`` then review_id, outcome_label, subgroup. Our intervals are labelled
    with the run's ``level``, the reviews' with the level they printed."""
    reviews = inputs.tables["review_results"].copy()
    labels = inputs.labels()
    studies = inputs.tables["studies"].set_index("study_id")
    whole = reviews[reviews["outcome"] == "all_outcomes"].drop_duplicates("study_id").set_index("study_id")
    no_numbers = excluded[excluded["reason"].astype(str).str.contains("only|no estimate", regex=True)]
    records = []
    exposure_words = inputs.review.exposure_words
    for _, row in reviews[reviews["outcome"] != "all_outcomes"].iterrows():
        review_id = str(row["study_id"])
        name = labels.get(review_id, review_id)
        codes = inputs.review.compared_codes(str(row["outcome"]))
        ours, facts = _ours(row, codes, exposure_words, pooled, singles, risk, no_numbers, ci_label(level))
        reasons = []
        if pd.notna(row["k"]):
            reasons.append(
                f"{name} reports k = {int(row['k'])} for this result"
                + (f" (n = {int(row['n'])})" if pd.notna(row["n"]) else "")
            )
        elif review_id in whole.index:
            w = whole.loc[[review_id]].iloc[0]  # the one row of review_id (whole's index is unique)
            size = f"{int(w['k'])} studies" if pd.notna(w["k"]) else "an unstated number of studies"
            reasons.append(
                f"k of this result not printed; {name} included {size}"
                + (f" (n = {int(w['n'])})" if pd.notna(w["n"]) else "")
            )
        else:
            reasons.append(f"k of this result not printed by {name}")
        reasons.append("its study list is not recorded here, so the study sets cannot be matched")
        k = facts.get("k")
        if k == 0:
            reasons.append("we have no poolable data for it")
        elif k == 1:
            reasons.append(
                "we have one trial with usable data per analysis (" + ", ".join(facts.get("studies", [])) + ")"
            )
        elif k:
            reasons.append(f"we pooled k = {k}")
        if facts.get("measure") and pd.notna(row["measure"]) and facts["measure"] != row["measure"]:
            reasons.append(f"measure differs: theirs {row['measure']}, ours {facts['measure']}")
        substitutes = _substitutes_note(inputs.review, str(row["outcome"]), codes)
        if substitutes:
            reasons.append(substitutes)
        reasons.append(f"their outcome and time point: {row['outcome_label']}; comparison: {row['subgroup']}")
        if facts.get("model"):
            model = row["model"] if pd.notna(row["model"]) else "not printed"
            reasons.append(f"model: theirs {model}; ours {facts['model']}")
        if review_id in studies.index:
            reasons.append(f"review design: {studies.loc[review_id, 'design']!s}")
        if as_bool(pd.Series([row["verified_as_printed"]])).iloc[0]:
            reasons.append("their printed numbers are inconsistent (kept as printed, flagged by check-reported)")
        if pd.isna(row["estimate"]):
            reasons.append("no effect size printed" + (" (p only)" if pd.notna(row["p_value"]) else ""))
        records.append(
            {
                "outcome": row["outcome"],
                "ours": ours,
                "review": name,
                "theirs": theirs_text(row),
                "reasons": "; ".join(reasons),
                "review_id": review_id,
                "outcome_label": row["outcome_label"],
                "subgroup": row["subgroup"],
            }
        )
    table = pd.DataFrame.from_records(records, columns=COLUMNS)
    return table.sort_values(["outcome", "review", "outcome_label", "subgroup"], kind="mergesort").reset_index(
        drop=True
    )


# --- agreement in direction and significance (both analysis sets) ---------------------------------

#: significance level at which our results and the reviews' are compared (reviews print p < 0.05)
SIGNIFICANCE_LEVEL = 0.05
#: the two analysis sets compared with the reviews: printed numbers only, and with the ledger
AGREEMENT_SETS = ("primary", "sensitivity")
_SET_FIELDS = ("analysis_id", "k", "estimate", "ci_low", "ci_high", "pval", "significant", "direction", "agrees")
AGREEMENT_COLUMNS = [
    "review_id",
    "review",
    "outcome",
    "outcome_label",
    "subgroup",
    "review_result",
    "review_significant",
    "review_direction",
    *(f"{label}_{name}" for label in AGREEMENT_SETS for name in _SET_FIELDS),
    "assumption_ids",
    "reasons",
]


def direction_text(estimate: float, null: float, intervention: str) -> str:
    """'higher with <intervention>', 'lower with <intervention>' or 'no difference' (the estimate beside no effect)."""
    if estimate > null:
        return f"higher with {intervention}"
    if estimate < null:
        return f"lower with {intervention}"
    return "no difference"


def review_significance(row: pd.Series) -> bool | None:
    """Whether a review's result is significant at :data:`SIGNIFICANCE_LEVEL`: from its printed p
    (``p_relation`` '<', '<=' or '=') or else from its CI excluding no effect; None when neither is printed."""
    if pd.notna(row["p_value"]):
        relation = str(row["p_relation"]).strip() if pd.notna(row["p_relation"]) else "="
        p = float(row["p_value"])
        if relation in ("<", "<="):
            return p <= SIGNIFICANCE_LEVEL
        if relation in (">", ">="):
            return False if p >= SIGNIFICANCE_LEVEL else None
        return p < SIGNIFICANCE_LEVEL
    if pd.notna(row["ci_low"]) and pd.notna(row["ci_high"]):
        null = null_value(row["measure"] if pd.notna(row["measure"]) else None)
        return not float(row["ci_low"]) <= null <= float(row["ci_high"])
    return None


def best_pooled(pooled: pd.DataFrame, outcomes: tuple[str, ...]) -> pd.Series | None:
    """The pooled treatment result answering a review outcome: overall rows (subgroup 'all') of at
    least two studies, our outcome codes in the given order, then the most studies, then the first listed."""
    if pooled.empty:
        return None
    rows = pooled[
        (pooled["question"] == "treatment")
        & (pooled["subgroup"].astype(str) == "all")
        & pooled["outcome"].astype(str).isin(outcomes)
        & (pd.to_numeric(pooled["k"]) >= 2)
    ]
    if rows.empty:
        return None
    order = rows.assign(_rank=rows["outcome"].map({o: i for i, o in enumerate(outcomes)}), _k=-pd.to_numeric(rows["k"]))
    return rows.loc[order.sort_values(["_rank", "_k"], kind="mergesort").index[0]]


def review_agreement(
    inputs: StageInputs, pooled: pd.DataFrame, pooled_with_assumptions: pd.DataFrame, question_id: str
) -> pd.DataFrame:
    """For every result of every published review of the trial question, whether our pooled result
    from printed numbers (``primary_*``) and our result with the stated assumptions
    (``sensitivity_*``) agree with it in significance (at :data:`SIGNIFICANCE_LEVEL`) and, when
    the review prints an estimate, in direction (:data:`AGREEMENT_COLUMNS`).

    ``agrees`` is missing when we have no pooled result of at least two studies for the outcome
    (or the review prints neither p nor CI); ``reasons`` says why results may differ: the trial
    sets (the reviews' lists are not recorded), our time windows, outcome codes that combine
    scales, and the ledger assumptions a sensitivity result rests on (``assumption_ids`` of
    ``pooled_with_assumptions``). Directions are the sign of the estimate beside no effect
    (intervention minus or over control), with the review's noun.
    """
    noun = inputs.review.intervention
    reviews = inputs.tables["review_results"]
    studies = inputs.tables["studies"]
    of_question = set(studies.loc[studies["question"].astype(str) == question_id, "study_id"].astype(str))
    labels = inputs.labels()
    whole = reviews[reviews["outcome"] == "all_outcomes"].drop_duplicates("study_id")
    included = {str(s): int(k) for s, k in zip(whole["study_id"], whole["k"]) if pd.notna(k)}
    chosen = reviews[reviews["study_id"].astype(str).isin(of_question) & (reviews["outcome"] != "all_outcomes")]
    records = []
    for _, row in chosen.iterrows():
        review_id = str(row["study_id"])
        name = labels.get(review_id, review_id)
        codes = inputs.review.compared_codes(str(row["outcome"]))
        significant = review_significance(row)
        null = null_value(row["measure"] if pd.notna(row["measure"]) else None)
        direction = direction_text(float(row["estimate"]), null, noun) if pd.notna(row["estimate"]) else None
        record: dict[str, object] = {
            "review_id": review_id,
            "review": name,
            "outcome": row["outcome"],
            "outcome_label": row["outcome_label"],
            "subgroup": row["subgroup"],
            "review_result": theirs_text(row),
            "review_significant": significant,
            "review_direction": direction,
            "assumption_ids": "",
        }
        if pd.notna(row["k"]):
            reasons = [f"{name} pooled k = {int(row['k'])} for this result"]
        elif review_id in included:
            reasons = [f"{name} included {included[review_id]} studies"]
        else:
            reasons = [f"{name} does not print how many studies it pooled"]
        reasons[0] += "; its study list is not recorded here, so the trial sets cannot be matched"
        for label, table in zip(AGREEMENT_SETS, (pooled, pooled_with_assumptions)):
            best = best_pooled(table, codes)
            if best is None:
                record.update({f"{label}_{name_}": None for name_ in _SET_FIELDS})
                reasons.append(f"no {label} pooled result (fewer than two of our trials report it comparably)")
                continue
            ours_significant = bool(float(best["pval"]) < SIGNIFICANCE_LEVEL)
            ours_direction = direction_text(float(best["estimate"]), null_value(str(best["measure"])), noun)
            agrees = None
            if significant is not None:
                agrees = ours_significant == significant and (direction is None or ours_direction == direction)
            record.update(
                {
                    f"{label}_analysis_id": best["analysis_id"],
                    f"{label}_k": int(best["k"]),
                    f"{label}_estimate": float(best["estimate"]),
                    f"{label}_ci_low": float(best["ci_low"]),
                    f"{label}_ci_high": float(best["ci_high"]),
                    f"{label}_pval": float(best["pval"]),
                    f"{label}_significant": ours_significant,
                    f"{label}_direction": ours_direction,
                    f"{label}_agrees": agrees,
                }
            )
            reasons.append(f"our {label} result: {best['outcome_label']} (trials pooled only within one time window)")
            if len(codes) > 1:
                reasons.append(f"the review's outcome may combine scales; ours is {best['outcome']} only")
            ids = str(best.get("assumption_ids", "") or "") if label == "sensitivity" else ""
            if ids and ids != "nan":
                record["assumption_ids"] = ids
                reasons.append("the sensitivity result rests on stated assumptions: " + ids)
        if direction is None:
            reasons.append("the review prints no estimate, so only significance is compared")
        record["reasons"] = "; ".join(reasons)
        records.append(record)
    table = pd.DataFrame.from_records(records, columns=AGREEMENT_COLUMNS)
    return table.sort_values(["review", "outcome", "outcome_label"], kind="mergesort").reset_index(drop=True)
