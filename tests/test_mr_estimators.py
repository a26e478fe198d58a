"""MR estimators against published output (MendelianRandomization vignette) and exact hand cases.

Reference values: the MendelianRandomization package vignette (Yavorska & Burgess 2017 Int J
Epidemiol 46:1734) on the Waterworth et al. (2010) lipid data with bx = beta_ldlc,
bxse = se_ldlc, by = beta_chd_logodds, byse = se_chd_logodds. Each is tested to its printed
precision (half a unit in the last printed digit). Hand-constructed inputs are labelled
SYNTHETIC; their expected values are derived in the comments.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from compendium.errors import CompendiumError
from compendium.mr import estimators
from compendium.mr.estimators import (
    egger,
    ivw,
    mode_bandwidth,
    simple_median,
    wald_ratio,
    weighted_median,
    weighted_median_rows,
    weighted_mode,
    weighted_mode_rows,
)
from mr_reference import lipid_arrays, matches_printed

# --- published output: MendelianRandomization vignette -------------------------------------------


def test_ivw_random_effects_matches_vignette():
    # vignette: IVW (multiplicative random effects) 2.834, SE 0.530, residual SE 1.920
    result = ivw(*lipid_arrays())
    assert matches_printed(result.estimate, "2.834")
    assert matches_printed(result.se, "0.530")
    assert matches_printed(result.residual_se, "1.920")
    assert result.model == "random" and result.n_snps == 28


def test_ivw_heterogeneity_matches_vignette():
    # vignette: Q = 99.53 on 27 df (reported as the heterogeneity test statistic of mr_ivw)
    result = ivw(*lipid_arrays())
    assert matches_printed(result.q, "99.53")
    assert result.q_df == 27


def test_ivw_fixed_is_the_first_order_se():
    # the random-effects SE is the fixed-effect SE times the residual SE (1.920 > 1)
    fixed, random = ivw(*lipid_arrays(), model="fixed"), ivw(*lipid_arrays())
    assert fixed.estimate == random.estimate
    assert math.isclose(random.se, fixed.se * random.residual_se, rel_tol=1e-12)


def test_egger_matches_vignette():
    # vignette: MR-Egger 3.253 (SE 0.770), intercept -0.011 (SE 0.015, p 0.451)
    result = egger(*lipid_arrays())
    assert matches_printed(result.estimate, "3.253")
    assert matches_printed(result.se, "0.770")
    assert matches_printed(result.intercept, "-0.011")
    assert matches_printed(result.intercept_se, "0.015")
    assert matches_printed(result.intercept_pval, "0.451")


def test_egger_t_distribution_is_the_twosamplemr_choice():
    # the vignette's p 0.451 needs the normal distribution; with t(k - 2 = 26) the same z gives
    # a larger p-value (TwoSampleMR's choice), computed here from scipy's t distribution
    normal, t = egger(*lipid_arrays()), egger(*lipid_arrays(), distribution="t")
    z = normal.intercept / normal.intercept_se
    assert t.intercept == normal.intercept and t.intercept_se == normal.intercept_se
    assert math.isclose(t.intercept_pval, 2 * stats.t.sf(abs(z), 26), rel_tol=1e-12)
    assert t.intercept_pval > normal.intercept_pval
    assert not matches_printed(t.intercept_pval, "0.451")


def test_weighted_median_matches_vignette():
    # vignette: weighted median 2.683 (first-order weights), SE 0.419 with 10 000 bootstrap draws
    # and R's seed 314159265. Our generator (numpy PCG64) differs from R's Mersenne Twister, so
    # only the distribution of the bootstrap SE is shared: its Monte Carlo SD is about
    # SE / sqrt(2 B) = 0.419 / 141 = 0.003, so two independent 10 000-draw runs differ by about
    # 0.004 (SD); a tolerance of 0.02 is about five such SDs.
    result = weighted_median(*lipid_arrays(), n_bootstrap=10_000, seed=314159265)
    assert matches_printed(result.estimate, "2.683")
    assert abs(result.se - 0.419) <= 0.02
    assert result.weights == "first"


def test_simple_median_matches_vignette():
    # vignette: simple median 1.755
    assert matches_printed(simple_median(*lipid_arrays(), n_bootstrap=100).estimate, "1.755")


# --- exact hand-constructed cases (SYNTHETIC) ------------------------------------------------------


def test_identical_ratios_give_that_ratio_and_zero_q():
    # SYNTHETIC: by = 0.5 * bx exactly for every SNP -> every estimator returns 0.5, Q = 0
    bx = np.array([0.1, -0.2, 0.3, 0.15, 0.25])
    bxse, byse = np.full(5, 0.01), np.array([0.02, 0.03, 0.01, 0.05, 0.02])
    by = 0.5 * bx
    result = ivw(bx, bxse, by, byse)
    assert result.estimate == pytest.approx(0.5, abs=1e-14)
    assert result.q == pytest.approx(0.0, abs=1e-20)
    # residual SE 0 < 1, so the random-effects SE equals the fixed-effect SE 1/sqrt(sum(bx^2/byse^2))
    assert result.se == pytest.approx(1 / math.sqrt(np.sum(bx**2 / byse**2)), rel=1e-12)
    assert egger(bx, bxse, by, byse).estimate == pytest.approx(0.5, abs=1e-12)
    assert egger(bx, bxse, by, byse).intercept == pytest.approx(0.0, abs=1e-12)
    assert weighted_median(bx, bxse, by, byse, n_bootstrap=50).estimate == pytest.approx(0.5, abs=1e-14)
    assert simple_median(bx, bxse, by, byse, n_bootstrap=50).estimate == pytest.approx(0.5, abs=1e-14)
    assert weighted_mode(bx, bxse, by, byse, n_bootstrap=50).estimate == pytest.approx(0.5, abs=1e-12)


def test_ivw_two_snps_closed_form():
    # SYNTHETIC: bx = (1, 2), by = (1, 3), byse = 1: beta = (1*1 + 2*3)/(1 + 4) = 1.4,
    # fixed SE = 1/sqrt(5), Q = (1 - 1.4)^2 + (3 - 2.8)^2 = 0.2, residual SE sqrt(0.2) < 1
    result = ivw([1, 2], [0.1, 0.1], [1, 3], [1, 1])
    assert result.estimate == pytest.approx(1.4, abs=1e-14)
    assert result.q == pytest.approx(0.2, abs=1e-14)
    assert result.se == pytest.approx(1 / math.sqrt(5), abs=1e-14)
    assert result.residual_se == pytest.approx(math.sqrt(0.2), abs=1e-14)
    low, high = 1.4 - stats.norm.ppf(0.975) / math.sqrt(5), 1.4 + stats.norm.ppf(0.975) / math.sqrt(5)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), abs=1e-12)


def test_ivw_random_se_scales_by_residual_se():
    # SYNTHETIC: bx = (1, 1, 1), by = (0, 2, 4), byse = 1: beta = 2, Q = 4 + 0 + 4 = 8 on 2 df,
    # residual SE = 2, so random SE = 2 * fixed SE = 2 / sqrt(3)
    result = ivw([1, 1, 1], [0.1] * 3, [0, 2, 4], [1, 1, 1])
    assert result.estimate == pytest.approx(2.0)
    assert result.residual_se == pytest.approx(2.0)
    assert result.se == pytest.approx(2 / math.sqrt(3))


def test_egger_recovers_an_exact_line():
    # SYNTHETIC: by = 0.02 + 0.7 bx exactly (bx > 0): slope 0.7, intercept 0.02, Q' = 0
    bx = np.array([0.05, 0.1, 0.2, 0.3])
    by = 0.02 + 0.7 * bx
    result = egger(bx, np.full(4, 0.01), by, np.array([0.01, 0.02, 0.02, 0.03]))
    assert result.estimate == pytest.approx(0.7, abs=1e-12)
    assert result.intercept == pytest.approx(0.02, abs=1e-12)
    assert result.q == pytest.approx(0.0, abs=1e-18)


def test_egger_is_invariant_to_allele_coding():
    # recoding a SNP's effect allele negates both bx and by; MR-Egger orients SNPs to bx > 0,
    # so the fit must not change (nor must IVW)
    bx, bxse, by, byse = lipid_arrays()
    flip = np.where(np.arange(bx.size) % 3 == 0, -1.0, 1.0)
    before, after = egger(bx, bxse, by, byse), egger(bx * flip, bxse, by * flip, byse)
    for field in ("estimate", "se", "intercept", "intercept_se", "q", "i2gx"):
        assert getattr(after, field) == pytest.approx(getattr(before, field), rel=1e-12)
    assert ivw(bx * flip, bxse, by * flip, byse).estimate == pytest.approx(ivw(bx, bxse, by, byse).estimate, rel=1e-12)


def test_wald_ratio_first_and_second_order_se():
    # SYNTHETIC: bx = 0.5 (SE 0.05), by = 0.2 (SE 0.1): ratio 0.4; first-order SE = 0.1/0.5 = 0.2;
    # second-order SE = sqrt(0.1^2/0.5^2 + 0.2^2 * 0.05^2 / 0.5^4) = sqrt(0.0416)
    first = wald_ratio(0.5, 0.05, 0.2, 0.1)
    assert first.estimate == pytest.approx(0.4) and first.se == pytest.approx(0.2)
    assert first.se_order == "first"
    assert first.pval == pytest.approx(2 * stats.norm.sf(2.0))
    assert wald_ratio(0.5, 0.05, 0.2, 0.1, se_order="second").se == pytest.approx(math.sqrt(0.0416))
    assert wald_ratio(-0.5, 0.05, 0.2, 0.1).se == pytest.approx(0.2)  # |bx| in the denominator


def test_weighted_median_interpolation_by_hand():
    # SYNTHETIC: ratios (1, 2, 3) with weights (1, 1, 2) -> standardised (.25, .25, .5),
    # p = cumsum - w/2 = (.125, .375, .75); 0.5 lies between ratios 2 and 3:
    # 2 + (3 - 2) * (0.5 - 0.375) / (0.75 - 0.375) = 7/3
    assert weighted_median_rows(np.array([3.0, 1.0, 2.0]), np.array([2.0, 1.0, 1.0]))[0] == pytest.approx(7 / 3)
    # the same through the estimator: first-order weights bx^2/byse^2 = (1, 1, 2) with byse = 1
    bx = np.array([1.0, 1.0, math.sqrt(2)])
    result = weighted_median(bx, [0.1] * 3, np.array([1.0, 2.0, 3.0]) * bx, [1.0] * 3, n_bootstrap=20)
    assert result.estimate == pytest.approx(7 / 3)


def test_equal_weights_give_the_ordinary_median():
    rng = np.random.default_rng(7)  # SYNTHETIC random values
    for k in (5, 6):
        values = rng.normal(size=k)
        assert weighted_median_rows(values, np.ones(k))[0] == pytest.approx(np.median(values))


def test_vectorised_median_matches_row_by_row():
    rng = np.random.default_rng(3)  # SYNTHETIC random values
    ratios, weights = rng.normal(size=(40, 9)), rng.uniform(0.5, 2, size=9)
    by_rows = [weighted_median_rows(row, weights)[0] for row in ratios]
    assert weighted_median_rows(ratios, weights) == pytest.approx(by_rows)


def test_bootstrap_is_deterministic_and_independent_of_chunking(monkeypatch):
    arrays = lipid_arrays()
    first = weighted_median(*arrays, n_bootstrap=2000, seed=11)
    assert weighted_median(*arrays, n_bootstrap=2000, seed=11) == first
    assert weighted_median(*arrays, n_bootstrap=2000, seed=12).se != first.se
    mode = weighted_mode(*arrays, n_bootstrap=500, seed=11)
    monkeypatch.setattr(estimators, "_CHUNK_ELEMENTS", 1000)
    assert weighted_median(*arrays, n_bootstrap=2000, seed=11) == first
    assert weighted_mode(*arrays, n_bootstrap=500, seed=11) == mode


def test_mode_bandwidth_is_modified_silverman():
    # SYNTHETIC: ratios (-1, 0, 1): SD = 1, MAD = 1.4826 * median(1, 0, 1) = 1.4826,
    # so h = 0.9 * min(1, 1.4826) * 3^(-1/5)
    assert mode_bandwidth(np.array([-1.0, 0.0, 1.0]))[0] == pytest.approx(0.9 * 3**-0.2)
    assert mode_bandwidth(np.array([-1.0, 0.0, 1.0]), phi=0.5)[0] == pytest.approx(0.45 * 3**-0.2)


def test_mode_of_a_symmetric_sample_is_its_centre():
    # SYNTHETIC: equal weights on (-1, 0, 1) -> the density is symmetric about 0 with its maximum there
    assert weighted_mode_rows(np.array([-1.0, 0.0, 1.0]), np.ones(3))[0] == pytest.approx(0.0, abs=1e-10)


def test_mode_matches_a_brute_force_density_maximum():
    # the exact maximiser of f(x) = sum w_j N(x; ratio_j, h^2), found on a fine grid, agrees
    # with our binned-grid + Newton refinement to within the fine grid's spacing
    bx, bxse, by, byse = lipid_arrays()
    ratio = by / bx
    se2 = np.sqrt(byse**2 / bx**2 + by**2 * bxse**2 / bx**4)
    weights = se2**-2 / np.sum(se2**-2)
    h = mode_bandwidth(ratio)[0]
    grid = np.linspace(ratio.min() - 3 * h, ratio.max() + 3 * h, 400_001)
    density = np.zeros_like(grid)
    for value, weight in zip(ratio, weights):
        density += weight * np.exp(-0.5 * ((grid - value) / h) ** 2)
    brute = grid[np.argmax(density)]
    ours = weighted_mode(bx, bxse, by, byse, n_bootstrap=20).estimate
    assert abs(ours - brute) <= grid[1] - grid[0]


def test_mode_se_is_scaled_mad_of_bootstrap():
    result = weighted_mode(*lipid_arrays(), n_bootstrap=400, seed=5)
    assert result.se > 0 and result.ci_low < result.estimate < result.ci_high
    assert result.se_order == "second" and result.phi == 1.0


def test_too_few_snps_raise():
    with pytest.raises(CompendiumError, match="at least 3 SNPs"):
        egger([0.1, 0.2], [0.01] * 2, [0.1, 0.1], [0.1] * 2)
    with pytest.raises(CompendiumError, match="at least 2 SNPs"):
        ivw([0.1], [0.01], [0.1], [0.1])
    with pytest.raises(CompendiumError, match="not identifiable"):
        egger([0.1, -0.1, 0.1], [0.01] * 3, [0.1, 0.2, 0.3], [0.1] * 3)


def test_invalid_values_raise():
    with pytest.raises(CompendiumError, match=r"row 2 \(line 3\), column 'se_outcome'"):
        ivw([0.1, 0.2], [0.01, 0.01], [0.1, 0.1], [0.1, 0.0])
    with pytest.raises(CompendiumError, match="absolute value from 1e-12"):
        ivw([0.1, 0.0], [0.01, 0.01], [0.1, 0.1], [0.1, 0.1])
    with pytest.raises(CompendiumError, match="lengths differ"):
        ivw([0.1, 0.2], [0.01], [0.1, 0.1], [0.1, 0.1])
    with pytest.raises(CompendiumError, match="model"):
        ivw([0.1, 0.2], [0.01] * 2, [0.1, 0.1], [0.1] * 2, model="additive")  # type: ignore[arg-type]


def test_egger_with_one_dominant_weight_is_the_regression_through_that_snp():
    # issue 24: one se_outcome of 1e-12 gave the false note "all |bx| are equal". As its weight
    # grows the weighted fit passes through that SNP: the slope tends to the weighted regression
    # through (x_1, y_1), sum_{i>1} w_i (x_i - x_1)(y_i - y_1) / sum_{i>1} w_i (x_i - x_1)^2
    bx = np.array([0.05, 0.08, 0.12, 0.03, 0.10])
    by = np.array([0.02, 0.05, 0.05, 0.01, 0.04])
    byse = np.array([1e-12, 0.01, 0.02, 0.015, 0.01])
    result = egger(bx, [0.005] * 5, by, byse)
    w = byse[1:] ** -2.0
    dx, dy = bx[1:] - bx[0], by[1:] - by[0]
    assert result.estimate == pytest.approx(float(np.sum(w * dx * dy) / np.sum(w * dx * dx)), rel=1e-9)
