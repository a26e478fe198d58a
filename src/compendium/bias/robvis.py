"""Exchange files for robvis (McGuinness LA, Higgins JPT. Risk-of-bias VISualization (robvis).
Res Synth Methods 2021;12:55-61), so a reviewer can redraw our figures there.

Format (robvis's "data_rob2" layout): columns ``Study, D1 .. Dk, Overall, Weight`` with k = 5 for
RoB 2 and k = 7 for ROBINS-E; judgements spelled "Low", "Some concerns", "High", "No information"
(plus "Very high" for ROBINS-E). ``Study`` must be unique, so a file holds one outcome: pick it with
``outcome=`` when the assessment table has several. ``Weight`` is the result's meta-analysis
weight (1 for every study when no weights are given, which makes robvis's weighted summary an
unweighted one). Round trip tested in ``tests/test_robvis.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from compendium.bias.tables import cell, read_text_table, where
from compendium.bias.vocabulary import NO_INFORMATION, ROB2, TOOL_DOMAINS, TOOL_JUDGEMENTS
from compendium.errors import CompendiumError, cell_problem
from compendium.results_io import FLOAT_FORMAT


def robvis_columns(tool: str = ROB2) -> list[str]:
    """``Study, D1 .. Dk, Overall, Weight`` for ``tool`` ("ROB2" or "ROBINS-E")."""
    return ["Study", *_domains(tool), "Overall", "Weight"]


def robvis_judgements(tool: str = ROB2) -> tuple[str, ...]:
    """Judgements a robvis file for ``tool`` may hold."""
    return (*TOOL_JUDGEMENTS[_check_tool(tool)], NO_INFORMATION)


def _check_tool(tool: str) -> str:
    if tool not in TOOL_DOMAINS:
        raise CompendiumError(f"tool {tool!r} is not supported; expected one of {', '.join(TOOL_DOMAINS)}")
    return tool


def _domains(tool: str) -> list[str]:
    return list(TOOL_DOMAINS[_check_tool(tool)])


def to_robvis(
    assessments: pd.DataFrame,
    *,
    tool: str = ROB2,
    outcome: str | None = None,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """robvis table from an assessment table (``study``, ``outcome``, ``dN_final``, ``overall_final``,
    as made by :func:`compendium.bias.rob2.assess` or
    :func:`compendium.bias.observational.assess_observational`).

    ``outcome`` keeps that outcome's rows; ``weights`` maps study -> weight (else a ``weight``
    column, else 1 for every study).
    """
    table = assessments
    if outcome is not None:
        table = table[table["outcome"].map(cell) == outcome]
        if table.empty:
            raise CompendiumError(f"assessment table: no result for outcome {outcome!r}")
    studies = table["study"].map(cell)
    if studies.duplicated().any():
        repeated = studies[studies.duplicated()].iloc[0]
        raise CompendiumError(
            f"assessment table: study {repeated!r} has several results; robvis needs one per study, choose outcome="
        )
    if weights is not None:
        missing = [s for s in studies if s not in weights]
        if missing:
            raise CompendiumError(f"weights: no weight for study {missing[0]!r}")
        weight = [float(weights[s]) for s in studies]
    elif "weight" in table.columns:
        weight = table["weight"].astype(float).tolist()
    else:
        weight = [1.0] * len(table)
    frame = pd.DataFrame({"Study": studies.tolist()})
    for key in _domains(tool):
        frame[key] = table[f"{key.lower()}_final"].tolist()
    frame["Overall"] = table["overall_final"].tolist()
    frame["Weight"] = weight
    return frame


def write_robvis(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a robvis table as UTF-8 CSV (no index, LF line ends, stable float format)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return path


def read_robvis(path: str | Path, *, tool: str = ROB2) -> pd.DataFrame:
    """Read and check a robvis CSV: required columns, judgement vocabulary, non-negative weights
    (``Weight`` may be absent: every study then weighs 1)."""
    table = read_text_table(path)
    domains = _domains(tool)
    missing = [c for c in ["Study", *domains, "Overall"] if c not in table.columns]
    if missing:
        raise CompendiumError(f"{path}: missing column(s) {', '.join(missing)}")
    allowed = robvis_judgements(tool)
    for position, record in enumerate(table.to_dict(orient="records")):
        row = position + 1
        study = cell(record["Study"])
        if not study:
            raise CompendiumError(cell_problem(path, row, "Study", "a study label", ""))
        for column in [*domains, "Overall"]:
            if cell(record[column]) not in allowed:
                raise CompendiumError(
                    f"{where(str(path), row, study, column)}: {cell(record[column])!r} is not a "
                    f"robvis judgement; expected one of {', '.join(allowed)}"
                )
    frame = table[["Study", *domains, "Overall"]].map(cell)
    weights = table["Weight"].map(cell) if "Weight" in table.columns else pd.Series(["1"] * len(table))
    parsed = pd.to_numeric(weights, errors="coerce")
    bad = parsed.isna() | (parsed < 0)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise CompendiumError(cell_problem(path, row + 1, "Weight", "a non-negative number", weights.iloc[row]))
    frame["Weight"] = parsed.astype(float).to_numpy()
    if frame["Study"].duplicated().any():
        raise CompendiumError(
            f"{path}: study {frame['Study'][frame['Study'].duplicated()].iloc[0]!r} appears more than once"
        )
    return frame
