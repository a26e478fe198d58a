"""Practical guidance as data: the statements of ``data/raw/guidance.csv`` (read through stage
01's ``guidance`` table), each with the evidence it rests on (a study's rows in a stage table, or
a result table as a whole).

The statements and their topics belong to the review (``guidance.csv`` and
``report.guidance_topics`` of ``review.yaml``); this module only parses the evidence links
(``'<stage>/<table> [study_id=X, column=value]'`` items separated by ``'; '``).
``tests/review/test_guidance.py`` checks that every linked study, table and row exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from compendium.errors import CompendiumError, cell_problem

#: how far the data carry a statement
STATUSES: dict[str, str] = {
    "supported": "Supported by the data",
    "limited": "Limited evidence",
    "unknown": "Unknown: the data do not answer this",
}
COLUMNS = ["statement_id", "topic", "status", "statement", "evidence"]
_LINK = re.compile(r"^(?P<table>[0-9]{2}_[a-z0-9_]+/[a-z0-9_]+)(?: \[(?P<filters>[^\]]*)\])?$")


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


def parse_evidence(text: str, *, file: str = "guidance.csv", row: int | None = None) -> tuple[Evidence, ...]:
    """The links of an ``evidence`` cell (format in the module docstring)."""
    links = []
    for item in (part.strip() for part in str(text).split(";")):
        match = _LINK.match(item)
        if not match:
            raise CompendiumError(
                cell_problem(
                    file,
                    row,
                    "evidence",
                    "links like '01_ingest/trials [study_id=x, outcome=y]' separated by '; '",
                    item,
                )
            )
        study_id, where = None, []
        for pair in filter(None, (p.strip() for p in (match["filters"] or "").split(","))):
            column, _, value = pair.partition("=")
            if not value:
                raise CompendiumError(cell_problem(file, row, "evidence", "filters written column=value", pair))
            if column == "study_id":
                study_id = value
            else:
                where.append((column, value))
        links.append(Evidence(match["table"], study_id, tuple(sorted(where))))
    return tuple(links)


def statements(table: pd.DataFrame | None) -> tuple[Statement, ...]:
    """The statements of stage 01's ``guidance`` table (empty when the review has none)."""
    if table is None or table.empty:
        return ()
    return tuple(
        Statement(
            str(r.statement_id),
            str(r.topic),
            str(r.status),
            str(r.statement),
            parse_evidence(str(r.evidence), row=i + 1),
        )
        for i, r in enumerate(table.itertuples(index=False))
    )


def guidance_table(chosen: tuple[Statement, ...]) -> pd.DataFrame:
    """The statements with their evidence links, one row per statement (written by stage 05)."""
    return pd.DataFrame(
        [(s.id, s.topic, s.status, s.text, "; ".join(e.describe() for e in s.evidence)) for s in chosen],
        columns=COLUMNS,
    )
