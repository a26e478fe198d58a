"""Egger, Begg and trim-and-fill against metafor 3.8 (regtest, ranktest, trimfill; pinned JSON)."""

from __future__ import annotations

import pytest

from compendium.errors import CompendiumError
from compendium.meta import rma
from compendium.meta.small_study import egger_test, rank_test, trim_and_fill
from metafor_ref import CLOSED, DIAGNOSTIC_CASES, assert_close, fit_diagnostics_case

CASES = DIAGNOSTIC_CASES
_fit = fit_diagnostics_case


@pytest.mark.parametrize(("dataset", "key"), CASES)
def test_egger_rma(dataset: str, key: str) -> None:
    res, ref, tol = _fit(dataset, key)
    egger = egger_test(res)  # metafor regtest(res): same model with sei as moderator
    assert_close(egger.stat, ref["regtest"]["zval"], tol, 1e-10)
    assert_close(egger.pval, ref["regtest"]["pval"], tol, 1e-12)
    assert_close(egger.limit_estimate, ref["regtest"]["est"], tol, 1e-10)
    assert_close(egger.limit_ci_low, ref["regtest"]["ci.lb"], tol, 1e-10)


@pytest.mark.parametrize(("dataset", "key"), CASES)
def test_egger_classic(dataset: str, key: str) -> None:
    res, ref, _ = _fit(dataset, key)
    egger = egger_test(res, model="lm")  # metafor regtest(res, model="lm"): closed form
    assert_close(egger.stat, ref["regtest_lm"]["zval"], CLOSED, 1e-10)
    assert_close(egger.pval, ref["regtest_lm"]["pval"], CLOSED, 1e-12)
    assert egger.df == ref["regtest_lm"]["ddf"]


@pytest.mark.parametrize(("dataset", "key"), CASES)
def test_rank_test(dataset: str, key: str) -> None:
    res, ref, _ = _fit(dataset, key)
    rank = rank_test(res)  # metafor ranktest(res): Kendall's tau, exact p without ties
    assert_close(rank.tau, ref["ranktest"]["tau"], CLOSED, 1e-12)
    assert_close(rank.pval, ref["ranktest"]["pval"], CLOSED, 1e-12)


@pytest.mark.parametrize(("dataset", "key"), CASES)
def test_trim_and_fill(dataset: str, key: str) -> None:
    res, ref, tol = _fit(dataset, key)
    tf = trim_and_fill(res)  # metafor trimfill(res), L0 estimator
    expected = ref["trimfill"]
    assert tf.k0 == expected["k0"]
    assert tf.side == expected["side"]
    assert_close(tf.estimate, expected["beta"], tol, 1e-10)
    assert_close(tf.se, expected["se"], tol, 1e-10)
    assert_close(tf.result.tau2, expected["tau2"], tol, 1e-8)
    assert set(tf.to_dict()) == {"k0", "side", "estimate", "se"}


def test_small_k_refused() -> None:
    res = rma([0.1, 0.3], [0.1, 0.2])
    with pytest.raises(CompendiumError):
        egger_test(res)
    with pytest.raises(CompendiumError):
        trim_and_fill(res)
