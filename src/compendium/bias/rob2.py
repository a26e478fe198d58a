"""RoB 2 for each trial result (effect of assignment, intention to treat): signalling answers ->
proposed domain judgements -> overall judgement, with reviewer overrides kept beside proposals.

Source: Higgins JPT, Savović J, Page MJ, Sterne JAC, on behalf of the RoB2 Development Group.
Revised Cochrane risk-of-bias tool for randomized trials (RoB 2), full guidance, 22 August 2019
(riskofbias.info), and Sterne JAC et al. BMJ 2019;366:l4898. Each domain function cites the part
of the guidance it implements: the signalling questions of Boxes 4, 6, 8, 10 and 11 and the
criteria table, mapping table and algorithm figure that follow each box (for D4: Box 10, Tables 11
and 12, Figure 5).

**Where the guidance needed a reading** (documented mappings): (1) D4 follows the algorithm's two
parallel branches on 4.2: answering NI to 4.2 turns the branch's Low endpoints into Some concerns.
(2) D2 combines its two parts by taking the worse (Low only if both are Low). (3) D5 with an NI to
5.2 or 5.3 and no Y/PY is Some concerns whatever 5.1 says. (4) A question is required when the tool
asks it (unconditional, or its "If ..." condition holds), even where the path could end without it
(e.g. 1.1 when 1.2 is N): the curated record then matches the tool's form.

**Which questions must be answered.** A question is *asked* if it is unconditional in the tool or
its condition ("If Y/PY/NI to 2.1 or 2.2 ...") holds for the earlier answers. Every asked question
needs an answer from its vocabulary (Y, PY, PN, N, NI; question 3.2 has no NI option in the tool);
a question that is not asked must be empty or ``NA``. Anything else is a :class:`CompendiumError`
naming the file, row and column (``row N (line N+1)``: the N-th data row, on line N+1 of the file).

**Wide format** (one row per result; what :func:`assess` reads; ``compendium rob2`` reads both)::

    study, [outcome], q1_1 q1_2 q1_3, q2_1 .. q2_7, q3_1 .. q3_4, q4_1 .. q4_5, q5_1 q5_2 q5_3,
    [d1_override, d1_override_reason, ..., d5_override, d5_override_reason,
     overall_override, overall_override_reason]

A question column may be left out when no row is asked that question. Other columns (notes) are
ignored.

**Long format** (the curated file in ``data/raw``; one row per answer; :func:`pivot_answers`)::

    study          trial identifier (same key as the trials table)
    outcome        outcome of the result assessed (may be empty if the trial has one result)
    question       q1_1 .. q5_3 (see QUESTIONS)
    answer         Y, PY, PN, N, NI, or NA (NA rows may be omitted)
    justification  the reviewer's reason for the answer, ideally with a short quote; required
                   for every answer other than NA
    source_id      id of the published source (report, protocol, registry entry) the answer
                   rests on; required for every answer other than NA
    locator        where in that source (table, figure, page, section); required except for NI
                   answers, whose justification says what is not reported

**Overrides** (long, optional; one row per overridden judgement; :func:`pivot_overrides`)::

    study, outcome, target (d1 .. d5 or overall), judgement (Low / Some concerns / High), reason

An override must differ from the proposal and must have a written reason. The overall proposal is
made from the *final* domain judgements; the overall rule (full guidance section 1.2.3; Sterne et al.
2019) is Low if all domains are Low, High if any is High, otherwise Some concerns. Judging High
because several domains have Some concerns is the reviewer's call: it is an overall override.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from compendium.bias.tables import cell, check_unique, override, read_text_table, require_columns, where
from compendium.bias.vocabulary import (
    ANSWERS,
    ANSWERS_WITHOUT_NI,
    HIGH,
    LOW,
    N_PN,
    N_PN_NI,
    NO_INFORMATION_ANSWER,
    NOT_APPLICABLE,
    ROB2_JUDGEMENTS,
    SEVERITY,
    SOME_CONCERNS,
    Y_PY,
    Y_PY_NI,
)
from compendium.errors import CompendiumError, cell_problem

Answers = Mapping[str, str]


@dataclass(frozen=True)
class Question:
    """One signalling question: its domain, wording, allowed answers and when the tool asks it."""

    id: str
    domain: str
    text: str
    answers: tuple[str, ...] = ANSWERS
    asked_if: Callable[[Answers], bool] | None = None
    condition: str = ""


def _any_of(groups: Mapping[str, frozenset[str]]) -> Callable[[Answers], bool]:
    return lambda a: any(a.get(q) in allowed for q, allowed in groups.items())


def _all_of(groups: Mapping[str, frozenset[str]]) -> Callable[[Answers], bool]:
    return lambda a: all(a.get(q) in allowed for q, allowed in groups.items())


#: the signalling questions for the effect of assignment (parallel-group trials), in tool order;
#: wording abridged from the full guidance (Boxes 4, 6, 8, 10, 11)
QUESTIONS: dict[str, Question] = {
    q.id: q
    for q in (
        Question("q1_1", "d1", "Was the allocation sequence random?"),
        Question("q1_2", "d1", "Was the allocation sequence concealed until participants were enrolled and assigned?"),
        Question("q1_3", "d1", "Did baseline differences between groups suggest a problem with randomisation?"),
        Question("q2_1", "d2", "Were participants aware of their assigned intervention during the trial?"),
        Question("q2_2", "d2", "Were carers and people delivering the interventions aware of assignment?"),
        Question(
            "q2_3",
            "d2",
            "Were there deviations from the intended intervention that arose because of the trial context?",
            asked_if=_any_of({"q2_1": Y_PY_NI, "q2_2": Y_PY_NI}),
            condition="Y/PY/NI to q2_1 or q2_2",
        ),
        Question(
            "q2_4",
            "d2",
            "Were these deviations likely to have affected the outcome?",
            asked_if=_all_of({"q2_3": Y_PY}),
            condition="Y/PY to q2_3",
        ),
        Question(
            "q2_5",
            "d2",
            "Were these deviations from intended intervention balanced between groups?",
            asked_if=_all_of({"q2_4": Y_PY_NI}),
            condition="Y/PY/NI to q2_4",
        ),
        Question("q2_6", "d2", "Was an appropriate analysis used to estimate the effect of assignment?"),
        Question(
            "q2_7",
            "d2",
            "Was there potential for a substantial impact of analysing participants outside their randomised group?",
            asked_if=_all_of({"q2_6": N_PN_NI}),
            condition="N/PN/NI to q2_6",
        ),
        Question("q3_1", "d3", "Were outcome data available for all, or nearly all, participants randomised?"),
        Question(
            "q3_2",
            "d3",
            "Is there evidence that the result was not biased by missing outcome data?",
            answers=ANSWERS_WITHOUT_NI,
            asked_if=_all_of({"q3_1": N_PN_NI}),
            condition="N/PN/NI to q3_1",
        ),
        Question(
            "q3_3",
            "d3",
            "Could missingness in the outcome depend on its true value?",
            asked_if=_all_of({"q3_2": N_PN}),
            condition="N/PN to q3_2",
        ),
        Question(
            "q3_4",
            "d3",
            "Is it likely that missingness in the outcome depended on its true value?",
            asked_if=_all_of({"q3_3": Y_PY_NI}),
            condition="Y/PY/NI to q3_3",
        ),
        Question("q4_1", "d4", "Was the method of measuring the outcome inappropriate?"),
        Question("q4_2", "d4", "Could measurement or ascertainment of the outcome have differed between groups?"),
        Question(
            "q4_3",
            "d4",
            "Were outcome assessors aware of the intervention received?",
            asked_if=_all_of({"q4_1": N_PN_NI, "q4_2": N_PN_NI}),
            condition="N/PN/NI to q4_1 and q4_2",
        ),
        Question(
            "q4_4",
            "d4",
            "Could assessment of the outcome have been influenced by knowledge of intervention received?",
            asked_if=_all_of({"q4_3": Y_PY_NI}),
            condition="Y/PY/NI to q4_3",
        ),
        Question(
            "q4_5",
            "d4",
            "Is it likely that assessment of the outcome was influenced by knowledge of intervention received?",
            asked_if=_all_of({"q4_4": Y_PY_NI}),
            condition="Y/PY/NI to q4_4",
        ),
        Question(
            "q5_1",
            "d5",
            "Was the result analysed according to a pre-specified plan finalised before unblinded data were available?",
        ),
        Question("q5_2", "d5", "Was the result likely selected from multiple eligible outcome measurements?"),
        Question("q5_3", "d5", "Was the result likely selected from multiple eligible analyses of the data?"),
    )
}
QUESTION_IDS: tuple[str, ...] = tuple(QUESTIONS)
DOMAINS: tuple[str, ...] = ("d1", "d2", "d3", "d4", "d5")
OVERRIDE_TARGETS: tuple[str, ...] = (*DOMAINS, "overall")
LONG_COLUMNS: tuple[str, ...] = ("study", "outcome", "question", "answer", "justification", "source_id", "locator")
OVERRIDE_COLUMNS: tuple[str, ...] = ("study", "outcome", "target", "judgement", "reason")


def _worst(judgements: Sequence[str]) -> str:
    return max(judgements, key=SEVERITY.__getitem__)


def judge_d1(a: Answers) -> str:
    """D1, randomisation process (Box 4 and its algorithm). 1.2 N/PN -> High; 1.2 NI -> High if 1.3
    Y/PY else Some concerns; 1.2 Y/PY -> Low if 1.1 Y/PY/NI and 1.3 N/PN/NI, else Some concerns."""
    if a["q1_2"] in N_PN:
        return HIGH
    if a["q1_2"] == NO_INFORMATION_ANSWER:
        return HIGH if a["q1_3"] in Y_PY else SOME_CONCERNS
    if a["q1_1"] in Y_PY_NI and a["q1_3"] in N_PN_NI:
        return LOW
    return SOME_CONCERNS


def judge_d2_part1(a: Answers) -> str:
    """D2 part 1, deviations arising from the trial context (Box 6, questions 2.1-2.5).

    Both 2.1 and 2.2 N/PN -> Low; otherwise 2.3 N/PN -> Low, 2.3 NI -> Some concerns; 2.3 Y/PY:
    2.4 N/PN -> Some concerns; 2.4 Y/PY/NI: 2.5 Y/PY -> Some concerns, 2.5 N/PN/NI -> High.
    """
    if a["q2_1"] in N_PN and a["q2_2"] in N_PN:
        return LOW
    if a["q2_3"] in N_PN:
        return LOW
    if a["q2_3"] == NO_INFORMATION_ANSWER or a["q2_4"] in N_PN:
        return SOME_CONCERNS
    return SOME_CONCERNS if a["q2_5"] in Y_PY else HIGH


def judge_d2_part2(a: Answers) -> str:
    """D2 part 2, analysis (Box 6, questions 2.6-2.7): 2.6 Y/PY -> Low; otherwise 2.7 N/PN ->
    Some concerns, 2.7 Y/PY/NI -> High."""
    if a["q2_6"] in Y_PY:
        return LOW
    return SOME_CONCERNS if a["q2_7"] in N_PN else HIGH


def judge_d2(a: Answers) -> str:
    """D2, deviations from intended interventions, effect of assignment: Low if both parts are Low,
    High if either is High, otherwise Some concerns (criteria table after Box 6)."""
    return _worst([judge_d2_part1(a), judge_d2_part2(a)])


def judge_d3(a: Answers) -> str:
    """D3, missing outcome data (Box 8 and its algorithm): 3.1 Y/PY -> Low; 3.2 Y/PY -> Low;
    3.3 N/PN -> Low; 3.4 N/PN -> Some concerns; 3.4 Y/PY/NI -> High."""
    if a["q3_1"] in Y_PY or a["q3_2"] in Y_PY or a["q3_3"] in N_PN:
        return LOW
    return SOME_CONCERNS if a["q3_4"] in N_PN else HIGH


def judge_d4(a: Answers) -> str:
    """D4, measurement of the outcome (full guidance Box 10, p. 54; criteria Table 11; algorithm
    Table 12 and Figure 5).

    4.1 Y/PY or 4.2 Y/PY -> High. Otherwise the algorithm has two parallel branches on 4.2: with
    4.2 N/PN, assessors unaware (4.3 N/PN) or assessment not open to influence (4.4 N/PN) -> Low;
    with 4.2 NI the same paths end in Some concerns. In both branches 4.5 N/PN -> Some concerns and
    4.5 Y/PY/NI -> High. (4.1 NI is treated like N/PN, as the algorithm does.)

    Verified (issue 5): the guidance text of Box 10 (p. 54; question 4.3 is asked "If
    N/PN/NI to 4.1 and 4.2", so an NI to 4.2 continues to 4.3 rather than ending the domain) read
    on a mirror of the 22 August 2019 document (9pdf.org, "Signalling questions and criteria for
    judging risk of bias"); Table 12 and Figure 5 themselves could not be retrieved as text. The
    branch structure above agrees with an independent implementation of the published decision
    diagram (CoRATES, github.com/InfinityBowman/corates, packages/shared/src/checklists/rob2/
    scoring-domains.ts, ``scoreDomain4``: 4.2 NI branch gives Some concerns where the 4.2 N/PN
    branch gives Low; 4.5 N/PN Some concerns, Y/PY/NI High). No change to the rule was needed.
    """
    if a["q4_1"] in Y_PY or a["q4_2"] in Y_PY:
        return HIGH
    if a["q4_3"] in N_PN or a["q4_4"] in N_PN:
        return LOW if a["q4_2"] in N_PN else SOME_CONCERNS
    return SOME_CONCERNS if a["q4_5"] in N_PN else HIGH


def judge_d5(a: Answers) -> str:
    """D5, selection of the reported result (Box 11 and its algorithm): 5.2 or 5.3 Y/PY -> High;
    both N/PN -> Low if 5.1 Y/PY, else Some concerns; otherwise (an NI, no Y/PY) Some concerns."""
    if a["q5_2"] in Y_PY or a["q5_3"] in Y_PY:
        return HIGH
    if a["q5_2"] in N_PN and a["q5_3"] in N_PN and a["q5_1"] in Y_PY:
        return LOW
    return SOME_CONCERNS


DOMAIN_ALGORITHMS: dict[str, Callable[[Answers], str]] = {
    "d1": judge_d1,
    "d2": judge_d2,
    "d3": judge_d3,
    "d4": judge_d4,
    "d5": judge_d5,
}


def overall_judgement(domain_judgements: Sequence[str]) -> str:
    """Overall RoB 2 rule: Low if every domain is Low, High if any is High, else Some concerns."""
    return _worst(list(domain_judgements))


def validate_answers(
    raw: Mapping[Hashable, object], *, source: str = "answers table", row: int = 1, study: str = ""
) -> dict[str, str]:
    """Check one result's answers against the vocabulary and the tool's conditions.

    Returns every question id mapped to its answer, ``NA`` for questions not asked. Raises
    :class:`CompendiumError` for an unknown answer, NA or empty where the tool asks the question,
    or an answer where it does not.
    """
    clean: dict[str, str] = {}
    for qid, question in QUESTIONS.items():
        value = cell(raw.get(qid))
        asked = question.asked_if is None or question.asked_if(clean)
        at = where(source, row, study, qid)
        if value not in (*question.answers, NOT_APPLICABLE, ""):
            raise CompendiumError(
                f"{at}: answer {value!r} is not in the vocabulary of this question; expected one of "
                f"{', '.join(question.answers)} (NA or empty where the question is not asked)"
            )
        if asked and value not in question.answers:
            why = "column is absent" if qid not in raw else "is missing" if value == "" else f"is {value!r}"
            condition = f" (asked because of {question.condition})" if question.condition else ""
            raise CompendiumError(
                f"{at}: the answer {why}, but the algorithm needs it{condition}; "
                f"expected one of {', '.join(question.answers)}"
            )
        if not asked and value not in (NOT_APPLICABLE, ""):
            raise CompendiumError(
                f"{at}: answered {value!r}, but the tool asks this question only if "
                f"{question.condition}; leave it empty or write NA"
            )
        clean[qid] = value if asked else NOT_APPLICABLE
    return clean


def assess_result(
    raw: Mapping[Hashable, object], *, source: str = "answers table", row: int = 1
) -> dict[str, str | None]:
    """Assess one result (a mapping with ``study``, optional ``outcome``, answers and overrides).

    Returns ``study``, ``outcome`` and, for d1..d5 and overall, ``<x>_proposed``, ``<x>_final`` and
    ``<x>_override_reason``.
    """
    study = cell(raw.get("study"))
    if not study:
        raise CompendiumError(cell_problem(source, row, "study", "a study identifier", ""))
    answers = validate_answers(raw, source=source, row=row, study=study)
    outcome = cell(raw.get("outcome")) or None
    result: dict[str, str | None] = {"study": study, "outcome": outcome}
    finals = []
    for domain, algorithm in DOMAIN_ALGORITHMS.items():
        proposed = algorithm(answers)
        final, reason = override(raw, domain, proposed, ROB2_JUDGEMENTS, source=source, row=row, study=study)
        result |= {f"{domain}_proposed": proposed, f"{domain}_final": final, f"{domain}_override_reason": reason}
        finals.append(final)
    proposed = overall_judgement(finals)
    final, reason = override(raw, "overall", proposed, ROB2_JUDGEMENTS, source=source, row=row, study=study)
    result |= {"overall_proposed": proposed, "overall_final": final, "overall_override_reason": reason}
    return result


def assessment_columns() -> list[str]:
    """Column order of :func:`assess` output."""
    columns = ["study", "outcome"]
    for target in OVERRIDE_TARGETS:
        columns += [f"{target}_proposed", f"{target}_final", f"{target}_override_reason"]
    return columns


def assess(answers: pd.DataFrame, *, source: str = "answers table") -> pd.DataFrame:
    """Assess every result in a wide answers table (see module docstring); one row per result.

    Columns: ``study, outcome`` then ``<x>_proposed, <x>_final, <x>_override_reason`` for
    x in d1..d5, overall. ``outcome`` is None when the table has no ``outcome`` column.
    Tested branch by branch against the guidance algorithms in ``tests/test_rob2.py``.
    """
    require_columns(answers, ["study"], source)
    check_unique(answers, ["study", "outcome"] if "outcome" in answers.columns else ["study"], source)
    rows = [
        assess_result(record, source=source, row=position + 1)
        for position, record in enumerate(answers.to_dict(orient="records"))
    ]
    return pd.DataFrame(rows, columns=assessment_columns())


def is_long_format(table: pd.DataFrame) -> bool:
    """True for the long format (``question`` and ``answer`` columns, no question columns)."""
    return {"question", "answer"} <= set(table.columns) and not set(QUESTION_IDS) & set(table.columns)


def assess_file(path: str | Path) -> pd.DataFrame:
    """:func:`assess` for an answers CSV in the wide or the long format; errors name the file.

    A long table (the format of ``data/raw/rob2_answers.csv``) is checked and pivoted by
    :func:`pivot_answers` first; a problem found in a result's answers after pivoting (a missing
    or not-asked answer) names the row of that result's first answer, the study and the question.
    """
    table = read_text_table(path)
    if not is_long_format(table):
        return assess(table, source=str(path))
    wide = pivot_answers(table, source=str(path))
    first_row: dict[tuple[str, str], int] = {}
    for row, record in enumerate(table.to_dict(orient="records"), start=1):
        first_row.setdefault((cell(record["study"]), cell(record["outcome"])), row)
    source = f"{path} (long format; the row of the result's first answer)"
    rows = [
        assess_result(record, source=source, row=first_row[(record["study"], record["outcome"])])
        for record in wide.to_dict(orient="records")
    ]
    return pd.DataFrame(rows, columns=assessment_columns())


def pivot_answers(long: pd.DataFrame, *, source: str = "answers table") -> pd.DataFrame:
    """Long answers (one row per answer, see module docstring) -> wide table for :func:`assess`.

    Checks the long table's own rules (known question ids, vocabulary, one answer per question,
    justification and source for every answer other than NA, locator except for NI) and returns
    ``study, outcome, q1_1 .. q5_3`` sorted by study and outcome; unanswered questions are ''.
    """
    require_columns(long, LONG_COLUMNS, source)
    check_unique(long, ["study", "outcome", "question"], source)
    records: dict[tuple[str, str], dict[str, str]] = {}
    for position, record in enumerate(long.to_dict(orient="records")):
        row = position + 1
        study, outcome, qid, answer = (cell(record[c]) for c in ("study", "outcome", "question", "answer"))
        if not study:
            raise CompendiumError(cell_problem(source, row, "study", "a study identifier", ""))
        if qid not in QUESTIONS:
            raise CompendiumError(
                f"{where(source, row, study, 'question')}: unknown question {qid!r}; expected one of q1_1 .. q5_3"
            )
        if answer not in (*ANSWERS, NOT_APPLICABLE):
            raise CompendiumError(
                f"{where(source, row, study, 'answer')}: {answer!r} is not an answer; expected one of "
                f"{', '.join((*ANSWERS, NOT_APPLICABLE))}"
            )
        if answer != NOT_APPLICABLE:
            for column in ("justification", "source_id"):
                if not cell(record[column]):
                    raise CompendiumError(
                        f"{where(source, row, study, column)}: required for answer {answer!r} to {qid}"
                    )
            if answer != NO_INFORMATION_ANSWER and not cell(record["locator"]):
                raise CompendiumError(
                    f"{where(source, row, study, 'locator')}: required for answer {answer!r} to {qid} "
                    "(table, figure, page or section of the source)"
                )
        records.setdefault((study, outcome), {})[qid] = answer
    rows = [
        {"study": study, "outcome": outcome, **{q: given.get(q, "") for q in QUESTION_IDS}}
        for (study, outcome), given in sorted(records.items())
    ]
    return pd.DataFrame(rows, columns=["study", "outcome", *QUESTION_IDS])


def pivot_overrides(wide: pd.DataFrame, overrides: pd.DataFrame, *, source: str = "overrides table") -> pd.DataFrame:
    """Add ``<target>_override`` and ``<target>_override_reason`` columns from a long overrides table
    (``study, outcome, target, judgement, reason``) to a wide answers table. Every override must
    name a result present in ``wide``; vocabulary and reasons are checked by :func:`assess`."""
    require_columns(overrides, OVERRIDE_COLUMNS, source)
    check_unique(overrides, ["study", "outcome", "target"], source)
    out = wide.copy()
    for target in OVERRIDE_TARGETS:
        out[f"{target}_override"] = ""
        out[f"{target}_override_reason"] = ""
    keys = {(cell(s), cell(o)): i for i, (s, o) in enumerate(zip(out["study"], out.get("outcome", [""] * len(out))))}
    for position, record in enumerate(overrides.to_dict(orient="records")):
        row = position + 1
        study, outcome, target = (cell(record[c]) for c in ("study", "outcome", "target"))
        if target not in OVERRIDE_TARGETS:
            raise CompendiumError(
                f"{where(source, row, study, 'target')}: {target!r} is not a target; expected one of "
                f"{', '.join(OVERRIDE_TARGETS)}"
            )
        if (study, outcome) not in keys:
            raise CompendiumError(
                f"{where(source, row, study, 'outcome')}: no answers for outcome {outcome!r} of this study"
            )
        index = out.index[keys[(study, outcome)]]
        out.loc[index, f"{target}_override"] = cell(record["judgement"])
        out.loc[index, f"{target}_override_reason"] = cell(record["reason"])
    return out


def count_no_information(answers: pd.DataFrame, *, source: str = "answers table") -> pd.DataFrame:
    """How many asked questions were answered NI, per result (a wide answers table in).

    Columns: ``study, outcome, n_asked, n_ni, pct_ni, ni_d1 .. ni_d5, ni_questions`` (question ids
    answered NI, comma-separated). Answers are validated as in :func:`assess`.
    """
    require_columns(answers, ["study"], source)
    rows = []
    for position, record in enumerate(answers.to_dict(orient="records")):
        study = cell(record.get("study"))
        clean = validate_answers(record, source=source, row=position + 1, study=study)
        asked = [q for q, a in clean.items() if a != NOT_APPLICABLE]
        ni = [q for q in asked if clean[q] == NO_INFORMATION_ANSWER]
        rows.append(
            {
                "study": study,
                "outcome": cell(record.get("outcome")) or None,
                "n_asked": len(asked),
                "n_ni": len(ni),
                "pct_ni": 100.0 * len(ni) / len(asked),
                **{f"ni_{d}": sum(QUESTIONS[q].domain == d for q in ni) for d in DOMAINS},
                "ni_questions": ",".join(ni),
            }
        )
    columns = ["study", "outcome", "n_asked", "n_ni", "pct_ni", *(f"ni_{d}" for d in DOMAINS), "ni_questions"]
    return pd.DataFrame(rows, columns=columns)
