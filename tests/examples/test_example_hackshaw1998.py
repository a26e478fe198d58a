"""The worked example examples/hackshaw1998 as a review: a risk question ("does a spouse's tobacco
smoke cause lung cancer in women who never smoked?") on real published odds ratios. Its report,
built by the pipeline (stages 01-05, stage 04 without any Mendelian randomization study), speaks of
its own question only, and stage 03's pooled odds ratio equals metafor's. The tests of its data
(against the data set it was transcribed from) are examples/hackshaw1998/tests/, which
`compendium init --example hackshaw1998` copies into the new compendium.

Reference values: tests/reference/metafor/hackshaw1998.json, written by
tests/r/hackshaw1998_reference.R (R 4.2.2, metafor 3.8-1, metadat 1.2-0) from metadat's
dat.hackshaw1998 (Hackshaw, Law & Wald 1997, BMJ 315:980-988): log OR and variance from the printed
OR and 95% CI, rma(REML, knha), rma(DL, z) and regtest on the REML model.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from example_words import ALS_REVIEW_WORDS

from compendium.paths import ROOT
from compendium.pipeline import run_pipeline
from compendium.yaml_io import read_yaml
from metafor_ref import assert_close, load

EXAMPLE = ROOT / "examples" / "hackshaw1998"
#: relative tolerance of the example's pooled results against metafor (issue 10: 1e-6)
RTOL = 1e-6
ANALYSIS = "risk-general_population-spouse_smoking-or"


@pytest.fixture(scope="module")
def reference() -> dict:
    return load("hackshaw1998")


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """The pipeline on the example's data package and declaration (examples/hackshaw1998/review.yaml
    governs its data folder; `compendium init --example hackshaw1998` + `make report` builds the same)."""
    out = tmp_path_factory.mktemp("hackshaw1998") / "reports"
    run_pipeline(overrides=[f"raw_dir={EXAMPLE / 'data' / 'raw'}", f"results_dir={out}"], log=lambda _: None)
    return out


def test_report_answers_its_own_question(results: Path) -> None:
    html = (results / "consensus_report.html").read_text(encoding="utf-8")
    review = read_yaml(EXAMPLE / "review.yaml")
    assert review["title"] in html
    question = review["questions"][0]["text"]
    assert question.replace("'", "&#39;") in html or question in html
    assert not ALS_REVIEW_WORDS.search(html)
    # stage 04 ran without any Mendelian randomization study: the report gives its reason
    assert "the rules need at least one primary Mendelian randomization study (triangulation, stage 04)." in html
    assert "No stage wrote an answer" not in html


def test_pooled_odds_ratio_equals_metafor(results: Path, reference: dict) -> None:
    pooled = pd.read_csv(results / "03_meta_analysis" / "tables" / "pooled.csv")
    row = pooled[(pooled["analysis_id"] == ANALYSIS) & (pooled["subgroup"] == "all")]
    assert len(pooled) == len(row) == 1
    row = row.iloc[0]
    pinned = reference["models"]["REML_knha"]
    assert (row["question"], row["outcome"], row["measure"]) == ("risk", "condition_risk", "OR")
    assert (row["method"], row["test"], row["k"]) == ("REML", "knha", pinned["k"])
    shown = pinned["exp"]  # pooled.csv shows ratios back-transformed; tau2 stays on the log scale
    assert_close(
        [row["estimate"], row["ci_low"], row["ci_high"], row["pi_low"], row["pi_high"]],
        [shown["estimate"], shown["ci.lb"], shown["ci.ub"], shown["pi.lb"], shown["pi.ub"]],
        RTOL,
    )
    for key, ours in (("tau2", "tau2"), ("I2", "i2"), ("QE", "q"), ("QEp", "q_pval"), ("pval", "pval")):
        assert_close(row[ours], pinned[key], RTOL, what=key)


def test_study_effects_and_older_review_variant_equal_metafor(results: Path, reference: dict) -> None:
    tables = results / "03_meta_analysis" / "tables"
    studies = pd.read_csv(tables / "study_effects.csv")
    inputs = reference["inputs"]
    labels = [f"{a} {y}" for a, y in zip(inputs["author"], inputs["year"])]
    order = studies.set_index("study").loc[labels]
    assert_close(order["yi"], reference["effects"]["yi"], 1e-9, what="yi")
    assert_close(order["vi"], reference["effects"]["vi"], 1e-9, what="vi")

    sensitivity = pd.read_csv(tables / "sensitivity.csv")
    dl = sensitivity[(sensitivity["method"] == "DL") & (sensitivity["test"] == "z")].iloc[0]
    shown = reference["models"]["DL_z"]["exp"]
    assert_close(
        [dl["estimate"], dl["ci_low"], dl["ci_high"]], [shown["estimate"], shown["ci.lb"], shown["ci.ub"]], RTOL
    )
    assert_close(dl["tau2"], reference["models"]["DL_z"]["tau2"], RTOL)


def test_grade_uses_egger_p_and_the_cases(results: Path, reference: dict) -> None:
    sof = pd.read_csv(results / "03_meta_analysis" / "tables" / "summary_of_findings.csv").iloc[0]
    p = reference["regtest"]["pval"]  # metafor regtest on the REML + knha model: 0.0299
    assert f"Small-study test p = {p:.3f}" in sof["footnotes"]
    # all 37 studies give their lung cancer cases: events are known, participants are not
    cases = int(np.sum(reference["inputs"]["cases"]))
    assert "Number of events not available" not in sof["footnotes"]
    assert not sof["participants_studies"].startswith("0 ")
    assert cases >= 300  # above the optimal information size of 300 events: no imprecision downgrade
    assert "Imprecision" not in sof["footnotes"]


def test_stage_04_says_why_there_is_no_answer(results: Path, reference: dict) -> None:
    notes = json.loads((results / "04_mendelian_randomization" / "tables" / "notes.json").read_text(encoding="utf-8"))
    assert any("no Mendelian randomization estimates" in n for n in notes["notes"])
    assert any("at least one primary Mendelian randomization study" in n for n in notes["notes"])
    triangulation = pd.read_csv(results / "04_mendelian_randomization" / "tables" / "triangulation.csv")
    observational = triangulation.set_index("stream").loc["observational_general"]
    above = int(np.sum(np.asarray(reference["inputs"]["or.lb"]) > 1))  # studies whose CI lies above 1
    assert observational["studies"] == 37 and observational["studies_harm"] == above


def test_a_risk_only_report_shows_no_trial_or_animal_sections(results: Path) -> None:
    """No RoB 2 table, no animal subsection, no trial coverage or trial limitation, no trial steps in the flow."""
    html = (results / "consensus_report.html").read_text(encoding="utf-8")
    for text in (
        "RoB 2 judgements per trial result",
        "Animal results by sex",
        "most trials report too little",
        "Coverage: what outcome data each trial provides",
    ):
        assert text not in html, text
    flow = pd.read_csv(results / "01_ingest" / "tables" / "evidence_flow.csv")
    assert set(flow["question"]) == {"risk"}
    pooled = pd.read_csv(results / "03_meta_analysis" / "tables" / "pooled.csv")
    assert pooled.loc[0, "outcome_label"].startswith("lung cancer risk: spouse smoked")  # the declared label
