"""A review may declare several dichotomous measures (issue 20): ``dichotomous_measure: [RR, OR, RD]``
pools and shows each, and the first declared drives the answer and the Summary of findings.

Numbers: the harm review test fixture of tests/test_harm_review.py (metadat 1.2-0's dat.hine1989,
six lidocaine trials), pooled by metafor (escalc RR, OR and RD with its default zero-cell rule;
rma REML + Knapp-Hartung) in tests/reference/metafor/hine1989.json by tests/r/hine1989_reference.R.
Double-zero trials: SYNTHETIC rows (tests/synthetic_packages.py), not evidence."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from compendium.review import load_review
from compendium.stages import consensus_report, ingest, meta_analysis
from synthetic_packages import RCT_ONLY_REVIEW, dichotomous_rows, write_package
from test_harm_review import REFERENCE, REVIEW, rows

QUESTION = "Does prophylactic lidocaine reduce deaths after a heart attack?"
PINNED = {"RR": "rr_reml_knha", "OR": "or_reml_knha", "RD": "rd_reml_knha"}


def _build(root, measures: str) -> tuple:
    text = REVIEW.format(question=QUESTION, asks="", safety="") + f"dichotomous_measure: {measures}\n"
    raw = write_package(root, text, rows())
    review = load_review(root / "review.yaml")
    results = root / "reports"
    for name, module in (("01_ingest", ingest), ("03_meta_analysis", meta_analysis)):
        module.run(review, raw, results, results / name)
    consensus_report.run(review, raw, results, results / "05_consensus_report")
    tables = results / "03_meta_analysis" / "tables"
    pooled = pd.read_csv(tables / "pooled.csv")
    pooled = pooled[pooled["subgroup"] == "all"].set_index("measure")
    conclusion = json.loads((tables / "conclusion.json").read_text(encoding="utf-8"))
    sof = pd.read_csv(tables / "summary_of_findings.csv")
    html = (results / "05_consensus_report" / "publish" / "consensus_report.html").read_text(encoding="utf-8")
    return pooled, conclusion, sof, html


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("rr_or_rd"), "[RR, OR, RD]")


def test_each_declared_measure_is_pooled_as_metafor_pools_it(three):
    pooled = three[0]
    assert sorted(pooled.index) == ["OR", "RD", "RR"]
    for measure, key in PINNED.items():
        pinned, row = REFERENCE[key], pooled.loc[measure]
        assert row["k"] == pinned["k"], measure
        for ours, theirs in (("estimate", "estimate"), ("ci_low", "ci_low"), ("ci_high", "ci_high"), ("pval", "pval")):
            assert row[ours] == pytest.approx(pinned[theirs], rel=1e-6), (measure, ours)
        assert row["tau2"] == pytest.approx(pinned["tau2"], abs=1e-10)
    assert not pooled.loc["RD", "log_scale"] and "RD (risk difference) of lidocaine minus no lidocaine" in str(
        pooled.loc["RD", "notes"]
    )


def test_the_first_declared_measure_drives_the_answer_and_the_summary_of_findings(three):
    _, conclusion, sof, html = three
    rr = REFERENCE["rr_reml_knha"]
    assert f"RR {rr['estimate']:.2f}, 95% CI {rr['ci_low']:.2f} to {rr['ci_high']:.2f}" in conclusion["statements"][0]
    assert "OR " not in conclusion["answer"] and "RD " not in conclusion["answer"]
    assert set(sof.loc[sof["question"] == "treatment", "measure"]) == {"RR"}
    for measure in PINNED:  # every measure's pooled result is shown in the report, under its declared label
        assert re.search(
            rf"mortality \(Deaths at the end of the assigned treatment period\), events, [^<(]*\({measure}\)", html
        )


def test_a_single_measure_keeps_working_and_rd_first_answers_with_rd(tmp_path):
    pooled, conclusion, sof, html = _build(tmp_path, "[RD, RR]")
    assert sorted(pooled.index) == ["RD", "RR"]
    rd = REFERENCE["rd_reml_knha"]
    effect = f"(RD {rd['estimate']:.2f}, 95% CI {rd['ci_low']:.2f} to {rd['ci_high']:.2f}; 6 studies"
    assert effect in conclusion["statements"][0] and "increases mortality" in conclusion["statements"][0]
    assert set(sof.loc[sof["question"] == "treatment", "measure"]) == {"RD"}
    # Summary of findings: risk with lidocaine = median control-group risk + RD (per 1,000)
    inputs = REFERENCE["inputs"]
    risks = sorted(c / n for c, n in zip(inputs["ci"], inputs["n2i"]))
    median = (risks[2] + risks[3]) / 2
    start = html.index('id="sof-treatment"')
    table = html[start : html.index("</figure>", start)]
    assert f"{median * 1000:,.0f} per 1,000 (median of the control groups)" in table
    assert f"{(median + rd['estimate']) * 1000:,.0f} per 1,000" in table


def test_double_zero_trials_stay_estimable_for_rd_only(tmp_path):
    """SYNTHETIC rows: two double-zero trials and one with events. RR leaves both double-zero trials
    out (not estimable, Cochrane Handbook 10.4.4.2); RD pools all three (escalc adds 1/2 to their cells)."""
    review = RCT_ONLY_REVIEW + "dichotomous_measure: [RR, RD]\n"
    raw = write_package(tmp_path, review, dichotomous_rows(((0, 40, 0, 40), (0, 50, 0, 50), (6, 50, 12, 50))))
    declared = load_review(tmp_path / "review.yaml")
    results = tmp_path / "reports"
    ingest.run(declared, raw, results, results / "01_ingest")
    stage = meta_analysis.run(declared, raw, results, results / "03_meta_analysis")
    pooled = stage.tables["pooled"]
    admission = pooled[(pooled["outcome"] == "admission") & (pooled["subgroup"] == "all")].set_index("measure")
    assert list(admission.index) == ["RD"] and admission.loc["RD", "k"] == 3
    assert all(record["balanced"] for record in stage.accounting)
