"""Stage 01, ingest: validate and load the data package, write every table for the later stages,
and summarise the evidence base (studies per stream, evidence flow, coverage, self-contradicting
published statistics)."""

from __future__ import annotations

from pathlib import Path

from compendium.data.load import load_tables
from compendium.data.summary import coverage_table, evidence_flow, stream_counts
from compendium.evidence.reported import check_reported
from compendium.plots.evidence import studies_per_stream
from compendium.results_io import save_figure
from compendium.review import Review
from compendium.stages import StageResult, account

STAGE = "01_ingest"


def run(review: Review, raw_dir: str | Path, results_dir: str | Path, output_dir: str | Path) -> StageResult:
    """Stage 01 (module docstring). ``results_dir`` is unused (no earlier stage) but kept for the one signature."""
    result = StageResult()
    tables = load_tables(raw_dir, review=review)
    for name, table in tables.items():
        result.table(output_dir, name, table)
        result.accounting.append(account(STAGE, name, len(table), len(table), 0))
    counts = result.table(output_dir, "stream_counts", stream_counts(tables))
    if len(counts):
        figure = studies_per_stream(counts)
        save_figure(
            figure,
            output_dir,
            "studies_per_stream",
            title="Studies in the evidence base, by stream",
            alt="Horizontal bar chart of the number of studies in each evidence stream: "
            + "; ".join(f"{str(row.stream).replace('_', ' ')} {row.studies}" for row in counts.itertuples()),
        )
        result.figures.append("studies_per_stream")
    else:
        result.notes.append("no studies in data/raw/studies.csv yet: the evidence base is empty")
    result.table(
        output_dir, "evidence_flow", evidence_flow(tables, review.intervention, [q.id for q in review.questions])
    )
    result.table(output_dir, "coverage", coverage_table(tables, review.intervention))
    result.table(output_dir, "reported_checks", check_reported(raw_dir, review=review))
    return result.finish(output_dir)
