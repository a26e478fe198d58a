"""Effect sizes and SD conversions: escalc against metafor 3.8 (pinned JSON) and published values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from compendium.effects import (
    check_outcome_types,
    escalc,
    fill_sd,
    generic_inverse_variance,
    mean_sd_from_quantiles,
    sd_from_ci,
    sd_from_se,
    smd_correction,
    wan_eta,
    wan_xi,
    yi_vi_from_ci,
)
from compendium.errors import CompendiumError
from metafor_ref import CLOSED, arr, assert_close, load

ARMS = {"m1i": "m1i", "sd1i": "sd1i", "n1i": "n1i", "m2i": "m2i", "sd2i": "sd2i", "n2i": "n2i"}


def _inputs(dataset: str) -> pd.DataFrame:
    return pd.DataFrame(load(dataset)["inputs"])


@pytest.mark.parametrize("measure", ["RR", "OR", "RD"])
def test_binary_bcg(measure: str) -> None:
    out = escalc(measure, _inputs("dat.bcg"), ai="tpos", bi="tneg", ci="cpos", di="cneg")
    expected = load("dat.bcg")["escalc"][measure]  # metafor escalc(measure, ai=tpos, ...)
    assert_close(out["yi"], expected["yi"], CLOSED, 1e-14)
    assert_close(out["vi"], expected["vi"], CLOSED, 1e-14)
    assert not out["zero_cell_corrected"].any()


@pytest.mark.parametrize("measure", ["RR", "OR", "RD"])
def test_zero_cells_match_escalc_only0(measure: str) -> None:
    data = _inputs("dat.nielweise2007")
    out = escalc(measure, data, ai="ai", n1i="n1i", ci="ci", n2i="n2i")
    expected = load("dat.nielweise2007")["escalc"][measure]  # add = 1/2, to = "only0"
    assert_close(out["yi"], expected["yi"], CLOSED, 1e-14)
    assert_close(out["vi"], expected["vi"], CLOSED, 1e-14)
    assert out["zero_cell_corrected"].sum() == int(((data["ai"] == 0) | (data["ci"] == 0)).sum())


@pytest.mark.parametrize("measure", ["MD", "SMD"])
def test_continuous_normand(measure: str) -> None:
    out = escalc(measure, _inputs("dat.normand1999"), **ARMS)
    expected = load("dat.normand1999")["escalc"][measure]
    assert_close(out["yi"], expected["yi"], CLOSED, 1e-14)
    assert_close(out["vi"], expected["vi"], CLOSED, 1e-14)


def test_rom_curtis() -> None:
    out = escalc("ROM", _inputs("dat.curtis1998"), **ARMS)
    expected = load("dat.curtis1998")["escalc"]["ROM"]
    assert_close(out["yi"], expected["yi"], CLOSED, 1e-14)
    assert_close(out["vi"], expected["vi"], CLOSED, 1e-14)


def test_smd_exact_correction() -> None:
    # metafor 3.8: escalc("SMD", m1i=1, m2i=0, sd1i=1, sd2i=1, n1i=10, n2i=12) -> yi 0.9619, vi 0.2044
    out = escalc("SMD", m1i=[1.0], sd1i=[1.0], n1i=[10], m2i=[0.0], sd2i=[1.0], n2i=[12])
    assert (round(out["yi"][0], 4), round(out["vi"][0], 4)) == (0.9619, 0.2044)
    # Hedges (1981): J(m) -> 1 - 3 / (4m - 1) for large m
    assert smd_correction(np.array([1000.0]))[0] == pytest.approx(1 - 3 / 3999, rel=1e-6)


def test_change_and_final_not_mixed_silently() -> None:
    data = pd.DataFrame(
        {
            "m1i": [1.0, 2.0],
            "sd1i": [1.0, 1.0],
            "n1i": [10, 10],
            "m2i": [0.0, 0.0],
            "sd2i": [1.0, 1.0],
            "n2i": [10, 10],
            "type": ["change", "final"],
        }
    )
    with pytest.raises(CompendiumError, match="mixes change-from-baseline and final"):
        escalc("SMD", data, outcome_type="type", **ARMS)
    out = escalc("SMD", data, outcome_type="type", allow_mixed=True, **ARMS)
    assert list(out["outcome_type"]) == ["change", "final"]
    escalc("MD", data, **ARMS)  # MD may combine both (Cochrane Handbook 10.5.2)
    with pytest.raises(CompendiumError, match="row 1"):
        check_outcome_types(pd.Series(["baseline"]))


def test_sd_from_se_and_ci() -> None:
    assert sd_from_se(np.array([2.0]), np.array([25]))[0] == 10.0
    # Cochrane Handbook 6.5.2.2 worked example: N = 25, 95% CI 30.0 to 34.2, t(24) -> SD 5.09
    sd, method = sd_from_ci(np.array([30.0]), np.array([34.2]), np.array([25]))
    assert round(sd[0], 2) == 5.09 and method[0] == "ci_t"
    sd, method = sd_from_ci(np.array([30.0]), np.array([34.2]), np.array([400]))
    assert sd[0] == pytest.approx(20 * 4.2 / 3.919927969, rel=1e-8) and method[0] == "ci_z"


def test_wan_constants() -> None:
    # Wan et al. 2014 Table 1, xi(n) for n = 2, 3, 10, 25, 50
    assert np.round(wan_xi(np.array([2, 3, 10, 25, 50])), 3).tolist() == [1.128, 1.693, 3.078, 3.931, 4.498]
    # IQR of a normal distribution is 1.349 SD (Cochrane Handbook 6.5.2.5: SD ~ IQR / 1.35)
    assert wan_eta(np.array([1e7]))[0] == pytest.approx(1.349, abs=1e-3)


def test_wan_scenarios() -> None:
    n = np.array([25.0, 25.0, 25.0])
    mean, sd, method = mean_sd_from_quantiles(
        n,
        np.array([10.0, 10.0, 10.0]),
        q1=np.array([8.0, 8.0, np.nan]),
        q3=np.array([13.0, 13.0, np.nan]),
        minimum=np.array([2.0, np.nan, 2.0]),
        maximum=np.array([20.0, np.nan, 20.0]),
    )
    assert list(method) == ["wan_range_iqr", "wan_iqr", "wan_range"]
    assert mean[0] == pytest.approx((2 + 16 + 20 + 26 + 20) / 8)  # Wan eq. (10)
    assert mean[1] == pytest.approx(31 / 3)  # eq. (14)
    assert mean[2] == pytest.approx((2 + 20 + 20) / 4)  # eq. (7), Hozo et al. 2005
    assert sd[2] == pytest.approx(18 / 3.931, rel=1e-3)  # eq. (9) with Table 1 xi(25)
    assert sd[1] == pytest.approx(5 / wan_eta(np.array([25.0]))[0])  # eq. (15)


def test_fill_sd_records_method_per_row() -> None:
    data = pd.DataFrame(
        {
            "n": [25, 25, 25, 25, 25],
            "sd": [3.0, None, None, None, None],
            "se": [None, 0.6, None, None, None],
            "lo": [None, None, 30.0, None, None],
            "hi": [None, None, 34.2, None, None],
            "med": [None, None, None, 10.0, None],
            "q1": [None, None, None, 8.0, None],
            "q3": [None, None, None, 13.0, None],
        }
    )
    out = fill_sd(data, n="n", sd="sd", se="se", ci_low="lo", ci_high="hi", median="med", q1="q1", q3="q3")
    assert list(out["sd_method"]) == ["reported", "se", "ci_t", "wan_iqr", ""]
    assert out["sd"].iloc[1] == pytest.approx(3.0)
    assert np.isnan(out["sd"].iloc[4])  # missing stays missing


def test_generic_inverse_variance() -> None:
    # round trip: metafor escalc log OR for dat.bcg turned into OR with a 90% CI and back
    expected = load("dat.bcg")["escalc"]["OR"]
    yi, vi = arr(expected["yi"]), arr(expected["vi"])
    z = 1.6448536269514722
    data = pd.DataFrame({"or": np.exp(yi), "lo": np.exp(yi - z * np.sqrt(vi)), "hi": np.exp(yi + z * np.sqrt(vi))})
    out = generic_inverse_variance(data, estimate="or", ci_low="lo", ci_high="hi", level=90, ratio=True)
    assert_close(out["yi"], expected["yi"], 1e-12, 1e-14)
    assert_close(out["vi"], expected["vi"], 1e-9)
    assert set(out["vi_method"]) == {"ci90"}
    y, v = yi_vi_from_ci(np.array([1.0]), np.array([0.0]), np.array([2.0]))
    assert v[0] == pytest.approx((2 / 3.919927969) ** 2, rel=1e-9)
    with pytest.raises(CompendiumError, match="row 1"):
        generic_inverse_variance(
            pd.DataFrame({"e": [0.0], "l": [0.1], "h": [2.0]}), estimate="e", ci_low="l", ci_high="h", ratio=True
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ai": "ai", "bi": "bi", "ci": "ci", "di": "nope"}, "missing column 'nope'"),
        ({"ai": "ai", "bi": "bi", "ci": "ci", "di": "di_bad"}, "row 2, column 'di_bad'"),
        ({"ai": "ai", "bi": "bi", "ci": "ci", "di": "neg"}, "row 1, column 'neg'"),
    ],
)
def test_escalc_errors(kwargs: dict, message: str) -> None:
    data = pd.DataFrame({"ai": [1, 2], "bi": [5, 6], "ci": [2, 3], "di": [5, 5], "di_bad": ["5", "x"], "neg": [-1, 5]})
    with pytest.raises(CompendiumError, match=message):
        escalc("OR", data, **kwargs)
