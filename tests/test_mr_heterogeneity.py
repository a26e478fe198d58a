"""Heterogeneity and instrument strength: Cochran's Q, Rücker's Q', I2GX and F statistics.

Published reference: the MendelianRandomization vignette (Waterworth et al. 2010 lipid data,
bx = beta_ldlc, by = beta_chd_logodds) reports Q = 99.53 on 27 df for the IVW fit. The other
cases are SYNTHETIC, with expected values derived in the comments.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from compendium.errors import CompendiumError
from compendium.mr.estimators import egger, ivw
from compendium.mr.heterogeneity import cochran_q, f_statistics, heterogeneity, i2gx, rucker_q
from mr_reference import lipid_arrays, matches_printed


def test_cochran_q_matches_vignette():
    q, df, pval = cochran_q(*lipid_arrays())
    assert matches_printed(q, "99.53") and df == 27
    assert pval == pytest.approx(stats.chi2.sf(q, 27))


def test_rucker_q_is_the_egger_residual_sum_and_not_above_cochran():
    # Q' = (k - 2) * (Egger residual SE)^2; adding the intercept can only lower the residual sum
    q_egger, df, _ = rucker_q(*lipid_arrays())
    fit = egger(*lipid_arrays())
    assert df == 26
    assert q_egger == pytest.approx(26 * fit.residual_se**2, rel=1e-12)
    assert q_egger <= cochran_q(*lipid_arrays())[0]


def test_i2gx_by_hand():
    # SYNTHETIC: |bx| = (1, 3, 5), bxse = 1 (unweighted): mean 3, Q_GX = 4 + 0 + 4 = 8,
    # I2GX = (8 - 2) / 8 = 0.75; |bx| = (1, 2, 3): Q_GX = 2 = k - 1 -> 0
    assert i2gx([1, -3, 5], [1, 1, 1], weighted=False) == pytest.approx(0.75)
    assert i2gx([1, 2, 3], [1, 1, 1], weighted=False) == pytest.approx(0.0)
    # weighted version divides |bx| and bxse by byse: with byse = 2 everywhere, nothing changes
    assert i2gx([1, -3, 5], [1, 1, 1], [2, 2, 2]) == pytest.approx(0.75)
    # truncated at 0 when Q_GX < k - 1
    assert i2gx([1, 1.1, 1.2], [1, 1, 1], weighted=False) == 0.0


def test_i2gx_weighted_needs_byse():
    with pytest.raises(CompendiumError, match="byse"):
        i2gx([1, 2, 3], [1, 1, 1])


def test_f_statistics():
    # SYNTHETIC: F = (bx / bxse)^2
    assert f_statistics([0.2, -0.1], [0.02, 0.05]) == pytest.approx([100.0, 4.0])


def test_heterogeneity_object_and_small_k():
    het = heterogeneity(*lipid_arrays())
    assert het.q_ivw == pytest.approx(ivw(*lipid_arrays()).q)
    assert het.i2gx == pytest.approx(egger(*lipid_arrays()).i2gx)
    assert set(het.to_dict()) == {"q_ivw", "q_ivw_pval", "q_egger", "q_egger_pval", "i2gx"}
    two = heterogeneity([0.1, 0.2], [0.01, 0.01], [0.1, 0.3], [0.1, 0.1])  # SYNTHETIC
    assert math.isfinite(two.q_ivw) and math.isnan(two.q_egger)
    assert two.to_dict()["q_egger"] is None
    with pytest.raises(CompendiumError, match="at least 3 SNPs"):
        rucker_q(*(np.array([0.1, 0.2]),) * 2, np.array([0.1, 0.3]), np.array([0.1, 0.1]))
