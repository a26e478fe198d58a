"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from compendium.pipeline import run_pipeline


@pytest.fixture(scope="session")
def pipeline_results(tmp_path_factory) -> Path:
    """The whole pipeline run once on the committed data, into a temporary results folder
    (so the tests never touch reports/). Returns that folder."""
    results = tmp_path_factory.mktemp("pipeline") / "reports"
    run_pipeline(overrides=[f"results_dir={results}"], log=lambda _: None)
    return results
