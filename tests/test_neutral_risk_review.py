"""The risk path speaks the review's words: a SYNTHETIC risk review ("does coffee cause gout?";
tests/synthetic_packages.py writes the package; every number is invented, not evidence) runs
through stages 01, 03, 04 and 05, and no table, figure title, alt text or report page says "ALS",
"amyotrophic", "exercise" or "SOD1", while the declared nouns and question appear, and its declared
judgements and labels (an overlapping population, an indirect exposure, a stream label, an exposure
category's label and words) take effect."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from compendium.review import load_review
from compendium.stages import consensus_report, ingest, mendelian_randomization, meta_analysis
from compendium.vocabulary import CONDITION_RISK
from synthetic_packages import SOURCE, write_package

GOUT_REVIEW = """\
# SYNTHETIC risk review declaration (test fixture)
title: "Coffee and gout (synthetic test fixture)"
description: "A synthetic risk review used by the tests; not evidence."
intervention: {noun: coffee}
comparator: {noun: no coffee}
condition: {noun: gout}
exposure: {noun: coffee drinking}
questions:
  - id: risk
    text: "Does coffee cause gout (synthetic)?"
    streams: [observational_general, mendelian_randomization, review]
exposure_categories:
  - {id: coffee_intake, label: "Coffee (cups per day)", words: [coffee]}
  - other
indirect_exposures:
  - {category: coffee_intake, reason: "cups of coffee are an indirect measure of caffeine dose"}
overlapping_populations:
  - {population: "Synthetic town cohort", studies: [c2, c4]}
stream_labels:
  observational_general: {label: "Observational: adult cohorts", short: "Adult cohorts", text: "adult cohort studies"}
outcomes:
  - {id: condition_risk, label: "gout risk", unit: "", surrogate: false}
stages: [01_ingest, 03_meta_analysis, 04_mendelian_randomization, 05_consensus_report]
"""
#: words of the ALS review that must not leak into another review's outputs
FORBIDDEN = re.compile(r"\b(ALS|amyotrophic|exercise|SOD1)\b", re.IGNORECASE)
SYNTHETIC = {"source_id": SOURCE["source_id"], "locator": "synthetic"}


def _study(study_id: str, stream: str, design: str, year: int) -> dict:
    return {
        "study_id": study_id,
        "label": f"Synthetic {study_id.capitalize()}",
        "year": year,
        "question": "risk",
        "stream": stream,
        "design": design,
        **SYNTHETIC,
    }


def _cohort(
    study_id: str, estimate: float, low: float, high: float, comparison: str = "lowest intake", cases: int = 100
) -> dict:
    return {
        "study_id": study_id,
        "estimate_label": "highest vs lowest intake",
        "population_type": "general_population",
        "population": "synthetic adults",
        "design": "cohort",
        "exposure_category": "coffee_intake",
        "exposure": "coffee, highest intake",
        "comparison": comparison,
        "measure": "RR",
        "estimate": estimate,
        "ci_low": low,
        "ci_high": high,
        "ci_level": 95,
        "cases": cases,
        "sex": "both",
        "secondary_source": "false",
        **SYNTHETIC,
    }


def gout_rows() -> dict[str, list[dict]]:
    """Four synthetic cohorts (one whose comparison names only the people 'without gout'; c2 and c4
    report on one population), two synthetic MR studies and one synthetic review result of the risk
    outcome."""
    mr = [("mr1", 1.30, 1.10, 1.54), ("mr2", 1.20, 1.05, 1.37)]
    return {
        "sources": [SOURCE],
        "studies": [
            _study("c1", "observational_general", "prospective cohort", 2015),
            _study("c2", "observational_general", "prospective cohort", 2017),
            _study("c3", "observational_general", "case-control", 2019),
            _study("c4", "observational_general", "prospective cohort", 2020),
            _study("mr1", "mendelian_randomization", "two-sample MR", 2021),
            _study("mr2", "mendelian_randomization", "two-sample MR", 2022),
            _study("rev1", "review", "systematic review and meta-analysis", 2023),
        ],
        "observational": [
            _cohort("c1", 1.40, 1.10, 1.78),
            _cohort("c2", 1.25, 1.02, 1.53),
            _cohort("c3", 1.60, 1.00, 2.56, comparison="people without gout"),
            _cohort("c4", 1.30, 1.08, 1.56, cases=180),
        ],
        "mr_studies": [{"study_id": study_id, **SYNTHETIC} for study_id, *_ in mr],
        "mr_estimates": [
            {
                "study_id": study_id,
                "exposure_category": "coffee_intake",
                "exposure": "genetically predicted coffee intake",
                "method": "ivw",
                "measure": "OR",
                "estimate": estimate,
                "ci_low": low,
                "ci_high": high,
                "ci_level": 95,
                **SYNTHETIC,
            }
            for study_id, estimate, low, high in mr
        ],
        "review_results": [
            {
                "study_id": "rev1",
                "outcome": CONDITION_RISK,
                "outcome_label": "gout risk (RR)",
                "subgroup": "coffee drinkers",  # found by the category's declared word
                "k": 3,
                "measure": "RR",
                "estimate": 1.3,
                "ci_low": 1.1,
                "ci_high": 1.5,
                "ci_level": 95,
                **SYNTHETIC,
            }
        ],
    }


@pytest.fixture(scope="module")
def gout(tmp_path_factory):
    root = tmp_path_factory.mktemp("gout")
    raw = write_package(root, GOUT_REVIEW, gout_rows())
    review = load_review(root / "review.yaml")
    results = root / "reports"
    for name, module in (
        ("01_ingest", ingest),
        ("03_meta_analysis", meta_analysis),
        ("04_mendelian_randomization", mendelian_randomization),
        ("05_consensus_report", consensus_report),
    ):
        module.run(review, raw, results, results / name)
    html = (results / "05_consensus_report" / "publish" / "consensus_report.html").read_text(encoding="utf-8")
    return results, html


def _written_texts(results) -> dict[str, str]:
    """Every written table (CSV, JSON) and every figure's title and alt text, by file."""
    texts = {str(path.relative_to(results)): path.read_text(encoding="utf-8") for path in results.glob("*/tables/*")}
    for path in results.glob("*/figures.json"):
        figures = json.loads(path.read_text(encoding="utf-8"))
        texts[str(path.relative_to(results))] = " ".join(
            f"{entry.get('title', '')} {entry.get('alt', '')}" for entry in figures.values()
        )
    return texts


