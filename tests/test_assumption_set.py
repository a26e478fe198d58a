"""Stage 03's set with stated assumptions (compendium.analysis.assumption_set), the report's section
on it and the agreement with published reviews, on SYNTHETIC data (tests/synthetic_packages.py:
invented numbers, NOT evidence). Works for any review: the ALS ledger is tested in
tests/review/test_als_assumptions.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from compendium.analysis.assumption_set import (
    APPLIED_TABLE_COLUMNS,
    COMPARISON_COLUMNS,
    POOLED_ASSUMPTION_COLUMNS,
    applied_table,
    comparison_table,
    empty_tables,
)
from compendium.analysis.conclusion import assumption_sentence
from compendium.analysis.grading import add_risk_of_bias_levels
from compendium.analysis.inputs import StageInputs
from compendium.analysis.reviews import AGREEMENT_COLUMNS, review_agreement, review_significance
from compendium.assumptions import APPLIED_COLUMNS, LEDGER_COLUMNS
from compendium.bias.grade import grade_outcome
from compendium.report.inputs import load_results
from compendium.review import load_review, parse_review
from compendium.stages import meta_analysis
from synthetic_packages import RCT_ONLY_REVIEW, SOURCE, _trial, rct_only_rows, write_package
from test_stages_pipeline import STAGES, build

N = 40
S4_KEY = "arm={arm}; outcome=days_off; timepoint_weeks=12; value_type=final"


def ledger_rows() -> dict[str, list[dict]]:
    """SYNTHETIC: the RCT-only package plus trial s4, whose days-off means carry an unlabelled '±'
    value and no n, and a ledger of four rows ('±' read as SD, n analysed = n randomised)."""
    rows = rct_only_rows(N)
    for name, items in _trial("s4", "individual", N, 2013).items():
        rows.setdefault(name, []).extend(items)
    for arm, mean, pm in (("edu", 5.1, 3.1), ("uc", 7.9, 3.3)):
        rows["continuous_outcomes"].append(
            {
                "study_id": "s4",
                "arm": arm,
                "outcome": "days_off",
                "outcome_measure": "days_off (synthetic)",
                "higher_is_better": "false",
                "timepoint_weeks": 12,
                "value_type": "final",
                "mean": mean,
                "plus_minus": pm,
                "source_id": SOURCE["source_id"],
                "locator": "synthetic",
            }
        )
    rows["assumptions"] = [
        {
            "assumption_id": f"s4_{arm}_{column}",
            "table": "continuous_outcomes",
            "study_id": "s4",
            "row_key": S4_KEY.format(arm=arm),
            "column": column,
            "kind": kind,
            "derive_from": derive,
            "justification": f"synthetic justification {arm} {column}",
            "method_source": "Cochrane Handbook 6.5.2 (synthetic test)",
            "source_id": SOURCE["source_id"],
            "locator": "synthetic",
        }
        for column, kind, derive in (
            ("sd", "pm_is_sd", "plus_minus"),
            ("n", "n_analysed_is_n_randomised", "arms.n_randomised"),
        )
        for arm in ("edu", "uc")
    ]
    rows["assumptions_rejected"] = [
        {
            "rejection_id": "s1_borrow",
            "study_id": "s1",
            "kind": "sd_borrowed",
            "target": "synthetic target",
            "reason": "synthetic reason for rejecting",
            "method_source": "Cochrane Handbook 6.5.2 (synthetic test)",
            "source_id": SOURCE["source_id"],
            "locator": "synthetic",
        }
    ]
    return rows


@pytest.fixture(scope="module")
def with_ledger(tmp_path_factory):
    return build(tmp_path_factory.mktemp("ledger"), RCT_ONLY_REVIEW, ledger_rows())


def _read(results: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(results / "03_meta_analysis" / "tables" / f"{name}.csv")


def test_the_set_with_assumptions_pools_the_extra_trial(with_ledger) -> None:
    outputs, results, html = with_ledger
    primary = _read(results, "pooled")
    assumed = _read(results, "pooled_with_assumptions")
    assert list(assumed.columns) == POOLED_ASSUMPTION_COLUMNS
    p = primary[(primary["outcome"] == "days_off") & (primary["subgroup"] == "all")].iloc[0]
    a = assumed[(assumed["outcome"] == "days_off") & (assumed["subgroup"] == "all")].iloc[0]
    assert (p["k"], a["k"]) == (3, 4) and p["analysis_id"] == a["analysis_id"]
    assert a["numbers"] == "with_assumptions"
    assert a["assumption_ids"] == "s4_edu_sd; s4_uc_sd; s4_edu_n; s4_uc_n"
    studies = _read(results, "study_effects_with_assumptions").set_index("study_id")
    assert studies.loc["s4", "yi"] == pytest.approx(5.1 - 7.9)  # MD from the assumed SDs and ns
    assert studies.loc["s4", "vi"] == pytest.approx(3.1**2 / N + 3.3**2 / N)
    assert a["assumption_weight_share"] == pytest.approx(studies.loc["s4", "weight"] / 100)
    assert studies["assumption_ids"].isna().sum() == 3
    applied = _read(results, "assumptions_applied")
    assert list(applied.columns) == APPLIED_TABLE_COLUMNS
    assert applied["value_after"].tolist() == [3.1, 3.3, N, N]
    assert (applied["analysis_ids"] == a["analysis_id"]).all()
    comparison = _read(results, "assumption_comparison").set_index("analysis_id")
    row = comparison.loc[a["analysis_id"]]
    assert not row["direction_differs"] and not row["significance_differs"]
    assert row["grade_assumptions"].startswith("Not rated down for assumptions")
    # the symptom-score analysis is not pooled in either set (one trial): no row
    assert list(comparison.index) == [a["analysis_id"]]
    assert f"forest-assumptions-{a['analysis_id']}" in outputs["03_meta_analysis"].figures


def test_the_answer_uses_printed_numbers_and_mentions_the_assumptions(with_ledger) -> None:
    _, results, html = with_ledger
    answer = json.loads((results / "03_meta_analysis" / "tables" / "conclusion.json").read_text(encoding="utf-8"))
    assert answer["reasons"][0].startswith("1 outcome(s)")
    assert "rest on them" in answer["answer"] and "education versus usual care" in answer["answer"]
    assert "same direction and significance as from printed numbers" in answer["answer"]
    assert 'id="findings-assumptions"' in html and 'id="table-assumption-ledger"' in html
    assert "synthetic justification edu sd" in html and "synthetic reason for rejecting" in html
    text = re.sub(r'src="data:[^"]*"', "", html)  # embedded figures are base64
    for word in ("ALS", "amyotrophic", "exercise", "Exercise"):
        assert word not in text, word


def test_ledger_off_gives_the_outputs_of_a_package_without_ledger(with_ledger, tmp_path) -> None:
    _, results, _ = with_ledger
    review = load_review(results.parent / "review.yaml")
    raw = results.parent / "data" / "raw"
    off = tmp_path / "off"
    meta_analysis.run(review, raw, results, off, use_assumptions=False)
    rows = ledger_rows()
    rows.pop("assumptions")
    rows.pop("assumptions_rejected")
    _, plain, _ = build(tmp_path / "plain", RCT_ONLY_REVIEW, rows)
    plain = plain / "03_meta_analysis"
    for path in sorted((plain / "tables").glob("*.csv")):
        assert path.read_bytes() == (off / "tables" / path.name).read_bytes(), path.name
    for path in sorted((plain / "figures").glob("*.png")):
        assert path.read_bytes() == (off / "figures" / path.name).read_bytes(), path.name
    assert (plain / "tables" / "conclusion.json").read_bytes() == (off / "tables" / "conclusion.json").read_bytes()
    assert pd.read_csv(off / "tables" / "pooled_with_assumptions.csv").empty


def _without_ledger_resources(root: Path) -> None:
    """Drop the ledger resources from a written package (a review whose data package never had them)."""
    path = root / "data" / "raw" / "datapackage.yaml"
    descriptor = yaml.safe_load(path.read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if not r["name"].startswith("assumptions")]
    path.write_text(yaml.safe_dump(descriptor, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for name in ("assumptions.csv", "assumptions_rejected.csv"):
        (root / "data" / "raw" / name).unlink()


@pytest.mark.parametrize("resources", [True, False], ids=["empty ledger", "no ledger resource"])
def test_a_review_without_ledger_says_so(tmp_path, resources: bool) -> None:
    if resources:
        _, results, html = build(tmp_path, RCT_ONLY_REVIEW, rct_only_rows())
    else:
        raw = write_package(tmp_path, RCT_ONLY_REVIEW, rct_only_rows())
        _without_ledger_resources(tmp_path)
        review = load_review(tmp_path / "review.yaml")
        results = tmp_path / "reports"
        for name, module in STAGES:
            module.run(review, raw, results, results / name)
        html = (results / "05_consensus_report" / "publish" / "consensus_report.html").read_text(encoding="utf-8")
        assert not (results / "01_ingest" / "tables" / "assumptions.csv").exists()
        assert "assumptions" not in " ".join(load_results(results).missing)
    assert "This review states no assumptions" in html
    assert 'id="table-assumption-ledger"' not in html
    for name, table in empty_tables().items():
        written = _read(results, name)
        assert written.empty and list(written.columns) == list(table.columns), name
    agreement = _read(results, "review_agreement")
    assert agreement.empty and list(agreement.columns) == AGREEMENT_COLUMNS


# --- table builders -------------------------------------------------------------------------


def _pooled(rows: list[tuple]) -> pd.DataFrame:
    """SYNTHETIC pooled 'all' rows: (analysis_id, outcome, k, estimate, ci_low, ci_high, pval[, assumption_ids])."""
    records = []
    for row in rows:
        analysis_id, outcome, k, estimate, low, high, pval, *ids = row
        records.append(
            {
                "analysis_id": analysis_id,
                "question": "treatment",
                "outcome": outcome,
                "subgroup": "all",
                "measure": "MD",
                "k": k,
                "estimate": estimate,
                "ci_low": low,
                "ci_high": high,
                "pval": pval,
                "outcome_label": f"{outcome} (synthetic)",
                "assumption_ids": ids[0] if ids else "",
            }
        )
    return pd.DataFrame(records)


def test_comparison_table_direction_significance_and_single_trials() -> None:
    printed = _pooled([("t-a", "a", 2, 1.0, 0.2, 1.8, 0.01), ("t-b", "b", 3, -0.5, -1.0, 0.1, 0.09)])
    assumed = _pooled(
        [
            ("t-a", "a", 3, -0.2, -0.9, 0.5, 0.5, "x_sd"),
            ("t-b", "b", 3, -0.5, -1.0, 0.1, 0.09),
            ("t-c", "c", 2, 2.0, 1.0, 3.0, 0.02, "y_sd; y_n"),
        ]
    )
    sof = pd.DataFrame({"analysis_id": ["t-a", "t-b"], "certainty": ["Low", "Moderate"]})
    sof_assumed = pd.DataFrame({"analysis_id": ["t-a", "t-b", "t-c"], "certainty": ["Very low", "Moderate", "Low"]})
    singles = pd.DataFrame(
        {
            "outcome": ["c"],
            "study_id": ["s9"],
            "study": ["Study 9"],
            "window": [""],
            "value_type": ["final"],
            "measure": ["MD"],
            "estimate": [2.5],
            "ci_low": [0.5],
            "ci_high": [4.5],
        }
    )
    table = comparison_table(printed, assumed, sof, sof_assumed, singles, {"t-c": (1, "rated down")}, {"t-c": {"s9"}})
    assert list(table.columns) == COMPARISON_COLUMNS
    a, b, c = (table.set_index("analysis_id").loc[i] for i in ("t-a", "t-b", "t-c"))
    assert a["direction_differs"] and a["significance_differs"]
    assert (a["printed_certainty"], a["with_assumptions_certainty"]) == ("Low", "Very low")
    assert not b["direction_differs"] and "same result in both sets" in b["notes"]
    assert pd.isna(c["printed_k"]) and pd.isna(c["direction_differs"]) and c["grade_assumptions"] == "rated down"
    assert c["assumption_ids"] == "y_sd; y_n"
    sentence = assumption_sentence(table, "education", "usual care")
    assert sentence.startswith("Sensitivity analysis with the stated assumptions of the ledger")
    assert "2 pooled result(s) of education versus usual care" in sentence
    assert "differing in direction or significance" in sentence and "not poolable from printed numbers" in sentence
    assert assumption_sentence(table[table["assumption_ids"] == ""], "education") == ""


def test_applied_table_adds_justification_and_analyses() -> None:
    ledger = pd.DataFrame([dict.fromkeys(LEDGER_COLUMNS, "synthetic") | {"assumption_id": "x_sd"}])
    applied = pd.DataFrame([dict.fromkeys(APPLIED_COLUMNS, "synthetic") | {"assumption_id": "x_sd"}])
    table = applied_table(applied, ledger, {"t-a": [[], ["x_sd"]], "t-b": [[]]})
    assert list(table.columns) == APPLIED_TABLE_COLUMNS
    assert table.loc[0, "analysis_ids"] == "t-a" and table.loc[0, "justification"] == "synthetic"


def test_add_risk_of_bias_levels_caps_the_domain_and_lowers_certainty() -> None:
    base = {
        "outcome": "synthetic",
        "design": "rct",
        "k": 2,
        "participants": 1000,
        "effect_measure": "SMD",
        "estimate": 0.5,
        "ci_low": 0.3,
        "ci_high": 0.7,
        "share_not_low_rob": 0.0,
        "share_high_rob": 0.0,
        "i2": 0.0,
    }
    result = grade_outcome(base)
    assert result.certainty == "High"
    lowered = add_risk_of_bias_levels(result, 1, "Rated down 1 level (risk of bias): synthetic.")
    assert lowered.certainty == "Moderate"
    rob = next(d for d in lowered.domains if d.domain == "risk_of_bias")
    assert (rob.final, rob.status) == (1, "serious") and rob.explanation.endswith("synthetic.")
    high = grade_outcome(base | {"share_not_low_rob": 1.0, "share_high_rob": 1.0})
    capped = add_risk_of_bias_levels(high, 1, "more")
    capped_rob = next(d for d in capped.domains if d.domain == "risk_of_bias")
    assert capped_rob.final == 2 and capped_rob.explanation.endswith("stays at its maximum of 2 levels.")
    assert capped.level == high.level
    assert add_risk_of_bias_levels(result, 0, "") is result


def test_review_significance_from_p_or_ci() -> None:
    def row(**values: object) -> pd.Series:
        base = {"p_value": np.nan, "p_relation": np.nan, "ci_low": np.nan, "ci_high": np.nan, "measure": np.nan}
        return pd.Series(base | values)

    assert review_significance(row(p_value=0.05, p_relation="<")) is True
    assert review_significance(row(p_value=0.05, p_relation=">")) is False
    assert review_significance(row(p_value=0.2, p_relation="=")) is False
    assert review_significance(row(ci_low=1.1, ci_high=2.0, measure="OR")) is True
    assert review_significance(row(ci_low=0.9, ci_high=2.0, measure="OR")) is False
    assert review_significance(row()) is None


SYNTHETIC_REVIEW = parse_review(
    {
        "title": "Synthetic (test fixture)",
        "intervention": {"noun": "education"},
        "comparator": {"noun": "usual care"},
        "questions": [{"id": "treatment", "text": "Does education help (synthetic)?", "streams": ["rct", "review"]}],
        "outcomes": [{"id": "score", "label": "score"}, {"id": "pain", "label": "pain"}],
    },
    source="synthetic",
)


def test_review_agreement_with_every_review_of_the_question() -> None:
    studies = pd.DataFrame(
        {
            "study_id": ["r1", "r2", "r3"],
            "label": ["Review 1", "Review 2", "Other"],
            "question": ["treatment"] * 2 + ["risk"],
        }
    )
    results = pd.DataFrame(
        {
            "study_id": ["r1", "r1", "r2", "r3"],
            "outcome": ["all_outcomes", "score", "pain", "score"],
            "outcome_label": ["whole review", "score", "pain", "score"],
            "subgroup": ["all"] * 4,
            "k": [8, np.nan, 4, 2],
            "n": [np.nan] * 4,
            "measure": [np.nan, np.nan, "MD", "MD"],
            "estimate": [np.nan, np.nan, -1.0, 1.0],
            "ci_low": [np.nan, np.nan, -2.0, 0.5],
            "ci_high": [np.nan, np.nan, -0.1, 1.5],
            "i2": [np.nan] * 4,
            "p_value": [np.nan, 0.05, np.nan, np.nan],
            "p_relation": [np.nan, "<", np.nan, np.nan],
        }
    )
    inputs = StageInputs({"review_results": results, "studies": studies}, None, None, SYNTHETIC_REVIEW)
    primary = _pooled([("t-score", "score", 2, 0.4, -0.1, 0.9, 0.1)])
    assumed = _pooled(
        [("t-score", "score", 3, 0.5, 0.1, 0.9, 0.02, "x_sd"), ("t-pain", "pain", 2, 1.0, 0.2, 1.8, 0.03)]
    )
    table = review_agreement(inputs, primary.drop(columns="assumption_ids"), assumed, "treatment")
    assert list(table.columns) == AGREEMENT_COLUMNS
    assert table["review_id"].tolist() == ["r1", "r2"]  # r3 belongs to another question
    score, pain = table.iloc[0], table.iloc[1]
    assert score["review_significant"] and pd.isna(score["review_direction"])
    assert not score["primary_agrees"] and score["sensitivity_agrees"]
    assert score["sensitivity_direction"] == "higher with education" and score["assumption_ids"] == "x_sd"
    assert "Review 1 included 8 studies" in score["reasons"] and "rests on stated assumptions: x_sd" in score["reasons"]
    assert pain["review_direction"] == "lower with education"
    assert pd.isna(pain["primary_agrees"]) and not pain["sensitivity_agrees"]  # significant both, opposite directions
