"""Stage 04 end to end through the package functions (what notebooks/04_mendelian_randomization.ipynb calls).

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
from compendium.evidence.triangulation import (
    ANSWERS,
    conclusion,
    evidence_rows,
    preclinical_counts,
    triangulation_table,
)
from compendium.mr.published import (
    analyse_user_table,
    combine,
    design_table,
    published_estimates,
    sensitivity_table,
    strobe_mr_appraisal,
)
from compendium.paths import NOTEBOOKS_DIR, RAW_DIR
from compendium.pipeline.parameters import notebook_parameters
from compendium.plots.mr import leave_one_out_plot, mr_funnel_plot, scatter_plot
from compendium.plots.mr_published import published_mr_forest, published_mr_forest_alt
from compendium.plots.triangulation import triangulation_alt, triangulation_plot
from compendium.results_io import save_figure, write_json, write_table
from test_mr_published import lipid_user_table

NOTEBOOK = NOTEBOOKS_DIR / "04_mendelian_randomization.ipynb"


@pytest.fixture(scope="module")
def tables():
    return load_tables(RAW_DIR)


def run_stage(tables, output_dir, user=None):
    """The notebook's calls, in order; returns the written tables."""
    estimates = published_estimates(tables["mr_estimates"], tables["studies"])
    design = design_table(tables["mr_studies"], tables["studies"], estimates)
    intercepts = None
    if user is not None:
        estimates, design, intercepts = combine(estimates, user.estimates), combine(design, user.design), user.intercepts
    sensitivity = sensitivity_table(estimates, design, intercepts)
    appraisal = strobe_mr_appraisal(design, estimates)
    rows = evidence_rows(estimates, tables["observational"], tables["preclinical"], tables["studies"])
    triangulation = triangulation_table(rows)
    counts = preclinical_counts(tables["preclinical"])
    answer = conclusion(triangulation, rows, appraisal)
    out = {"mr_estimates": estimates, "mr_design": design, "mr_sensitivity": sensitivity, "mr_appraisal": appraisal,
           "triangulation": triangulation, "triangulation_rows": rows, "preclinical_counts": counts}
    for name, table in out.items():
        write_table(table, output_dir, name)
    write_json(answer, output_dir, "conclusion")
    save_figure(published_mr_forest(estimates), output_dir, "mr_published_forest", title="forest",
                alt=published_mr_forest_alt(estimates))
    save_figure(triangulation_plot(rows, triangulation, counts), output_dir, "triangulation", title="triangulation",
                alt=triangulation_alt(triangulation, counts))
    return out, answer


def test_notebook_parameters():
    declared = notebook_parameters(NOTEBOOK)
    assert declared == {"raw_dir": "data/raw", "results_dir": "reports", "output_dir": "reports/04_mendelian_randomization",
                        "snp_table": None, "seed": 314159265, "n_bootstrap": 10000}


def test_notebook_has_no_outputs():
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert all(not cell.get("outputs") and cell.get("execution_count") is None
               for cell in notebook["cells"] if cell["cell_type"] == "code")


def test_stage_on_curated_data(tables, tmp_path):
    out, answer = run_stage(tables, tmp_path)
    assert list(out["triangulation"].columns[:6]) == ["stream", "evidence", "direction", "strength", "main_bias",
                                                      "sex_differences"]
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
    assert saved["question"] == "Does exercise cause ALS?" and saved["answer"] == ANSWERS[saved["rule"]]
    assert saved == answer and len(saved["reasons"]) >= 3
    figures = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))
    assert set(figures) == {"mr_published_forest", "triangulation"} and all(f["alt"] for f in figures.values())


def test_stage_is_deterministic(tables, tmp_path):
    run_stage(tables, tmp_path / "one")
    run_stage(tables, tmp_path / "two")
    for path in sorted((tmp_path / "one" / "tables").iterdir()):
        assert path.read_bytes() == (tmp_path / "two" / "tables" / path.name).read_bytes(), path.name


def test_user_table_path(tables, tmp_path):
    """The lipid table (LDL-c -> CHD; a demonstration input, not ALS evidence) through the notebook's path."""
    frame = lipid_user_table()[["snp", "beta_exposure", "se_exposure", "beta_outcome", "se_outcome"]]
    user = analyse_user_table(frame, source="lipids demonstration (not ALS evidence)", seed=314159265, n_bootstrap=500)
    labels = {"exposure_label": "exposure (user-supplied)", "outcome_label": "outcome (log odds)"}
    for name, figure in (("user_mr_scatter", scatter_plot(frame, user.results, **labels)),
                         ("user_mr_funnel", mr_funnel_plot(frame, user.results, **labels)),
                         ("user_mr_leave_one_out", leave_one_out_plot(user.leave_one_out, user.results, **labels))):
        save_figure(figure, tmp_path, name, title=name, alt="user-supplied; not published evidence")
    out, answer = run_stage(tables, tmp_path, user)
    estimates = out["mr_estimates"]
    user_rows = estimates[estimates["role"] == "user_supplied"]
    assert len(user_rows) == 6 and (user_rows["study_id"] == "user_snp_table").all()
    assert user_rows["notes"].str.contains("not published evidence").all()
    assert "user_snp_table" not in set(out["triangulation_rows"]["study_id"])
    assert "user_snp_table" in set(out["mr_appraisal"]["study_id"])
    # the conclusion does not change with a user table
    _, without = run_stage(tables, tmp_path / "without")
    assert answer == without
    figures = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))
    assert {"user_mr_scatter", "user_mr_funnel", "user_mr_leave_one_out", "mr_published_forest"} <= set(figures)
    assert "User-supplied SNP table" in figures["mr_published_forest"]["alt"]
