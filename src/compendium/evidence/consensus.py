"""Consensus meter: the share of studies per stated conclusion, by evidence stream, plain and
weighted by study quality.

Each study's stated conclusion comes from ``conclusions`` (stage 01, coded from the study's own
words). The meter counts studies, not participants or estimates: it shows what the authors
concluded, not what the data show (the pooled analyses and GRADE do that).

Quality weights (our operationalisation, stated in the report's methods):

* a study with a RoB 2 assessment (stage 02 ``rob2_judgements``) or a ROBINS-E style assessment
  (stage 02 ``observational_rob``) gets the weight of its overall judgement:
  Low 1, Some concerns 0.5, High 0.25, Very high 0.125, No information 0.25 (missing information
  is not rewarded); a trial without RoB 2 but with a Cochrane RoB 1 summary of an imported review
  file (stage 02 ``rob1_summary``) gets the weight of the summary in the same steps: Low risk 1,
  Unclear risk 0.5, High risk 0.25;
* when a study has several assessed results (outcomes), the lowest weight counts (its most
  serious concern);
* a study not assessed (Mendelian randomization, mouse studies, reviews, or any study stage 02
  did not assess) gets ``NOT_ASSESSED_WEIGHT`` (0.5, the weight of "Some concerns"): its risk of
  bias is unknown, so it is neither rewarded as Low nor weighed like a study judged at High risk.

The "all studies" row of a question counts people only: animal studies (stream ``preclinical``)
have their own row but do not enter it.

Tested in ``tests/test_consensus.py`` on labelled synthetic tables with shares checked by hand.
"""

from __future__ import annotations

import pandas as pd

from compendium.bias.vocabulary import (
    HIGH,
    LOW,
    NO_INFORMATION,
    NOT_ASSESSED,
    ROB1_HIGH,
    ROB1_LABELS,
    ROB1_LOW,
    ROB1_UNCLEAR,
    SOME_CONCERNS,
    VERY_HIGH,
)
from compendium.data.summary import STREAM_ORDER
from compendium.errors import CompendiumError
from compendium.vocabulary import PRECLINICAL

#: weight of a study by its overall risk-of-bias judgement
QUALITY_WEIGHTS: dict[str, float] = {
    LOW: 1.0,
    SOME_CONCERNS: 0.5,
    HIGH: 0.25,
    VERY_HIGH: 0.125,
    NO_INFORMATION: 0.25,
    ROB1_LABELS[ROB1_LOW]: 1.0,
    ROB1_LABELS[ROB1_UNCLEAR]: 0.5,
    ROB1_LABELS[ROB1_HIGH]: 0.25,
}
#: weight of a study that no risk-of-bias tool assessed: unknown risk, weighed as "Some concerns"
NOT_ASSESSED_WEIGHT = QUALITY_WEIGHTS[SOME_CONCERNS]
#: streams shown in their own row but left out of a question's "all studies" row (not studies of people)
NOT_IN_ALL_STREAMS: frozenset[str] = frozenset({PRECLINICAL})

#: stated conclusions per question, in the order the meter shows them
CONCLUSIONS: dict[str, tuple[str, ...]] = {
    "risk": ("increases", "mixed", "no_association", "decreases"),
    "treatment": ("benefit", "mixed", "no_effect", "harm"),
}
#: plain-language names of the conclusions; {intervention}, {exposure} and {condition} are the review's nouns
CONCLUSION_LABELS: dict[str, str] = {
    "increases": "{exposure} increases {condition} risk",
    "no_association": "no association",
    "decreases": "{exposure} decreases {condition} risk",
    "mixed": "mixed or inconclusive",
    "benefit": "{intervention} helps",
    "no_effect": "no effect",
    "harm": "{intervention} harms",
}


def conclusion_labels(intervention: str, condition: str, exposure: str | None = None) -> dict[str, str]:
    """:data:`CONCLUSION_LABELS` in a review's words (``review.intervention``, ``review.condition`` and
    ``review.exposure``, which defaults to the intervention)."""
    words = {"intervention": intervention, "condition": condition, "exposure": exposure or intervention}
    return {code: label.format(**words) for code, label in CONCLUSION_LABELS.items()}


#: the group that pools every stream of a question
ALL_STREAMS = "all"

WEIGHT_COLUMNS = ["study_id", "stream", "rob_tool", "rob_overall", "weight"]
METER_COLUMNS = [
    "question",
    "stream",
    "conclusion",
    "studies",
    "share",
    "weight",
    "weighted_share",
    "stream_studies",
    "stream_weight",
]


