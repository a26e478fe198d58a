"""The Hackshaw 1997 review's data (tests of this review's data; `compendium init --example hackshaw1998`
copies them to tests/review/): its data package against the data set it was transcribed from, and
the pooled odds ratio of its risk question against metafor. In the repository it reads
examples/hackshaw1998/data/raw; in a compendium made from the example, its own data/raw.

Reference values: tests/reference/metafor/hackshaw1998.json, written by
tests/r/hackshaw1998_reference.R (R 4.2.2, metafor 3.8-1, metadat 1.2-0) from metadat's
dat.hackshaw1998 (Hackshaw, Law & Wald 1997, BMJ 315:980-988). The expected CSV rows are re-derived
from the JSON's ``inputs`` (the data frame's columns), never typed by hand.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from compendium.data.load import load_tables
from compendium.effects import yi_vi_from_ci
from compendium.meta import rma
from compendium.paths import RAW_DIR, ROOT
from compendium.yaml_io import read_yaml
from metafor_ref import arr, assert_close, load

EXAMPLE_RAW = ROOT / "examples" / "hackshaw1998" / "data" / "raw"
RAW = EXAMPLE_RAW if EXAMPLE_RAW.is_dir() else RAW_DIR
#: relative tolerance of the example's pooled results against metafor (issue 10: 1e-6)
RTOL = 1e-6


@pytest.fixture(scope="module")
def reference() -> dict:
    return load("hackshaw1998")


@pytest.fixture(scope="module")
def inputs(reference: dict) -> pd.DataFrame:
    """dat.hackshaw1998 as pinned (one row per data set row) with our study ids."""
    text = ("author", "country", "design")
    frame = pd.DataFrame({name: v if name in text else arr(v) for name, v in reference["inputs"].items()})
    frame["study_id"] = [
        re.sub("[^a-z0-9]+", "_", a.lower()) + str(int(y)) for a, y in zip(frame["author"], frame["year"])
    ]
    return frame


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return load_tables(RAW)  # validates the package first


def test_package_has_the_data_sets_studies(tables, inputs) -> None:
    studies = tables["studies"]
    assert list(studies["study_id"]) == list(inputs["study_id"])
    assert list(studies["label"]) == [f"{a} {int(y)}" for a, y in zip(inputs["author"], inputs["year"])]
    assert list(studies["year"]) == list(inputs["year"].astype(int))
    assert set(studies["question"]) == {"risk"} and set(studies["stream"]) == {"observational_general"}
    # the data set's count: 4 cohort and 33 case-control studies (help page, Details)
    assert (inputs["design"] == "cohort").sum() == 4 and (inputs["design"] == "case-control").sum() == 33


def test_estimates_are_the_printed_odds_ratios(tables, inputs) -> None:
    obs = tables["observational"]
    assert list(obs["study_id"]) == list(inputs["study_id"])
    # exact: copied, not recomputed
    np.testing.assert_array_equal(obs["estimate"], inputs["or"])
    np.testing.assert_array_equal(obs["ci_low"], inputs["or.lb"])
    np.testing.assert_array_equal(obs["ci_high"], inputs["or.ub"])
    np.testing.assert_array_equal(obs["cases"].astype(float), inputs["cases"])
    assert list(obs["design"]) == [d.replace("-", "_") for d in inputs["design"]]
    assert set(obs["measure"]) == {"OR"} and set(obs["ci_level"]) == {95}
    assert set(obs["exposure_category"]) == {"spouse_smoking"} and set(obs["sex"]) == {"female"}
    # not in the data set: missing stays missing
    for column in ("controls", "n", "expected_cases", "adjusted_for", "p_value"):
        assert obs[column].isna().all(), column
    assert obs["secondary_source"].all()  # read in metadat, not in the study reports


def test_every_row_locates_its_data_set_row(tables, inputs) -> None:
    row_of = {study: i + 1 for i, study in enumerate(inputs["study_id"])}
    obs = tables["observational"]
    assert set(obs["source_id"]) == {"metadat_hackshaw1998"}
    for study, locator in zip(obs["study_id"], obs["locator"]):
        assert locator.startswith(f"dat.hackshaw1998 row {row_of[study]} "), (study, locator)
    sources = tables["sources"].set_index("source_id")
    assert sources.loc["hackshaw1997_bmj", "doi"] == "10.1136/bmj.315.7114.980"


def test_declaration_asks_the_risk_question(tables) -> None:
    review = read_yaml(RAW.parents[1] / "review.yaml")
    assert [q["id"] for q in review["questions"]] == ["risk"]
    assert [o["id"] for o in review["outcomes"]] == ["condition_risk"]
    assert review["condition"]["noun"] == "lung cancer"
    declared = {c["id"] if isinstance(c, dict) else c for c in review["exposure_categories"]}
    assert set(tables["observational"]["exposure_category"]) <= declared


def test_effects_and_pooled_odds_ratio_equal_metafor(tables, reference) -> None:
    """log OR and its variance from the printed 95% CI (the rule of stage 03), then REML with the
    Knapp-Hartung CI: metafor gives OR 1.2447 (1.1334 to 1.3669), k = 37."""
    obs = tables["observational"]
    yi, vi = yi_vi_from_ci(obs["estimate"], obs["ci_low"], obs["ci_high"], level=95.0, ratio=True)
    assert_close(yi, reference["effects"]["yi"], 1e-12, what="yi")
    assert_close(vi, reference["effects"]["vi"], 1e-12, what="vi")
    pinned = reference["models"]["REML_knha"]
    res = rma(yi, vi, method="REML", test="knha")
    assert res.k == pinned["k"] == 37
    for ours, key in ((res.estimate, "beta"), (res.ci_low, "ci.lb"), (res.ci_high, "ci.ub"), (res.tau2, "tau2")):
        assert_close(ours, pinned[key], RTOL, what=key)
    assert (round(float(np.exp(res.estimate)), 4), round(float(np.exp(res.ci_low)), 4)) == (1.2447, 1.1334)