def test_no_word_of_the_als_review_in_the_outputs(gout):
    results, html = gout
    texts = _written_texts(results)
    assert any(name.startswith("04_mendelian_randomization/tables/triangulation") for name in texts)
    leaks = {name: FORBIDDEN.findall(text) for name, text in {**texts, "report HTML": html}.items()}
    assert {name: found for name, found in leaks.items() if found} == {}


def test_the_declared_nouns_and_question_appear(gout):
    results, html = gout
    assert "Does coffee cause gout (synthetic)?" in html
    pooled = pd.read_csv(results / "03_meta_analysis" / "tables" / "pooled.csv")
    risk_rows = pooled[pooled["question"] == "risk"]
    assert set(risk_rows["outcome"]) == {CONDITION_RISK}
    assert risk_rows["outcome_label"].str.startswith("gout risk: coffee (cups per day)").all()  # the declared label
    risk = pd.read_csv(results / "03_meta_analysis" / "tables" / "risk_estimates.csv").set_index("study_id")
    assert risk.loc["c3", "contrast"] == "not_stated"  # 'people without gout' names only the controls
    comparison = pd.read_csv(results / "03_meta_analysis" / "tables" / "review_comparison.csv")
    assert comparison.loc[0, "ours"].startswith("RR ")  # the review's 'coffee drinkers' found our analysis
    triangulation = pd.read_csv(results / "04_mendelian_randomization" / "tables" / "triangulation.csv")
    mr = triangulation.set_index("stream").loc["mendelian_randomization"]
    assert mr["direction"] == "higher gout risk" and "variants for coffee drinking may act on gout" in mr["main_bias"]
    conclusion = json.loads((results / "04_mendelian_randomization" / "tables" / "conclusion.json").read_text())
    assert conclusion["question"] == "Does coffee cause gout (synthetic)?"
    assert "gout risk" in conclusion["answer"] and "coffee" in conclusion["answer"]
    figures = json.loads((results / "04_mendelian_randomization" / "figures.json").read_text(encoding="utf-8"))
    forest = figures["mr_published_forest"]
    assert forest["title"] == "Published MR estimates: coffee drinking and gout"  # exposure.noun
    assert forest["alt"].startswith("Forest plot of Mendelian randomization results for coffee drinking and gout")
    assert "coffee drinking increases gout risk" in html  # the risk meter's labels use the exposure
    for word in ("gout", "coffee"):
        assert word in html


def test_the_declared_judgements_and_labels_take_effect(gout):
    results, html = gout
    tables = results / "03_meta_analysis" / "tables"
    risk = pd.read_csv(tables / "risk_estimates.csv").set_index("study_id")
    # overlapping_populations: c2 and c4 report on one population; c4 (more cases) is used
    assert risk.loc["c2", "population_group"] == "Synthetic town cohort"
    assert risk.loc["c2", "status"] == "shown" and "population overlaps Synthetic C4" in risk.loc["c2", "reason"]
    assert set(risk.index[risk["status"] == "pooled"]) == {"c1", "c4"}
    methods = json.loads((tables / "methods.json").read_text(encoding="utf-8"))
    assert methods["risk_question"]["overlapping_populations"] == {"Synthetic town cohort": ["c2", "c4"]}
    assert methods["grade"]["indirectness"]["indirect_exposures"] == ["coffee_intake"]
    # indirect_exposures: GRADE rates the pooled risk analysis down for indirectness, with the declared reason
    domains = pd.read_csv(tables / "grade_domains.csv")
    indirect = domains[(domains["domain"] == "indirectness") & domains["outcome"].str.startswith("gout risk")]
    assert len(indirect) and (indirect["final"] == 1).all()
    assert indirect["explanation"].str.contains("Cups of coffee are an indirect measure of caffeine dose").all()
    # stream_labels: the table label, the figure's axis label and the running text
    triangulation = pd.read_csv(results / "04_mendelian_randomization" / "tables" / "triangulation.csv")
    labels = triangulation.set_index("stream")["stream_label"]
    assert labels["observational_general"] == "Observational: adult cohorts"
    assert labels["mendelian_randomization"] == "Mendelian randomization (primary studies)"  # a generic default
    assert "adult cohort studies" in html
    # the exposure category's label: MR rows and the forest plot's alt text
    rows = pd.read_csv(results / "04_mendelian_randomization" / "tables" / "triangulation_rows.csv")
    assert (
        rows.loc[rows["stream"] == "mendelian_randomization", "label"].str.startswith("Coffee (cups per day), ").all()
    )
    figures = json.loads((results / "04_mendelian_randomization" / "figures.json").read_text(encoding="utf-8"))
    assert "Synthetic Mr1, Coffee (cups per day), IVW" in figures["mr_published_forest"]["alt"]
