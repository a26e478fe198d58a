"""The treatment answer follows its stated rules (SYNTHETIC tables, not evidence)."""

import pandas as pd
import pytest

from compendium.analysis.conclusion import favours, result_statement, safety_summary, treatment_conclusion
from compendium.analysis.treatment import with_arm_roles
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
                "outcome": "alsfrs_r",
                "outcome_label": "function",
                "measure": "MD",
                "k": 2,
                "participants": 60,
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


def _pooled(low, high, better=False, outcome="adverse_events"):
    return pd.DataFrame(
        [
            {
                "analysis_id": "a0",
                "question": "treatment",
                "analysis_set": "primary",
                "subgroup": "all",
                "outcome": outcome,
                "measure": "RR",
                "k": 3,
                "participants": 300,
                "estimate": (low * high) ** 0.5,
                "ci_low": low,
                "ci_high": high,
                "higher_is_better": better,
                "window": "all time points",
            }
        ]
    )


@pytest.mark.parametrize(
    ("asks", "low", "high", "certainty", "rule", "lead", "verb"),
    [
        ("benefit", 1.2, 2.0, "Moderate", "T4", "The data point to harm, not benefit.", "probably increases"),
        ("harm", 1.2, 2.0, "High", "T1", "Yes.", "Exercise increases"),
        ("harm", 1.2, 2.0, "Low", "T2", "Possibly", "may increase"),
        ("harm", 1.2, 2.0, "Very low", "T3", "Not established: no harm", "very uncertain whether exercise increases"),
        ("benefit", 0.5, 0.8, "Moderate", "T1", "Probably yes.", "probably reduces"),
        ("harm", 0.5, 0.8, "Moderate", "T4", "The data point to benefit, not harm.", "probably reduces"),
        ("effect", 0.5, 0.8, "Low", "E1", "An effect is shown:", "may reduce"),
        ("benefit", 0.8, 1.2, "Moderate", "T3", "Not established", "probably results in little or no difference"),
    ],
)
def test_the_verdict_follows_the_direction_and_the_certainty(asks, low, high, certainty, rule, lead, verb):
    """Synthetic pooled risk ratios of an outcome where lower is better (adverse events)."""
    review = synthetic_review(
        questions=[{"id": "treatment", "text": "Synthetic?", "streams": ["rct"], "asks": asks}],
    )
    result = treatment_conclusion(
        _pooled(low, high), NO_POOLED.assign(study=[]), sof(certainty), EFFECTS, TRIALS, review
    )
    assert result["rule"] == rule and result["lead"].startswith(lead), result["answer"]
    assert verb in result["statements"][0] and "adverse events" in result["statements"][0]
    assert result["answer"].startswith(result["lead"])


def test_mixed_benefit_and_harm_is_rule_t5():
    pooled = pd.concat([_pooled(1.2, 2.0), _pooled(0.5, 0.8, outcome="alsfrs_r").assign(analysis_id="a1")])
    result = treatment_conclusion(pooled, NO_POOLED, sof("Moderate", "Moderate"), EFFECTS, TRIALS, SYNTHETIC_REVIEW)
    assert result["rule"] == "T5"


def test_safety_uses_pooled_results_and_arm_level_events():
    events = pd.DataFrame(
        {
            "study_id": ["t1", "t1", "t2", "t2", "nr", "nr"],
            "arm": ["intervention", "control"] * 3,
            "role": ["intervention", "control"] * 3,
            "outcome": ["adverse_events"] * 6,
            "events": [3, 1, 4, 2, 9, 9],
            "total": [50, 50, 40, 40, 10, 10],
        }
    )
    text = safety_summary(EFFECTS.iloc[0:0], TRIALS, SYNTHETIC_REVIEW, _pooled(1.2, 2.0), events, {"a0": "Moderate"})
    assert text.startswith("2 of 2 randomised trials reported on adverse events: pooled result: Exercise probably")
    assert "7 of 90 with exercise and 3 of 90 with control had adverse events (2 trials" in text


