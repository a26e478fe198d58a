"""Pipeline smoke test: every stage of this review (the ``stages`` of its ``review.yaml``) runs on its
committed data.

The stages run once per test session into a temporary results folder (``pipeline_results`` in
conftest.py), so the test never touches reports/.
"""

from __future__ import annotations

import json

from compendium.pipeline import discover_stages
from compendium.pipeline.runner import pipeline_stages


def test_all_stages_run_on_the_committed_data(pipeline_results):
    results = pipeline_results
    stages = pipeline_stages(discover_stages())
    assert stages
    for stage in stages:
        folder = results / stage.name
        assert (folder / f"{stage.name}.ipynb").exists()
        figures = folder / "figures.json"
        if figures.exists():
            for name, figure in json.loads(figures.read_text()).items():
                assert (folder / figure["file"]).exists(), name
                assert figure["alt"].strip() and figure["title"].strip(), name
    assert not (results / ".tmp").exists() or not any((results / ".tmp").iterdir())
