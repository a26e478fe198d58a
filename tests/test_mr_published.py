"""Published-MR summary, design table, sensitivity table and STROBE-MR appraisal.

Data: small synthetic tables built here (labelled as test fixtures, not evidence); every
expected value follows from the stated rules by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from compendium.errors import CompendiumError
from compendium.evidence.published_mr import (
    APPRAISAL_COLUMNS,
    APPRAISAL_ITEMS,
    DESIGN_COLUMNS,
    ESTIMATE_COLUMNS,
    NOT_REPORTED,
    SENSITIVITY_COLUMNS,
    analyse_user_table,
    appraisal_matrix,
    design_table,
    effect_text,
    published_estimates,
    sensitivity_table,
    strobe_mr_appraisal,
)
from mr_reference import lipids

ESTIMATE_FIELDS = [
    "study_id",
    "exposure_category",
    "exposure",
    "method",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "ci_level",
    "p_value",
    "p_relation",
    "n_snps",
    "reported_conclusion",
    "verified_as_printed",
    "source_id",
    "locator",
    "notes",
]
STUDY_FIELDS = [
    "study_id",
    "exposure_gwas",
    "exposure_n",
    "outcome_gwas",
    "cases",
    "controls",
    "ancestry",
    "n_snps",
    "p_threshold",
    "sample_overlap",
    "f_statistic",
    "sensitivity_methods",
    "source_id",
    "locator",
    "notes",
]


def studies() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "study_id": ["a", "b", "c", "m"],
            "label": ["A 2020", "B 2021", "C 2022", "M 2024"],
            "year": [2020, 2021, 2022, 2024],
            "stream": ["mendelian_randomization"] * 3 + ["mr_meta_analysis"],
            "design": ["two-sample MR"] * 3 + ["MR meta-analysis"],
        }
    )


def mr_estimates() -> pd.DataFrame:
    rows = [
        # a: IVW with CI above 1, plus a weighted median pointing the same way, and MR-Egger null
        ["a", "mvpa", "MVPA", "ivw", "OR", 1.5, 1.1, 2.0, 95, 0.01, "=", 10, None],
        ["a", "mvpa", "MVPA", "weighted_median", "OR", 1.4, 1.05, 1.9, 95, None, None, 10, None],
        ["a", "mvpa", "MVPA", "mr_egger", "OR", 1.2, 0.8, 1.8, 95, None, None, 10, None],
        # b: only a p-value and a stated conclusion
        [
            "b",
            "vigorous_activity",
            "vigorous",
            "ivw_random",
            None,
            None,
            None,
            None,
            None,
            0.02,
            "=",
            None,
            "causal_increase",
        ],
        # c: stated no causal effect only
        [
            "c",
            "accelerometer_activity",
            "accelerometer",
            "not_reported",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "no_causal_effect",
        ],
        # m: the meta-analysis
        ["m", "mvpa", "MVPA", "meta_analysis", "OR", 1.2, 1.1, 1.3, 95, None, None, None, None],
    ]
    frame = pd.DataFrame([row + [None, "src", "Table 1", None] for row in rows], columns=ESTIMATE_FIELDS)
    return frame


def mr_studies() -> pd.DataFrame:
    rows = [
        ["a", "UKB", 1000, "ALS GWAS", 100, 200, "European", 10, 5e-8, "none", 35.0, "MR-Egger, weighted median"],
        ["b", None, None, None, None, None, None, None, 5e-6, "partial (UK Biobank in both)", 8.0, None],
        ["c", None, None, None, None, None, None, None, None, None, None, "Bonferroni-corrected; MR-PRESSO"],
        ["m", None, None, None, None, None, None, None, None, None, None, None],
    ]
    return pd.DataFrame([row + ["src", "Methods", None] for row in rows], columns=STUDY_FIELDS)


@pytest.fixture
def summary():
    estimates = published_estimates(mr_estimates(), studies(), condition="gout")
    design = design_table(mr_studies(), studies(), estimates)
    return estimates, design


def test_published_estimates_roles_main_and_direction(summary):
    estimates, _ = summary
    assert list(estimates.columns) == ESTIMATE_COLUMNS
    # primary rows first (by exposure order: mvpa, vigorous, accelerometer), the meta-analysis last
    assert list(estimates["study_id"]) == ["a", "a", "a", "b", "c", "m"]
    assert list(estimates["role"]) == ["primary"] * 5 + ["meta_analysis"]
    a = estimates[estimates["study_id"] == "a"].set_index("method")
    assert a.loc["ivw", "main"] and not a.loc["weighted_median", "main"] and not a.loc["mr_egger", "main"]
    assert a.loc["ivw", "direction_code"] == "harm" and a.loc["mr_egger", "direction_code"] == "null"
    assert a.loc["ivw", "direction"] == "higher gout risk"
    b = estimates[estimates["study_id"] == "b"].iloc[0]
    assert b["row_type"] == "p-value only" and b["category"] == "stated_increase" and np.isnan(b["estimate"])
    assert b["effect"] == "p = 0.02; stated: causal increase"
    c = estimates[estimates["study_id"] == "c"].iloc[0]
    assert c["row_type"] == "stated conclusion only" and c["direction_code"] == "null"
    assert a.loc["ivw", "effect"] == "OR 1.5 (1.1 to 2); p = 0.01"


def test_effect_text_without_anything():
    row = pd.Series(
        {
            "estimate": None,
            "ci_low": None,
            "ci_high": None,
            "measure": None,
            "p_value": None,
            "p_relation": None,
            "reported_conclusion": None,
        }
    )
    assert effect_text(row) == "no result printed"


def test_unknown_study_is_a_clear_error():
    bad = mr_estimates().assign(study_id="zzz")
    with pytest.raises(CompendiumError, match="zzz not found in studies"):
        published_estimates(bad, studies(), condition="gout")


def test_design_table(summary):
    _, design = summary
    assert list(design.columns) == DESIGN_COLUMNS
    assert list(design["study_id"]) == ["a", "b", "c", "m"]
    a = design.iloc[0]
    assert a["instrument_selection"] == "10 SNPs, p < 5e-08, F = 35" and a["exposures"] == "MVPA"
    assert design.iloc[2]["instrument_selection"] == "not reported"


def test_sensitivity_table(summary):
    estimates, design = summary
    table = sensitivity_table(estimates, design)
    assert list(table.columns) == SENSITIVITY_COLUMNS
    assert "m" not in set(table["study_id"])  # the meta-analysis has no sensitivity rows
    status = table.set_index(["study_id", "analysis"])["status"]
    assert status["a", "Weighted median"] == "printed"
    assert status["a", "MR-Egger slope"] == "printed"
    assert status["a", "MR-Egger intercept"] == "named, result not printed"  # no intercept column in the data
    assert status["c", "MR-PRESSO"] == "named, result not printed"
    assert status["b", "Weighted median"] == "not reported"


def test_strobe_mr_appraisal_rules(summary):
    estimates, design = summary
    appraisal = strobe_mr_appraisal(design, estimates)
    assert list(appraisal.columns) == APPRAISAL_COLUMNS
    assert set(appraisal["study_id"]) == {"a", "b", "c"}  # the meta-analysis is not appraised
    assert len(appraisal) == 3 * len(APPRAISAL_ITEMS)
    j = appraisal.set_index(["study_id", "item"])["judgement"]
    # a: F 35 >= 10, p 5e-8, Egger and median named, median agrees but Egger is null -> No, no overlap
    assert j["a", "instrument_strength"] == "Yes" and j["a", "instrument_threshold"] == "Yes"
    assert j["a", "pleiotropy_checked"] == "Yes" and j["a", "robust_agreement"] == "No"
    assert j["a", "sample_overlap"] == "Yes" and j["a", "ancestry"] == "Yes"
    assert j["a", "multiple_testing"] == NOT_REPORTED  # one exposure recorded, no correction named
    # b: F 8 < 10, p 5e-6 > 5e-8, overlap described, nothing else
    assert j["b", "instrument_strength"] == "No" and j["b", "instrument_threshold"] == "No"
    assert j["b", "sample_overlap"] == "No" and j["b", "pleiotropy_checked"] == NOT_REPORTED
    assert j["b", "robust_agreement"] == NOT_REPORTED
    # c: everything empty except a named correction and MR-PRESSO
    assert j["c", "instrument_strength"] == NOT_REPORTED and j["c", "sample_overlap"] == NOT_REPORTED
    assert j["c", "multiple_testing"] == "Yes" and j["c", "pleiotropy_checked"] == "Yes"
    matrix = appraisal_matrix(appraisal)
    assert list(matrix.index) == ["A 2020", "B 2021", "C 2022"] and list(matrix.columns) == list(APPRAISAL_ITEMS)


def test_multiple_testing_fails_bonferroni_for_recorded_exposures():
    extra = mr_estimates()
    second = extra.iloc[[0]].assign(exposure_category="vigorous_activity", exposure="vigorous", p_value=0.04)
    estimates = published_estimates(pd.concat([extra, second], ignore_index=True), studies(), condition="gout")
    design = design_table(mr_studies(), studies(), estimates)
    j = strobe_mr_appraisal(design, estimates).set_index(["study_id", "item"])["judgement"]
    assert j["a", "multiple_testing"] == "No"  # p = 0.04 >= 0.05 / 2


def lipid_user_table() -> pd.DataFrame:
    """The Waterworth 2010 lipid table renamed to the user-table columns (demonstration input, not ALS data)."""
    return lipids().rename(
        columns={
            "variant": "snp",
            "beta_ldlc": "beta_exposure",
            "se_ldlc": "se_exposure",
            "beta_chd_logodds": "beta_outcome",
            "se_chd_logodds": "se_outcome",
        }
    )


def test_analyse_user_table_reproduces_the_engine():
    user = analyse_user_table(lipid_user_table(), condition="gout", n_bootstrap=200, outcome_scale="beta")
    assert list(user.estimates.columns) == ESTIMATE_COLUMNS
    assert set(user.estimates["role"]) == {"user_supplied"}
    ivw = user.estimates.set_index("method").loc["ivw_random"]
    # MendelianRandomization vignette: IVW 2.834 (SE 0.530) on this table (tests/data/README.md)
    assert ivw["estimate"] == pytest.approx(2.834, abs=5e-4) and ivw["main"]
    assert user.design.iloc[0]["n_snps"] == 28 and user.design.iloc[0]["f_statistic"] > 10
    # vignette: MR-Egger intercept -0.011 (SE 0.015, p 0.451)
    assert user.intercepts.iloc[0]["estimate"] == pytest.approx(-0.011, abs=5e-4)
    assert user.intercepts.iloc[0]["p_value"] == pytest.approx(0.451, abs=5e-4)
    assert len(user.leave_one_out) == 28


def test_user_table_log_odds_scale_gives_odds_ratios():
    user = analyse_user_table(lipid_user_table(), condition="gout", n_bootstrap=200)
    ivw = user.estimates.set_index("method").loc["ivw_random"]
    assert ivw["measure"] == "OR" and ivw["estimate"] == pytest.approx(np.exp(2.834), rel=1e-3)


def test_user_table_missing_columns_is_a_clear_error():
    with pytest.raises(CompendiumError, match="beta_exposure"):
        analyse_user_table(lipids(), condition="gout", source="my.csv")
