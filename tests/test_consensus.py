"""Consensus meter: shares and quality weights on labelled synthetic tables (test fixtures, not
evidence). Every expected share below is worked out by hand in the comment beside it."""

from __future__ import annotations

import pandas as pd
import pytest

from compendium.errors import CompendiumError
from compendium.evidence.consensus import (
    ALL_STREAMS,
    CONCLUSIONS,
    METER_COLUMNS,
    NOT_ASSESSED_WEIGHT,
    QUALITY_WEIGHTS,
    consensus_meter,
    leading_conclusion,
    study_weights,
)


@pytest.fixture
def studies() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "study_id": ["synth_t1", "synth_t2", "synth_t3", "synth_o1", "synth_o2", "synth_mr1", "synth_rev1"],
            "stream": [
                "rct",
                "rct",
                "rct",
                "observational_general",
                "observational_general",
                "mendelian_randomization",
                "review",
            ],
        }
    )


@pytest.fixture
def conclusions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "study_id": ["synth_t1", "synth_t2", "synth_t3", "synth_rev1", "synth_o1", "synth_o2", "synth_mr1"],
            "question": ["treatment"] * 4 + ["risk"] * 3,
            "conclusion": ["benefit", "benefit", "no_effect", "benefit", "increases", "no_association", "increases"],
        }
    )


@pytest.fixture
def rob2() -> pd.DataFrame:
    # synth_t1 has two assessed outcomes: Low and High -> the lower weight (High, 0.25) counts
    return pd.DataFrame(
        {
            "study_id": ["synth_t1", "synth_t1", "synth_t2", "synth_t3"],
            "outcome": ["function", "fvc", "function", "function"],
            "overall": ["Low", "High", "Some concerns", "Low"],
        }
    )


@pytest.fixture
def observational_rob() -> pd.DataFrame:
    return pd.DataFrame({"study_id": ["synth_o1", "synth_o2"], "overall": ["Very high", "Low"]})


def test_weights_follow_the_stated_scheme(studies, rob2, observational_rob):
    weights = study_weights(studies, rob2, observational_rob).set_index("study_id")
    assert weights.loc["synth_t1", "weight"] == 0.25 and weights.loc["synth_t1", "rob_overall"] == "High"
    assert weights.loc["synth_t2", "weight"] == 0.5
    assert weights.loc["synth_t3", "weight"] == 1.0
    assert weights.loc["synth_o1", "weight"] == 0.125 and weights.loc["synth_o1", "rob_tool"] == "ROBINS-E"
    assert weights.loc["synth_mr1", "weight"] == NOT_ASSESSED_WEIGHT
    assert weights.loc["synth_rev1", "rob_tool"] == "Not assessed"


def test_rob2_wins_over_observational_tool(studies):
    rob2 = pd.DataFrame({"study_id": ["synth_t1"], "overall": ["Low"]})
    obs = pd.DataFrame({"study_id": ["synth_t1"], "overall": ["High"]})
    weights = study_weights(studies, rob2, obs).set_index("study_id")
    assert weights.loc["synth_t1", "rob_tool"] == "RoB 2" and weights.loc["synth_t1", "weight"] == 1.0


def test_weights_without_stage_02_are_all_the_not_assessed_weight(studies):
    assert (study_weights(studies)["weight"] == NOT_ASSESSED_WEIGHT).all()


def test_unknown_judgement_names_file_row_and_column(studies):
    rob2 = pd.DataFrame({"study_id": ["synth_t1", "synth_t2"], "overall": ["Low", "Moderate"]})
    with pytest.raises(CompendiumError, match=r"rob2_judgements.csv: row 3, column overall: 'Moderate'"):
        study_weights(studies, rob2)


def test_meter_shares_plain_and_weighted(studies, conclusions, rob2, observational_rob):
    weights = study_weights(studies, rob2, observational_rob)
    meter = consensus_meter(conclusions, studies, weights)
    assert list(meter.columns) == METER_COLUMNS
    rct = meter[(meter["question"] == "treatment") & (meter["stream"] == "rct")].set_index("conclusion")
    # rct: t1 benefit (0.25), t2 benefit (0.5), t3 no_effect (1.0)
    assert rct.loc["benefit", "studies"] == 2 and rct.loc["benefit", "share"] == pytest.approx(2 / 3)
    assert rct.loc["benefit", "weighted_share"] == pytest.approx(0.75 / 1.75)
    assert rct.loc["no_effect", "weighted_share"] == pytest.approx(1.0 / 1.75)
    assert rct.loc["harm", "studies"] == 0 and rct.loc["harm", "share"] == 0
    everything = meter[(meter["question"] == "treatment") & (meter["stream"] == ALL_STREAMS)].set_index("conclusion")
    # all treatment: + rev1 benefit (not assessed, 0.5) -> benefit 3/4 plain, 1.25/2.25 weighted
    assert everything.loc["benefit", "share"] == pytest.approx(0.75)
    assert everything.loc["benefit", "weighted_share"] == pytest.approx(1.25 / 2.25)
    risk = meter[(meter["question"] == "risk") & (meter["stream"] == ALL_STREAMS)].set_index("conclusion")
    # risk: o1 increases (0.125), o2 no_association (1.0), mr1 increases (not assessed, 0.5)
    assert risk.loc["increases", "share"] == pytest.approx(2 / 3)
    assert risk.loc["increases", "weighted_share"] == pytest.approx(0.625 / 1.625)


