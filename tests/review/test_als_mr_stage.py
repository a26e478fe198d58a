"""Stage 04 end to end through its entry point (compendium.stages.mendelian_randomization.run, what
notebooks/04_mendelian_randomization.ipynb calls), on the ALS review's curated data.

* the summary, design, appraisal, triangulation and conclusion on the curated data package
  (``data/raw``), checked for the stage contract and for rules, not for particular numbers;
* the notebook's user-table path on the Waterworth 2010 lipid table renamed to the expected
  columns: a demonstration input for the MR engine, **not ALS evidence**.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from compendium.data import load_tables
from compendium.evidence.triangulation import ANSWERS
from compendium.paths import NOTEBOOKS_DIR, RAW_DIR, ROOT
from compendium.pipeline.parameters import notebook_parameters
from compendium.results_io import write_table
from compendium.review import load_review
from compendium.stages import mendelian_randomization
from test_mr_published import lipid_user_table

REVIEW = load_review(ROOT / "review.yaml")
NOTEBOOK = NOTEBOOKS_DIR / "04_mendelian_randomization.ipynb"


@pytest.fixture(scope="module")
def tables():
    return load_tables(RAW_DIR)


def run_stage(tables, output_dir, snp_table=None):
    """The stage entry point the notebook calls (stage 01's tables written under a results folder); returns
    the written tables and the answer."""
    results = output_dir / "results"
    for name in mendelian_randomization.INPUTS:
        write_table(tables[name], results / "01_ingest", name)
    stage = mendelian_randomization.run(REVIEW, RAW_DIR, results, output_dir, snp_table=snp_table, n_bootstrap=500)
    return stage.tables, stage.records.get("conclusion")


def test_notebook_parameters():
    declared = notebook_parameters(NOTEBOOK)
    assert declared == {
        "raw_dir": "data/raw",
        "results_dir": "reports",
        "output_dir": "scratch/04_mendelian_randomization",
        "snp_table": None,
        "seed": 314159265,
        "n_bootstrap": 10000,
        "exclude_studies": [],
    }


def test_notebook_has_no_outputs():
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert all(
        not cell.get("outputs") and cell.get("execution_count") is None
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
    )


def test_stage_on_curated_data(tables, tmp_path):
    out, answer = run_stage(tables, tmp_path)
    assert list(out["triangulation"].columns[:6]) == [
        "stream",
        "evidence",
        "direction",
        "strength",
        "main_bias",
        "sex_differences",
    ]
    # the meta-analysis is shown separately and never counted as separate support
    estimates = out["mr_estimates"]
    meta = set(tables["studies"].query("stream == 'mr_meta_analysis'")["study_id"])
    assert set(estimates.loc[estimates["role"] == "meta_analysis", "study_id"]) == meta
    # numbers are the printed ones: every estimate in the summary is in the raw table
    merged = estimates.merge(tables["mr_estimates"], on=["study_id", "exposure", "method"], suffixes=("", "_raw"))
    assert len(merged) == len(tables["mr_estimates"])
    raw = merged["estimate_raw"].astype(float)
    assert ((merged["estimate"] == raw) | (merged["estimate"].isna() & raw.isna())).all()
    # appraisal: an empty design cell is never anything but "Not reported"
    appraisal = out["mr_appraisal"].set_index(["study_id", "item"])["judgement"]
    for study in tables["mr_studies"].itertuples():
        if pd.isna(study.f_statistic) and (study.study_id, "instrument_strength") in appraisal.index:
            assert appraisal[study.study_id, "instrument_strength"] == "Not reported"
        if pd.isna(study.sample_overlap) and (study.study_id, "sample_overlap") in appraisal.index:
            assert appraisal[study.study_id, "sample_overlap"] == "Not reported"
    saved = json.loads((tmp_path / "tables" / "conclusion.json").read_text(encoding="utf-8"))
    assert saved["question"] == "Does exercise cause ALS?" and saved["answer"] == ANSWERS[saved["rule"]].format(
        intervention=REVIEW.exposure, condition=REVIEW.condition
    )
    assert saved["question_id"] == "risk"
    assert saved == answer and len(saved["reasons"]) >= 3
    figures = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))
    assert set(figures) == {"mr_published_forest", "triangulation"} and all(f["alt"] for f in figures.values())


def test_stage_is_deterministic(tables, tmp_path):
    run_stage(tables, tmp_path / "one")
    run_stage(tables, tmp_path / "two")
    for path in sorted((tmp_path / "one" / "tables").iterdir()):
        assert path.read_bytes() == (tmp_path / "two" / "tables" / path.name).read_bytes(), path.name


def test_user_table_path(tables, tmp_path):
    """The lipid table (LDL-c -> CHD; a demonstration input, not ALS evidence) through the stage's user-table path."""
    frame = lipid_user_table()[["snp", "beta_exposure", "se_exposure", "beta_outcome", "se_outcome"]]
    snp_table = tmp_path / "lipids.csv"
    frame.to_csv(snp_table, index=False)
    out, answer = run_stage(tables, tmp_path / "with", str(snp_table))
    estimates = out["mr_estimates"]
    user_rows = estimates[estimates["role"] == "user_supplied"]
    assert len(user_rows) == 6 and (user_rows["study_id"] == "user_snp_table").all()
    assert user_rows["notes"].str.contains("not published evidence").all()
    assert "user_snp_table" not in set(out["triangulation_rows"]["study_id"])
    assert "user_snp_table" in set(out["mr_appraisal"]["study_id"])
    # the conclusion does not change with a user table
    _, without = run_stage(tables, tmp_path / "without")
    assert answer == without
    figures = json.loads((tmp_path / "with" / "figures.json").read_text(encoding="utf-8"))
    assert {"user_mr_scatter", "user_mr_funnel", "user_mr_leave_one_out", "mr_published_forest"} <= set(figures)
    assert "User-supplied SNP table" in figures["mr_published_forest"]["alt"]
