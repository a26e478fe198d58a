"""Stage 02 joins and contract tables (compendium.analysis.risk_of_bias_tables), and the data package's risk-of-bias
vocabularies against the engine's. All tables here are synthetic test inputs, not evidence."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from compendium.analysis import risk_of_bias_tables as stage
from compendium.bias import observational, rob2
from compendium.bias.vocabulary import (
    ANSWERS,
    HIGH,
    LOW,
    NOT_APPLICABLE,
    ROB2_JUDGEMENTS,
    ROBINS_E_JUDGEMENTS,
    SOME_CONCERNS,
)
from compendium.errors import CompendiumError

DATAPACKAGE = Path(__file__).parents[1] / "data" / "raw" / "datapackage.yaml"

STUDIES = pd.DataFrame(
    {
        "study_id": ["t1", "t2", "t3", "o1"],
        "label": ["Trial One 2001", "Trial Two 2002", "Trial Three 2003", "Cohort 2010"],
    }
)
ARMS = pd.DataFrame(
    {
        "study_id": ["t1", "t1", "t2", "t2", "t3", "t3"],
        "n_randomised": [10, 12, 8, None, None, None],
    }
)
TRIALS = pd.DataFrame({"study_id": ["t1", "t2", "t3"], "n_randomised_total": [22, 20, None]})

#: answers that make every domain Low (synthetic)
LOW_ANSWERS = {
    "q1_1": "Y",
    "q1_2": "Y",
    "q1_3": "N",
    "q2_1": "N",
    "q2_2": "N",
    "q2_6": "Y",
    "q3_1": "Y",
    "q4_1": "N",
    "q4_2": "N",
    "q4_3": "N",
    "q5_1": "Y",
    "q5_2": "N",
    "q5_3": "N",
}


def long_answers(study: str, outcome: str, **changes: str) -> list[dict[str, str]]:
    answers = {**LOW_ANSWERS, **changes}
    return [
        {
            "study": study,
            "outcome": outcome,
            "question": q,
            "answer": a,
            "justification": "synthetic",
            "source_id": "s",
            "locator": "p. 1",
        }
        for q, a in answers.items()
        if a != NOT_APPLICABLE
    ]


@pytest.fixture
def judgements() -> pd.DataFrame:
    answers = pd.DataFrame(
        long_answers("t1", "alsfrs", q1_2="NI", q1_3="NI")  # D1 Some concerns
        + long_answers("t1", "alsfrs_r")
        + long_answers("t2", "mip", q4_3="Y", q4_4="Y", q4_5="NI")  # D4 High
        + long_answers("t3", "alsfrs")
    )
    overrides = pd.DataFrame(
        [
            {
                "study": "t3",
                "outcome": "alsfrs",
                "target": "overall",
                "judgement": SOME_CONCERNS,
                "reason": "synthetic reason",
            }
        ]
    )
    return stage.rob2_judgements(rob2.assess(stage.rob2_wide(answers, overrides)), STUDIES)


def test_rob2_judgements_contract_columns_and_values(judgements: pd.DataFrame) -> None:
    assert list(judgements.columns[:9]) == ["study_id", "study", "outcome", "d1", "d2", "d3", "d4", "d5", "overall"]
    row = judgements.set_index(["study_id", "outcome"]).loc[("t2", "mip")]
    assert (row["study"], row["d4"], row["overall"]) == ("Trial Two 2002", HIGH, HIGH)
    t1 = judgements.set_index(["study_id", "outcome"]).loc[("t1", "alsfrs")]
    assert (t1["d1"], t1["overall"], t1["overall_proposed"]) == (SOME_CONCERNS, SOME_CONCERNS, SOME_CONCERNS)


def test_overrides_are_shown_with_proposal_and_reason(judgements: pd.DataFrame) -> None:
    shown = stage.overrides_shown(judgements)
    assert shown.to_dict(orient="records") == [
        {
            "study": "Trial Three 2003",
            "outcome": "alsfrs",
            "target": "overall",
            "proposed": LOW,
            "final": SOME_CONCERNS,
            "reason": "synthetic reason",
        }
    ]


def test_rob2_wide_without_overrides_has_no_override_columns() -> None:
    wide = stage.rob2_wide(
        pd.DataFrame(long_answers("t1", "alsfrs")), pd.DataFrame(columns=list(rob2.OVERRIDE_COLUMNS))
    )
    assert not [c for c in wide.columns if "override" in c]


def test_one_result_per_study_prefers_alsfrs_r_then_alsfrs(judgements: pd.DataFrame) -> None:
    chosen = stage.one_result_per_study(judgements, ("alsfrs_r", "alsfrs"))
    assert list(zip(chosen["study_id"], chosen["outcome"])) == [("t1", "alsfrs_r"), ("t3", "alsfrs")]


def test_trial_weights_arms_then_trials_then_zero() -> None:
    weights = stage.trial_weights(ARMS, TRIALS, ["t1", "t2", "t3"])
    assert weights["weight"].tolist() == [22.0, 20.0, 0.0]  # 10 + 12; trials total; none reported
    assert weights["weight_source"].tolist() == [stage.WEIGHT_FROM_ARMS, stage.WEIGHT_FROM_TRIALS, stage.WEIGHT_MISSING]
    assert weights["n_randomised"].isna().tolist() == [False, False, True]


def test_robvis_table_uses_labels_and_weights(judgements: pd.DataFrame) -> None:
    chosen = stage.one_result_per_study(judgements, ("alsfrs_r", "alsfrs"))
    frame = stage.robvis_table(chosen, stage.trial_weights(ARMS, TRIALS, chosen["study_id"].tolist()))
    assert list(frame.columns) == ["Study", "D1", "D2", "D3", "D4", "D5", "Overall", "Weight"]
    assert frame[["Study", "Overall", "Weight"]].values.tolist() == [
        ["Trial One 2001", LOW, 22.0],
        ["Trial Three 2003", SOME_CONCERNS, 0.0],
    ]


def test_robvis_table_refuses_several_results_per_study(judgements: pd.DataFrame) -> None:
    with pytest.raises(CompendiumError, match="several results"):
        stage.robvis_table(judgements)


def test_no_information_table_adds_labels() -> None:
    wide = stage.rob2_wide(pd.DataFrame(long_answers("t1", "alsfrs", q1_2="NI", q1_3="NI")))
    table = stage.no_information(rob2.count_no_information(wide), STUDIES)
    assert list(table.columns[:5]) == ["study_id", "study", "outcome", "n_asked", "n_ni"]
    assert (table.loc[0, "study"], table.loc[0, "n_ni"], table.loc[0, "ni_questions"]) == (
        "Trial One 2001",
        2,
        "q1_2,q1_3",
    )


def test_unknown_study_is_a_clear_error(judgements: pd.DataFrame) -> None:
    with pytest.raises(CompendiumError, match="'t2' .* not in the studies table"):
        stage.rob2_judgements(rob2.assess(stage.rob2_wide(pd.DataFrame(long_answers("t2", "mip")))), STUDIES.iloc[:1])


def test_observational_contract_columns() -> None:
    long = pd.DataFrame(
        [
            {
                "study": "o1",
                "outcome": "als_occurrence",
                "design": "cohort",
                "domain": d,
                "judgement": HIGH if d == "d1" else LOW,
                "justification": "synthetic",
                "source_id": "s",
                "locator": "abstract",
            }
            for d in observational.DOMAINS
        ]
    )
    table = stage.observational_judgements(
        observational.assess_observational(observational.pivot_judgements(long)), STUDIES
    )
    assert list(table.columns[:10]) == ["study_id", "study", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "overall"]
    assert (table.loc[0, "study"], table.loc[0, "overall"]) == ("Cohort 2010", HIGH)


def test_describe_judgements_names_studies_by_overall_judgement() -> None:
    frame = pd.DataFrame(
        {
            "Study": ["A", "B"],
            "D1": [LOW, HIGH],
            "D2": [LOW, LOW],
            "D3": [LOW, LOW],
            "D4": [LOW, LOW],
            "D5": [LOW, LOW],
            "Overall": [LOW, HIGH],
            "Weight": [1.0, 1.0],
        }
    )
    text = stage.describe_judgements(frame)
    assert text.startswith("2 studies. Overall risk of bias: Low for 1 (A); High for 1 (B).")
    assert "D1 randomisation process: 1 Low, 1 High;" in text


def _fields(resource: str) -> dict[str, dict]:
    package = yaml.safe_load(DATAPACKAGE.read_text(encoding="utf-8"))
    (found,) = [r for r in package["resources"] if r["name"] == resource]
    return {f["name"]: f for f in found["schema"]["fields"]}


def test_datapackage_vocabularies_match_the_engine() -> None:
    answers = _fields("rob2_answers")
    assert answers["question"]["constraints"]["enum"] == list(rob2.QUESTION_IDS)
    assert answers["answer"]["constraints"]["enum"] == [*ANSWERS, NOT_APPLICABLE]
    overrides = _fields("rob2_overrides")
    assert overrides["target"]["constraints"]["enum"] == list(rob2.OVERRIDE_TARGETS)
    assert overrides["judgement"]["constraints"]["enum"] == list(ROB2_JUDGEMENTS)
    observational_fields = _fields("observational_rob")
    assert observational_fields["domain"]["constraints"]["enum"] == list(observational.DOMAINS)
    assert observational_fields["design"]["constraints"]["enum"] == list(observational.DESIGNS)
    assert observational_fields["judgement"]["constraints"]["enum"] == list(ROBINS_E_JUDGEMENTS)
