"""A harm review written as a new user would: prophylactic lidocaine after myocardial infarction and
mortality (test fixture built from published numbers, not part of the ALS evidence).

The six trials' deaths and group sizes are those of metadat 1.2-0's dat.hine1989 (Hine LK, Laird N,
Hewitt P, Chalmers TC. Arch Intern Med 1989;149:2694-2698; metadat took them from Normand SL, Stat
Med 1999;18:321-359, Table I), read with R and pinned with metafor's REML + Knapp-Hartung risk ratio
(1.70, 95% CI 1.15 to 2.51) in tests/reference/metafor/hine1989.json by tests/r/hine1989_reference.R.
The package runs through stages 01, 03 and 05, with and without ``safety: true`` on mortality and
with the question asking about benefit and about harm: the answer and key messages must say that
lidocaine increases mortality, and no sentence may deny the data.
"""

from __future__ import annotations

import json
import re

import pytest

from compendium.review import load_review
from compendium.stages import consensus_report, ingest, meta_analysis
from metafor_ref import REFERENCE_DIR
from synthetic_packages import write_package

REFERENCE = json.loads((REFERENCE_DIR / "hine1989.json").read_text(encoding="utf-8"))
SOURCE_ID = "metadat_hine1989"

REVIEW = """\
# Harm review test fixture: numbers from metadat's dat.hine1989 (see tests/test_harm_review.py)
title: "Prophylactic lidocaine after myocardial infarction (test fixture)"
intervention: {{noun: lidocaine}}
comparator: {{noun: no lidocaine}}
questions:
  - {{id: treatment, text: "{question}", streams: [rct]{asks}}}
intervention_types: [lidocaine_iv]
outcomes:
  - {{id: mortality, label: "mortality", unit: participants, higher_is_better: false{safety}}}
time_windows: []
subgroup: null
stages: [01_ingest, 03_meta_analysis, 05_consensus_report]
"""


def rows() -> dict[str, list[dict]]:
    """The data package's rows, every number from the pinned inputs (dat.hine1989 columns)."""
    inputs = REFERENCE["inputs"]
    out: dict[str, list[dict]] = {
        "sources": [
            {
                "source_id": SOURCE_ID,
                "citation": "White T, Noble D, Senior A, Hamilton W, Viechtbauer W. metadat: Meta-Analysis Datasets. "
                "R package version 1.2-0 (2022); data set dat.hine1989",
                "year": 2022,
                "url": "https://CRAN.R-project.org/package=metadat",
                "source_type": "repository_record",
                "notes": REFERENCE["citation"],
            }
        ],
        "studies": [],
        "trials": [],
        "arms": [],
        "dichotomous_outcomes": [],
    }
    for i, name in enumerate(inputs["source"]):
        study_id = re.sub(r"[^a-z]+", "_", name.lower().replace(" et al.", "")).strip("_")
        locator = f"dat.hine1989 row {i + 1}"
        base = {"study_id": study_id, "source_id": SOURCE_ID}
        out["studies"].append(
            {
                **base,
                "label": name,
                # dat.hine1989 gives no trial years: the year is that of the meta-analysis that compiled them
                "year": 1989,
                "question": "treatment",
                "stream": "rct",
                "design": "randomised controlled trial",
                "notes": "year: of Hine et al. 1989, which compiled the trial; the data set gives no trial years",
            }
        )
        out["trials"].append(
            {
                **base,
                "randomised": "true",
                "intervention_type": "lidocaine_iv",
                "intervention": "Prophylactic intravenous lidocaine",
                "comparator_type": "no_intervention",
                "comparator": "No lidocaine",
                "locator": locator,
            }
        )
        for arm, events, total in (
            ("intervention", inputs["ai"][i], inputs["n1i"][i]),
            ("control", inputs["ci"][i], inputs["n2i"][i]),
        ):
            out["arms"].append({**base, "arm": arm, "role": arm, "description": arm, "locator": locator})
            out["dichotomous_outcomes"].append(
                {
                    **base,
                    "arm": arm,
                    "outcome": "mortality",
                    "outcome_measure": "Deaths at the end of the assigned treatment period",
                    "events": events,
                    "total": total,
                    "locator": locator,
                }
            )
    return out


