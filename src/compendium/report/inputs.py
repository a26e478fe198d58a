"""Read the results of stages 01-04 for the report: tables, JSON, figures (embedded as data URIs)
and the parameters each stage ran with (from its executed notebook).

Nothing here reads ``data/raw`` except for checksums (:mod:`compendium.report.provenance`): the
report shows only what the stages wrote. A result that is not there is recorded in
``ResultSet.missing`` and the report says so where it would have been shown.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from compendium.errors import CompendiumError
from compendium.results_io import read_table
from compendium.vocabulary import INGEST, RISK_OF_BIAS
from compendium.vocabulary import MENDELIAN_RANDOMIZATION as MR
from compendium.vocabulary import META_ANALYSIS as META

#: the earlier stages and the results of each that the report uses (CONTRIBUTING.md, stage outputs)
EXPECTED_TABLES: dict[str, tuple[str, ...]] = {
    INGEST: (
        "studies",
        "sources",
        "conclusions",
        "trials",
        "observational",
        "preclinical",
        "rct_effects",
        "stream_counts",
        "evidence_flow",
        "coverage",
        "reported_checks",
        "guidance",
    ),
    RISK_OF_BIAS: ("rob2_judgements", "observational_rob"),
    META: (
        "pooled",
        "study_effects",
        "single_trial_results",
        "sensitivity",
        "review_comparison",
        "summary_of_findings",
        "pooled_with_assumptions",
        "assumptions_applied",
        "assumption_comparison",
        "review_agreement",
    ),
    MR: ("mr_estimates", "triangulation"),
}
#: results read when present and never listed as missing: the assumption ledger and its rejected
#: list are data-package resources a review may not have; RevMan's results only an imported review has
OPTIONAL_TABLES: dict[str, tuple[str, ...]] = {
    INGEST: ("assumptions", "assumptions_rejected", "dichotomous_outcomes", "continuous_outcomes"),
    RISK_OF_BIAS: ("rob1_summary",),
    META: ("revman_agreement", "revman_sensitivity"),
}
EXPECTED_JSON: dict[str, tuple[str, ...]] = {META: ("methods", "conclusion"), MR: ("conclusion",)}
#: JSON read when present and never listed as missing: the notes of the stages that answer a question
#: (a stage that ran but could not answer says why there) and the studies stage 04 left out
OPTIONAL_JSON: dict[str, tuple[str, ...]] = {META: ("notes",), MR: ("notes", "left_out")}
#: tables without which there is no report (the evidence index and the consensus meter)
REQUIRED_TABLES: tuple[tuple[str, str], ...] = ((INGEST, "studies"), (INGEST, "sources"), (INGEST, "conclusions"))
#: parameters of the runner's bookkeeping, not of the analysis
BOOKKEEPING_PARAMETERS = frozenset({"output_dir"})


@dataclass(frozen=True)
class Figure:
    """One registered figure of a stage, ready to embed."""

    stage: str
    name: str
    title: str
    alt: str
    data_uri: str


@dataclass
class ResultSet:
    """Everything the report shows, read from ``results_dir``."""

    results_dir: Path
    tables: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)
    json: dict[tuple[str, str], object] = field(default_factory=dict)
    figures: dict[str, list[Figure]] = field(default_factory=dict)
    parameters: dict[str, dict[str, object]] = field(default_factory=dict)
    notebooks: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def table(self, stage: str, name: str) -> pd.DataFrame | None:
        """The table, or ``None`` when the stage did not write it."""
        return self.tables.get((stage, name))

    def required(self, stage: str, name: str) -> pd.DataFrame:
        """A table of :data:`REQUIRED_TABLES` (:func:`load_results` refuses results without them)."""
        table = self.tables.get((stage, name))
        if table is None:
            raise CompendiumError(
                f"{self.results_dir / stage / 'tables' / (name + '.csv')}: missing; the report needs it"
            )
        return table


def load_results(results_dir: str | Path) -> ResultSet:
    """Read every expected result of stages 01-04 under ``results_dir``; record what is missing."""
    results_dir = Path(results_dir)
    results = ResultSet(results_dir)
    for stage, names in EXPECTED_TABLES.items():
        for name in names:
            path = results_dir / stage / "tables" / f"{name}.csv"
            if path.exists():
                results.tables[(stage, name)] = read_table(results_dir, stage, name)
            else:
                results.missing.append(f"{stage}/tables/{name}.csv")
    for stage, names in OPTIONAL_TABLES.items():
        for name in names:
            if (results_dir / stage / "tables" / f"{name}.csv").exists():
                results.tables[(stage, name)] = read_table(results_dir, stage, name)
    for stage, names in EXPECTED_JSON.items():
        for name in names:
            path = results_dir / stage / "tables" / f"{name}.json"
            if path.exists():
                results.json[(stage, name)] = json.loads(path.read_text(encoding="utf-8"))
            else:
                results.missing.append(f"{stage}/tables/{name}.json")
    for stage, names in OPTIONAL_JSON.items():
        for name in names:
            path = results_dir / stage / "tables" / f"{name}.json"
            if path.exists():
                results.json[(stage, name)] = json.loads(path.read_text(encoding="utf-8"))
    for stage in EXPECTED_TABLES:
        results.figures[stage] = _figures(results_dir / stage, stage, results.missing)
        notebook = results_dir / stage / f"{stage}.ipynb"
        if notebook.exists():
            results.notebooks.append(f"{results_dir.name}/{stage}/{stage}.ipynb")
            results.parameters[stage] = _parameters_used(notebook)
    for stage, name in REQUIRED_TABLES:
        if (stage, name) not in results.tables:
            raise CompendiumError(
                f"{results_dir / stage / 'tables' / (name + '.csv')}: missing; the report needs it "
                f"(run stage {stage} first: compendium run --only {stage[:2]})"
            )
    return results


def _figures(stage_dir: Path, stage: str, missing: list[str]) -> list[Figure]:
    index_path = stage_dir / "figures.json"
    if not index_path.exists():
        return []
    figures = []
    for name, entry in sorted(json.loads(index_path.read_text(encoding="utf-8")).items()):
        path = stage_dir / entry["file"]
        if not path.exists():
            missing.append(f"{stage}/{entry['file']} (listed in figures.json)")
            continue
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        figures.append(
            Figure(
                stage, name, str(entry.get("title", "")), str(entry.get("alt", "")), f"data:image/png;base64,{encoded}"
            )
        )
    return figures


def _parameters_used(notebook: Path) -> dict[str, object]:
    """Parameters papermill injected into an executed notebook (its ``metadata.papermill``)."""
    metadata = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
    parameters = metadata.get("papermill", {}).get("parameters", {}) or {}
    return {k: v for k, v in sorted(parameters.items()) if k not in BOOKKEEPING_PARAMETERS}
