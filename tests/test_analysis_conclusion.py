"""The treatment answer follows its stated rules (SYNTHETIC tables, not evidence)."""

import pandas as pd
import pytest

from compendium.analysis.conclusion import favours, safety_summary, treatment_conclusion
from synthetic_review import SYNTHETIC_REVIEW, synthetic_review

TRIALS = pd.DataFrame({"study_id": ["t1", "t2", "nr"], "randomised": [True, True, False]})
EFFECTS = pd.DataFrame(
    {
        "study_id": ["t1", "nr"],
        "outcome": ["adverse_events", "adverse_events"],
        "direction": ["no_difference", "favours_control"],
    }
)
NO_POOLED = pd.DataFrame(
    columns=["analysis_id", "question", "analysis_set", "outcome_label", "estimate", "ci_low", "ci_high"]
)


def single(estimate, low, high, better, analysis_set="primary"):
    return {
        "study": "Synthetic 2020",
        "outcome": "alsfrs_r",
        "measure": "MD",
        "estimate": estimate,
        "ci_low": low,
        "ci_high": high,
        "higher_is_better": better,
        "analysis_set": analysis_set,
    }


def sof(*certainties):
    return pd.DataFrame({"analysis_id": [f"a{i}" for i in range(len(certainties))], "certainty": list(certainties)})


@pytest.mark.parametrize(
    ("low", "high", "better", "expected"),
    [
        (0.5, 2.0, True, "intervention"),
        (0.5, 2.0, False, "control"),
        (-2.0, -0.5, False, "intervention"),
        (-1.0, 1.0, True, "neither"),
        (0.5, 2.0, None, "unclear"),
    ],
)
def test_favours(low, high, better, expected):
    assert favours(pd.Series(single(1.0, low, high, better))) == expected


def test_rule_t3_when_nothing_is_pooled_lists_the_single_trials():
    singles = pd.DataFrame([single(4.6, 0.4, 8.8, True), single(-0.3, -0.8, 0.3, False)])
    result = treatment_conclusion(NO_POOLED, singles, sof("Very low", "Very low"), EFFECTS, TRIALS, SYNTHETIC_REVIEW)
    assert result["rule"] == "T3" and result["answer"].startswith("Not established")
    assert any("favour exercise" in r and "4.6" in r for r in result["reasons"])
    assert any("no clear difference" in r for r in result["reasons"])
    assert result["reasons"][-1].endswith("Very low")


def test_rule_t1_needs_a_pooled_benefit_with_moderate_certainty():
    pooled = pd.DataFrame(
        [
            {
                "analysis_id": "a0",
                "question": "treatment",
                "analysis_set": "primary",
                "outcome_label": "function",
                "estimate": 3.0,
                "ci_low": 1.0,
                "ci_high": 5.0,
                "higher_is_better": True,
            }
        ]
    )
    assert (
        treatment_conclusion(
            pooled, pd.DataFrame([single(1, -1, 2, True)]), sof("Moderate"), EFFECTS, TRIALS, SYNTHETIC_REVIEW
        )["rule"]
        == "T1"
    )
    assert (
        treatment_conclusion(
            pooled, pd.DataFrame([single(1, -1, 2, True)]), sof("Low"), EFFECTS, TRIALS, SYNTHETIC_REVIEW
        )["rule"]
        == "T2"
    )
    assert (
        treatment_conclusion(
            pooled, pd.DataFrame([single(1, -1, 2, True)]), sof("Very low"), EFFECTS, TRIALS, SYNTHETIC_REVIEW
        )["rule"]
        == "T3"
    )


def test_safety_counts_only_randomised_trials():
    assert safety_summary(EFFECTS, TRIALS, SYNTHETIC_REVIEW).startswith(
        "1 of 2 randomised trials reported on adverse events; 0 found more"
    )
    assert (
        safety_summary(EFFECTS.iloc[0:0], TRIALS, SYNTHETIC_REVIEW)
        == "No randomised trial in the data reported on adverse events."
    )


def test_the_answer_uses_the_declared_question_and_nouns():
    review = synthetic_review(
        intervention={"noun": "education"},
        questions=[{"id": "treatment", "text": "Does education reduce days off?", "streams": ["rct"]}],
    )
    singles = pd.DataFrame([single(4.6, 0.4, 8.8, True)])
    result = treatment_conclusion(NO_POOLED, singles, sof("Very low"), EFFECTS, TRIALS, review)
    assert result["question_id"] == "treatment" and result["question"] == "Does education reduce days off?"
    assert any("favour education" in r for r in result["reasons"])
    assert "with education" in result["safety"]


def test_no_safety_sentence_without_a_declared_safety_outcome():
    review = synthetic_review(outcomes=[{"id": "alsfrs_r", "label": "ALSFRS-R"}])
    assert safety_summary(EFFECTS, TRIALS, review) == ""
