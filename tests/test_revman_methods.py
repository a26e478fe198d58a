"""RevMan 5's pooling methods (compendium.meta.revman) against metafor 3.8 and RevMan's formulas.

Reference values: tests/reference/revman/metafor.json, written by tests/r/revman_reference.R
(metafor 3.8.1 rma.mh, rma.peto, rma.uni, escalc on metadat's dat.bcg, dat.yusuf1985 and
dat.normand1999; each data set's citation is stored in the file).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from compendium.meta import rma_iv, rma_mh, rma_oe, rma_peto
from compendium.meta.revman import binary_effects, continuous_effects, i_squared, subgroup_test

REFERENCE = json.loads((Path(__file__).parent / "reference" / "revman" / "metafor.json").read_text())


def _counts(name: str) -> tuple[np.ndarray, ...]:
    data = REFERENCE[name]["input"]
    return tuple(np.asarray(data[key], dtype=float) for key in ("ai", "bi", "ci", "di"))


def _check(result, ref: dict, *, rel: float = 1e-10) -> None:
    assert result.estimate == pytest.approx(ref["beta"], rel=rel, abs=1e-13)
    assert result.se == pytest.approx(ref["se"], rel=rel)
    assert result.ci_low == pytest.approx(ref["ci.lb"], rel=rel, abs=1e-13)
    assert result.ci_high == pytest.approx(ref["ci.ub"], rel=rel, abs=1e-13)
    assert result.z == pytest.approx(abs(ref["zval"]), rel=rel)
    assert result.pval == pytest.approx(ref["pval"], rel=1e-8)
    assert result.q == pytest.approx(ref["QE"], rel=rel)
    assert result.q_pval == pytest.approx(ref["QEp"], rel=1e-8)


@pytest.mark.parametrize("measure", ["OR", "RR", "RD"])
@pytest.mark.parametrize("fits", ["fits", "fits_level90"])
def test_mantel_haenszel_matches_metafor_without_zero_cells(measure: str, fits: str) -> None:
    level = 90 if fits == "fits_level90" else 95
    result = rma_mh(*_counts("bcg"), measure, level=level)
    ref = REFERENCE["bcg"][fits][f"mh_{measure}"]
    if measure == "RD":
        # metafor's SE of the MH risk difference is Sato et al.'s (1989); RevMan's is Greenland and
        # Robins' (1985), checked by hand below; the estimate and Q are the same
        assert result.estimate == pytest.approx(ref["beta"], rel=1e-12)
        assert result.q == pytest.approx(ref["QE"], rel=1e-10)
        return
    _check(result, ref)
    assert result.k == 13 and result.df == 12
    # metafor's I^2 of rma.mh is (Q - df) / Q in percent, as RevMan's
    assert result.i2 == pytest.approx(REFERENCE["bcg"][fits][f"mh_{measure}"]["I2"], rel=1e-10)


@pytest.mark.parametrize("measure", ["OR", "RR"])
def test_mantel_haenszel_with_zero_cells_matches_metafor_when_sums_use_raw_counts(measure: str) -> None:
    # dat.yusuf1985 table 6 has tables with one zero cell (Gupta) and with no events (Pitt, Hutton,
    # Yusuf). metafor's rma.mh adds 1/2 only to the studies' own estimates (Q); RevMan adds it in
    # the MH sums too, which add_to_sums=False switches off
    ref = REFERENCE["yusuf"]["fits"]
    result = rma_mh(*_counts("yusuf"), measure, add_to_sums=False)
    _check(result, ref[f"mh_{measure}"])
    assert result.k == ref[f"mh_{measure}"]["k"] - 3  # metafor counts the three double-zero tables in k


def test_revman_zero_cell_rule_changes_only_the_sums_of_zero_cell_studies() -> None:
    a, b, c, d = _counts("yusuf")
    revman = rma_mh(a, b, c, d, "OR")
    # by hand (Deeks & Higgins 2010): with 0.5 in each cell of Gupta's table (0/25 vs 3/25)
    zero = np.minimum.reduce([a, b, c, d]) == 0
    both = ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))
    keep = ~both
    a2, b2, c2, d2 = (np.where(zero, x + 0.5, x)[keep] for x in (a, b, c, d))
    n = a2 + b2 + c2 + d2
    assert revman.estimate == pytest.approx(math.log(np.sum(a2 * d2 / n) / np.sum(b2 * c2 / n)), rel=1e-13)
    assert revman.k == int(keep.sum()) and revman.df == revman.k - 1
    assert np.isnan(revman.yi[both]).all() and np.isnan(revman.weights[both]).all()


def test_mh_risk_difference_variance_is_greenland_robins() -> None:
    # Deeks & Higgins (2010): var(RD_MH) = sum(J) / sum(K)^2, J = (a b n2^3 + c d n1^3) / (n1 n2 N^2), K = n1 n2 / N
    a, b, c, d = _counts("bcg")
    n1, n2 = a + b, c + d
    n = n1 + n2
    j = (a * b * n2**3 + c * d * n1**3) / (n1 * n2 * n**2)
    k = n1 * n2 / n
    assert rma_mh(a, b, c, d, "RD").se == pytest.approx(math.sqrt(j.sum() / k.sum() ** 2), rel=1e-13)


def test_risk_difference_keeps_double_zero_studies() -> None:
    a, b, c, d = _counts("yusuf")
    result = rma_mh(a, b, c, d, "RD")
    assert result.k == a.size
    assert np.isfinite(result.yi).all()
    # Deeks & Higgins (2010), with R's meta (metabin, MH.exact = FALSE) for the zero-cell rule: the
    # study risk differences as given, weighted by n1 n2 / N of the corrected cells
    zero = np.minimum.reduce([a, b, c, d]) == 0
    a2, b2, c2, d2 = (np.where(zero, x + 0.5, x) for x in (a, b, c, d))
    w = (a2 + b2) * (c2 + d2) / (a2 + b2 + c2 + d2)
    rd = a / (a + b) - c / (c + d)
    assert result.estimate == pytest.approx(np.sum(w * rd) / w.sum(), rel=1e-13)
    assert rd[(a == 0) & (c == 0)] == pytest.approx(0.0)


def test_only_events_in_both_arms_is_estimable_for_rr_not_or() -> None:
    tables = ([10, 5], [0, 5], [8, 6], [0, 4])  # study 1: everyone had the event in both arms
    assert rma_mh(*tables, "RR").k == 2
    assert rma_mh(*tables, "OR").k == 1


@pytest.mark.parametrize("measure", ["OR", "RR", "RD"])
@pytest.mark.parametrize("name", ["bcg", "yusuf"])
def test_study_effects_match_metafor_escalc(measure: str, name: str) -> None:
    ref = REFERENCE[name]["fits"][f"escalc_{measure}"]
    yi, vi = binary_effects(measure, *_counts(name))
    expected_yi = np.array([math.nan if v is None else v for v in ref["yi"]])
    expected_vi = np.array([math.nan if v is None else v for v in ref["vi"]])
    if measure == "RD":
        # metafor's drop00 also drops double-zero tables for RD (RevMan keeps them), and metafor's
        # RD of a zero-cell table uses the corrected cells (RevMan's the counts as given)
        keep = np.isfinite(expected_yi)
        yi, vi, expected_yi, expected_vi = yi[keep], vi[keep], expected_yi[keep], expected_vi[keep]
        a, b, c, d = (x[keep] for x in _counts(name))
        zero = np.minimum.reduce([a, b, c, d]) == 0
        np.testing.assert_allclose(yi[zero], (a / (a + b) - c / (c + d))[zero], rtol=1e-14)
        yi, expected_yi = yi[~zero], expected_yi[~zero]
    np.testing.assert_allclose(yi, expected_yi, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(vi, expected_vi, rtol=1e-12)


@pytest.mark.parametrize("name", ["bcg", "yusuf"])
def test_peto_matches_metafor(name: str) -> None:
    result = rma_peto(*_counts(name))
    _check(result, REFERENCE[name]["fits"]["peto"])


def test_oe_pooling_is_peto_pooling() -> None:
    a, b, c, d = _counts("bcg")
    n1, n2 = a + b, c + d
    n = n1 + n2
    oe = a - n1 * (a + c) / n
    v = n1 * n2 * (a + c) * (b + d) / (n**2 * (n - 1))
    _check(rma_oe(oe, v), REFERENCE["bcg"]["fits"]["peto"])


@pytest.mark.parametrize("measure", ["OR", "RR", "RD"])
@pytest.mark.parametrize("method", ["FE", "DL"])
def test_inverse_variance_matches_metafor(measure: str, method: str) -> None:
    yi, vi = binary_effects(measure, *_counts("bcg"))
    result = rma_iv(yi, vi, measure, random=method == "DL")
    ref = REFERENCE["bcg"]["fits"][f"iv_{method}_{measure}"]
    _check(result, ref)
    assert result.tau2 == pytest.approx(ref["tau2"], rel=1e-10, abs=1e-15)
    assert result.i2 == pytest.approx(ref["I2"], rel=1e-10)


def test_mh_random_effects_is_dersimonian_laird_about_the_mh_estimate() -> None:
    # Deeks & Higgins (2010): tau^2 = (Q_MH - df) / (sum w - sum w^2 / sum w), Q about the MH estimate
    a, b, c, d = _counts("bcg")
    fixed = rma_mh(a, b, c, d, "RR")
    random = rma_mh(a, b, c, d, "RR", random=True)
    w = 1 / fixed.vi
    tau2 = (fixed.q - fixed.df) / (w.sum() - (w**2).sum() / w.sum())
    assert random.tau2 == pytest.approx(tau2, rel=1e-13)
    assert random.q == fixed.q
    wr = 1 / (fixed.vi + tau2)
    assert random.estimate == pytest.approx(np.sum(wr * fixed.yi) / wr.sum(), rel=1e-13)


@pytest.mark.parametrize("method", ["FE", "DL"])
def test_mean_difference_matches_metafor(method: str) -> None:
    data = REFERENCE["normand"]["input"]
    yi, vi = continuous_effects("MD", *(data[k] for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")))
    ref = REFERENCE["normand"]["fits"]
    np.testing.assert_allclose(yi, ref["yi"], rtol=1e-12)
    np.testing.assert_allclose(vi, ref["vi"], rtol=1e-12)
    _check(rma_iv(yi, vi, "MD", random=method == "DL"), ref[method])


def test_smd_is_revman_hedges_adjusted_g() -> None:
    # Deeks & Higgins (2010): g = (m1 - m2) / s * (1 - 3 / (4N - 9)), SE^2 = N / (n1 n2) + g^2 / (2 (N - 3.94));
    # one study worked by hand: m 5.0 vs 6.5, SD 4.7 vs 3.8, n 13 vs 13 -> s = sqrt((12*22.09 + 12*14.44) / 24)
    yi, vi = continuous_effects("SMD", [5.0], [4.7], [13], [6.5], [3.8], [13])
    s = math.sqrt((12 * 4.7**2 + 12 * 3.8**2) / 24)
    g = -1.5 / s * (1 - 3 / (4 * 26 - 9))
    assert yi[0] == pytest.approx(g, rel=1e-14)
    assert vi[0] == pytest.approx(26 / 169 + g**2 / (2 * (26 - 3.94)), rel=1e-14)


def test_subgroup_differences_match_metafor() -> None:
    ref = REFERENCE["bcg"]
    alloc = np.array(ref["input"]["alloc"])
    a, b, c, d = _counts("bcg")
    results = []
    for group in ref["subgroup_test"]["groups"]:
        s = alloc == group
        fit = rma_mh(a[s], b[s], c[s], d[s], "OR")
        _check(fit, ref["subgroups"][group])
        results.append(fit)
    test = subgroup_test(results)
    assert test is not None
    assert test.q == pytest.approx(ref["subgroup_test"]["QE"], rel=1e-10)
    assert test.df == ref["subgroup_test"]["df"]
    assert test.pval == pytest.approx(ref["subgroup_test"]["QEp"], rel=1e-8)
    assert test.i2 == pytest.approx(ref["subgroup_test"]["I2"], rel=1e-10)


def test_one_subgroup_with_an_estimate_gives_a_test_on_zero_df() -> None:
    a, b, c, d = _counts("bcg")
    test = subgroup_test([rma_mh(a, b, c, d, "OR"), rma_mh([0], [10], [0], [12], "OR")])
    assert test is not None and (test.q, test.df, test.pval, test.i2) == (0.0, 0, 1.0, 0.0)


def test_i_squared_is_zero_when_q_at_most_df() -> None:
    assert i_squared(2.0, 3) == 0.0 and i_squared(0.0, 0) == 0.0
    assert i_squared(4.0, 2) == 50.0


def test_no_estimable_study_gives_nan_not_a_number() -> None:
    result = rma_mh([0, 0], [10, 12], [0, 0], [11, 9], "OR")
    assert result.k == 0 and math.isnan(result.estimate)