def test_high_risk_of_bias_weighs_less_than_not_assessed_and_animals_stay_out_of_all_studies(studies, conclusions):
    assert QUALITY_WEIGHTS["High"] < NOT_ASSESSED_WEIGHT < QUALITY_WEIGHTS["Low"]
    mice = pd.DataFrame({"study_id": ["synth_mouse"], "stream": ["preclinical"]})
    with_mice = pd.concat([studies, mice.reindex(columns=studies.columns)], ignore_index=True)
    with_mice.loc[with_mice["study_id"] == "synth_mouse", "stream"] = "preclinical"
    said = pd.concat(
        [conclusions, pd.DataFrame({"study_id": ["synth_mouse"], "question": ["risk"], "conclusion": ["increases"]})],
        ignore_index=True,
    )
    meter = consensus_meter(said, with_mice)
    risk = meter[meter["question"] == "risk"]
    assert risk[risk["stream"] == "preclinical"]["stream_studies"].iloc[0] == 1
    without = consensus_meter(conclusions, studies)
    all_with = risk[risk["stream"] == ALL_STREAMS]["stream_studies"].iloc[0]
    assert (
        all_with
        == without[(without["question"] == "risk") & (without["stream"] == ALL_STREAMS)]["stream_studies"].iloc[0]
    )


def test_meter_lists_every_conclusion_and_streams_in_order(studies, conclusions):
    meter = consensus_meter(conclusions, studies)
    treatment = meter[meter["question"] == "treatment"]
    assert list(dict.fromkeys(treatment["stream"])) == ["rct", "review", ALL_STREAMS]
    for _, group in meter.groupby(["question", "stream"]):
        assert tuple(group["conclusion"]) == CONCLUSIONS[group["question"].iloc[0]]
        assert group["share"].sum() == pytest.approx(1.0)
        assert group["weighted_share"].sum() == pytest.approx(1.0)


def test_meter_is_deterministic(studies, conclusions, rob2, tmp_path):
    from compendium.results_io import write_table

    weights = study_weights(studies, rob2)
    first = write_table(consensus_meter(conclusions, studies, weights), tmp_path / "a", "consensus_meter").read_bytes()
    second = write_table(
        consensus_meter(conclusions.iloc[::-1], studies, weights), tmp_path / "b", "consensus_meter"
    ).read_bytes()
    assert first == second


def test_conclusion_outside_the_question_vocabulary_is_named(studies, conclusions):
    bad = conclusions.copy()
    bad.loc[0, "conclusion"] = "increases"  # a risk conclusion on a treatment row
    with pytest.raises(CompendiumError, match=r"conclusions.csv: row 2, column conclusion: 'increases'"):
        consensus_meter(bad, studies)


def test_unknown_study_is_named(studies, conclusions):
    bad = conclusions.copy()
    bad.loc[1, "study_id"] = "synth_missing"
    with pytest.raises(CompendiumError, match=r"row 3, column study_id: 'synth_missing' is not in studies.csv"):
        consensus_meter(bad, studies)


def test_leading_conclusion_plain_and_weighted(studies, conclusions, rob2, observational_rob):
    meter = consensus_meter(conclusions, studies, study_weights(studies, rob2, observational_rob))
    assert leading_conclusion(meter, "treatment")["conclusion"] == "benefit"
    assert leading_conclusion(meter, "treatment", "rct", weighted=True)["conclusion"] == "no_effect"
    assert leading_conclusion(meter, "risk", "preclinical") is None


def test_quality_weights_are_ordered_by_severity():
    assert (
        QUALITY_WEIGHTS["Low"]
        > QUALITY_WEIGHTS["Some concerns"]
        > QUALITY_WEIGHTS["High"]
        > QUALITY_WEIGHTS["Very high"]
    )
