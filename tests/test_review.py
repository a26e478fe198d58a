"""The review declaration (compendium.review): field-by-field validation with messages that name the
field, the defaults, and the vocabularies it fills into the data package. SYNTHETIC declarations."""

from __future__ import annotations

import math

import pytest

from compendium.errors import CompendiumError
from compendium.review import fill_vocabularies, load_review, parse_review
from synthetic_review import DECLARATION, synthetic_review


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "field 'title': expected a non-empty text"),
        ({"intervention": {"word": "x"}}, "field 'intervention.word': expected one of the known keys noun"),
        ({"questions": []}, "field 'questions': expected a non-empty list"),
        (
            {"questions": [{"id": "q1", "text": "x", "streams": ["rct"]}]},
            "field 'questions[0].id': expected one of treatment, risk",
        ),
        (
            {"outcomes": [{"id": "a", "label": "A"}, {"id": "a", "label": "B"}]},
            "field 'outcomes[1].id': expected an id not used before",
        ),
        ({"outcomes": [{"id": "a", "label": "A", "range": [10, 0]}]}, "field 'outcomes[0].range': expected low < high"),
        (
            {"outcomes": [{"id": "a", "label": "A", "higher_is_better": "yes"}]},
            "field 'outcomes[0].higher_is_better': expected true or false",
        ),
        (
            {"time_windows": [{"label": "late", "upper_weeks": 20}, {"label": "early", "upper_weeks": 10}]},
            "field 'time_windows[1].upper_weeks': expected a bound above the previous window's 20",
        ),
        (
            {"time_windows": [{"label": "open"}, {"label": "x", "upper_weeks": 4}]},
            "field 'time_windows[0].upper_weeks'",
        ),
        ({"continuous_measure": "WMD"}, "field 'continuous_measure': expected one of auto, MD, SMD, got 'WMD'"),
        ({"dichotomous_measure": "RD"}, "field 'dichotomous_measure': expected one of RR, OR"),
        (
            {"rob_summary_outcomes": ["nope"]},
            "field 'rob_summary_outcomes[0]': expected an outcome id declared under outcomes",
        ),
        ({"colour": "red"}, "field 'colour': expected one of the known keys"),
        ({"exposure": {"noun": ""}}, "field 'exposure.noun': expected a non-empty text"),
        ({"exposure": {"word": "x"}}, "field 'exposure.word': expected one of the known keys noun"),
        (
            {"outcomes": [{"id": "a", "label": "A", "compared_with": ["a", "b"]}]},
            "field 'outcomes[0].compared_with[1]': expected an outcome id declared under outcomes, got 'b'",
        ),
        (
            {"outcomes": [{"id": "a", "label": "A", "compared_with": "a"}]},
            "field 'outcomes[0].compared_with': expected a list",
        ),
        (
            {"outcomes": [{"id": "a", "label": "A", "compared_with": ["A-1"]}]},
            "field 'outcomes[0].compared_with[0]': expected an identifier",
        ),
    ],
)
def test_bad_fields_are_named(changes, message):
    with pytest.raises(CompendiumError, match="synthetic review"):
        synthetic_review(**changes)
    with pytest.raises(CompendiumError) as error:
        synthetic_review(**changes)
    assert message in str(error.value)


def test_defaults_and_derived_values():
    review = synthetic_review()
    assert review.vs == "exercise vs control" and review.condition == "the outcome"
    assert review.exposure == "exercise"  # the risk question's exposure defaults to the intervention
    assert synthetic_review(exposure={"noun": "coffee intake"}).exposure == "coffee intake"
    assert review.continuous_measure == "auto" and review.dichotomous_measure == "RR"
    assert review.time_windows[-1].upper_weeks == math.inf and review.surrogates["mep"].startswith("respiratory")
    assert review.safety_outcomes == ("adverse_events",)
    assert review.question_for_role("treatment").text == "Synthetic treatment question?"
    closed = synthetic_review(time_windows=[{"label": "up to 12 weeks", "upper_weeks": 12}])
    assert [w.label for w in closed.time_windows] == ["up to 12 weeks", "over 12 weeks"]  # an open window is added
    assert synthetic_review(time_windows=[]).time_windows == ()


def test_vocabularies_fill_the_marked_fields():
    descriptor = {
        "resources": [
            {
                "name": "trials",
                "schema": {
                    "fields": [
                        {
                            "name": "outcome",
                            "type": "string",
                            "vocabulary": "outcomes",
                            "constraints": {"required": True},
                        },
                        {"name": "intervention_type", "type": "string", "vocabulary": "intervention_types"},
                        {"name": "question", "type": "string", "vocabulary": "questions"},
                    ]
                },
            }
        ]
    }
    fields = fill_vocabularies(descriptor, synthetic_review())["resources"][0]["schema"]["fields"]
    assert fields[0]["constraints"] == {"required": True, "enum": [o["id"] for o in DECLARATION["outcomes"]]}
    assert "vocabulary" not in fields[0] and fields[1]["constraints"]["enum"][0] == "resistance"
    assert fields[2]["constraints"]["enum"] == ["risk", "treatment"]
    with pytest.raises(CompendiumError, match="expected vocabulary one of"):
        fill_vocabularies(
            {"resources": [{"name": "x", "schema": {"fields": [{"name": "y", "vocabulary": "colours"}]}}]},
            synthetic_review(),
        )


def test_a_declaration_file_is_read_safely(tmp_path):
    path = tmp_path / "review.yaml"
    path.write_text("title: &t T\nalias: *t\n", encoding="utf-8")
    with pytest.raises(CompendiumError, match="alias|anchor"):
        load_review(path)
    with pytest.raises(CompendiumError, match="review declaration not found"):
        load_review(tmp_path / "missing.yaml")
    path.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(CompendiumError, match="expected a mapping"):
        load_review(path)


def test_parse_review_needs_the_required_fields():
    with pytest.raises(CompendiumError, match="field 'intervention'"):
        parse_review({"title": "T"})


def test_compared_with_lists_our_outcomes_for_a_review_outcome():
    review = synthetic_review(
        outcomes=[
            {"id": "score_v2", "label": "score, version 2"},
            {"id": "score", "label": "score", "compared_with": ["score", "score_v2"]},
        ]
    )
    assert review.compared_codes("score") == ("score", "score_v2")
    assert review.compared_codes("score_v2") == ("score_v2",)  # default: the outcome itself
    assert review.compared_codes("undeclared") == ("undeclared",)
