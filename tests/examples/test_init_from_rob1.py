"""`compendium init DIR --from FILE` with the Cochrane RoB 1 judgements of the file (issue 20, item 4): stored as
given in `data/raw/rob1_judgements.csv`, summarised per study by stage 02 (`tables/rob1_summary.csv`), used by
stage 03's GRADE and forest plots in RoB 1's words, shown in the report.

Fixtures: tests/rob1_fixtures.py (labelled test data, not evidence). One folder is built here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from thin_folder import files_with_review_words

from compendium.cochrane.importer import import_writer
from compendium.pipeline import run_pipeline
from compendium.review import review_for
from compendium.scaffold import init_compendium
from compendium.stages import risk_of_bias
from rob1_fixtures import BLINDING, CONCEALMENT, SEQUENCE, rob1_rm5


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory, monkeypatch) -> None:
    """The engine wheel is built once per test session into a cache of its own (not ~/.cache)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


def test_rob1_of_an_imported_rm5_reaches_stage_02_grade_and_the_report(tmp_path: Path, monkeypatch) -> None:
    source = rob1_rm5(tmp_path / "fixture.rm5")
    folder = init_compendium(tmp_path / "review", write_review=import_writer(source), log=lambda _: None)
    raw = folder / "data" / "raw"
    assert len(pd.read_csv(raw / "rob1_judgements.csv")) == 10
    monkeypatch.chdir(folder)
    run_pipeline(log=lambda _: None)
    reports = folder / "reports"

    summary = pd.read_csv(reports / "02_risk_of_bias" / "tables" / "rob1_summary.csv", keep_default_na=False)
    assert list(summary.columns) == ["study_id", "study", "overall", "notes", SEQUENCE, CONCEALMENT, BLINDING]
    assert dict(zip(summary["study_id"], summary["overall"])) == {"mrc_1": "high", "cdp": "unclear", "mrc_2": "high"}
    notes = json.loads((reports / "02_risk_of_bias" / "tables" / "notes.json").read_text(encoding="utf-8"))["notes"]
    assert any(n.startswith("RoB 1 key domains (default: every domain the review judged): " + SEQUENCE) for n in notes)
    assert any("combined as the worst group's judgement" in n for n in notes)

    effects = pd.read_csv(reports / "03_meta_analysis" / "tables" / "study_effects.csv", keep_default_na=False)
    deaths = effects[effects["analysis_id"] == "treatment-analysis_1_1-or-events-all_time_points"].set_index("study_id")
    assert deaths.loc[["mrc_1", "cdp", "mrc_2", "gasp"], "rob_overall"].tolist() == [
        "High risk",
        "Unclear risk",
        "High risk",
        "Not assessed",
    ]
    assert not set(effects["rob_overall"]) & {"Low", "Some concerns", "High"}  # never RoB 2's words
    domains = pd.read_csv(reports / "03_meta_analysis" / "tables" / "grade_domains.csv", keep_default_na=False)
    rob = domains[(domains["domain"] == "risk_of_bias") & domains["outcome"].str.startswith("Deaths, ")]
    assert "3 of 7 studies judged with Cochrane RoB 1 as given in the review file" in rob["explanation"].iloc[0]

    html = (reports / "consensus_report.html").read_text(encoding="utf-8")
    assert 'id="table-rob1"' in html and "Unclear risk" in html
    assert "the summary of the Cochrane RoB 1 judgements the review file gives" in html
    assert files_with_review_words(folder, (".yaml", ".csv", ".md", ".ipynb", ".html", ".json")) == []

    # the key domains are a parameter of stage 02: without sequence generation, MRC 2 is at low risk
    stage = risk_of_bias.run(review_for(raw), raw, reports, tmp_path / "out", rob1_key_domains=[CONCEALMENT, BLINDING])
    keyed = stage.tables["rob1_summary"].set_index("study_id")["overall"].to_dict()
    assert keyed == {"mrc_1": "high", "cdp": "unclear", "mrc_2": "low"}
    assert f"RoB 1 key domains (parameter rob1_key_domains): {CONCEALMENT}; {BLINDING}" in stage.notes
