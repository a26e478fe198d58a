"""Practical safety guidance for people with ALS, as data: each statement with the evidence it
rests on (a study's rows in a stage table, or a result table).

Only what the extracted data support is stated; where the data cannot answer a practical
question, the statement says so (status ``unknown``). The wording is ours. ``tests/test_report.py``
checks that every linked study exists in ``data/raw/studies.csv``, that every linked table is a
stage output, and that every linked row exists (study and the ``where`` columns).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

#: topics in the order the report shows them
TOPICS: dict[str, str] = {
    "types_intensity": "Types and intensity of exercise",
    "warning_signs": "Safety, warning signs and stop rules",
    "professionals": "The role of physicians and physiotherapists",
}
#: how far the data carry a statement
STATUSES: dict[str, str] = {
    "supported": "Supported by the data",
    "limited": "Limited evidence",
    "unknown": "Unknown: the data do not answer this",
}


@dataclass(frozen=True)
class Evidence:
    """A link to evidence: ``table`` is ``"<stage>/<table>"``; ``study_id`` and ``where`` (column,
    value pairs) pick the rows of that table; a bare table links to the result as a whole."""

    table: str
    study_id: str | None = None
    where: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        filters = ([f"study_id={self.study_id}"] if self.study_id else []) + [f"{c}={v}" for c, v in self.where]
        return f"{self.table}" + (f" [{', '.join(filters)}]" if filters else "")


@dataclass(frozen=True)
class Statement:
    id: str
    topic: str
    status: str
    text: str
    evidence: tuple[Evidence, ...]


def _rows(table: str, *study_ids: str, **where: str) -> tuple[Evidence, ...]:
    return tuple(Evidence(table, study_id, tuple(sorted(where.items()))) for study_id in study_ids)


GUIDANCE: tuple[Statement, ...] = (
    Statement(
        "moderate_programmes", "types_intensity", "supported",
        "The randomised trials tested moderate-intensity programmes: a daily moderate exercise programme, moderate "
        "resistance exercise three times a week added to stretching, moderate aerobic exercise twice a week with the "
        "intensity set by a cardiopulmonary exercise test, moderate aerobic work with isometric contractions, and "
        "tailored moderate aerobic and strength training three times a week.",
        _rows("01_ingest/trials", "drory2001", "dalbellohaas2007", "braga2018", "merico2018", "ferri2019"),
    ),
    Statement(
        "respiratory_training", "types_intensity", "supported",
        "Breathing-muscle training against a set load was tested against sham training, with loads of "
        "30-40% of maximal inspiratory pressure or a 30% load, for 8 weeks to 8 months.",
        _rows("01_ingest/trials", "cheah2009", "pinto2012", "plowman2019", "plowman2023"),
    ),
    Statement(
        "benefit_and_certainty", "types_intensity", "supported",
        "How much exercise changes function, breathing, fatigue and quality of life, and how certain that is, is shown "
        "outcome by outcome in the Summary-of-Findings table and the pooled results.",
        (Evidence("03_meta_analysis/summary_of_findings"), Evidence("03_meta_analysis/pooled")),
    ),
    Statement(
        "more_is_not_better", "types_intensity", "limited",
        "Exercising more often has not been shown to be better: in one randomised trial, 45-minute sessions five times "
        "a week were not superior to the same exercises twice a week.",
        _rows("01_ingest/trials", "zucchi2019") + _rows("01_ingest/conclusions", "zucchi2019"),
    ),
    Statement(
        "high_intensity_unknown", "types_intensity", "unknown",
        "Whether high-intensity or exhausting exercise is safe for people with ALS is unknown: no trial in the data "
        "tested it. In SOD1 mice, high-intensity or prolonged, repeated running hastened onset or shortened survival in "
        "several experiments, mostly in males, while moderate exercise delayed onset; results in mice may not apply to "
        "people.",
        _rows("01_ingest/preclinical", "mahoney2004", "carreras2010", "garbugino2018", "golini2023"),
    ),
    Statement(
        "adverse_events", "warning_signs", "limited",
        "The trials that reported on adverse events found no exercise-related adverse events with resistance, aerobic "
        "or respiratory training, and no difference in adverse events between five and two sessions a week. These trials were small and "
        "short, so rare harms cannot be ruled out, and the other trials did not report adverse events in the sources read.",
        _rows("01_ingest/rct_effects", "dalbellohaas2007", "zucchi2019", "vangroenestijn2019", "plowman2023", outcome="adverse_events"),
    ),
    Statement(
        "fatigue", "warning_signs", "limited",
        "Exercise did not make fatigue worse than in the control groups in the reviews that reported it, and in one "
        "trial five sessions a week did not cause more fatigue than two.",
        _rows("01_ingest/rct_effects", "zucchi2019", outcome="adverse_events")
        + _rows("01_ingest/review_results", "meng2020", outcome="adverse_events")
        + _rows("01_ingest/review_results", "cochrane2013", outcome="fatigue"),
    ),
    Statement(
        "stop_rules_unknown", "warning_signs", "unknown",
        "Which warning signs should stop or scale back exercise is unknown from these data: the trials' stop rules and "
        "monitoring criteria were not extracted, and no study compared stop rules.",
        (Evidence("01_ingest/trials"),),
    ),
    Statement(
        "clinical_teams", "professionals", "supported",
        "In the trials, exercise was planned for each person and overseen: intensity was set by a cardiopulmonary "
        "exercise test, programmes were tailored to the person, or sessions were strictly monitored.",
        _rows("01_ingest/trials", "braga2018", "ferri2019", "lunetta2016"),
    ),
    Statement(
        "unsupervised_home", "professionals", "limited",
        "Whether unsupervised home exercise is as safe and useful as supervised exercise is not established: one "
        "non-randomised study compared an unsupervised home programme with historical controls supervised by a physical "
        "therapist and reported no adverse events.",
        _rows("01_ingest/trials", "kitano2018") + _rows("01_ingest/rct_effects", "kitano2018", outcome="adverse_events"),
    ),
    Statement(
        "ventilation", "professionals", "limited",
        "One non-randomised study suggests exercise may be possible once non-invasive ventilation supports breathing; "
        "no randomised trial has tested this.",
        _rows("01_ingest/trials", "pinto1999") + _rows("01_ingest/conclusions", "pinto1999"),
    ),
    Statement(
        "review_schedule_unknown", "professionals", "unknown",
        "How closely physicians or physiotherapists should supervise, and how often they should review a programme as "
        "the disease progresses, is unknown from these data: no randomised trial compared levels of supervision.",
        (Evidence("01_ingest/trials"),),
    ),
)


def guidance_table(statements: tuple[Statement, ...] = GUIDANCE) -> pd.DataFrame:
    """The statements with their evidence links, one row per statement (written by stage 05)."""
    return pd.DataFrame(
        [(s.id, s.topic, s.status, s.text, "; ".join(e.describe() for e in s.evidence)) for s in statements],
        columns=["statement_id", "topic", "status", "statement", "evidence"],
    )