def study_weights(
    studies: pd.DataFrame,
    rob2: pd.DataFrame | None = None,
    observational_rob: pd.DataFrame | None = None,
    rob1: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Quality weight of every study (columns ``study_id, stream, rob_tool, rob_overall, weight``).

    ``rob2``, ``observational_rob`` and ``rob1`` (the summaries of Cochrane RoB 1 judgements, ``overall``
    low, unclear or high; shown as "Low risk", "Unclear risk", "High risk") are stage 02's tables
    (``study_id`` and ``overall`` columns); any may be ``None`` when stage 02 has not produced it. A
    study found in several keeps its RoB 2 judgement (the tool for randomised comparisons), then RoB 1.
    """
    assessed: dict[str, tuple[str, str, float]] = {}
    if rob1 is not None:
        _require_columns(rob1, ["study_id", "overall"], "rob1_summary")
        judged = rob1[rob1["overall"].fillna("").astype(str) != ""]
        rob1 = judged.assign(overall=judged["overall"].map(lambda j: ROB1_LABELS.get(str(j), j)))
    for tool, table, name in (
        ("ROBINS-E", observational_rob, "observational_rob"),
        ("RoB 1", rob1, "rob1_summary"),
        ("RoB 2", rob2, "rob2_judgements"),
    ):
        if table is None:
            continue
        _require_columns(table, ["study_id", "overall"], name)
        for position, row in enumerate(table.itertuples(index=False), start=2):
            judgement = row.overall
            if not isinstance(judgement, str) or judgement not in QUALITY_WEIGHTS:
                raise CompendiumError(
                    f"{name}.csv: row {position}, column overall: {judgement!r} is not a judgement; "
                    f"expected one of {', '.join(QUALITY_WEIGHTS)}"
                )
            weight = QUALITY_WEIGHTS[judgement]
            current = assessed.get(str(row.study_id))
            if current is None or current[0] != tool or weight < current[2]:
                assessed[str(row.study_id)] = (tool, judgement, weight)
    records = []
    for row in studies.sort_values("study_id").itertuples(index=False):
        tool, judgement, weight = assessed.get(str(row.study_id), (NOT_ASSESSED, NOT_ASSESSED, NOT_ASSESSED_WEIGHT))
        records.append((row.study_id, row.stream, tool, judgement, weight))
    return pd.DataFrame.from_records(records, columns=WEIGHT_COLUMNS)


def consensus_meter(
    conclusions: pd.DataFrame, studies: pd.DataFrame, weights: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Share of studies per stated conclusion, by question and stream, plain and quality-weighted.

    One row per question x stream (``STREAM_ORDER``, then ``"all"``) x conclusion (every
    conclusion of the question, zeros included). ``share = studies / stream_studies``;
    ``weighted_share = weight / stream_weight`` where ``weight`` sums the studies' quality
    weights (:func:`study_weights`; all 1 when ``weights`` is None).
    """
    _require_columns(conclusions, ["study_id", "question", "conclusion"], "conclusions")
    streams = studies.set_index("study_id")["stream"]
    weight_of = weights.set_index("study_id")["weight"] if weights is not None else pd.Series(dtype=float)
    records = []
    for position, row in enumerate(conclusions.itertuples(index=False), start=2):
        if row.study_id not in streams.index:
            raise CompendiumError(
                f"conclusions.csv: row {position}, column study_id: {row.study_id!r} is not in studies.csv"
            )
        allowed = CONCLUSIONS.get(str(row.question), ())
        if row.conclusion not in allowed:
            raise CompendiumError(
                f"conclusions.csv: row {position}, column conclusion: {row.conclusion!r} "
                f"is not a conclusion of question {row.question!r}; "
                f"expected one of {', '.join(allowed) or 'risk/treatment questions'}"
            )
        records.append(
            (
                row.question,
                streams[str(row.study_id)],
                row.conclusion,
                float(weight_of.get(row.study_id, NOT_ASSESSED_WEIGHT)),
            )
        )
    coded = pd.DataFrame.from_records(records, columns=["question", "stream", "conclusion", "weight"])
    rows = []
    for question, categories in CONCLUSIONS.items():
        of_question = coded[coded["question"] == question]
        present = [s for s in STREAM_ORDER if s in set(of_question["stream"])]
        present += sorted(set(of_question["stream"]) - set(present))
        for stream in [*present, ALL_STREAMS] if present else []:
            group = (
                of_question[~of_question["stream"].isin(NOT_IN_ALL_STREAMS)]
                if stream == ALL_STREAMS
                else of_question[of_question["stream"] == stream]
            )
            if group.empty:
                continue
            n_total, w_total = len(group), float(group["weight"].sum())
            for conclusion in categories:
                chosen = group[group["conclusion"] == conclusion]
                n, w = len(chosen), float(chosen["weight"].sum())
                rows.append(
                    (
                        question,
                        stream,
                        conclusion,
                        n,
                        n / n_total,
                        w,
                        w / w_total if w_total else float("nan"),
                        n_total,
                        w_total,
                    )
                )
    return pd.DataFrame.from_records(rows, columns=METER_COLUMNS)


def leading_conclusion(
    meter: pd.DataFrame, question: str, stream: str = ALL_STREAMS, *, weighted: bool = False
) -> pd.Series | None:
    """The meter row with the largest (weighted) share for ``question`` and ``stream``; ties go to
    the earlier conclusion in ``CONCLUSIONS`` order. ``None`` when the question has no studies."""
    rows = meter[(meter["question"] == question) & (meter["stream"] == stream)]
    if rows.empty:
        return None
    column = "weighted_share" if weighted else "share"
    # pandas-stubs: .loc does not take the Hashable label that idxmax returns (pandas does)
    return rows.loc[rows[column].idxmax()]  # type: ignore[call-overload]


def _require_columns(table: pd.DataFrame, columns: list[str], name: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise CompendiumError(
            f"{name}.csv: missing column(s) {', '.join(missing)}; expected at least {', '.join(columns)}"
        )