def build(tmp_path, question: str, asks: str, safety: bool, level: float = 95.0) -> tuple[dict, str]:
    text = REVIEW.format(
        question=question,
        asks=f", asks: {asks}" if asks else "",
        safety=", safety: true" if safety else "",
    )
    raw = write_package(tmp_path, text, rows())
    review = load_review(tmp_path / "review.yaml")
    results = tmp_path / "reports"
    for name, module in (
        ("01_ingest", ingest),
        ("03_meta_analysis", meta_analysis),
        ("05_consensus_report", consensus_report),
    ):
        module.run(review, raw, results, results / name, **({"level": level} if module is meta_analysis else {}))
    conclusion = json.loads((results / "03_meta_analysis" / "tables" / "conclusion.json").read_text(encoding="utf-8"))
    html = (results / "05_consensus_report" / "publish" / "consensus_report.html").read_text(encoding="utf-8")
    return conclusion, html


CASES = [
    ("Does prophylactic lidocaine reduce deaths after a heart attack?", "", False),
    # a new user's harm question that does not declare asks (default: benefit)
    ("Does prophylactic lidocaine increase deaths after a heart attack?", "", True),
    ("Does prophylactic lidocaine reduce deaths after a heart attack?", "", True),
    ("Does prophylactic lidocaine increase deaths after a heart attack?", "harm", False),
    ("Does prophylactic lidocaine increase deaths after a heart attack?", "harm", True),
]


@pytest.mark.parametrize(("question", "asks", "safety"), CASES)
def test_the_answer_says_lidocaine_increases_mortality(tmp_path, question, asks, safety):
    conclusion, html = build(tmp_path, question, asks, safety)
    pinned = REFERENCE["rr_reml_knha"]
    assert conclusion["asks"] == (asks or "benefit")
    assert conclusion["rule"] == ("T4" if not asks else "T1"), conclusion["answer"]
    statement = conclusion["statements"][0]
    # GRADE wording by certainty: "increases" (high), "probably increases", "may increase", "very uncertain whether"
    assert re.search(r"Lidocaine (probably increases|increases|may increase) mortality", statement) or (
        "We are very uncertain whether lidocaine increases mortality" in statement
    ), statement
    assert f"RR {pinned['estimate']:.2f}, 95% CI {pinned['ci_low']:.2f} to {pinned['ci_high']:.2f}" in statement
    key = html[html.index('id="key-messages"') : html.index("</section>", html.index('id="key-messages"'))]
    assert "increases mortality" in key or "increase mortality" in key
    assert "No:" not in key  # never a bare "No" after a question that asks whether mortality increases
    assert "no benefit is shown" not in html and "No randomised trial in the data reported" not in html
    if safety:
        assert conclusion["safety"].startswith("6 of 6 randomised trials reported on mortality")
        inputs = REFERENCE["inputs"]
        treated, control = (f"{sum(inputs[e])} of {sum(inputs[n])}" for e, n in (("ai", "n1i"), ("ci", "n2i")))
        counts = f"{treated} with lidocaine and {control} with no lidocaine"
        assert counts in conclusion["safety"]
        assert "increases mortality" in conclusion["safety"]
    else:
        assert conclusion["safety"] == ""


def test_the_summary_of_findings_has_the_absolute_risks(tmp_path):
    """Comparator risk: the median of the six control groups' risks (Cochrane Handbook 14.1.5),
    computed here from the pinned inputs; risk with lidocaine = comparator risk x pooled RR."""
    _, html = build(tmp_path, CASES[0][0], "", True)
    start = html.index('id="sof-treatment"')
    table = html[start : html.index("</figure>", start)]
    assert "<caption" in table and ">Summary of findings: lidocaine compared with no lidocaine" in table
    inputs, pinned = REFERENCE["inputs"], REFERENCE["rr_reml_knha"]
    risks = sorted(c / n for c, n in zip(inputs["ci"], inputs["n2i"]))
    median = (risks[2] + risks[3]) / 2
    assert f"{median * 1000:,.0f} per 1,000 (median of the control groups)" in table
    assert f"{median * pinned['estimate'] * 1000:,.0f} per 1,000" in table
    assert "RR 1.70 (1.15 to 2.51)" in table and "Lidocaine probably increases mortality" in table


def test_a_90_percent_run_labels_every_interval_90_percent(tmp_path):
    """Issue 22: every interval label follows the level, the Summary of findings' column headings
    included (they said "95% CI" whatever the level)."""
    conclusion, html = build(tmp_path, CASES[0][0], "", True, level=90)
    start = html.index('id="sof-treatment"')
    table = html[start : html.index("</figure>", start)]
    assert "Relative effect (90% CI)" in table and "Anticipated absolute effects (90% CI)" in table
    assert "95% CI" not in table and "90% CI" in conclusion["answer"]
