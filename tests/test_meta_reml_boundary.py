"""REML where tau2 is small relative to the sampling variances (issue 15: the slow leave-one-out).

metafor's Fisher scoring oscillates without converging on these data ("Fisher scoring
algorithm did not converge"); the engine's bracketed Newton solver converges. Reference values:
metafor 3.8 with stepadj = 0.5 (its documented remedy) and tight criteria, pinned by
tests/r/metafor_reml_boundary.R in tests/reference/metafor/reml_boundary_k*.json. The data are
SIMULATED (see the JSON's "data" field), not studies.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from compendium.meta import leave1out, rma
from metafor_ref import REFERENCE_DIR, assert_close


@pytest.mark.parametrize("k", [200, 300])
def test_reml_and_leave1out_match_metafor_where_fisher_scoring_fails(k: int) -> None:
    ref = json.loads((REFERENCE_DIR / f"reml_boundary_k{k}.json").read_text(encoding="utf-8"))
    assert "did not converge" in ref["default_control_error"]  # metafor's default stops here
    data = pd.read_csv(REFERENCE_DIR / f"reml_boundary_k{k}.csv")
    res = rma("yi", "vi", data=data, method="REML", test="knha")
    model = ref["model"]
    assert_close(res.tau2, model["tau2"], 1e-8, 1e-12, "tau2")
    assert_close(res.estimate, model["beta"], 1e-8, 0.0, "beta")
    assert_close(res.se, model["se"], 1e-8, 0.0, "se")
    assert_close([res.ci_low, res.ci_high], [model["ci.lb"], model["ci.ub"]], 1e-8, 0.0, "ci")
    assert_close(res.i2, model["I2"], 1e-8, 1e-10, "I2")
    loo = leave1out(res)
    expected = ref["leave1out"]
    assert_close(loo["tau2"], expected["tau2"], 1e-8, 1e-12, "leave1out tau2")
    assert_close(loo["estimate"], expected["estimate"], 1e-8, 0.0, "leave1out estimate")
    assert_close(loo["se"], expected["se"], 1e-8, 0.0, "leave1out se")
    assert_close(loo["i2"], expected["I2"], 1e-8, 1e-7, "leave1out I2 (percent)")


def test_boundary_at_zero_is_exact() -> None:
    # hand-checkable: identical effects give Q = 0, so the REML score at tau2 = 0 is negative and
    # the estimate is exactly 0 (metafor 3.8: tau2 = 0)
    res = rma([0.2] * 6, [0.1, 0.2, 0.3, 0.1, 0.2, 0.3])
    assert res.tau2 == 0.0
    assert np.all(leave1out(res)["tau2"] == 0.0)


def test_reml_finds_the_interior_maximum_when_one_variance_is_tiny() -> None:
    # issue 24: one sampling variance of 1e-20 made the first Newton steps tiny and the solver
    # stopped at tau2 ~ 1e-18 (estimate 0.100). Reference: metafor 3.8 with tight convergence,
    # tests/r/metafor_reml_tiny_variance.R -> tests/reference/metafor/reml_tiny_variance.json
    # (hand-made fixture data, not studies)
    ref = json.loads((REFERENCE_DIR / "reml_tiny_variance.json").read_text(encoding="utf-8"))
    with pytest.warns(UserWarning, match="Ratio of largest to smallest sampling variance extremely large"):
        res = rma([0.1, 0.2, 0.3, 0.5], [1e-20, 1, 0.01, 0.04], method="REML", test="z")
    assert ref["warning"].startswith("Ratio of largest to smallest sampling variance extremely large")
    assert ref["logLik"] > ref["logLik_tau2_0"]  # the interior maximum is the higher one
    assert_close(res.tau2, ref["tau2"], 1e-9, 0.0, "tau2")
    assert_close(res.estimate, ref["beta"], 1e-9, 0.0, "beta")
    assert_close(res.se, ref["se"], 1e-9, 0.0, "se")
    assert any("metafor warns" in note for note in res.notes)
    # Q and tr(P) by hand (metafor's k x k P loses these digits with a weight of 1e20):
    # Q = 0.1^2 / 1 + 0.2^2 / 0.01 + 0.4^2 / 0.04 = 8.01; tr(P) = 126 + 126 = 252 (the dominant
    # study contributes ~ the sum of the other weights 1 + 100 + 25, and each other study its weight)
    assert res.q == pytest.approx(8.01, rel=1e-12)
    with pytest.warns(UserWarning):
        dl = rma([0.1, 0.2, 0.3, 0.5], [1e-20, 1, 0.01, 0.04], method="DL", test="z")
    assert dl.tau2 == pytest.approx((8.01 - 3) / 252, rel=1e-12)


def test_no_variance_warning_on_ordinary_data() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = rma([0.1, 0.3, 0.35, 0.6], [0.01, 0.02, 0.015, 0.03], method="REML", test="z")
    assert not any("metafor warns" in note for note in res.notes)
