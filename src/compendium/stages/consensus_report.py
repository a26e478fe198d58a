"""Stage 05, the consensus report: the report's own tables (consensus meter, study weights,
guidance) and ``publish/consensus_report.html`` (moved to ``reports/`` by the runner), built only
from the earlier stages' results; sections whose results do not exist are left out and named."""

from __future__ import annotations

from pathlib import Path

from compendium.report.build import write_report
from compendium.report.inputs import load_results
from compendium.review import Review
from compendium.stages import StageResult


def run(review: Review, raw_dir: str | Path, results_dir: str | Path, output_dir: str | Path) -> StageResult:
    """Stage 05 (module docstring)."""
    result = StageResult()
    result.objects["report"] = write_report(raw_dir, results_dir, output_dir, review=review)
    missing = load_results(results_dir).missing
    if missing:
        result.notes.append("results not available: " + ", ".join(missing))
    return result.finish(output_dir)
