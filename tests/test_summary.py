"""Stage-01 summaries: studies per stream, evidence flow and coverage.

Synthetic checks use the labelled fixture package (tests/fixtures/valid_package); the counts of the
committed data are checked in tests/review/test_als_curation.py.
"""

from __future__ import annotations

import pandas as pd

from compendium.data import load_tables
from compendium.data.summary import coverage_table, evidence_flow, primary_trials, stream_counts
from test_validate import make_package


def fixture_tables(tmp_path):
    return load_tables(make_package(tmp_path))


def test_stream_counts_follow_the_stream_order(tmp_path):
    counts = stream_counts(fixture_tables(tmp_path))
    assert list(counts.columns) == ["question", "stream", "studies"]
    assert counts["stream"].tolist() == [
        "rct",
        "review",
        "observational_athletes",
        "mendelian_randomization",
        "preclinical",
    ]
    assert counts["studies"].sum() == 5


def test_primary_trials_exclude_non_randomised_and_active_comparators(tmp_path):
    tables = fixture_tables(tmp_path)
    extra = pd.DataFrame(
        [
            {**tables["trials"].iloc[0].to_dict(), "study_id": "synthetic_nr", "randomised": False},
            {
                **tables["trials"].iloc[0].to_dict(),
                "study_id": "synthetic_active",
                "comparator_type": "active_intervention",
            },
        ]
    )
    tables["trials"] = pd.concat([tables["trials"], extra], ignore_index=True).astype(tables["trials"].dtypes.to_dict())
    trials = primary_trials(tables, "exercise").set_index("study_id")
    assert trials.loc["fixture_trial", "primary"]
    assert trials.loc["synthetic_nr", "exclusion_reason"] == "not randomised"
    assert trials.loc["synthetic_active", "exclusion_reason"] == "active comparator (both arms exercise)"


def test_evidence_flow_counts_the_fixture(tmp_path):
    flow = evidence_flow(fixture_tables(tmp_path), "exercise").set_index("step")["studies"]
    assert flow["intervention studies of exercise recorded"] == 1
    assert flow["primary set with arm-level continuous data"] == 1
    assert flow["primary set with a reported between-group effect"] == 1
    assert flow["observational athletes with a numeric estimate and CI"] == 1


def test_evidence_flow_of_a_review_without_a_treatment_question_has_no_trial_steps(tmp_path):
    flow = evidence_flow(fixture_tables(tmp_path), "exercise", questions=["risk"])
    assert set(flow["question"]) == {"risk"}
    assert "observational athletes with a numeric estimate and CI" in set(flow["step"])


def test_coverage_names_what_each_trial_provides(tmp_path):
    coverage = coverage_table(fixture_tables(tmp_path)).set_index("study_id")
    assert coverage.loc["fixture_trial", "alsfrs_r"] == "arm-level final + effect"
    assert coverage.loc["fixture_trial", "set"] == "primary"
