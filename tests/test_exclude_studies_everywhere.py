"""Issue 22 item 6: studies a reviewer leaves out by parameter (``exclude_studies``) are left out of
stage 04's MR summary and triangulation counts as of stage 03's pooling, and the report says in a
sentence which studies were left out. On the SYNTHETIC coffee-and-gout package of
tests/test_neutral_risk_review.py (every number invented; a test fixture, not evidence)."""

from __future__ import annotations

import pandas as pd
import pytest

from compendium.errors import CompendiumError
from compendium.review import load_review
from compendium.stages import consensus_report, ingest, mendelian_randomization, meta_analysis
from synthetic_packages import write_package
from test_neutral_risk_review import GOUT_REVIEW, gout_rows

LEFT_OUT = ["c1", "mr1"]


@pytest.fixture(scope="module")
def left_out(tmp_path_factory):
    root = tmp_path_factory.mktemp("gout_left_out")
    raw = write_package(root, GOUT_REVIEW, gout_rows())
    review = load_review(root / "review.yaml")
    results = root / "reports"
    ingest.run(review, raw, results, results / "01_ingest")
    meta_analysis.run(review, raw, results, results / "03_meta_analysis", exclude_studies=LEFT_OUT)
    mr = mendelian_randomization.run(review, raw, results, results / "04_mendelian_randomization")
    full = pd.read_csv(results / "04_mendelian_randomization" / "tables" / "triangulation.csv").set_index("stream")
    mr = mendelian_randomization.run(
        review, raw, results, results / "04_mendelian_randomization", exclude_studies=LEFT_OUT
    )
    consensus_report.run(review, raw, results, results / "05_consensus_report")
    html = (results / "05_consensus_report" / "publish" / "consensus_report.html").read_text(encoding="utf-8")
    return review, raw, results, full, mr, html


def test_stage_04_leaves_the_studies_out_of_the_triangulation_counts(left_out):
    _, _, results, full, mr, _ = left_out
    tables = results / "04_mendelian_randomization" / "tables"
    triangulation = pd.read_csv(tables / "triangulation.csv").set_index("stream")
    rows = pd.read_csv(tables / "triangulation_rows.csv")
    assert not set(rows["study_id"]) & set(LEFT_OUT)
    assert "mr1" not in set(pd.read_csv(tables / "mr_estimates.csv")["study_id"])
    for stream in ("mendelian_randomization", "observational_general"):  # one study of each left out
        assert triangulation.loc[stream, "studies"] == full.loc[stream, "studies"] - 1, stream
    assert any(n.startswith("left out by the reviewer (exclude_studies): Synthetic Mr1 (mr1)") for n in mr.notes)
    assert mr.records["left_out"]["exclude_studies"] == LEFT_OUT


def test_the_report_says_which_studies_the_reviewer_left_out(left_out):
    html = left_out[-1]
    assert (
        '<p id="left-out">The reviewer left out Synthetic C1 (c1) and Synthetic Mr1 (mr1) (parameter '
        "exclude_studies): the pooled analyses, the Mendelian randomization summary and the triangulation and "
        "the count of study directions do not use them.</p>"
    ) in html


def test_stage_04_refuses_an_unknown_id_by_name(left_out, tmp_path):
    review, raw, results, *_ = left_out
    with pytest.raises(CompendiumError, match="exclude_studies: 'nope' is not a study_id"):
        mendelian_randomization.run(review, raw, results, tmp_path / "bad", exclude_studies=["nope"])


def test_no_sentence_when_no_study_was_left_out(tmp_path):
    from compendium.report.build import left_out_sentence
    from compendium.report.inputs import ResultSet

    assert left_out_sentence(ResultSet(tmp_path), {}) == ""
