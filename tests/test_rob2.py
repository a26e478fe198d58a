"""RoB 2 decision algorithms, one test per path.

Reference: Higgins JPT, Savović J, Page MJ, Sterne JAC. Revised Cochrane risk-of-bias tool for
randomized trials (RoB 2), full guidance, 22 August 2019: the algorithm figure and criteria table
after Box 4 (D1), Box 6 (D2, effect of assignment), Box 8 (D3), Box 10 (D4), Box 11 (D5), and
section 1.2.3 for the overall judgement. Each test id names the path it walks; every answer group
(e.g. Y/PY/NI) is exercised with each of its members where the path allows. All answers here are
synthetic test inputs, not assessments of real trials.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from compendium.bias import rob2
from compendium.bias.vocabulary import HIGH, LOW, SOME_CONCERNS
from compendium.errors import CompendiumError

FIXTURES = Path(__file__).parent / "fixtures"

#: answers that make every domain Low; a test replaces one domain's answers
ALL_LOW = {
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


def result_with(domain: str, answers: dict[str, str], **extra: str) -> dict[str, str | None]:
    """Assess a synthetic result whose other domains are Low."""
    base = {q: a for q, a in ALL_LOW.items() if rob2.QUESTIONS[q].domain != domain}
    return rob2.assess_result({"study": "synthetic", **base, **answers, **extra})


def p(judgement: str, answers: dict[str, str], path: str):  # noqa: ANN201 - pytest param
    return pytest.param(answers, judgement, id=path)


D1_PATHS = [
    p(HIGH, {"q1_1": "Y", "q1_2": "N", "q1_3": "N"}, "1.2_N__high"),
    p(HIGH, {"q1_1": "Y", "q1_2": "PN", "q1_3": "NI"}, "1.2_PN__high"),
    p(HIGH, {"q1_1": "NI", "q1_2": "NI", "q1_3": "Y"}, "1.2_NI__1.3_Y__high"),
    p(HIGH, {"q1_1": "Y", "q1_2": "NI", "q1_3": "PY"}, "1.2_NI__1.3_PY__high"),
    p(SOME_CONCERNS, {"q1_1": "Y", "q1_2": "NI", "q1_3": "N"}, "1.2_NI__1.3_N__some"),
    p(SOME_CONCERNS, {"q1_1": "NI", "q1_2": "NI", "q1_3": "NI"}, "1.2_NI__1.3_NI__some"),
    p(SOME_CONCERNS, {"q1_1": "N", "q1_2": "NI", "q1_3": "PN"}, "1.2_NI__1.3_PN__some"),
    p(LOW, {"q1_1": "Y", "q1_2": "Y", "q1_3": "N"}, "1.2_Y__1.1_Y__1.3_N__low"),
    p(LOW, {"q1_1": "PY", "q1_2": "PY", "q1_3": "PN"}, "1.2_PY__1.1_PY__1.3_PN__low"),
    p(LOW, {"q1_1": "NI", "q1_2": "Y", "q1_3": "NI"}, "1.2_Y__1.1_NI__1.3_NI__low"),
    p(SOME_CONCERNS, {"q1_1": "Y", "q1_2": "Y", "q1_3": "Y"}, "1.2_Y__1.3_Y__some"),
    p(SOME_CONCERNS, {"q1_1": "NI", "q1_2": "PY", "q1_3": "PY"}, "1.2_PY__1.3_PY__some"),
    p(SOME_CONCERNS, {"q1_1": "N", "q1_2": "Y", "q1_3": "N"}, "1.2_Y__1.1_N__1.3_N__some"),
    p(SOME_CONCERNS, {"q1_1": "PN", "q1_2": "Y", "q1_3": "NI"}, "1.2_Y__1.1_PN__1.3_NI__some"),
    p(SOME_CONCERNS, {"q1_1": "N", "q1_2": "Y", "q1_3": "Y"}, "1.2_Y__1.1_N__1.3_Y__some"),
]


@pytest.mark.parametrize(("answers", "expected"), D1_PATHS)
def test_d1_randomisation_paths(answers: dict[str, str], expected: str) -> None:
    assert result_with("d1", answers)["d1_proposed"] == expected


# D2 part 2 is held Low (2.6 Y) while part 1 is walked, and vice versa.
D2_PART1_PATHS = [
    p(LOW, {"q2_1": "N", "q2_2": "PN"}, "2.1_N__2.2_PN__low"),
    p(LOW, {"q2_1": "Y", "q2_2": "N", "q2_3": "N"}, "2.1_Y__2.3_N__low"),
    p(LOW, {"q2_1": "N", "q2_2": "NI", "q2_3": "PN"}, "2.2_NI__2.3_PN__low"),
    p(SOME_CONCERNS, {"q2_1": "PY", "q2_2": "PY", "q2_3": "NI"}, "aware__2.3_NI__some"),
    p(SOME_CONCERNS, {"q2_1": "Y", "q2_2": "Y", "q2_3": "Y", "q2_4": "N"}, "aware__2.3_Y__2.4_N__some"),
    p(SOME_CONCERNS, {"q2_1": "Y", "q2_2": "Y", "q2_3": "PY", "q2_4": "PN"}, "aware__2.3_PY__2.4_PN__some"),
    p(SOME_CONCERNS, {"q2_1": "Y", "q2_2": "N", "q2_3": "Y", "q2_4": "Y", "q2_5": "Y"}, "2.4_Y__2.5_Y__some"),
    p(SOME_CONCERNS, {"q2_1": "Y", "q2_2": "N", "q2_3": "Y", "q2_4": "NI", "q2_5": "PY"}, "2.4_NI__2.5_PY__some"),
    p(HIGH, {"q2_1": "Y", "q2_2": "Y", "q2_3": "Y", "q2_4": "PY", "q2_5": "N"}, "2.4_PY__2.5_N__high"),
    p(HIGH, {"q2_1": "Y", "q2_2": "Y", "q2_3": "Y", "q2_4": "Y", "q2_5": "PN"}, "2.4_Y__2.5_PN__high"),
    p(HIGH, {"q2_1": "NI", "q2_2": "NI", "q2_3": "Y", "q2_4": "NI", "q2_5": "NI"}, "2.4_NI__2.5_NI__high"),
]


@pytest.mark.parametrize(("answers", "expected"), D2_PART1_PATHS)
def test_d2_part1_trial_context_paths(answers: dict[str, str], expected: str) -> None:
    result = result_with("d2", {**answers, "q2_6": "Y"})
    assert rob2.judge_d2_part1(rob2.validate_answers({**ALL_LOW, **answers})) == expected
    assert result["d2_proposed"] == expected  # part 2 Low, so the domain follows part 1


D2_PART2_PATHS = [
    p(LOW, {"q2_6": "Y"}, "2.6_Y__low"),
    p(LOW, {"q2_6": "PY"}, "2.6_PY__low"),
    p(SOME_CONCERNS, {"q2_6": "N", "q2_7": "N"}, "2.6_N__2.7_N__some"),
    p(SOME_CONCERNS, {"q2_6": "NI", "q2_7": "PN"}, "2.6_NI__2.7_PN__some"),
    p(HIGH, {"q2_6": "PN", "q2_7": "Y"}, "2.6_PN__2.7_Y__high"),
    p(HIGH, {"q2_6": "N", "q2_7": "PY"}, "2.6_N__2.7_PY__high"),
    p(HIGH, {"q2_6": "N", "q2_7": "NI"}, "2.6_N__2.7_NI__high"),
]


@pytest.mark.parametrize(("answers", "expected"), D2_PART2_PATHS)
def test_d2_part2_analysis_paths(answers: dict[str, str], expected: str) -> None:
    result = result_with("d2", {"q2_1": "N", "q2_2": "N", **answers})
    assert result["d2_proposed"] == expected  # part 1 Low, so the domain follows part 2


D2_COMBINED = [
    p(LOW, {"q2_1": "N", "q2_2": "N", "q2_6": "Y"}, "part1_low__part2_low__low"),
    p(
        SOME_CONCERNS,
        {"q2_1": "Y", "q2_2": "Y", "q2_3": "NI", "q2_6": "N", "q2_7": "N"},
        "part1_some__part2_some__some",
    ),
    p(
        HIGH,
        {"q2_1": "Y", "q2_2": "Y", "q2_3": "Y", "q2_4": "Y", "q2_5": "N", "q2_6": "Y"},
        "part1_high__part2_low__high",
    ),
    p(HIGH, {"q2_1": "Y", "q2_2": "Y", "q2_3": "NI", "q2_6": "N", "q2_7": "Y"}, "part1_some__part2_high__high"),
]


@pytest.mark.parametrize(("answers", "expected"), D2_COMBINED)
def test_d2_combines_parts_worst_first(answers: dict[str, str], expected: str) -> None:
    assert result_with("d2", answers)["d2_proposed"] == expected


D3_PATHS = [
    p(LOW, {"q3_1": "Y"}, "3.1_Y__low"),
    p(LOW, {"q3_1": "PY"}, "3.1_PY__low"),
    p(LOW, {"q3_1": "N", "q3_2": "Y"}, "3.1_N__3.2_Y__low"),
    p(LOW, {"q3_1": "NI", "q3_2": "PY"}, "3.1_NI__3.2_PY__low"),
    p(LOW, {"q3_1": "PN", "q3_2": "N", "q3_3": "N"}, "3.2_N__3.3_N__low"),
    p(LOW, {"q3_1": "N", "q3_2": "PN", "q3_3": "PN"}, "3.2_PN__3.3_PN__low"),
    p(SOME_CONCERNS, {"q3_1": "N", "q3_2": "N", "q3_3": "Y", "q3_4": "N"}, "3.3_Y__3.4_N__some"),
    p(SOME_CONCERNS, {"q3_1": "N", "q3_2": "N", "q3_3": "NI", "q3_4": "PN"}, "3.3_NI__3.4_PN__some"),
    p(HIGH, {"q3_1": "N", "q3_2": "N", "q3_3": "PY", "q3_4": "Y"}, "3.3_PY__3.4_Y__high"),
    p(HIGH, {"q3_1": "N", "q3_2": "N", "q3_3": "Y", "q3_4": "PY"}, "3.3_Y__3.4_PY__high"),
    p(HIGH, {"q3_1": "NI", "q3_2": "N", "q3_3": "Y", "q3_4": "NI"}, "3.3_Y__3.4_NI__high"),
]


@pytest.mark.parametrize(("answers", "expected"), D3_PATHS)
def test_d3_missing_outcome_data_paths(answers: dict[str, str], expected: str) -> None:
    assert result_with("d3", answers)["d3_proposed"] == expected


D4_PATHS = [
    p(HIGH, {"q4_1": "Y", "q4_2": "N"}, "4.1_Y__high"),
    p(HIGH, {"q4_1": "PY", "q4_2": "NI"}, "4.1_PY__high"),
    p(HIGH, {"q4_1": "N", "q4_2": "Y"}, "4.1_N__4.2_Y__high"),
    p(HIGH, {"q4_1": "NI", "q4_2": "PY"}, "4.1_NI__4.2_PY__high"),
    # 4.2 N/PN branch
    p(LOW, {"q4_1": "N", "q4_2": "N", "q4_3": "N"}, "4.2_N__4.3_N__low"),
    p(LOW, {"q4_1": "NI", "q4_2": "PN", "q4_3": "PN"}, "4.1_NI__4.2_PN__4.3_PN__low"),
    p(LOW, {"q4_1": "N", "q4_2": "N", "q4_3": "Y", "q4_4": "N"}, "4.2_N__4.3_Y__4.4_N__low"),
    p(LOW, {"q4_1": "PN", "q4_2": "N", "q4_3": "NI", "q4_4": "PN"}, "4.2_N__4.3_NI__4.4_PN__low"),
    p(SOME_CONCERNS, {"q4_1": "N", "q4_2": "N", "q4_3": "Y", "q4_4": "Y", "q4_5": "N"}, "4.2_N__4.4_Y__4.5_N__some"),
    p(
        SOME_CONCERNS,
        {"q4_1": "N", "q4_2": "N", "q4_3": "PY", "q4_4": "NI", "q4_5": "PN"},
        "4.2_N__4.4_NI__4.5_PN__some",
    ),
    p(HIGH, {"q4_1": "N", "q4_2": "N", "q4_3": "Y", "q4_4": "Y", "q4_5": "Y"}, "4.2_N__4.4_Y__4.5_Y__high"),
    p(HIGH, {"q4_1": "N", "q4_2": "PN", "q4_3": "Y", "q4_4": "PY", "q4_5": "NI"}, "4.2_PN__4.4_PY__4.5_NI__high"),
    # 4.2 NI branch: the low endpoints become Some concerns
    p(SOME_CONCERNS, {"q4_1": "N", "q4_2": "NI", "q4_3": "N"}, "4.2_NI__4.3_N__some"),
    p(SOME_CONCERNS, {"q4_1": "N", "q4_2": "NI", "q4_3": "Y", "q4_4": "N"}, "4.2_NI__4.3_Y__4.4_N__some"),
    p(
        SOME_CONCERNS,
        {"q4_1": "N", "q4_2": "NI", "q4_3": "Y", "q4_4": "Y", "q4_5": "PN"},
        "4.2_NI__4.4_Y__4.5_PN__some",
    ),
    p(HIGH, {"q4_1": "N", "q4_2": "NI", "q4_3": "NI", "q4_4": "Y", "q4_5": "PY"}, "4.2_NI__4.4_Y__4.5_PY__high"),
    p(SOME_CONCERNS, {"q4_1": "NI", "q4_2": "NI", "q4_3": "PN"}, "4.1_NI__4.2_NI__4.3_PN__some"),
    p(SOME_CONCERNS, {"q4_1": "PN", "q4_2": "NI", "q4_3": "NI", "q4_4": "PN"}, "4.2_NI__4.3_NI__4.4_PN__some"),
    p(HIGH, {"q4_1": "N", "q4_2": "NI", "q4_3": "PY", "q4_4": "NI", "q4_5": "NI"}, "4.2_NI__4.4_NI__4.5_NI__high"),
]


@pytest.mark.parametrize(("answers", "expected"), D4_PATHS)
def test_d4_measurement_paths(answers: dict[str, str], expected: str) -> None:
    assert result_with("d4", answers)["d4_proposed"] == expected


D5_PATHS = [
    p(LOW, {"q5_1": "Y", "q5_2": "N", "q5_3": "N"}, "5.1_Y__5.2_N__5.3_N__low"),
    p(LOW, {"q5_1": "PY", "q5_2": "PN", "q5_3": "PN"}, "5.1_PY__5.2_PN__5.3_PN__low"),
    p(SOME_CONCERNS, {"q5_1": "N", "q5_2": "N", "q5_3": "N"}, "5.1_N__both_N__some"),
    p(SOME_CONCERNS, {"q5_1": "NI", "q5_2": "PN", "q5_3": "N"}, "5.1_NI__both_N__some"),
    p(SOME_CONCERNS, {"q5_1": "Y", "q5_2": "NI", "q5_3": "N"}, "5.1_Y__5.2_NI__some"),
    p(SOME_CONCERNS, {"q5_1": "PN", "q5_2": "N", "q5_3": "NI"}, "5.1_PN__5.3_NI__some"),
    p(HIGH, {"q5_1": "Y", "q5_2": "Y", "q5_3": "N"}, "5.2_Y__high"),
    p(HIGH, {"q5_1": "NI", "q5_2": "NI", "q5_3": "PY"}, "5.3_PY__high"),
]


@pytest.mark.parametrize(("answers", "expected"), D5_PATHS)
def test_d5_selection_of_reported_result_paths(answers: dict[str, str], expected: str) -> None:
    assert result_with("d5", answers)["d5_proposed"] == expected


@pytest.mark.parametrize(
    ("domains", "expected"),
    [
        pytest.param([LOW] * 5, LOW, id="all_low__low"),
        pytest.param([LOW, SOME_CONCERNS, LOW, LOW, LOW], SOME_CONCERNS, id="one_some__some"),
        pytest.param([SOME_CONCERNS] * 5, SOME_CONCERNS, id="all_some__some_not_high_automatically"),
        pytest.param([LOW, LOW, HIGH, LOW, LOW], HIGH, id="one_high__high"),
        pytest.param([SOME_CONCERNS, HIGH, LOW, SOME_CONCERNS, LOW], HIGH, id="high_and_some__high"),
    ],
)
def test_overall_rule(domains: list[str], expected: str) -> None:
    assert rob2.overall_judgement(domains) == expected


def test_overall_is_proposed_from_final_domain_judgements() -> None:
    result = result_with("", {}, d3_override="High", d3_override_reason="synthetic reason")
    assert result["d3_proposed"] == LOW and result["d3_final"] == HIGH
    assert result["overall_proposed"] == HIGH


def test_overall_override_with_reason_is_kept_beside_the_proposal() -> None:
    result = result_with(
        "d2",
        {"q2_1": "Y", "q2_2": "Y", "q2_3": "NI", "q2_6": "Y"},
        overall_override="High",
        overall_override_reason="several domains with some concerns (synthetic)",
    )
    assert (result["overall_proposed"], result["overall_final"]) == (SOME_CONCERNS, HIGH)
    assert result["overall_override_reason"].startswith("several")


def test_override_without_reason_is_an_error() -> None:
    with pytest.raises(
        CompendiumError, match=r"row 1 \(line 2\), study 'synthetic', column 'd4_override_reason'.*reason"
    ):
        result_with("", {}, d4_override="High")


def test_override_equal_to_proposal_or_unknown_is_an_error() -> None:
    with pytest.raises(CompendiumError, match="equals the proposed"):
        result_with("", {}, d1_override="Low", d1_override_reason="x")
    with pytest.raises(CompendiumError, match="'Unclear' is not a judgement"):
        result_with("", {}, d1_override="Unclear", d1_override_reason="x")
    with pytest.raises(CompendiumError, match="reason is given but no overriding"):
        result_with("", {}, d1_override_reason="x")


def test_answer_outside_vocabulary_is_an_error_naming_row_and_column() -> None:
    with pytest.raises(CompendiumError, match=r"column 'q1_1': answer 'Yes' is not in the vocabulary"):
        result_with("d1", {"q1_1": "Yes", "q1_2": "Y", "q1_3": "N"})


def test_no_information_is_not_an_option_for_question_3_2() -> None:
    with pytest.raises(CompendiumError, match=r"column 'q3_2': answer 'NI'.*Y, PY, PN, N"):
        result_with("d3", {"q3_1": "N", "q3_2": "NI"})


@pytest.mark.parametrize(
    ("answers", "column"),
    [
        pytest.param({"q1_1": "Y", "q1_3": "N"}, "q1_2", id="unconditional_question_empty"),
        pytest.param({"q1_1": "Y", "q1_2": "NA", "q1_3": "N"}, "q1_2", id="unconditional_question_NA"),
    ],
)
def test_missing_needed_answer_is_an_error(answers: dict[str, str], column: str) -> None:
    with pytest.raises(CompendiumError, match=rf"column '{column}': the answer .* the algorithm needs it"):
        result_with("d1", answers)


def test_missing_conditional_answer_names_the_condition() -> None:
    with pytest.raises(CompendiumError, match=r"column 'q2_3'.*asked because of Y/PY/NI to q2_1 or q2_2"):
        result_with("d2", {"q2_1": "Y", "q2_2": "N", "q2_6": "Y"})


def test_answer_to_a_question_not_asked_is_an_error() -> None:
    with pytest.raises(CompendiumError, match=r"column 'q3_2': answered 'Y'.*only if N/PN/NI to q3_1"):
        result_with("d3", {"q3_1": "Y", "q3_2": "Y"})


def test_na_and_empty_are_accepted_where_not_asked() -> None:
    result = result_with("d3", {"q3_1": "Y", "q3_2": "NA", "q3_3": "", "q3_4": "NA"})
    assert result["d3_proposed"] == LOW


def test_assess_file_reads_fixture_and_keeps_na_as_text() -> None:
    table = rob2.assess_file(FIXTURES / "rob2_synthetic_answers.csv")
    assert list(table.columns) == rob2.assessment_columns()
    expected = pd.read_csv(FIXTURES / "rob2_synthetic_expected.csv", dtype=str, keep_default_na=False)
    for _, row in expected.iterrows():
        got = table[(table["study"] == row["study"]) & (table["outcome"] == row["outcome"])].iloc[0]
        assert [got[f"{d}_final"] for d in (*rob2.DOMAINS, "overall")] == [
            row[d] for d in ("d1", "d2", "d3", "d4", "d5", "overall")
        ], row["study"]


def test_bad_fixture_error_names_file_row_and_column() -> None:
    path = FIXTURES / "rob2_synthetic_bad_vocabulary.csv"
    with pytest.raises(CompendiumError, match=rf"{path.name}, row 2 \(line 3\), study 'synthetic-bad', column 'q4_3'"):
        rob2.assess_file(path)


def test_duplicate_result_rows_are_an_error() -> None:
    table = pd.DataFrame([{"study": "s", "outcome": "o", **ALL_LOW}] * 2)
    with pytest.raises(CompendiumError, match=r"row 2 \(line 3\): duplicate"):
        rob2.assess(table)


def test_absent_question_column_is_an_error_only_where_needed() -> None:
    table = pd.DataFrame([{"study": "s", **ALL_LOW}])  # no columns for questions never asked here
    assert rob2.assess(table).loc[0, "overall_final"] == LOW
    with pytest.raises(CompendiumError, match=r"column 'q5_3': the answer column is absent"):
        rob2.assess(table.drop(columns="q5_3"))
    with pytest.raises(CompendiumError, match=r"missing column\(s\) study"):
        rob2.assess(table.drop(columns="study"))


def test_pivot_answers_long_to_wide_matches_the_wide_fixture() -> None:
    long = rob2.read_text_table(FIXTURES / "rob2_synthetic_answers_long.csv")
    wide = rob2.pivot_answers(long, source="long")
    assessed = rob2.assess(wide)
    direct = rob2.assess_file(FIXTURES / "rob2_synthetic_answers.csv")
    merged = assessed.merge(direct, on=["study", "outcome"], suffixes=("_long", "_wide"))
    assert len(merged) == len(assessed) == 2
    for target in rob2.OVERRIDE_TARGETS:
        assert (merged[f"{target}_proposed_long"] == merged[f"{target}_proposed_wide"]).all()


def test_pivot_answers_requires_justification_source_and_locator() -> None:
    row = {
        "study": "s",
        "outcome": "o",
        "question": "q1_1",
        "answer": "Y",
        "justification": "j",
        "source_id": "src",
        "locator": "",
    }
    with pytest.raises(CompendiumError, match="column 'locator': required"):
        rob2.pivot_answers(pd.DataFrame([row]))
    with pytest.raises(CompendiumError, match="column 'source_id': required"):
        rob2.pivot_answers(pd.DataFrame([{**row, "source_id": "", "locator": "p. 3"}]))
    ni = rob2.pivot_answers(pd.DataFrame([{**row, "answer": "NI"}]))  # NI needs no locator
    assert ni.loc[0, "q1_1"] == "NI"
    with pytest.raises(CompendiumError, match="unknown question 'q6_1'"):
        rob2.pivot_answers(pd.DataFrame([{**row, "question": "q6_1", "locator": "p. 3"}]))


def test_pivot_overrides_adds_columns_used_by_assess() -> None:
    wide = pd.DataFrame([{"study": "s", "outcome": "o", **ALL_LOW}])
    overrides = pd.DataFrame(
        [{"study": "s", "outcome": "o", "target": "overall", "judgement": "Some concerns", "reason": "r"}]
    )
    result = rob2.assess(rob2.pivot_overrides(wide, overrides))
    assert (result.loc[0, "overall_proposed"], result.loc[0, "overall_final"]) == (LOW, SOME_CONCERNS)
    with pytest.raises(CompendiumError, match="no answers for outcome 'x'"):
        rob2.pivot_overrides(wide, overrides.assign(outcome="x"))


def test_count_no_information() -> None:
    table = pd.DataFrame(
        [
            {"study": "a", **ALL_LOW},
            {"study": "b", **ALL_LOW, "q1_1": "NI", "q4_3": "NI", "q4_4": "N"},
        ]
    )
    counts = rob2.count_no_information(table)
    assert counts["n_ni"].tolist() == [0, 2]
    assert counts["n_asked"].tolist() == [13, 14]
    assert counts.loc[1, "ni_questions"] == "q1_1,q4_3"
    assert (counts.loc[1, "ni_d1"], counts.loc[1, "ni_d4"]) == (1, 1)
    assert counts.loc[1, "pct_ni"] == pytest.approx(100 * 2 / 14)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    src = Path(__file__).resolve().parents[1] / "src"
    return subprocess.run(
        [sys.executable, "-c", "import sys; from compendium.cli import main; sys.exit(main())", *args],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(src), "PATH": ""},
        check=False,
    )


def test_cli_json_contract() -> None:
    completed = run_cli("rob2", str(FIXTURES / "rob2_synthetic_answers.csv"), "--json")
    assert completed.returncode == 0, completed.stderr
    payload = json.loads(completed.stdout)
    assert [list(item) for item in payload][0] == ["study", "outcome", "d1", "d2", "d3", "d4", "d5", "overall"]
    values = {v for item in payload for k, v in item.items() if k not in ("study", "outcome")}
    assert values <= {LOW, SOME_CONCERNS, HIGH}


def test_cli_outcome_is_null_without_outcome_column(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    pd.DataFrame([{"study": "s", **ALL_LOW}]).to_csv(path, index=False)
    payload = json.loads(run_cli("rob2", str(path), "--json").stdout)
    assert payload == [
        {"study": "s", "outcome": None, "d1": LOW, "d2": LOW, "d3": LOW, "d4": LOW, "d5": LOW, "overall": LOW}
    ]


def test_cli_empty_outcome_cell_is_null(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    pd.DataFrame([{"study": "s", "outcome": "o", **ALL_LOW}, {"study": "t", "outcome": "", **ALL_LOW}]).to_csv(
        path, index=False
    )
    payload = json.loads(run_cli("rob2", str(path), "--json").stdout)
    assert [item["outcome"] for item in payload] == ["o", None]


def test_cli_error_exit_code_and_message() -> None:
    completed = run_cli("rob2", str(FIXTURES / "rob2_synthetic_bad_vocabulary.csv"), "--json")
    assert completed.returncode == 2
    assert completed.stderr.startswith("error: ") and "column 'q4_3'" in completed.stderr


def test_cli_readable_table() -> None:
    completed = run_cli("rob2", str(FIXTURES / "rob2_synthetic_answers.csv"))
    assert completed.returncode == 0
    assert "overall" in completed.stdout.splitlines()[0] and "synthetic-low" in completed.stdout


def test_long_format_is_read_as_the_project_stores_it() -> None:
    """Issue 15: the long format (data/raw/rob2_answers.csv) was refused as "duplicate study". The
    synthetic long fixture has the columns of that file; tests/review/ reads this review's own."""
    long = rob2.assess_file(FIXTURES / "rob2_synthetic_answers_long.csv")
    wide = rob2.assess_file(FIXTURES / "rob2_synthetic_answers.csv")
    proposed = [f"{target}_proposed" for target in ("d1", "d2", "d3", "d4", "d5", "overall")]
    merged = wide.merge(long, on=["study", "outcome"], suffixes=("_wide", "_long"))
    assert len(merged) == len(long) > 0
    for column in proposed:
        assert merged[f"{column}_wide"].tolist() == merged[f"{column}_long"].tolist()
    completed = run_cli("rob2", str(FIXTURES / "rob2_synthetic_answers_long.csv"), "--json")
    assert completed.returncode == 0, completed.stderr
    assert len(json.loads(completed.stdout)) == len(long)


def test_rows_are_data_rows_with_their_line() -> None:
    table = pd.DataFrame([{"study": "a", **ALL_LOW}, {"study": "b", **ALL_LOW, "q1_1": "maybe"}])
    with pytest.raises(CompendiumError, match=r"answers table, row 2 \(line 3\), study 'b', column 'q1_1'"):
        rob2.assess(table)
