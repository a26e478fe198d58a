"""Stage-03 analysis data sets (compendium.analysis): rules on labelled synthetic fixtures, and
checks on the curated data.

Synthetic trials and cohorts below are TEST FIXTURES, not evidence: their numbers are invented to
exercise one rule each. Reference values are closed-form formulas computed in the test (MD and its
variance: Cochrane Handbook 6.5.1; inverse-variance weighted mean: Borenstein et al. 2009, ch. 11;
Q-between: Borenstein et al. 2009, ch. 19; log-scale SE from a 95% CI: Cochrane Handbook 6.3.2).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from compendium.analysis import grading, pooling, risk, treatment, windows
from compendium.analysis.inputs import ROB_ABSENT_REASON, StageInputs
from compendium.analysis.reviews import review_comparison
from compendium.analysis.rob import RobLookup
from compendium.errors import CompendiumError
from compendium.review import OverlappingPopulation
from compendium.vocabulary import CONDITION_RISK
from synthetic_review import SYNTHETIC_REVIEW

WINDOWS = SYNTHETIC_REVIEW.time_windows
Z95 = stats.norm.isf(0.025)


# --- synthetic fixtures (labelled; not evidence) ------------------------------------------------


def _trial(study_id, *, intervention_type="aerobic", comparator="usual_care", randomised=True, duration=26.1):
    return {
        "study_id": study_id,
        "randomised": randomised,
        "intervention_type": intervention_type,
        "intervention": "fixture",
        "comparator_type": comparator,
        "comparator": "fixture",
        "duration_weeks": duration,
        "source_id": "fixture_src",
        "locator": "fixture",
        "notes": np.nan,
    }


def _arm_rows(study_id, outcome, measure_text, timepoint, value_type, exercise, control, higher=True):
    """exercise/control: dicts with n, mean and sd (or se / ci_low, ci_high / plus_minus)."""
    rows = []
    for arm, values in (("ex", exercise), ("ctl", control)):
        row = {
            "study_id": study_id,
            "arm": arm,
            "outcome": outcome,
            "outcome_measure": measure_text,
            "higher_is_better": higher,
            "timepoint_weeks": timepoint,
            "value_type": value_type,
            "n": np.nan,
            "mean": np.nan,
            "sd": np.nan,
            "se": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "ci_level": np.nan,
            "median": np.nan,
            "q1": np.nan,
            "q3": np.nan,
            "min": np.nan,
            "max": np.nan,
            "plus_minus": np.nan,
            "verified_as_printed": np.nan,
            "source_id": "fixture_src",
            "locator": "fixture",
            "notes": np.nan,
        }
        row.update(values)
        rows.append(row)
    return rows


def synthetic_inputs(
    trials,
    outcomes,
    effects=(),
    observational=(),
    reviews=(),
    rob2=None,
    observational_rob=None,
    review=SYNTHETIC_REVIEW,
):
    """A StageInputs from fixture rows; every trial gets arms 'ex' (exercise) and 'ctl' (control)."""
    ids = [t["study_id"] for t in trials] + [o["study_id"] for o in observational] + [r["study_id"] for r in reviews]
    ids = list(dict.fromkeys(ids))
    studies = pd.DataFrame(
        {
            "study_id": ids,
            "label": [f"Fixture {i}" for i in ids],
            "year": 2000 + np.arange(len(ids)),
            "question": "treatment",
            "stream": "rct",
            "design": "fixture design",
            "source_id": "fixture_src",
            "notes": np.nan,
        }
    )
    sources = pd.DataFrame(
        [
            {"source_id": "fixture_src", "source_type": "full_text"},
            {"source_id": "fixture_news", "source_type": "news_report"},
        ]
    )
    arms = pd.DataFrame(
        [
            {"study_id": t["study_id"], "arm": arm, "role": role, "n_randomised": 20, "n_analysed": np.nan}
            for t in trials
            for arm, role in (("ex", "intervention"), ("ctl", "control"))
        ]
    )
    effect_columns = [
        "study_id",
        "outcome",
        "outcome_measure",
        "timepoint_weeks",
        "comparison",
        "measure",
        "estimate",
        "ci_low",
        "ci_high",
        "ci_level",
        "se",
        "p_value",
        "p_relation",
        "n_intervention",
        "n_control",
        "direction",
        "verified_as_printed",
        "source_id",
        "locator",
        "notes",
    ]
    obs_columns = risk.RISK_COLUMNS
    review_columns = [
        "study_id",
        "outcome",
        "outcome_label",
        "subgroup",
        "k",
        "n",
        "measure",
        "estimate",
        "ci_low",
        "ci_high",
        "i2",
        "p_value",
        "p_relation",
        "model",
        "verified_as_printed",
    ]
    tables = {
        "studies": studies,
        "sources": sources,
        "trials": pd.DataFrame(trials),
        "arms": arms,
        "continuous_outcomes": pd.DataFrame(outcomes, columns=list(_arm_rows("x", "x", "x", 1, "final", {}, {})[0])),
        "rct_effects": pd.DataFrame(list(effects), columns=effect_columns),
        "observational": pd.DataFrame(list(observational)).reindex(
            columns=sorted(
                set(obs_columns)
                | {"estimate_label", "ci_level", "controls", "n", "adjusted_for", "verified_as_printed", "notes"}
            )
        )
        if observational
        else pd.DataFrame(columns=["study_id"]),
        "review_results": pd.DataFrame(list(reviews), columns=review_columns),
    }
    return StageInputs(tables=tables, rob2=rob2, observational_rob=observational_rob, review=review)


def _effects(inputs):
    arm, arm_excluded = treatment.arm_level_effects(inputs)
    rep, rep_excluded = treatment.reported_effects(inputs)
    return pd.concat([arm, rep], ignore_index=True), pd.concat([arm_excluded, rep_excluded], ignore_index=True)


ALS = "ALSFRS-R total (0-48 points)"


def two_trial_inputs(**kw):
    """Fixture: two aerobic trials with ALSFRS-R final values at 6 months (t1: SDs given; t2: SDs from 95% CIs)."""
    trials = [_trial("t1"), _trial("t2")]
    outcomes = _arm_rows(
        "t1", "alsfrs_r", ALS, 26.1, "final", {"n": 20, "mean": 35.0, "sd": 6.0}, {"n": 22, "mean": 31.0, "sd": 7.0}
    ) + _arm_rows(
        "t2",
        "alsfrs_r",
        ALS,
        24.0,
        "final",
        {"n": 15, "mean": 33.0, "ci_low": 30.0, "ci_high": 36.0, "ci_level": 95},
        {"n": 15, "mean": 32.0, "ci_low": 29.0, "ci_high": 35.0, "ci_level": 95},
    )
    return synthetic_inputs(trials, outcomes, **kw)


# --- time windows ---------------------------------------------------------------------------------


def test_time_window_boundaries_are_inclusive():
    assert windows.time_window(17.4, WINDOWS) == "0-4 months"
    assert windows.time_window(17.5, WINDOWS) == "5-8 months"
    assert windows.time_window(26.1, WINDOWS) == "5-8 months"
    assert windows.time_window(52.1, WINDOWS) == "9-12 months"
    assert windows.time_window(78.2, WINDOWS) == "over 12 months"
    assert windows.time_window(float("nan"), WINDOWS) == windows.NO_TIMEPOINT


def test_select_timepoint_nearest_to_end_of_intervention_ties_to_later_and_no_duration_earliest():
    assert windows.select_timepoint([13.0, 26.1, 52.1], 26.1) == 26.1
    assert windows.select_timepoint([10.0, 14.0], 12.0) == 14.0
    assert windows.select_timepoint([0.0, 39.1, 13.0], None) == 13.0
    assert windows.select_timepoint([0.0], 12.0) is None


# --- trial effects --------------------------------------------------------------------------------


def test_md_and_sd_from_ci_are_derived_by_code_with_the_method_recorded():
    effects, _ = _effects(two_trial_inputs())
    t1 = effects.set_index("study_id").loc["t1"]
    assert t1["yi"] == pytest.approx(4.0)
    assert t1["vi"] == pytest.approx(6.0**2 / 20 + 7.0**2 / 22)  # Handbook 6.5.1
    t2 = effects.set_index("study_id").loc["t2"]
    sd_ex = math.sqrt(15) * 6.0 / (2 * stats.t.isf(0.025, 14))  # Handbook 6.5.2.2, t with n - 1 df (n < 60)
    assert t2["sd1i"] == pytest.approx(sd_ex)
    assert t2["sd_method"] == "ci_t"


def test_two_comparable_trials_are_pooled_as_md_with_inverse_variance_weights():
    inputs = two_trial_inputs()
    effects, excluded = _effects(inputs)
    built = pooling.build_treatment_analyses(effects, RobLookup(inputs), unusable=excluded)
    assert len(built.analyses) == 1 and built.singles.empty
    analysis = built.analyses[0]
    assert analysis.measure == "MD" and analysis.k == 2
    fit = pooling.fit_analysis(analysis, method="FE", test="z", level=95.0, subgroup="intervention_type")
    w = 1 / analysis.data["vi"]
    assert fit.result.estimate == pytest.approx(float((w * analysis.data["yi"]).sum() / w.sum()))
    table = pooling.pooled_table([fit])
    assert list(table.columns[:21]) == [
        "analysis_id",
        "question",
        "outcome",
        "subgroup",
        "analysis_set",
        "measure",
        "k",
        "participants",
        "estimate",
        "ci_low",
        "ci_high",
        "pi_low",
        "pi_high",
        "pval",
        "tau2",
        "i2",
        "q",
        "q_pval",
        "method",
        "test",
        "notes",
    ]
    assert table.loc[0, "participants"] == 72
    assert "no subgroup analysis by intervention_type" in table.loc[0, "notes"]


def test_k2_notes_from_the_engine_reach_the_notes_column():
    inputs = two_trial_inputs()
    effects, _ = _effects(inputs)
    analysis = pooling.build_treatment_analyses(effects, RobLookup(inputs)).analyses[0]
    table = pooling.pooled_table(
        [pooling.fit_analysis(analysis, method="REML", test="knha", level=95.0, subgroup=None)]
    )
    assert "k = 2" in table.loc[0, "notes"]


def test_arm_without_n_is_not_pooled_and_plus_minus_is_never_an_sd():
    trials = [_trial("t1"), _trial("t2")]
    outcomes = (
        _arm_rows(
            "t1", "alsfrs_r", ALS, 26.1, "final", {"n": 20, "mean": 35.0, "sd": 6.0}, {"n": 22, "mean": 31.0, "sd": 7.0}
        )
        + _arm_rows(
            "t2", "alsfrs_r", ALS, 26.1, "final", {"mean": 33.0, "plus_minus": 6.5}, {"mean": 30.0, "plus_minus": 7.5}
        )
        + _arm_rows(
            "t2",
            "mep",
            "MEP change (cmH2O)",
            26.1,
            "change",
            {"n": 10, "mean": 5.0, "plus_minus": 2.0},
            {"n": 10, "mean": 1.0, "plus_minus": 2.0},
        )
    )
    inputs = synthetic_inputs(trials, outcomes)
    effects, excluded = _effects(inputs)
    assert set(effects["study_id"]) == {"t1"}
    reasons = excluded.set_index(["study_id", "outcome"])["reason"]
    assert reasons.loc[("t2", "alsfrs_r")].str.contains("n missing").all()
    assert reasons.loc[("t2", "mep")].str.contains("never used as an SD").all()
    built = pooling.build_treatment_analyses(effects, RobLookup(inputs), unusable=excluded)
    assert not built.analyses
    assert "also reported, not usable: Fixture t2: n missing" in built.singles.loc[0, "notes"]


def test_follow_up_after_the_intervention_is_not_the_analysed_time_point():
    trials = [_trial("t1", duration=12)]
    outcomes = _arm_rows(
        "t1", "mip", "MIP (cmH2O)", 12, "final", {"n": 10, "mean": 60, "sd": 10}, {"n": 10, "mean": 55, "sd": 10}
    ) + _arm_rows(
        "t1", "mip", "MIP (cmH2O)", 52.1, "final", {"n": 8, "mean": 50, "sd": 10}, {"n": 8, "mean": 49, "sd": 10}
    )
    effects, excluded = _effects(synthetic_inputs(trials, outcomes))
    assert effects["timepoint_weeks"].tolist() == [12.0]
    assert excluded["reason"].str.startswith("not the analysed time point").sum() == 2


def test_different_instruments_give_an_smd_oriented_so_positive_favours_intervention():
    trials = [_trial("t1"), _trial("t2")]
    outcomes = _arm_rows(
        "t1",
        "fatigue",
        "Scale A (higher better)",
        12,
        "final",
        {"n": 20, "mean": 10, "sd": 2},
        {"n": 20, "mean": 9, "sd": 2},
    ) + _arm_rows(
        "t2",
        "fatigue",
        "Scale B (lower better)",
        12,
        "final",
        {"n": 20, "mean": 40, "sd": 10},
        {"n": 20, "mean": 45, "sd": 10},
        higher=False,
    )
    inputs = synthetic_inputs(trials, outcomes)
    effects, _ = _effects(inputs)
    analysis = pooling.build_treatment_analyses(effects, RobLookup(inputs)).analyses[0]
    assert analysis.measure == "SMD"
    assert (analysis.data["yi"] > 0).all()  # both favour exercise once oriented
    j = math.exp(math.lgamma(19) - 0.5 * math.log(19) - math.lgamma(18.5))  # Hedges' J(38)
    assert analysis.data.set_index("study_id").loc["t2", "yi"] == pytest.approx(j * 5 / 10)


def test_active_comparator_and_non_randomised_stay_out_of_the_primary_analysis():
    trials = [
        _trial("t1"),
        _trial("t2"),
        _trial("a1", comparator="active_intervention"),
        _trial("n1", randomised=False),
    ]
    rows = []
    for i, sid in enumerate(("t1", "t2", "a1", "n1")):
        rows += _arm_rows(
            sid, "alsfrs_r", ALS, 26.1, "final", {"n": 20, "mean": 34.0 + i, "sd": 6}, {"n": 20, "mean": 31.0, "sd": 6}
        )
    inputs = synthetic_inputs(trials, rows)
    effects, _ = _effects(inputs)
    plain = pooling.build_treatment_analyses(effects, RobLookup(inputs))
    assert set(plain.analyses[0].data["study_id"]) == {"t1", "t2"}
    assert set(plain.singles["analysis_set"]) == {"active_comparator", "non_randomised"}
    assert not plain.with_active
    wide = pooling.build_treatment_analyses(effects, RobLookup(inputs), include_active_comparators=True)
    assert set(wide.with_active[wide.analyses[0].analysis_id].data["study_id"]) == {"t1", "t2", "a1"}
    fits = [pooling.fit_analysis(a, method="REML", test="knha", level=95.0, subgroup=None) for a in wide.analyses]
    sens = pooling.sensitivity_table(
        fits, RobLookup(inputs), test="knha", level=95.0, with_active=wide.with_active, include_active_comparators=True
    )
    assert sens.loc[sens["variant"] == "including active comparators", "k"].tolist() == [3]


def test_exclude_high_rob_needs_stage_02_and_uses_it_when_present():
    inputs = two_trial_inputs()
    effects, _ = _effects(inputs)
    with pytest.raises(CompendiumError, match="run stage 02"):
        pooling.build_treatment_analyses(effects, RobLookup(inputs), exclude_high_rob=True)
    rob2 = pd.DataFrame({"study_id": ["t1", "t2"], "outcome": ["alsfrs_r", "alsfrs_r"], "overall": ["High", "Low"]})
    inputs = two_trial_inputs(rob2=rob2)
    built = pooling.build_treatment_analyses(effects, RobLookup(inputs), exclude_high_rob=True)
    assert not built.analyses and built.excluded["reason"].str.contains("high risk of bias").any()


def test_subgroups_with_q_between_when_two_subgroups_have_two_trials():
    types = {"r1": "resistance", "r2": "resistance", "a1": "aerobic", "a2": "aerobic"}
    trials = [_trial(s, intervention_type=t) for s, t in types.items()]
    means = {"r1": 36, "r2": 37, "a1": 32, "a2": 31}
    rows = []
    for sid, mean in means.items():
        rows += _arm_rows(
            sid, "alsfrs_r", ALS, 26.1, "final", {"n": 20, "mean": mean, "sd": 6}, {"n": 20, "mean": 31, "sd": 6}
        )
    inputs = synthetic_inputs(trials, rows)
    effects, _ = _effects(inputs)
    analysis = pooling.build_treatment_analyses(effects, RobLookup(inputs)).analyses[0]
    fit = pooling.fit_analysis(analysis, method="FE", test="z", level=95.0, subgroup="intervention_type")
    table = pooling.pooled_table([fit])
    assert table["subgroup"].tolist() == ["all", "aerobic", "resistance"]
    # equal variances: subgroup means 0.5 and 5.5, each with variance v/2 -> Q_between = sum w (m - mean)^2
    v = 2 * 36 / 20
    expected = 2 * (1 / (v / 2)) * 2.5**2
    assert table.loc[1, "q_between"] == pytest.approx(expected)
    assert table.loc[1, "df_between"] == 1


def test_trial_reported_effects_pool_only_with_the_same_instrument_and_per_protocol_is_dropped():
    trials = [_trial("t1"), _trial("t2"), _trial("t3")]
    base = {
        "comparison": "fixture",
        "measure": "MD",
        "ci_level": 95,
        "se": np.nan,
        "p_value": np.nan,
        "p_relation": np.nan,
        "n_intervention": 10,
        "n_control": 10,
        "direction": np.nan,
        "verified_as_printed": np.nan,
        "source_id": "fixture_src",
        "locator": "fixture",
        "notes": np.nan,
        "timepoint_weeks": 12,
        "outcome": "mip",
    }
    effects = [
        {**base, "study_id": "t1", "outcome_measure": "MIP change (cmH2O)", "estimate": 5, "ci_low": 1, "ci_high": 9},
        {**base, "study_id": "t2", "outcome_measure": "MIP change (cmH2O)", "estimate": 3, "ci_low": -1, "ci_high": 7},
        {
            **base,
            "study_id": "t2",
            "outcome_measure": "MIP change (cmH2O), per-protocol",
            "estimate": 6,
            "ci_low": 2,
            "ci_high": 10,
        },
        {**base, "study_id": "t3", "outcome_measure": "MIP percent change", "estimate": 8, "ci_low": 0, "ci_high": 16},
    ]
    inputs = synthetic_inputs(trials, [], effects=effects)
    rows, excluded = _effects(inputs)
    assert excluded["reason"].str.startswith("per-protocol").sum() == 1
    built = pooling.build_treatment_analyses(rows, RobLookup(inputs))
    assert [set(a.data["study_id"]) for a in built.analyses] == [{"t1", "t2"}]
    assert built.analyses[0].data["vi"].iloc[0] == pytest.approx((8 / (2 * Z95)) ** 2)
    assert built.singles["study_id"].tolist() == ["t3"]
    assert "instrument or unit" in built.singles.loc[0, "notes"]


# --- observational ---------------------------------------------------------------------------------


def _obs(study_id, label, measure, est, lo, hi, **kw):
    row = {
        "study_id": study_id,
        "estimate_label": label,
        "population_type": "general_population",
        "population": "fixture",
        "design": "case_control",
        "exposure_category": "sport",
        "exposure": "organised sport",
        "comparison": "no sport",
        "measure": measure,
        "estimate": est,
        "ci_low": lo,
        "ci_high": hi,
        "ci_level": 95,
        "cases": 100,
        "controls": 200,
        "n": np.nan,
        "adjusted_for": np.nan,
        "secondary_source": False,
        "verified_as_printed": np.nan,
        "source_id": "fixture_src",
        "notes": np.nan,
    }
    row.update(kw)
    return row


def test_exposure_contrast_kinds():
    kinds = [
        risk.exposure_contrast(measure, exposure, comparison, condition="Gout")
        for measure, exposure, comparison in (
            ("SMR", "x", "expected"),
            ("OR", "coffee, per extra cup/day", "controls"),
            ("OR", "coffee", "controls"),
            ("OR", "coffee", "people without gout"),
            ("OR", "coffee", "no coffee"),
        )
    ]
    assert kinds == [
        ("observed_vs_expected", ""),
        ("per_unit", "cup/day"),
        ("not_stated", ""),
        ("not_stated", ""),  # 'without <condition>' names only the controls (the review's noun, any case)
        ("category_vs_reference", ""),
    ]


def test_risk_rows_one_per_study_primary_over_secondary_and_never_meta_analyses():
    obs = [
        _obs("s1", "overall", "OR", 1.5, 1.0, 2.25),
        _obs("s1", "subgroup", "OR", 3.0, 1.0, 9.0, cases=20),
        _obs("s1", "read elsewhere", "OR", 1.4, 0.9, 2.2, secondary_source=True, source_id="fixture_news"),
        _obs("s2", "overall", "OR", 0.8, 0.5, 1.28),
        _obs("m1", "pooled", "OR", 1.2, 1.0, 1.44, design="meta_analysis"),
        _obs("s3", "unnamed ratio", "", 2.0, 1.0, 4.0),
    ]
    table = risk.risk_estimates(synthetic_inputs([], [], observational=obs))
    pooled = table[table["status"] == "pooled"]
    assert sorted(pooled["estimate_label"] + "@" + pooled["study_id"]) == ["overall@s1", "overall@s2"]
    row = pooled.set_index("study_id").loc["s1"]
    assert row["yi"] == pytest.approx(math.log(1.5))
    assert row["vi"] == pytest.approx(((math.log(2.25) - math.log(1.0)) / (2 * Z95)) ** 2)
    reasons = table.set_index("study_id")["reason"]
    assert "meta-analysis" in reasons.loc["m1"]
    assert "ratio type not named" in reasons.loc["s3"]
    analyses = pooling.build_risk_analyses(table, condition="gout")
    assert len(analyses) == 1 and analyses[0].log_scale and analyses[0].measure == "OR"
    assert analyses[0].outcome == CONDITION_RISK and analyses[0].label.startswith("gout risk: ")


#: a SYNTHETIC review that declares c1 and c2 reports of one population (review.yaml overlapping_populations)
OVERLAP_REVIEW = replace(
    SYNTHETIC_REVIEW,
    overlapping_populations=(OverlappingPopulation("fixture cohort", ("c1", "c2")),),
    source="review.yaml",
)


def test_overlapping_populations_enter_an_analysis_once():
    kw = {
        "population_type": "athletes",
        "design": "cohort",
        "exposure_category": "professional_sport",
        "comparison": "expected cases",
    }
    obs = [
        _obs("c1", "overall", "SMR", 6.0, 2.0, 15.0, cases=5, **kw),
        _obs("c2", "extension", "SMR", 6.4, 2.8, 12.7, cases=8, **kw),
        _obs("c3", "other cohort", "SMR", 4.0, 2.6, 5.7, cases=28, **kw),
    ]
    table = risk.risk_estimates(synthetic_inputs([], [], observational=obs, review=OVERLAP_REVIEW))
    assert set(table.loc[table["status"] == "pooled", "study_id"]) == {"c2", "c3"}
    assert "population overlaps Fixture c2" in table.set_index("study_id").loc["c1", "reason"]
    assert table.set_index("study_id").loc["c1", "population_group"] == "fixture cohort"
    # without the declaration the three reports are three studies
    undeclared = risk.risk_estimates(synthetic_inputs([], [], observational=obs))
    assert set(undeclared.loc[undeclared["status"] == "pooled", "study_id"]) == {"c1", "c2", "c3"}


def test_an_overlapping_population_naming_an_unknown_study_stops_the_stage():
    obs = [_obs("c1", "overall", "SMR", 6.0, 2.0, 15.0), _obs("c3", "other cohort", "SMR", 4.0, 2.6, 5.7)]
    with pytest.raises(CompendiumError) as error:
        risk.risk_estimates(synthetic_inputs([], [], observational=obs, review=OVERLAP_REVIEW))
    assert str(error.value) == (
        "review.yaml, field 'overlapping_populations[0].studies[1]': expected a study_id of studies.csv, got 'c2'"
    )


# --- GRADE and review comparison --------------------------------------------------------------------


def test_grade_marks_risk_of_bias_not_assessed_without_stage_02():
    inputs = two_trial_inputs()
    effects, _ = _effects(inputs)
    analysis = pooling.build_treatment_analyses(effects, RobLookup(inputs)).analyses[0]
    fit = pooling.fit_analysis(analysis, method="REML", test="knha", level=95.0, subgroup=None)
    sof, domains = grading.grade_tables([fit], pd.DataFrame(columns=pooling.SINGLE_COLUMNS), RobLookup(inputs))
    assert list(sof.columns[:6]) == [
        "outcome",
        "effect",
        "participants_studies",
        "certainty",
        "certainty_symbols",
        "footnotes",
    ]
    rob_row = domains[domains["domain"] == "risk_of_bias"].iloc[0]
    assert rob_row["status"] == "not assessed" and ROB_ABSENT_REASON in rob_row["explanation"]
    assert ROB_ABSENT_REASON in sof.loc[0, "footnotes"]


def test_indirectness_rules():
    assert grading.indirectness("mep", set(), 0.0, SYNTHETIC_REVIEW.surrogates)[0] == 1
    assert grading.indirectness("mep", set(), 0.0) == (0, "")  # a review that declares no surrogate
    assert grading.indirectness("alsfrs_r", set(), 0.0) == (0, "")
    levels, reason = grading.indirectness("", {"professional_sport"}, 0.8)
    assert levels == 1 and "secondary source" in reason  # no indirect exposure declared
    declared = {"professional_sport": "sport is an indirect measure", "occupation": "job title only"}
    levels, reason = grading.indirectness("", {"professional_sport", "sport"}, 0.8, indirect_exposures=declared)
    assert levels == 2 and reason.startswith("Sport is an indirect measure; 80% of the weight")
    # several indirect categories in one analysis: one level, every reason
    levels, reason = grading.indirectness("", {"professional_sport", "occupation"}, 0.0, indirect_exposures=declared)
    assert (levels, reason) == (1, "Job title only; sport is an indirect measure.")


def test_review_comparison_states_trial_sets_and_measures():
    inputs = two_trial_inputs(
        reviews=[
            {
                "study_id": "rv",
                "outcome": "all_outcomes",
                "outcome_label": "whole review",
                "subgroup": "all",
                "k": 12,
                "n": 430,
            },
            {
                "study_id": "rv",
                "outcome": "alsfrs_r",
                "outcome_label": "ALSFRS-R",
                "subgroup": "exercise vs control",
                "measure": "SMD",
                "estimate": 1.0,
                "ci_low": 0.5,
                "ci_high": 1.5,
                "model": "random",
            },
        ]
    )
    effects, excluded = _effects(inputs)
    built = pooling.build_treatment_analyses(effects, RobLookup(inputs))
    fits = [pooling.fit_analysis(a, method="REML", test="knha", level=95.0, subgroup=None) for a in built.analyses]
    table = review_comparison(inputs, pooling.pooled_table(fits), built.singles, risk.risk_estimates(inputs), excluded)
    row = table.iloc[0]
    assert list(table.columns[:5]) == ["outcome", "ours", "review", "theirs", "reasons"]
    assert "included 12 studies (n = 430)" in row["reasons"] and "we pooled k = 2" in row["reasons"]
    assert "measure differs: theirs SMD, ours MD" in row["reasons"]
