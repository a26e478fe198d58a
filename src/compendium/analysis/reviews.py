"""Our results beside the published reviews' (``review_comparison``), with the reasons they differ
stated from the data: trial sets (k, n, whether the trial list is known), measure, time point,
model, population and comparison, and printed inconsistencies."""

from __future__ import annotations

import pandas as pd

from compendium.analysis.inputs import StageInputs, as_bool
from compendium.analysis.treatment import PRIMARY

#: review outcome codes that cover several of our outcome codes
REVIEW_OUTCOMES: dict[str, tuple[str, ...]] = {
    "function_any_scale": ("alsfrs_r", "alsfrs"),
    "alsfrs": ("alsfrs", "alsfrs_r"),
}
#: words in a review's subgroup label that name one of our exposure categories (risk question)
EXPOSURE_WORDS: dict[str, str] = {
    "athlete": "professional_sport",
    "occupational": "occupational_activity",
    "leisure": "leisure_time_activity",
    "vigorous": "vigorous_activity",
    "sport": "sport",
    "unclassified": "total_activity",
}
COLUMNS = ["outcome", "ours", "review", "theirs", "reasons", "review_id", "outcome_label", "subgroup"]


def _num(x: float) -> str:
    return f"{x:.2f}"


def _effect(measure: str, est: float, lo: float, hi: float) -> str:
    return f"{measure} {_num(est)} (95% CI {_num(lo)} to {_num(hi)})"


def theirs_text(row: pd.Series) -> str:
    """The review's result as printed: measure, estimate, CI, k, n, I2, p."""
    parts = []
    if pd.notna(row["estimate"]):
        measure = row["measure"] if pd.notna(row["measure"]) else "effect"
        parts.append(
            _effect(measure, row["estimate"], row["ci_low"], row["ci_high"])
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


def _exposure(subgroup: str) -> str | None:
    text = subgroup.lower()
    for word, category in EXPOSURE_WORDS.items():
        if word in text:
            return category
    return None


def _ours(
    row: pd.Series, pooled: pd.DataFrame, singles: pd.DataFrame, risk: pd.DataFrame, no_numbers: pd.DataFrame
) -> tuple[str, dict]:
    """Our matching result as display text, and facts for the reasons (k, measure, window, model)."""
    if row["outcome"] == "als_risk":
        category = _exposure(str(row["subgroup"]))
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
                f"{_effect(best['measure'], best['estimate'], best['ci_low'], best['ci_high'])}; k = {int(best['k'])} "
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
    codes = REVIEW_OUTCOMES.get(str(row["outcome"]), (str(row["outcome"]),))
    matching = pooled[
        (pooled["question"] == "treatment") & (pooled["subgroup"] == "all") & pooled["outcome"].isin(codes)
    ]
    if len(matching):
        best = matching.iloc[0]
        return (
            f"{_effect(best['measure'], best['estimate'], best['ci_low'], best['ci_high'])}; k = {int(best['k'])}, "
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
            f"{s['study']}: {_effect(s['measure'], s['estimate'], s['ci_low'], s['ci_high'])}, {s['outcome_measure']}, {s['window']}"
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


def review_comparison(
    inputs: StageInputs, pooled: pd.DataFrame, singles: pd.DataFrame, risk: pd.DataFrame, excluded: pd.DataFrame
) -> pd.DataFrame:
    """One row per review result (whole-review rows give context, not rows): ``outcome, ours,
    review, theirs, reasons`` then review_id, outcome_label, subgroup."""
    reviews = inputs.tables["review_results"].copy()
    labels = inputs.labels()
    studies = inputs.tables["studies"].set_index("study_id")
    whole = reviews[reviews["outcome"] == "all_outcomes"].drop_duplicates("study_id").set_index("study_id")
    no_numbers = excluded[excluded["reason"].astype(str).str.contains("only|no estimate", regex=True)]
    records = []
    for _, row in reviews[reviews["outcome"] != "all_outcomes"].iterrows():
        review_id = str(row["study_id"])
        name = labels.get(review_id, review_id)
        ours, facts = _ours(row, pooled, singles, risk, no_numbers)
        reasons = []
        if pd.notna(row["k"]):
            reasons.append(
                f"{name} reports k = {int(row['k'])} for this result"
                + (f" (n = {int(row['n'])})" if pd.notna(row["n"]) else "")
            )
        elif review_id in whole.index:
            w = whole.loc[review_id]
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
        if row["outcome"] == "alsfrs":
            reasons.append("their outcome is the original ALSFRS (0-40); our data are ALSFRS-R where available")
        reasons.append(f"their outcome and time point: {row['outcome_label']}; comparison: {row['subgroup']}")
        if facts.get("model"):
            model = row["model"] if pd.notna(row["model"]) else "not printed"
            reasons.append(f"model: theirs {model}; ours {facts['model']}")
        if review_id in studies.index:
            reasons.append(f"review design: {studies.loc[review_id, 'design']}")
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
