"""Leave-one-out, single-SNP analyses and MR Steiger directionality.

Published reference for the correlation comparison inside the Steiger test: HyperStat Online
(D. M. Lane), "Tests of differences between independent Pearson correlations": r = 0.61 and
0.35 with N = 100 each give z = 2.40, p = 0.016 (computed there with Fisher z' values read from
a table to three decimals). Other cases use the real lipid data (tests/data/README.md) or are
SYNTHETIC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from compendium.errors import CompendiumError
from compendium.mr.estimators import ivw, wald_ratio
from compendium.mr.sensitivity import (
    LOO_COLUMNS,
    SINGLE_SNP_COLUMNS,
    compare_correlations,
    mr_leave_one_out,
    r2_from_eaf,
    r2_from_se,
    single_snp,
    steiger_directionality,
)
from mr_reference import LIPID_COLUMNS, lipids

LIPID_KWARGS = dict(zip(("bx", "bxse", "by", "byse"), LIPID_COLUMNS), snp="variant")


def test_leave_one_out_refits_ivw_without_each_snp():
    table = lipids()
    loo = mr_leave_one_out(table, **LIPID_KWARGS)
    assert list(loo.columns) == LOO_COLUMNS and len(loo) == 28
    assert loo.snp.tolist() == table.variant.tolist()
    without_first = table.iloc[1:]
    expected = ivw(*(without_first[column] for column in LIPID_COLUMNS))
    assert loo.iloc[0].estimate == pytest.approx(expected.estimate, rel=1e-12)
    assert loo.iloc[0].se == pytest.approx(expected.se, rel=1e-12)
    assert (loo.n_snps == 27).all()


def test_single_snp_is_the_wald_ratio():
    table = lipids()
    single = single_snp(table, **LIPID_KWARGS)
    assert list(single.columns) == SINGLE_SNP_COLUMNS
    row = table.iloc[4]
    expected = wald_ratio(*(row[column] for column in LIPID_COLUMNS))
    assert single.iloc[4].estimate == pytest.approx(expected.estimate)
    assert single.iloc[4].se == pytest.approx(expected.se)
    assert single.iloc[4].pval == pytest.approx(expected.pval)
    assert single.iloc[4].f_stat == pytest.approx((row.beta_ldlc / row.se_ldlc) ** 2)


def test_leave_one_out_needs_three_snps():
    with pytest.raises(CompendiumError, match="at least 3 SNPs"):
        mr_leave_one_out(lipids().iloc[:2], **LIPID_KWARGS)


def test_compare_correlations_matches_hyperstat():
    z, pval = compare_correlations(0.61, 100, 0.35, 100)
    # HyperStat rounds z'(0.61) = 0.709 and z'(0.35) = 0.365 from a table, giving 2.40 (p = .016);
    # the exact Fisher transforms give z = 2.392, so we test the table's z' values to their printed
    # three decimals and z within the 0.01 that the table rounding can move it
    assert abs(np.arctanh(0.61) - 0.709) <= 0.0005 and abs(np.arctanh(0.35) - 0.365) <= 0.0005
    assert z == pytest.approx((np.arctanh(0.61) - np.arctanh(0.35)) / np.sqrt(2 / 97))
    assert abs(z - 2.40) <= 0.01
    assert abs(pval - 0.016) <= 0.002


def test_r2_from_se_is_exact_for_least_squares():
    # SYNTHETIC individual-level data: for y regressed on one SNP by least squares,
    # t^2 / (t^2 + n - 2) equals the squared Pearson correlation exactly
    rng = np.random.default_rng(2017)
    n = 400
    genotype = rng.binomial(2, 0.3, size=n).astype(float)
    trait = 0.25 * genotype + rng.normal(size=n)
    design = np.column_stack([np.ones(n), genotype])
    coef, rss, *_ = np.linalg.lstsq(design, trait, rcond=None)
    sigma2 = rss[0] / (n - 2)
    se = np.sqrt(sigma2 * np.linalg.inv(design.T @ design)[1, 1])
    assert r2_from_se(coef[1], se, n) == pytest.approx(np.corrcoef(genotype, trait)[0, 1] ** 2, rel=1e-10)


def test_r2_from_eaf_by_hand():
    # SYNTHETIC: 2 * 0.5 * 0.5 * 0.2^2 = 0.02
    assert r2_from_eaf(0.2, 0.5) == pytest.approx(0.02)


def test_steiger_directionality():
    # SYNTHETIC: strong instruments for the exposure, weak associations with the outcome
    frame = pd.DataFrame(
        {
            "beta_exposure": [0.10, 0.08, -0.12],
            "se_exposure": [0.01, 0.01, 0.01],
            "beta_outcome": [0.010, 0.006, -0.011],
            "se_outcome": [0.005, 0.005, 0.005],
            "eaf_exposure": [0.3, 0.4, 0.2],
            "eaf_outcome": [0.3, 0.4, 0.2],
        }
    )
    result = steiger_directionality(frame, n_exposure=10_000, n_outcome=50_000)
    r2x = r2_from_se(frame.beta_exposure, frame.se_exposure, 10_000).sum()
    r2y = r2_from_se(frame.beta_outcome, frame.se_outcome, 50_000).sum()
    assert result.r2_exposure == pytest.approx(r2x) and result.r2_outcome == pytest.approx(r2y)
    assert result.correct_direction and result.z > 0
    assert (result.z, result.pval) == pytest.approx(compare_correlations(r2x**0.5, 10_000, r2y**0.5, 50_000))
    by_eaf = steiger_directionality(frame, 10_000, 50_000, r2_method="eaf")
    assert by_eaf.r2_exposure == pytest.approx(r2_from_eaf(frame.beta_exposure, frame.eaf_exposure).sum())
    reversed_ = steiger_directionality(
        frame.rename(
            columns={
                "beta_exposure": "beta_outcome",
                "se_exposure": "se_outcome",
                "beta_outcome": "beta_exposure",
                "se_outcome": "se_exposure",
            }
        ),
        n_exposure=50_000,
        n_outcome=10_000,
    )
    assert not reversed_.correct_direction
    frame["n"] = 10_000
    assert steiger_directionality(frame, "n", 50_000).z == pytest.approx(result.z)
    with pytest.raises(CompendiumError, match="column 'n_x'"):
        steiger_directionality(frame, "n_x", 50_000)
