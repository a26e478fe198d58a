"""The review declaration (compendium.review): field-by-field validation with messages that name the
field, the defaults, and the vocabularies it fills into the data package. SYNTHETIC declarations."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from compendium.errors import CompendiumError
from compendium.review import fill_vocabularies, load_review, parse_review, review_for
from synthetic_review import DECLARATION, synthetic_review

#: the SYNTHETIC declaration of the valid fixture package, as YAML text
FIXTURE_TEXT = (Path(__file__).parent / "fixtures" / "review.yaml").read_text(encoding="utf-8")


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
        ({"dichotomous_measure": "HR"}, "field 'dichotomous_measure': expected one of RR, OR, RD, got 'HR'"),
        ({"dichotomous_measure": ["RR", "HR"]}, "field 'dichotomous_measure[1]': expected one of RR, OR, RD"),
        ({"dichotomous_measure": ["RR", "RR"]}, "field 'dichotomous_measure[1]': expected a value not used before"),
        ({"dichotomous_measure": []}, "field 'dichotomous_measure': expected a measure or a non-empty list"),
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
        ({"exposure_categories": ["a", "Bad"]}, "field 'exposure_categories[1]': expected an identifier"),
        ({"exposure_categories": [{"label": "A"}]}, "field 'exposure_categories[0].id': expected an identifier"),
        ({"exposure_categories": [{"id": "a", "label": ""}]}, "field 'exposure_categories[0].label': expected a non"),
        ({"exposure_categories": [{"id": "a", "words": "x"}]}, "field 'exposure_categories[0].words': expected a list"),
        ({"exposure_categories": [{"id": "a", "words": [3]}]}, "field 'exposure_categories[0].words[0]': expected a"),
        ({"exposure_categories": [{"id": "a", "colour": 1}]}, "field 'exposure_categories[0].colour': expected one of"),
        ({"exposure_categories": ["a", {"id": "a"}]}, "field 'exposure_categories[1].id': expected an id not used"),
        (
            {"exposure_categories": ["a"], "indirect_exposures": [{"category": "b", "reason": "r"}]},
            "field 'indirect_exposures[0].category': expected a category declared under exposure_categories, got 'b'",
        ),
        ({"indirect_exposures": [{"category": "a"}]}, "field 'indirect_exposures[0].reason': expected a non-empty"),
        (
            {"indirect_exposures": [{"category": "a", "reason": "r"}, {"category": "a", "reason": "s"}]},
            "field 'indirect_exposures[1].category': expected a category not listed before",
        ),
        ({"indirect_exposures": {"a": "r"}}, "field 'indirect_exposures': expected a list"),
        (
            {"overlapping_populations": [{"population": "P", "studies": ["s1"]}]},
            "field 'overlapping_populations[0].studies': expected at least two study ids",
        ),
        (
            {"overlapping_populations": [{"population": "P", "studies": ["s1", 2005]}]},
            "field 'overlapping_populations[0].studies[1]': expected a non-empty text, got 2005",
        ),
        (
            {
                "overlapping_populations": [
                    {"population": "P", "studies": ["s1", "s2"]},
                    {"population": "Q", "studies": ["s3", "s1"]},
                ]
            },
            "field 'overlapping_populations[1].studies[1]': expected a study id in one population only",
        ),
        ({"overlapping_populations": [{"studies": ["a", "b"]}]}, "field 'overlapping_populations[0].population'"),
        (
            {"overlapping_populations": [{"population": "P", "studies": ["a", "b"], "why": "x"}]},
            "field 'overlapping_populations[0].why': expected one of the known keys population, studies",
        ),
        (
            {"stream_labels": {"mice": {"label": "M"}}},
            "field 'stream_labels.mice': expected an evidence stream, one of rct,",
        ),
        ({"stream_labels": {"preclinical": "M"}}, "field 'stream_labels.preclinical': expected a mapping"),
        (
            {"stream_labels": {"preclinical": {"short": ""}}},
            "field 'stream_labels.preclinical.short': expected a non-empty text",
        ),
        (
            {"stream_labels": {"preclinical": {"title": "x"}}},
            "field 'stream_labels.preclinical.title': expected one of the known keys label, short, text",
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
    several = synthetic_review(dichotomous_measure=["RD", "RR", "OR"])  # the first drives the answer
    assert several.dichotomous_measures == ("RD", "RR", "OR") and several.dichotomous_measure == "RD"
    assert synthetic_review(dichotomous_measure="OR").dichotomous_measures == ("OR",)
    assert review.time_windows[-1].upper_weeks == math.inf and review.surrogates["mep"].startswith("respiratory")
    assert review.safety_outcomes == ("adverse_events",)
    assert review.question_for_role("treatment").text == "Synthetic treatment question?"
    closed = synthetic_review(time_windows=[{"label": "up to 12 weeks", "upper_weeks": 12}])
    assert [w.label for w in closed.time_windows] == ["up to 12 weeks", "over 12 weeks"]  # an open window is added
    assert synthetic_review(time_windows=[]).time_windows == ()


def test_risk_judgements_and_labels_are_declared():
    review = synthetic_review(
        exposure_categories=[
            "coffee_intake",
            {"id": "caffeine", "label": "Caffeine (any source)", "words": ["Caffeinated"]},
            "other",
        ],
        indirect_exposures=[{"category": "caffeine", "reason": "caffeine is not coffee"}],
        overlapping_populations=[{"population": "One cohort", "studies": ["c1", "c2"]}],
        stream_labels={"preclinical": {"short": "Rat models"}},
    )
    assert review.exposure_category_ids == ("coffee_intake", "caffeine", "other")  # plain ids still work
    assert review.exposure_labels == {
        "coffee_intake": "Coffee intake",
        "caffeine": "Caffeine (any source)",
        "other": "Other",
    }
    assert review.exposure_words["caffeine"] == ("caffeinated", "caffeine")  # declared words, then the id in words
    assert review.exposure_words["coffee_intake"] == ("coffee intake",)
    assert review.indirect_exposure_reasons == {"caffeine": "caffeine is not coffee"}
    assert review.population_groups == {"One cohort": ("c1", "c2")}
    preclinical = review.stream_label("preclinical")
    assert (preclinical.label, preclinical.short, preclinical.text) == (
        "Preclinical: animal models",  # the generic defaults where the review declares none
        "Rat models",
        "animal studies",
    )
    assert review.stream_labels_of("short")["preclinical"] == "Rat models"
    plain = synthetic_review()  # nothing declared: no judgement, generic labels
    assert plain.indirect_exposures == () and plain.overlapping_populations == ()
    assert plain.stream_labels_of("label")["preclinical"] == "Preclinical: animal models"
    assert plain.stream_labels_of("short")["preclinical"] == "Animal models"
    # any category may be declared indirect when exposure_categories is empty (free text)
    assert synthetic_review(indirect_exposures=[{"category": "x", "reason": "r"}]).indirect_exposure_reasons == {
        "x": "r"
    }


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


def test_the_report_fields_are_read_and_checked():
    """asks (default from higher_is_better), population, setting, evidence_searched, importance, assumed_risk, mid."""
    review = synthetic_review()
    assert {q.asks for q in review.questions} == {"benefit"}
    assert review.evidence_searched == ""
    neutral = synthetic_review(outcomes=[{"id": "x", "label": "x"}])
    assert {q.asks for q in neutral.questions} == {"effect"}
    declared = synthetic_review(
        questions=[
            {
                "id": "treatment",
                "text": "Q?",
                "streams": ["rct"],
                "asks": "harm",
                "population": "adults",
                "setting": "wards",
            }
        ],
        outcomes=[
            {
                "id": "death",
                "label": "death",
                "unit": "participants",
                "higher_is_better": False,
                "importance": "critical",
                "assumed_risk": 0.04,
                "mid": 0.25,
            }
        ],
        evidence_searched="2023-05",
    )
    question, outcome = declared.questions[0], declared.outcomes[0]
    assert (question.asks, question.population, question.setting) == ("harm", "adults", "wards")
    assert (outcome.importance, outcome.assumed_risk, outcome.mid) == ("critical", 0.04, 0.25)
    assert declared.evidence_searched == "2023-05"
    for changes, field in (
        ({"questions": [{"id": "treatment", "text": "Q?", "streams": ["rct"], "asks": "safety"}]}, "questions[0].asks"),
        ({"evidence_searched": "May 2023"}, "evidence_searched"),
        ({"outcomes": [{"id": "x", "label": "x", "importance": "vital"}]}, "outcomes[0].importance"),
        ({"outcomes": [{"id": "x", "label": "x", "mid": -1}]}, "outcomes[0].mid"),
        (
            {"outcomes": [{"id": "x", "label": "x", "unit": "participants", "assumed_risk": 4}]},
            "outcomes[0].assumed_risk",
        ),
    ):
        with pytest.raises(CompendiumError, match=re.escape(f"field '{field}'")):
            synthetic_review(**changes)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # a field given with the wrong type or empty is refused, never replaced by its default (issue 24)
        ({"condition": ""}, "field 'condition': expected a mapping (key: value), got ''"),
        ({"exposure": []}, "field 'exposure': expected a mapping (key: value), got []"),
        ({"report": []}, "field 'report': expected a mapping (key: value), got []"),
        ({"report": {"notice": ""}}, "field 'report.notice': expected a non-empty text, got ''"),
        ({"report": {"guidance_notice": 3}}, "field 'report.guidance_notice': expected a non-empty text, got 3"),
        ({"stream_labels": ""}, "field 'stream_labels': expected a mapping (key: value), got ''"),
        ({"stages": []}, "field 'stages': expected a non-empty list, got []"),
        ({"stages": "01_ingest"}, "field 'stages': expected a non-empty list, got '01_ingest'"),
        ({"stages": ["01_ingest", "01_ingest"]}, "field 'stages': expected each stage listed once"),
        # uniqueness of ids and labels
        (
            {"report": {"guidance_topics": [{"id": "a", "title": "A"}, {"id": "a", "title": "B"}]}},
            "field 'report.guidance_topics[1].id': expected an id not used before in the list, got 'a'",
        ),
        (
            {"report": {"guidance_topics": [{"id": "a", "title": "A"}, {"id": "b", "title": "A"}]}},
            "field 'report.guidance_topics[1].title': expected a title not used before in the list, got 'A'",
        ),
        (
            {"time_windows": [{"label": "early", "upper_weeks": 8}, {"label": "early", "upper_weeks": 12}]},
            "field 'time_windows[1].label': expected a label not used before in the list, got 'early'",
        ),
        # window bounds above 0 and increasing
        ({"time_windows": [{"label": "w", "upper_weeks": 0}]}, "expected a number of weeks above 0, got 0"),
        ({"time_windows": [{"label": "w", "upper_weeks": -5}]}, "expected a number of weeks above 0, got -5"),
        (
            {"time_windows": [{"label": "a", "upper_weeks": 12}, {"label": "b", "upper_weeks": 8}]},
            "field 'time_windows[1].upper_weeks': expected a bound above the previous window's 12, got 8",
        ),
        # the question's streams come from the stream vocabulary
        (
            {"questions": [{"id": "treatment", "text": "Q?", "streams": ["rtc"]}]},
            "field 'questions[0].streams[0]': expected an evidence stream, one of rct,",
        ),
        (
            {"questions": [{"id": "treatment", "text": "Q?", "streams": ["rct", "rct"]}]},
            "field 'questions[0].streams[1]': expected a value not used before in the list, got 'rct'",
        ),
    ],
)
def test_given_fields_are_checked_for_meaning(changes, message):
    with pytest.raises(CompendiumError) as error:
        synthetic_review(**changes)
    assert message in str(error.value)


def test_an_empty_list_keeps_its_documented_meaning():
    assert synthetic_review(time_windows=[]).time_windows == ()
    assert synthetic_review(report={}).report.notice == ""


def test_numbers_are_read_as_yaml_1_2(tmp_path):
    """YAML 1.2 core schema (YAML 1.2.2, 10.3.2): ``034`` is 34 (YAML 1.1 would read octal 28) and
    ``3.48e1`` is 34.8 (YAML 1.1 would read text)."""
    path = tmp_path / "review.yaml"
    text = FIXTURE_TEXT.replace("time_windows: []", "time_windows: [{label: early, upper_weeks: 034}]")
    path.write_text(text.replace("range: [0, 48]", "range: [0, 3.48e1]"), encoding="utf-8")
    review = load_review(path)
    assert review.time_windows[0].upper_weeks == 34
    assert review.outcome("alsfrs_r").range == (0, 34.8)


def test_duplicate_keys_and_a_directory_are_refused(tmp_path):
    path = tmp_path / "review.yaml"
    path.write_text(FIXTURE_TEXT + 'title: "again"\n', encoding="utf-8")
    with pytest.raises(CompendiumError, match=r"line \d+: key 'title' given twice \(first on line \d+\)"):
        load_review(path)
    path.unlink()
    path.mkdir()
    (tmp_path / "data").mkdir()
    with pytest.raises(CompendiumError, match="review.yaml: is a directory; expected a YAML file"):
        review_for(tmp_path / "data")
