"""Cochrane RoB 1 judgements of a review file (issue 20, item 4): read as given, stored by the importer,
summarised per study by the Cochrane Handbook 5.1 rule, and used by GRADE for a trial without RoB 2.

Fixtures: tests/rob1_fixtures.py (labelled test data, not evidence). Reference for the summary rule:
Higgins JPT, Altman DG, Sterne JAC. Cochrane Handbook for Systematic Reviews of Interventions 5.1.0
(2011), section 8.7, Table 8.7.a (low: low risk for all key domains; high: high risk for one or more
key domains; unclear: unclear risk for one or more key domains, none high).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compendium.analysis.grading import grade_single
from compendium.analysis.inputs import StageInputs
from compendium.analysis.rob import RobLookup
from compendium.bias import grade, rob1
from compendium.cli import main
from compendium.cochrane import read_review
from compendium.cochrane.importer import write_review
from compendium.errors import CompendiumError
from rob1_fixtures import BLINDING, CONCEALMENT, SEQUENCE, rob1_data_package, rob1_rm5
from synthetic_review import SYNTHETIC_REVIEW

# --------------------------------------------------------------------------- the summary rule


@pytest.mark.parametrize(
    ("domains", "expected"),
    [
        pytest.param({"a": "low", "b": "low"}, "low", id="all_low__low"),
        pytest.param({"a": "low", "b": "unclear"}, "unclear", id="one_unclear__unclear"),
        pytest.param({"a": "unclear", "b": "high"}, "high", id="one_high__high"),
        pytest.param({"a": "low", "b": "not applicable"}, "low", id="not_applicable_left_out"),
        pytest.param({"a": "low"}, "unclear", id="key_domain_without_judgement__unclear"),
        pytest.param({"a": "not applicable", "b": "not applicable"}, "", id="nothing_judged__no_summary"),
    ],
)
def test_study_summary_follows_handbook_table_8_7_a(domains: dict[str, str], expected: str) -> None:
    assert rob1.study_summary(domains, ["a", "b"]) == expected


def test_words_of_files_and_the_worst_judgement() -> None:
    assert [rob1.judgement_code(w) for w in ("Low risk", "HIGH RISK", " unclear  risk ", "Not applicable")] == [
        "low",
        "high",
        "unclear",
        "not applicable",
    ]
    assert rob1.judgement_code("Some concerns") is None  # a RoB 2 word is not a RoB 1 judgement
    assert rob1.worst(["low", "high", "unclear"]) == "high"
    assert rob1.worst(["not applicable"]) == "not applicable"


# --------------------------------------------------------------------------- readers


def test_rm5_items_are_read_as_given_with_groups(tmp_path: Path) -> None:
    review = read_review(rob1_rm5(tmp_path / "rob.rm5"))
    entries = review.risk_of_bias
    assert len(entries) == 6 + 4
    first = entries[0]
    assert (first.study_id, first.study, first.domain, first.judgement, first.shown, first.group) == (
        "STD-MRC-1",
        "MRC 1",
        SEQUENCE,
        "YES",
        "Low risk",
        "",
    )
    assert first.support == "Fixture support for MRC-1. Second paragraph."
    assert first.locator == "element QUALITY_ITEM 1 (" + SEQUENCE + "), QUALITY_ITEM_DATA_ENTRY (study STD-MRC-1)"
    groups = [(e.study_id, e.group, e.shown) for e in entries if e.domain == BLINDING]
    assert groups == [
        ("STD-MRC-1", "Mortality", "Low risk"),
        ("STD-MRC-1", "Adverse events", "High risk"),
        ("STD-CDP", "Mortality", "Low risk"),
        ("STD-MRC-2", "GRP-9", "Low risk"),  # a group id the item does not name is kept as the id
    ]


def test_a_malformed_rm5_judgement_is_left_out_named_by_file_and_element(tmp_path: Path) -> None:
    path = rob1_rm5(tmp_path / "bad.rm5", result="PROBABLY")
    review = read_review(path)  # the risk of bias never stops a re-analysis
    assert len(review.risk_of_bias) == 9 and len(review.analyses) == 7
    (problem,) = review.risk_of_bias_problems
    assert problem == (
        f"{path}, element QUALITY_ITEM 1 ({SEQUENCE}), QUALITY_ITEM_DATA_ENTRY (study STD-MRC-1), attribute 'RESULT': "
        "expected one of YES, NO, UNKNOWN, got 'PROBABLY'; the entry is left out"
    )
    summary = write_review(path, tmp_path / "review")
    assert f"risk of bias: {problem}" in summary.skipped and summary.rows["rob1_judgements"] == 9


def test_data_package_risk_of_bias_file_is_read_as_given(tmp_path: Path) -> None:
    entries = read_review(rob1_data_package(tmp_path / "package.zip")).risk_of_bias
    # an empty judgement cell is no judgement (MRC-2, allocation concealment)
    assert [(e.study, e.domain, e.judgement) for e in entries] == [
        ("MRC-1", SEQUENCE, "Low risk"),
        ("MRC-1", CONCEALMENT, "Low risk"),
        ("CDP", SEQUENCE, "Unclear risk"),
        ("CDP", CONCEALMENT, "Not applicable"),
        ("MRC-2", SEQUENCE, "High risk"),
    ]
    assert entries[0].support == "Fixture: computer list"
    assert entries[4].locator == f"fixture-risk-of-bias.csv, line 4, column 'Domain (judgement): {SEQUENCE}'"


def test_a_rob2_word_in_a_data_package_is_left_out_named_by_line_and_column(tmp_path: Path) -> None:
    path = rob1_data_package(tmp_path / "package.zip", rows=[["MRC-1", "Some concerns", "", "Low risk", ""]])
    review = read_review(path)
    assert [(e.domain, e.judgement) for e in review.risk_of_bias] == [(CONCEALMENT, "Low risk")]
    (problem,) = review.risk_of_bias_problems
    assert re.search(r"fixture-risk-of-bias\.csv, row 1 \(line 2\), column .*'Some concerns'; left out$", problem)


# --------------------------------------------------------------------------- importer


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_importer_stores_the_judgements_as_given_and_the_package_validates(tmp_path: Path, capsys) -> None:
    target = tmp_path / "review"
    summary = write_review(rob1_rm5(tmp_path / "fixture.rm5"), target)
    assert summary.rows["rob1_judgements"] == 10
    rows = _rows(target / "data" / "raw" / "rob1_judgements.csv")
    assert list(rows[0]) == [
        "study_id",
        "domain",
        "group",
        "judgement",
        "judgement_as_given",
        "support",
        "source_id",
        "locator",
    ]
    assert [(r["study_id"], r["judgement"], r["judgement_as_given"]) for r in rows[:3]] == [
        ("mrc_1", "low", "YES"),
        ("cdp", "low", "YES"),
        ("mrc_2", "high", "NO"),
    ]
    assert rows[0]["locator"].startswith("fixture.rm5: element QUALITY_ITEM 1")
    assert [r["group"] for r in rows if r["domain"] == BLINDING] == [
        "Mortality",
        "Adverse events",
        "Mortality",
        "GRP-9",
    ]
    assert main(["validate", str(target / "data" / "raw"), "--review", str(target / "review.yaml")]) == 0
    assert "valid" in capsys.readouterr().out


def test_validate_refuses_a_judgement_that_is_not_what_the_file_says(tmp_path: Path, capsys) -> None:
    target = tmp_path / "review"
    write_review(rob1_rm5(tmp_path / "fixture.rm5"), target)
    path = target / "data" / "raw" / "rob1_judgements.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",,low,YES,", ",,high,YES,", 1), encoding="utf-8")
    assert main(["validate", str(target / "data" / "raw")]) == 2
    assert "rob1_judgements.csv, row 1 (line 2), column 'judgement'" in capsys.readouterr().err


def test_importer_of_a_data_package_and_of_a_review_without_judgements(tmp_path: Path) -> None:
    target = tmp_path / "package"
    write_review(rob1_data_package(tmp_path / "package.zip"), target, url="https://example.org/fixture")
    rows = _rows(target / "data" / "raw" / "rob1_judgements.csv")
    assert [(r["study_id"], r["judgement"], r["judgement_as_given"]) for r in rows][3:] == [
        ("cdp", "not applicable", "Not applicable"),
        ("mrc_2", "high", "High risk"),
    ]
    assert main(["validate", str(target / "data" / "raw")]) == 0
    # no judgements in the file: no table (an absent table means none)
    from cochrane_fixtures import fixture_rm5

    plain = tmp_path / "plain"
    write_review(fixture_rm5(tmp_path / "plain.rm5"), plain)
    assert not (plain / "data" / "raw" / "rob1_judgements.csv").exists()


# --------------------------------------------------------------------------- stage 02's summary


def _judgements(tmp_path: Path) -> pd.DataFrame:
    target = tmp_path / "review"
    write_review(rob1_rm5(tmp_path / "fixture.rm5"), target)
    return pd.read_csv(target / "data" / "raw" / "rob1_judgements.csv", keep_default_na=False)


def test_summary_per_study_with_groups_combined_as_the_worst(tmp_path: Path) -> None:
    judgements = _judgements(tmp_path)
    summary = rob1.summarise(judgements).set_index("study_id")
    assert list(summary.columns) == ["overall", "notes", SEQUENCE, CONCEALMENT, BLINDING]
    # MRC 1: low, low, blinding low for mortality but high for adverse events -> high
    assert summary.loc["mrc_1", BLINDING] == "high" and summary.loc["mrc_1", "overall"] == "high"
    assert "Mortality: low, Adverse events: high" in summary.loc["mrc_1", "notes"]
    assert summary.loc["cdp", "overall"] == "unclear"  # concealment unclear
    assert summary.loc["mrc_2", "overall"] == "high"  # sequence high
    keyed = rob1.summarise(judgements, [CONCEALMENT, BLINDING]).set_index("study_id")["overall"]
    assert keyed.to_dict() == {"mrc_1": "high", "cdp": "unclear", "mrc_2": "low"}
    with pytest.raises(CompendiumError, match="key domain 'Blinding'"):
        rob1.summarise(judgements, ["Blinding"])


# --------------------------------------------------------------------------- GRADE


def _single(study_id: str) -> pd.Series:
    return pd.Series(
        {
            "study_id": study_id,
            "study": study_id,
            "outcome": "synthetic",
            "outcome_measure": "synthetic measure",
            "value_type": "final",
            "window": "any",
            "secondary_source": False,
            "participants": 400,
            "measure": "MD",
            "estimate": -3.0,
            "ci_low": -5.0,
            "ci_high": -1.0,
        }
    )


def test_grade_rates_down_a_trial_at_high_rob1_risk_as_rob2_high_would() -> None:
    """SYNTHETIC single-trial results: a trial whose RoB 1 summary is high (no RoB 2 judgement) and the
    same trial judged High with RoB 2 get the same risk-of-bias rating (-2: all the weight at high risk)."""
    rob2_columns = ["study_id", "outcome", "overall"]
    with_rob1 = StageInputs(
        {},
        pd.DataFrame(columns=rob2_columns),
        None,
        SYNTHETIC_REVIEW,
        rob1=pd.DataFrame({"study_id": ["t1", "t2", "t3"], "overall": ["high", "unclear", "low"]}),
    )
    with_rob2 = StageInputs(
        {}, pd.DataFrame([["t1", "synthetic", "High"]], columns=rob2_columns), None, SYNTHETIC_REVIEW
    )
    lookup = RobLookup(with_rob1)
    assert [lookup.judgement("treatment", s, "synthetic") for s in ("t1", "t2", "t3", "t4")] == [
        "High risk",
        "Unclear risk",
        "Low risk",
        "Not assessed",
    ]
    by_rob1, by_rob2 = (
        next(d for d in grade_single(_single("t1"), RobLookup(inputs)).domains if d.domain == "risk_of_bias")
        for inputs in (with_rob1, with_rob2)
    )
    assert (by_rob1.final, by_rob1.status) == (by_rob2.final, by_rob2.status) == (2, "very serious")
    assert "judged with Cochrane RoB 1 as given in the review file" in by_rob1.explanation
    assert "RoB 1" not in by_rob2.explanation
    unclear = next(d for d in grade_single(_single("t2"), lookup).domains if d.domain == "risk_of_bias")
    assert unclear.final == 1  # unclear counts as not low, like RoB 2's "Some concerns"
    shares = grade.rob_weight_shares(["Low risk", "Unclear risk", "High risk", "Low"], list(np.ones(4)))
    assert shares == {"share_not_low_rob": 0.5, "share_high_rob": 0.25}


def test_consensus_weight_of_a_trial_judged_with_rob1_only() -> None:
    """SYNTHETIC studies: a RoB 1 summary weighs like the RoB 2 judgement of the same severity; RoB 2 wins."""
    from compendium.evidence.consensus import study_weights

    studies = pd.DataFrame({"study_id": ["a", "b", "c"], "stream": ["rct"] * 3})
    rob2 = pd.DataFrame({"study_id": ["c"], "overall": ["Low"]})
    summary = pd.DataFrame({"study_id": ["a", "b", "c"], "overall": ["high", "", "unclear"]})
    weights = study_weights(studies, rob2, None, summary).set_index("study_id")
    assert weights[["rob_tool", "rob_overall", "weight"]].values.tolist() == [
        ["RoB 1", "High risk", 0.25],
        ["Not assessed", "Not assessed", 0.5],  # every key domain not applicable: no summary
        ["RoB 2", "Low", 1.0],
    ]


def test_stage_02_without_rob1_judgements_writes_the_table_empty_and_says_when_key_domains_go_unused(
    tmp_path: Path,
) -> None:
    from compendium.stages import StageResult
    from compendium.stages.risk_of_bias import ROB1_COLUMNS, _rob1

    result = StageResult()
    _rob1(None, pd.DataFrame(columns=["study_id", "label"]), result, tmp_path, [SEQUENCE])
    assert list(result.tables["rob1_summary"].columns) == ROB1_COLUMNS and result.tables["rob1_summary"].empty
    assert result.notes == ["RoB 1: rob1_key_domains is set but the review has no RoB 1 judgements; not used"]
