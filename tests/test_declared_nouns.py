"""Pooled labels, notes and forest-plot axes use the review's declared nouns and outcome labels
(issue 21 item 7), on a SYNTHETIC review (test fixture) whose comparator is "usual care" and whose
outcome label differs from the trials' instrument text; the report's technical tables show readable
column names (issue 21 item 6)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from compendium.analysis import pooling
from compendium.analysis.figures import axis_label
from compendium.analysis.rob import RobLookup
from compendium.report.build import domain_labels, table_view
from synthetic_packages import RCT_ONLY_REVIEW, rct_only_rows
from synthetic_review import DECLARATION, synthetic_review
from test_analysis import ALS, _effects, two_trial_inputs

REVIEW = synthetic_review(
    intervention={"noun": "education"},
    comparator={"noun": "usual care"},
    outcomes=[
        {**o, "label": "Daily function (ALSFRS-R)"} if o["id"] == "alsfrs_r" else o for o in DECLARATION["outcomes"]
    ],
)


def _fit() -> pooling.AnalysisFit:
    inputs = two_trial_inputs(review=REVIEW)
    effects, excluded = _effects(inputs)
    built = pooling.build_treatment_analyses(
        effects,
        RobLookup(inputs),
        unusable=excluded,
        intervention=REVIEW.intervention,
        comparator=REVIEW.comparator,
        outcome_labels=REVIEW.outcome_labels,
    )
    return pooling.fit_analysis(built.analyses[0], method="FE", test="z", level=95.0, subgroup=None)


def test_pooled_label_and_notes_use_the_declared_label_and_comparator():
    fit = _fit()
    row = pooling.pooled_table([fit], REVIEW.intervention).iloc[0]
    assert row["outcome_label"] == f"Daily function (ALSFRS-R) ({ALS}), final, 5-8 months (MD)"
    assert "MD education minus usual care on one instrument" in row["notes"]
    assert "minus control" not in row["notes"]


def test_forest_axis_names_the_comparator():
    label = axis_label(_fit(), REVIEW.intervention, REVIEW.comparator)
    assert label == f"Mean difference, education minus usual care ({ALS})"


def test_the_label_names_the_instrument_only_when_it_differs_from_the_declared_label():
    inputs = two_trial_inputs()
    effects, _ = _effects(inputs)
    built = pooling.build_treatment_analyses(effects, RobLookup(inputs), outcome_labels={"alsfrs_r": ALS.upper()})
    assert built.analyses[0].label == f"{ALS.upper()}, final, 5-8 months (MD)"


@pytest.fixture(scope="module")
def rct_only_html(tmp_path_factory):
    from test_stages_pipeline import build

    _, _, html = build(tmp_path_factory.mktemp("nouns"), RCT_ONLY_REVIEW, rct_only_rows())
    return html


def _headers(html: str, anchor: str) -> list[str]:
    start = html.index(f'id="{anchor}"')
    table = html[start : html.index("</figure>", start)]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]


def test_the_report_speaks_the_declared_nouns_and_readable_column_names(rct_only_html):
    """Issue 21 items 6 and 7 on the SYNTHETIC RCT-only review (comparator "usual care")."""
    html = rct_only_html
    assert "minus control" not in html and "education minus usual care" in html
    coverage = _headers(html, "table-coverage")
    assert {"days off work", "symptom score"} <= set(coverage) and "days off" not in coverage  # labels, not ids
    sensitivity = _headers(html, "table-sensitivity")
    assert sensitivity[:4] == ["analysis", "variant", "estimate (CI)", "prediction interval"]
    assert not {"ci low", "tau2", "i2", "pi low", "analysis id"} & set(sensitivity)
    start = html.index('id="table-sensitivity"')
    assert "treatment-days" not in html[start : html.index("</figure>", start)]  # analyses named by their labels
    assert _headers(html, "table-trials")[-2:] == ["duration (weeks)", "participants randomised"]


def test_risk_of_bias_domain_headers_name_the_domains():
    assert domain_labels("ROB2")["d1"] == "D1: Randomisation process"
    assert domain_labels("ROBINS-E")["d7"] == "D7: Selection of the reported result"
    view = table_view(pd.DataFrame({"study_id": ["a"], "tau2": [0.1], "i2": [12.0]}), caption="c", anchor="a")
    assert view["header"] == ["study ID", "τ² (between-study variance)", "I² (%)"]
