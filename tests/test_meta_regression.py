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
