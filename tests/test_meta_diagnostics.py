"""Leave-one-out, cumulative and influence diagnostics against metafor 3.8 (pinned JSON)."""

from __future__ import annotations

import pytest

from compendium.errors import CompendiumError
from compendium.meta import rma
from compendium.meta.diagnostics import cumulative, influence, leave_one_out
from metafor_ref import CLOSED, DIAGNOSTIC_CASES, arr, assert_close, fit_diagnostics_case, load

CASES = DIAGNOSTIC_CASES
_fit = fit_diagnostics_case


@pytest.mark.parametrize(("dataset", "key"), CASES)
def test_leave_one_out(dataset: str, key: str) -> None:
    res, ref, tol = _fit(dataset, key)
    loo = leave_one_out(res)  # metafor leave1out()
    expected = ref["leave1out"]
    for ours, theirs in [
        ("estimate", "estimate"),
        ("se", "se"),
        ("stat", "zval"),
        ("ci_low", "ci.lb"),
        ("ci_high", "ci.ub"),
        ("q", "Q"),
        ("h2", "H2"),
    ]:
        assert_close(loo[ours], expected[theirs], tol, 1e-10, f"{dataset} {key} {ours}")
    assert_close(loo["pval"], expected["pval"], tol, 1e-12, f"{dataset} {key} pval")
    assert_close(loo["q_pval"], expected["Qp"], CLOSED, 1e-14)
    assert_close(loo["tau2"], expected["tau2"], tol, 1e-8, f"{dataset} {key} tau2")
    assert_close(loo["i2"], expected["I2"], tol, 1e-6, f"{dataset} {key} I2")


@pytest.mark.parametrize(("dataset", "key"), CASES)
def test_cumulative(dataset: str, key: str) -> None:
    res, ref, tol = _fit(dataset, key)
    cum = cumulative(res)  # metafor cumul(), studies in data order
    expected = ref["cumul"]
    for ours, theirs in [("estimate", "estimate"), ("se", "se"), ("ci_low", "ci.lb"), ("ci_high", "ci.ub"), ("q", "Q")]:
        assert_close(cum[ours], expected[theirs], tol, 1e-10, f"{dataset} {key} {ours}")
    assert_close(cum["tau2"], expected["tau2"], tol, 1e-8)
    assert_close(cum["i2"], expected["I2"], tol, 1e-6)


@pytest.mark.parametrize(("dataset", "key"), CASES)
def test_influence(dataset: str, key: str) -> None:
    res, ref, tol = _fit(dataset, key)
    inf = influence(res)  # metafor influence.rma.uni()
    expected = ref["influence"]
    for ours, theirs in [
        ("rstudent", "rstudent"),
        ("dffits", "dffits"),
        ("cook_d", "cook.d"),
        ("cov_r", "cov.r"),
        ("qe_del", "QE.del"),
        ("hat", "hat"),
        ("weight", "weight"),
        ("dfbs_intrcpt", "dfbs"),
    ]:
        assert_close(inf[ours], expected[theirs], tol, 1e-9, f"{dataset} {key} {ours}")
    assert_close(inf["tau2_del"], expected["tau2.del"], tol, 1e-8)


def test_influence_with_moderator_runs() -> None:
    ref = load("dat.bcg")
    res = rma(arr(ref["yi"]), arr(ref["vi"]), mods=arr(ref["inputs"]["ablat"]))
    inf = influence(res)
    assert {"dfbs_intrcpt", "dfbs_mod1"} <= set(inf.columns) and len(inf) == 13


def test_diagnostics_refuse_unsuitable_models() -> None:
    ref = load("dat.bcg")
    with pytest.raises(CompendiumError, match="moderators"):
        leave_one_out(rma(arr(ref["yi"]), arr(ref["vi"]), mods=arr(ref["inputs"]["ablat"])))
    with pytest.raises(CompendiumError, match="k >= 2"):
        leave_one_out(rma([0.1], [0.1]))
