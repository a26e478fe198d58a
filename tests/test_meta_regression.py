"""Subgroup analysis against metafor 3.8 (separate fits, then an FE model of subgroup estimates)."""

from __future__ import annotations

import pandas as pd
import pytest

from compendium.errors import CompendiumError
from compendium.meta.regression import moderator_dummies, subgroup_analysis
from metafor_ref import CLOSED, ITERATIVE, arr, assert_close, load


def _frame() -> pd.DataFrame:
    ref = load("dat.bcg")
    return pd.DataFrame({"yi": arr(ref["yi"]), "vi": arr(ref["vi"]), "alloc": ref["inputs"]["alloc"]})


@pytest.mark.parametrize("key", ["REML_knha", "DL_z"])
def test_subgroups_match_metafor(key: str) -> None:
    method, test = key.split("_")
    tol = ITERATIVE if method == "REML" else CLOSED
    expected = load("dat.bcg")["subgroup"][key]
    sub = subgroup_analysis(_frame(), "alloc", method=method, test=test)
    table = sub.to_frame()
    assert list(table["subgroup"]) == expected["groups"]
    assert_close(table["estimate"], expected["estimate"], tol, 1e-10)
    assert_close(table["se"], expected["se"], tol, 1e-10)
    assert_close(sub.q_between, expected["Q_between"], tol, 1e-10)
    assert_close(sub.pval_between, expected["Qp_between"], tol, 1e-12)
    common = subgroup_analysis(_frame(), "alloc", method=method, test=test, common_tau2=True)
    assert_close(common.q_between, expected["QM_common"], tol, 1e-10)  # rma(mods = ~ factor(alloc))$QM
    assert_close(common.pval_between, expected["QMp_common"], tol, 1e-12)
    assert "Test for subgroup differences" in str(sub)


def test_dummies_and_errors() -> None:
    d = moderator_dummies(_frame(), "alloc")
    assert list(d.columns) == ["alloc=random", "alloc=systematic"]
    with pytest.raises(CompendiumError, match="single subgroup"):
        subgroup_analysis(_frame().assign(g="a"), "g")
    with pytest.raises(CompendiumError, match="missing column"):
        subgroup_analysis(_frame(), "nope")


@pytest.mark.parametrize("method", ["REML", "DL"])
@pytest.mark.parametrize("test", ["z", "knha"])
def test_as_many_coefficients_as_studies_is_refused(method: str, test: str) -> None:
    # metafor 3.8: rma(c(.1, .2), c(.01, .02), mods = c(1, 2), method = "REML") stops with "Number
    # of parameters to be estimated is larger than the number of observations." (any test)
    from compendium.meta import rma

    with pytest.raises(CompendiumError, match="no residual degrees of freedom.*metafor refuses"):
        rma([0.1, 0.2], [0.01, 0.02], mods=[1, 2], method=method, test=test)


def test_as_many_coefficients_as_studies_fits_an_equal_effects_model() -> None:
    # metafor 3.8 fits this FE model: intrcpt 0.0000 (se 0.2449), mods 0.1000 (se 0.1732)
    from compendium.meta import rma

    res = rma([0.1, 0.2], [0.01, 0.02], mods=[1, 2], method="FE", test="z")
    assert [round(c.estimate, 4) for c in res.coefficients] == [0.0, 0.1]
    assert [round(c.se, 4) for c in res.coefficients] == [0.2449, 0.1732]
