"""Two runs of the whole pipeline on the same inputs give byte-identical result tables, and the
same report apart from its run-date line (issue: deterministic outputs)."""

from __future__ import annotations

import shutil

from compendium.pipeline import run_pipeline
from compendium.report.build import RUN_DATE_MARKER


def _result_files(results):
    return sorted(p.relative_to(results) for p in results.glob("*/tables/*") if p.suffix in (".csv", ".json"))


def test_second_run_is_byte_identical(pipeline_results, tmp_path):
    """Like running `make report` twice: the same folder and parameters, run again from scratch."""
    first = tmp_path / "first"
    shutil.copytree(pipeline_results, first)
    run_pipeline(overrides=[f"results_dir={pipeline_results}"], log=lambda _: None)
    files = _result_files(first)
    assert files and files == _result_files(pipeline_results)
    different = [str(f) for f in files if (first / f).read_bytes() != (pipeline_results / f).read_bytes()]
    assert different == []
    first_report = (first / "consensus_report.html").read_text(encoding="utf-8").splitlines()
    second_report = (pipeline_results / "consensus_report.html").read_text(encoding="utf-8").splitlines()
    changed = [a for a, b in zip(first_report, second_report) if a != b]
    assert len(first_report) == len(second_report)
    assert all(RUN_DATE_MARKER in line for line in changed), changed[:3]
