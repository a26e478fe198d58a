"""The worked example examples/bcg (arm-level events only): its data package against dat.bcg,
and its pooled risk and odds ratios against metafor.

Reference values: tests/reference/metafor/bcg_dichotomous.json, written by
tests/r/gibson2002_reference.R (R 4.2.2, metafor 3.8-1, metadat 1.2-0) from metadat's dat.bcg
(Colditz et al. 1994, JAMA 271:698-702). Expected CSV rows are re-derived from the JSON's inputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from compendium.data.load import load_tables
from compendium.effects import escalc
from compendium.meta import rma
from compendium.paths import ROOT
from metafor_ref import arr, assert_close, load

EXAMPLE = ROOT / "examples" / "bcg"
RTOL = 1e-6


@pytest.fixture(scope="module")
def reference() -> dict:
    return load("bcg_dichotomous")


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return load_tables(EXAMPLE / "data" / "raw")  # validates the package first


def _events(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per trial: events and totals of both arms, with the trial's allocation."""
    rows = tables["dichotomous_outcomes"]
    wide = rows.pivot(index="study_id", columns="arm", values=["events", "total"])
    wide.columns = [f"{value}_{arm}" for value, arm in wide.columns]
    wide = wide.astype(float).reindex(tables["studies"]["study_id"]).reset_index()
    wide["randomised"] = tables["trials"].set_index("study_id").loc[wide["study_id"], "randomised"].to_numpy()
    return wide


def test_rows_equal_the_two_by_two_tables(tables, reference) -> None:
    inputs = reference["inputs"]
    events = _events(tables)
    assert list(tables["studies"]["label"]) == [f"{a} {y}" for a, y in zip(inputs["author"], inputs["year"])]
    np.testing.assert_array_equal(events["events_intervention"], arr(inputs["tpos"]))
    np.testing.assert_array_equal(events["total_intervention"], arr(inputs["tpos"]) + arr(inputs["tneg"]))
    np.testing.assert_array_equal(events["events_control"], arr(inputs["cpos"]))
    np.testing.assert_array_equal(events["total_control"], arr(inputs["cpos"]) + arr(inputs["cneg"]))
    assert list(events["randomised"]) == [a == "random" for a in inputs["alloc"]]
    for i, locator in enumerate(tables["dichotomous_outcomes"]["locator"]):
        assert locator.startswith(f"dat.bcg row {i // 2 + 1} "), locator


@pytest.mark.parametrize("measure", ["RR", "OR"])
@pytest.mark.parametrize("trials", ["all", "random"])
def test_pooled_ratio_equals_metafor(tables, reference, measure: str, trials: str) -> None:
    """REML + Knapp-Hartung on all 13 trials and on the 7 randomised ones (the primary set)."""
    events = _events(tables)
    if trials == "random":
        events = events[events["randomised"]]
    effects = escalc(
        measure, events, ai="events_intervention", n1i="total_intervention", ci="events_control", n2i="total_control"
    )
    pinned = reference["models"][measure] if trials == "all" else reference["subgroups"][measure]["random"]
    res = rma(effects["yi"], effects["vi"], method="REML", test="knha")
    assert res.k == pinned["k"]
    for ours, key in (
        (res.estimate, "beta"),
        (res.se, "se"),
        (res.ci_low, "ci.lb"),
        (res.ci_high, "ci.ub"),
        (res.pval, "pval"),
        (res.tau2, "tau2"),
        (res.i2, "I2"),
        (res.q, "QE"),
        (res.pi_low, "pi.lb"),
        (res.pi_high, "pi.ub"),
    ):
        assert_close(ours, pinned[key], RTOL, what=f"{measure} {trials} {key}")
