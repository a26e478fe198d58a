"""The stage layer end to end on SYNTHETIC packages (tests/synthetic_packages.py; not evidence):
an RCT-only review (no observational, MR, animal or risk-of-bias data) and a review with no
studies yet both build a complete report; the answer rules see the pooled primary analyses
(issue 11: analysis_set codes); every input row is accounted for."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from compendium.errors import CompendiumError
from compendium.review import load_review
from compendium.stages import account, consensus_report, ingest, mendelian_randomization, meta_analysis, risk_of_bias
from synthetic_packages import EMPTY_REVIEW, RCT_ONLY_REVIEW, rct_only_rows, write_package

STAGES = (
    ("01_ingest", ingest),
    ("02_risk_of_bias", risk_of_bias),
    ("03_meta_analysis", meta_analysis),
    ("04_mendelian_randomization", mendelian_randomization),
    ("05_consensus_report", consensus_report),
)


def build(root, review_yaml, rows):
    raw = write_package(root, review_yaml, rows)
    review = load_review(root / "review.yaml")
    results = root / "reports"
    outputs = {}
    for name, module in STAGES:
        outputs[name] = module.run(review, raw, results, results / name)
    html = (results / "05_consensus_report" / "publish" / "consensus_report.html").read_text(encoding="utf-8")
    return outputs, results, html


@pytest.fixture(scope="module")
def rct_only(tmp_path_factory):
    return build(tmp_path_factory.mktemp("rct_only"), RCT_ONLY_REVIEW, rct_only_rows())


def test_rct_only_review_builds_a_complete_report(rct_only):
    outputs, results, html = rct_only
    assert "Synthetic self-management review (test fixture)" in html
    assert "Does education reduce days off work (synthetic)?" in html
    for word in ("ALS", "amyotrophic", "exercise", "Exercise", "mouse"):
        assert word not in html, word
    assert 'id="findings-mr"' not in html and 'id="findings-mouse"' not in html
    assert "Not in this review: observational studies; Mendelian randomization studies; animal studies" in html
    # empty streams: tables written with their header, and a note saying why
    for stage, table in (
        ("02_risk_of_bias", "rob2_judgements"),
        ("04_mendelian_randomization", "mr_estimates"),
        ("04_mendelian_randomization", "triangulation"),
    ):
        frame = pd.read_csv(results / stage / "tables" / f"{table}.csv")
        assert frame.empty and len(frame.columns) > 3, table
    assert any("no signalling answers" in n for n in outputs["02_risk_of_bias"].notes)
    assert any("no Mendelian randomization estimates" in n for n in outputs["04_mendelian_randomization"].notes)
    assert "conclusion" not in outputs["04_mendelian_randomization"].records
    # Summary of findings: a mean difference beside the median of the control groups' means (8, 7.8, 8.1)
    assert "mean 8.00 days (median of the control groups)" in html


def test_answer_rules_see_the_pooled_primary_analysis(rct_only):
    outputs, results, html = rct_only
    pooled = pd.read_csv(results / "03_meta_analysis" / "tables" / "pooled.csv")
    days = pooled[(pooled["outcome"] == "days_off") & (pooled["subgroup"] == "all")].iloc[0]
    assert days["analysis_set"] == "primary" and days["analysis_set_label"] == "randomised, non-education control"
    assert days["k"] == 3 and days["ci_high"] < 0  # fewer days off with education in all three trials
    answer = json.loads((results / "03_meta_analysis" / "tables" / "conclusion.json").read_text(encoding="utf-8"))
    assert answer["question_id"] == "treatment"
    assert answer["reasons"][0].startswith("1 outcome(s) had at least two comparable randomised trials")
    sof = pd.read_csv(results / "03_meta_analysis" / "tables" / "summary_of_findings.csv").set_index("analysis_id")
    certainty = sof.loc[days["analysis_id"], "certainty"]
    expected = {"High": "T1", "Moderate": "T1", "Low": "T2"}.get(certainty, "T3")
    assert answer["rule"] == expected, (certainty, answer)
    assert answer["answer"] in html


def test_rows_without_a_time_point_are_pooled_when_no_windows_are_declared(rct_only):
    outputs, results, _ = rct_only
    effects = pd.read_csv(results / "03_meta_analysis" / "tables" / "single_trial_results.csv")
    excluded = pd.read_csv(results / "03_meta_analysis" / "tables" / "excluded_data.csv")
    symptom = effects[effects["outcome"] == "symptom_score"]
    assert len(symptom) == 1 and symptom["window"].iloc[0] == "all time points"
    assert excluded.empty
    assert all(record["balanced"] for record in outputs["03_meta_analysis"].accounting)


def test_rows_without_a_time_point_are_shown_not_pooled_when_windows_are_declared(tmp_path):
    review = RCT_ONLY_REVIEW.replace("time_windows: []", "time_windows: [{label: 'up to 26 weeks', upper_weeks: 26}]")
    outputs, results, _ = build(tmp_path, review, rct_only_rows())
    shown = pd.read_csv(results / "03_meta_analysis" / "tables" / "single_trial_results.csv")
    row = shown[shown["outcome"] == "symptom_score"].iloc[0]
    assert row["window"] == "time point not recorded" and row["notes"].startswith("time point not recorded: not pooled")
    assert all(record["balanced"] for record in outputs["03_meta_analysis"].accounting)


def test_an_arm_with_an_unrecognised_role_gets_a_correct_reason(tmp_path):
    rows = rct_only_rows()
    rows["arms"] = [
        a if not (a["study_id"] == "s3" and a["role"] == "intervention") else {**a, "arm": "edu2"} for a in rows["arms"]
    ] + [{**rows["arms"][0], "study_id": "s3", "arm": "edu", "role": "control"}]
    outputs, results, _ = build(tmp_path, RCT_ONLY_REVIEW, rows)
    excluded = pd.read_csv(results / "03_meta_analysis" / "tables" / "excluded_data.csv")
    s3 = excluded[excluded["study_id"] == "s3"]
    assert len(s3) == 2 and s3["reason"].str.contains("0 education and 2 control arm rows").all()


def test_an_empty_review_says_there_are_no_studies_yet(tmp_path):
    outputs, results, html = build(tmp_path, EMPTY_REVIEW, {})
    assert "There are no studies in this review yet" in html
    assert "A new review (test fixture)" in html
    assert any("no studies" in n for n in outputs["01_ingest"].notes)
    assert pd.read_csv(results / "03_meta_analysis" / "tables" / "pooled.csv").empty


def test_accounting_check():
    assert account("03_meta_analysis", "continuous_outcomes", 5, 3, 2)["balanced"]
    with pytest.raises(CompendiumError, match="every row must be used or excluded"):
        account("03_meta_analysis", "continuous_outcomes", 5, 3, 1)


@pytest.mark.parametrize(
    ("n", "rule", "answer"),
    [
        (40, "T2", "Possibly; the certainty of the evidence is low. Education may reduce days off work"),
        (300, "T1", "Probably yes. Education probably reduces days off work"),
    ],
)
def test_rules_t1_and_t2_are_reached(tmp_path, n, rule, answer):
    """Three consistent synthetic trials: small ones give Low certainty (T2), large ones Moderate (T1)."""
    _, results, html = build(tmp_path, RCT_ONLY_REVIEW, rct_only_rows(n))
    conclusion = json.loads((results / "03_meta_analysis" / "tables" / "conclusion.json").read_text(encoding="utf-8"))
    assert conclusion["rule"] == rule and conclusion["answer"].startswith(answer)
    assert conclusion["safety"] == ""  # the synthetic review declares no safety outcome
    assert "<strong>Safety:</strong>" not in html


@pytest.mark.parametrize("measure", ["RR", "OR"])
def test_dichotomous_outcomes_are_pooled_as_the_declared_ratio(tmp_path, measure):
    """Two synthetic trials with events per arm; reference: escalc's log RR / log OR and their
    variances (Cochrane Handbook 6.4.1) pooled by inverse variance (fixed-effect check of the
    REML fit: tau2 = 0 here)."""
    import math

    from synthetic_packages import dichotomous_rows

    review = RCT_ONLY_REVIEW + f"dichotomous_measure: {measure}\n"
    outputs, results, _ = build(tmp_path, review, dichotomous_rows())
    pooled = pd.read_csv(results / "03_meta_analysis" / "tables" / "pooled.csv")
    row = pooled[(pooled["outcome"] == "admission") & (pooled["subgroup"] == "all")].iloc[0]
    assert row["measure"] == measure and row["k"] == 2 and row["log_scale"]
    cells = ((4, 40, 10, 40), (6, 50, 12, 50))
    if measure == "RR":
        yi = [math.log((a / n1) / (c / n2)) for a, n1, c, n2 in cells]
        vi = [1 / a - 1 / n1 + 1 / c - 1 / n2 for a, n1, c, n2 in cells]
    else:
        yi = [math.log((a * (n2 - c)) / ((n1 - a) * c)) for a, n1, c, n2 in cells]
        vi = [1 / a + 1 / (n1 - a) + 1 / c + 1 / (n2 - c) for a, n1, c, n2 in cells]
    weights = [1 / v for v in vi]
    fixed = sum(w * y for w, y in zip(weights, yi)) / sum(weights)
    if row["tau2"] == 0:
        assert row["estimate"] == pytest.approx(math.exp(fixed), rel=1e-9)
    assert row["estimate"] < 1  # fewer admissions with education in both trials
    assert all(record["balanced"] for record in outputs["03_meta_analysis"].accounting)


def test_every_interval_label_follows_the_level(tmp_path):
    """Issue 22: a 90% run never labels an interval of ours "95% CI" (pooled rows, single-trial
    results, Summary of findings, GRADE reasons, methods, the report)."""
    raw = write_package(tmp_path, RCT_ONLY_REVIEW, rct_only_rows())
    review = load_review(tmp_path / "review.yaml")
    results = tmp_path / "reports"
    for name, module in STAGES:
        options = {"level": 90.0} if name == "03_meta_analysis" else {}
        module.run(review, raw, results, results / name, **options)
    tables = results / "03_meta_analysis" / "tables"
    sof = pd.read_csv(tables / "summary_of_findings.csv")
    assert sof["effect"].str.contains("90% CI").all() and not sof["effect"].str.contains("95%").any()
    for name in ("summary_of_findings.csv", "grade_domains.csv", "sensitivity.csv", "pooled.csv"):
        assert "95%" not in (tables / name).read_text(encoding="utf-8"), name
    # the one 95% left in the methods is about sources: a printed CI without its level is read as 95%
    assert "CI (95%)" not in (tables / "methods.json").read_text(encoding="utf-8")
    html = (results / "05_consensus_report" / "publish" / "consensus_report.html").read_text(encoding="utf-8")
    assert "90% CI" in html and "knha CI (90%)" in html and "CI (95%)" not in html


def test_studies_left_out_by_parameter(tmp_path):
    """Issue 22: exclude_studies leaves studies out of every analysis of stage 03, says which, refuses
    unknown ids by name, and an analysis left empty says so instead of failing."""
    raw = write_package(tmp_path, RCT_ONLY_REVIEW, rct_only_rows())
    review = load_review(tmp_path / "review.yaml")
    results = tmp_path / "reports"
    ingest.run(review, raw, results, results / "01_ingest")
    stage = meta_analysis.run(review, raw, results, tmp_path / "one_out", exclude_studies=["s1"])
    days = stage.tables["pooled"]
    days = days[(days["outcome"] == "days_off") & (days["subgroup"] == "all")].iloc[0]
    assert days["k"] == 2 and "s1" not in set(stage.tables["study_effects"]["study_id"])
    assert any(n.startswith("left out by the reviewer (exclude_studies): ") and "(s1)" in n for n in stage.notes)
    assert "(s1)" in stage.records["methods"]["parameters"]["studies_left_out_by_the_reviewer"]
    assert stage.records["methods"]["parameters"]["exclude_studies"] == ["s1"]  # stage 05 reads it
    with pytest.raises(CompendiumError, match="exclude_studies: 'nope' is not a study_id"):
        meta_analysis.run(review, raw, results, tmp_path / "bad", exclude_studies=["nope"])
    everyone = meta_analysis.run(review, raw, results, tmp_path / "all_out", exclude_studies=["s1", "s2", "s3"])
    assert everyone.tables["pooled"].empty
    assert any("nothing to pool" in n for n in everyone.notes)


@pytest.mark.parametrize("measure", ["RR", "OR"])
def test_trials_without_events_in_either_arm_are_not_estimable_for_a_ratio(tmp_path, measure):
    """No events in either arm (or events in everyone) gives no RR or OR (Cochrane Handbook v6.4,
    10.4.4.2; metafor's rma.mh and escalc(drop00=TRUE) drop such studies): with every trial double-zero
    nothing is pooled (no 'RR 0.82, k = 3' made of continuity corrections), and each trial is in
    excluded_data with the reason; one estimable trial among them is shown alone, not pooled."""
    from synthetic_packages import dichotomous_rows

    review = RCT_ONLY_REVIEW + f"dichotomous_measure: {measure}\n"
    outputs, results, _ = build(tmp_path, review, dichotomous_rows(((0, 40, 0, 40), (0, 50, 0, 50), (30, 30, 20, 20))))
    pooled = pd.read_csv(results / "03_meta_analysis" / "tables" / "pooled.csv")
    assert not (pooled["outcome"] == "admission").any()
    excluded = pd.read_csv(results / "03_meta_analysis" / "tables" / "excluded_data.csv")
    reasons = excluded[excluded["outcome"] == "admission"].groupby("study_id")["reason"].first()
    assert reasons["d1"].startswith(
        f"no events in either arm: not estimable as a {measure} (Cochrane Handbook 10.4.4.2"
    )
    assert reasons["d3"].startswith("every participant had the event in both arms: not estimable")
    notes = json.loads((results / "03_meta_analysis" / "tables" / "notes.json").read_text(encoding="utf-8"))["notes"]
    assert any(
        n.startswith(f"{measure}: 3 trial(s) with no events (or only events) in both arms left out") for n in notes
    )
    assert all(record["balanced"] for record in outputs["03_meta_analysis"].accounting)

    _, results, _ = build(
        tmp_path / "mixed", review, dichotomous_rows(((0, 40, 0, 40), (4, 40, 10, 40), (6, 50, 12, 50)))
    )
    pooled = pd.read_csv(results / "03_meta_analysis" / "tables" / "pooled.csv")
    admission = pooled[(pooled["outcome"] == "admission") & (pooled["subgroup"] == "all")]
    assert admission["k"].tolist() == [2]
    # the pooled row itself (shown in the report) names the trial left out, not only excluded_data.csv
    assert (
        "left out as not estimable for a ratio (no events, or only events, in both arms" in admission["notes"].iloc[0]
    )
    assert "Cochrane Handbook 10.4.4.2): Synthetic d1 2015 (week 26)" in admission["notes"].iloc[0]


def test_a_foreign_stage_01_table_is_refused_by_name(tmp_path):
    """A stage-01 table that stage 01 did not write from this data package (here: another table copied
    over trials.csv) is named with its missing columns, not met as a KeyError deep in stage 03."""
    raw = write_package(tmp_path, RCT_ONLY_REVIEW, rct_only_rows())
    review = load_review(tmp_path / "review.yaml")
    results = tmp_path / "reports"
    ingest.run(review, raw, results, results / "01_ingest")
    tables = results / "01_ingest" / "tables"
    (tables / "trials.csv").write_text((tables / "stream_counts.csv").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(CompendiumError, match=r"01_ingest/tables/trials.csv, column 'study_id': expected the columns"):
        meta_analysis.run(review, raw, results, results / "03_meta_analysis")


def test_the_stages_use_the_review_they_are_given(tmp_path, monkeypatch):
    """One route for the declaration (issue 19): the caller parses review.yaml once and passes the
    Review down; no stage reads it from disk again (stage 01 read it four more times before)."""
    import compendium.review

    raw = write_package(tmp_path, RCT_ONLY_REVIEW, rct_only_rows())
    review = load_review(tmp_path / "review.yaml")
    parses = []
    monkeypatch.setattr(compendium.review, "load_review", lambda *args, **kwargs: parses.append(args))
    results = tmp_path / "reports"
    for name, module in STAGES:
        module.run(review, raw, results, results / name)
    assert parses == []