def test_safety_counts_arms_by_their_role_not_their_name():
    """Arms are named freely (arms.csv gives each its role): one trial's events in arms named
    ``walking`` and ``rest``, nothing pooled and nothing printed, are counted, never "no trial reported"."""
    arms = pd.DataFrame({"study_id": ["t1", "t1"], "arm": ["walking", "rest"], "role": ["intervention", "control"]})
    events = pd.DataFrame(
        {
            "study_id": ["t1", "t1"],
            "arm": ["walking", "rest"],
            "outcome": ["adverse_events"] * 2,
            "events": [3, 1],
            "total": [50, 50],
        }
    )
    text = safety_summary(EFFECTS.iloc[0:0], TRIALS, SYNTHETIC_REVIEW, NO_POOLED, with_arm_roles(events, arms))
    assert text == (
        "1 of 2 randomised trials reported on adverse events: 3 of 50 with exercise and 1 of 50 with control "
        "had adverse events (1 trial, arm-level counts)."
    )


def test_safety_counts_only_randomised_trials():
    assert safety_summary(EFFECTS, TRIALS, SYNTHETIC_REVIEW).startswith(
        "1 of 2 randomised trials reported on adverse events: of 1 trial that printed an effect, none found more"
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


def test_an_oriented_smd_is_turned_back_to_the_outcome_scale():
    """A pooled SMD is oriented so that positive values favour the intervention: on an outcome where
    lower is better (days off work), SMD 0.19 (0.03 to 0.36) means fewer days off, 'may reduce'."""
    review = synthetic_review(
        intervention={"noun": "education"},
        outcomes=[{"id": "days_off", "label": "days off work", "higher_is_better": False}],
    )
    row = _pooled(0.03, 0.36, better=True, outcome="days_off").assign(measure="SMD", estimate=0.19).iloc[0]
    assert result_statement(row, "Low", review).startswith("Education may reduce days off work (SMD 0.19")
    assert result_statement(row.copy().replace({"SMD": "MD"}), "Low", review).startswith("Education may increase")


def test_statements_name_the_level_of_their_intervals():
    """A 90% interval is never shown unlabelled (or as a 95% one) in the answer, the safety sentence or
    the sensitivity sentence (issue 22: every interval label follows the level)."""
    row = _pooled(1.2, 2.0).assign(estimate=1.5).iloc[0]
    assert "(RR 1.50, 90% CI 1.20 to 2.00;" in result_statement(row, "Low", SYNTHETIC_REVIEW, 90)
    assert "(RR 1.50, 95% CI 1.20 to 2.00;" in result_statement(row, "Low", SYNTHETIC_REVIEW)
    result = treatment_conclusion(
        _pooled(1.2, 2.0), NO_POOLED, sof("Moderate"), EFFECTS, TRIALS, SYNTHETIC_REVIEW, level=90
    )
    assert "90% CI 1.20 to 2.00" in result["answer"] and "90% CI 1.20 to 2.00" in result["safety"]


@pytest.mark.parametrize(("label", "word"), [("Mortality", "mortality"), ("SAE count", "SAE count")])
def test_the_safety_sentence_writes_the_label_as_running_text(label, word):
    """A declared label inside the sentence starts in lower case unless it starts an acronym, and a
    sentence that starts with it is capitalised without lowering the rest ('SAE count', not 'Sae count')."""
    review = synthetic_review(
        outcomes=[{"id": "adverse_events", "label": label, "higher_is_better": False, "safety": True}]
    )
    events = pd.DataFrame(
        {"study_id": ["t1", "t1"], "role": ["intervention", "control"], "outcome": ["adverse_events"] * 2}
    ).assign(events=[3, 1], total=[50, 50])
    text = safety_summary(EFFECTS.iloc[0:0], TRIALS, review, arm_events=events)
    assert text.startswith(f"1 of 2 randomised trials reported on {word}: ") and f"had {word} (1 trial" in text
    pooled_only = safety_summary(EFFECTS.iloc[0:0], TRIALS, review, _pooled(1.2, 2.0), None, {"a0": "Low"})
    assert pooled_only.startswith(f"{word[:1].upper()}{word[1:]}: pooled result: Exercise may increase {word} (RR")
