"""REML where tau2 is small relative to the sampling variances (issue 15: the slow leave-one-out).

metafor's Fisher scoring oscillates without converging on these data ("Fisher scoring
algorithm did not converge"); the engine's bracketed Newton solver converges. Reference values:
metafor 3.8 with stepadj = 0.5 (its documented remedy) and tight criteria, pinned by
tests/r/metafor_reml_boundary.R in tests/reference/metafor/reml_boundary_k*.json. The data are
SIMULATED (see the JSON's "data" field), not studies.
"""

from __future__ import annotations

import json

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
