"""The Gibson 2002 review's data (tests of this review's data; `compendium init --example gibson2002`
copies them to tests/review/): its data package against the data set it was transcribed from, and
its pooled results against metafor. In the repository it reads examples/gibson2002/data/raw; in a
compendium made from the example, its own data/raw.

Reference values: tests/reference/metafor/gibson2002.json, written by
tests/r/gibson2002_reference.R (R 4.2.2, metafor 3.8-1, metadat 1.2-0) from metadat's
dat.gibson2002 (Gibson et al. 2002, Cochrane Database Syst Rev CD001117). The expected CSV rows
are re-derived from the JSON's ``inputs`` (the data frame's columns), never typed by hand.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from compendium.data.load import load_tables
from compendium.effects import escalc
from compendium.meta import rma
from compendium.paths import RAW_DIR, ROOT
from compendium.yaml_io import read_yaml
from metafor_ref import arr, assert_close, load

EXAMPLE_RAW = ROOT / "examples" / "gibson2002" / "data" / "raw"
RAW = EXAMPLE_RAW if EXAMPLE_RAW.is_dir() else RAW_DIR
#: relative tolerance of the example's pooled results against metafor (issue 10: 1e-6)
RTOL = 1e-6
#: absolute floor for quantities whose metafor value is zero up to convergence noise
#: (tau2 ~ 1e-12 and I2 ~ 1e-9 % for the dichotomous outcome, at the REML boundary)
ATOL_BOUNDARY = 1e-7
CONTINUOUS = {"MD": "days_off_work_MD", "SMD": "days_off_work_SMD"}
DICHOTOMOUS = {"RR": "any_days_off_work_RR", "OR": "any_days_off_work_OR"}


@pytest.fixture(scope="module")
def reference() -> dict:
    return load("gibson2002")


@pytest.fixture(scope="module")
def inputs(reference: dict) -> pd.DataFrame:
    """dat.gibson2002 as pinned (one row per data set row, NaN for NA) with our study ids."""
    frame = pd.DataFrame(
        {name: values if name == "author" else arr(values) for name, values in reference["inputs"].items()}
    )
    frame["row"] = np.arange(1, len(frame) + 1)
    frame["study_id"] = [
        re.sub("[^a-z0-9]+", "_", a.lower()) + str(int(y)) for a, y in zip(frame["author"], frame["year"])
    ]
    return frame


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return load_tables(RAW)  # validates the package first


def _by_arm(inputs: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Long table (study_id, arm, ...) from the data set's paired intervention/control columns,
    in the data set's row order with the intervention arm first."""
    records = []
    for _, study in inputs.iterrows():
        for arm, position in (("intervention", 0), ("control", 1)):
            records.append(
                {
                    "study_id": study["study_id"],
                    "arm": arm,
                    **{name: study[pair[position]] for name, pair in columns.items()},
                }
            )
    return pd.DataFrame.from_records(records)


def _wide(long: pd.DataFrame, values: list[str]) -> pd.DataFrame:
    """One row per study with <value>_intervention and <value>_control, in the data set's order."""
    wide = long.pivot(index="study_id", columns="arm", values=values)
    wide.columns = [f"{value}_{arm}" for value, arm in wide.columns]
    wide = wide.astype(float)
    order = {study: i for i, study in enumerate(dict.fromkeys(long["study_id"]))}
    return wide.reset_index().sort_values("study_id", key=lambda s: s.map(order)).reset_index(drop=True)


# --- (a) the transcribed CSVs equal the data set -------------------------------------------------


def test_package_is_valid_and_has_the_data_sets_trials(tables, inputs) -> None:
    assert list(tables["studies"]["study_id"]) == list(inputs["study_id"])
    assert list(tables["studies"]["label"]) == [f"{a} {int(y)}" for a, y in zip(inputs["author"], inputs["year"])]
    assert list(tables["studies"]["year"]) == list(inputs["year"].astype(int))
    assert set(tables["studies"]["stream"]) == {"rct"}


def test_intervention_types_follow_the_type_codes(tables, inputs, reference) -> None:
    codes = reference["type_codes"]  # metadat help page, Details
    expected = [codes[str(int(t))] for t in inputs["type"]]
    assert list(tables["trials"]["intervention_type"]) == expected


def test_arm_sizes_equal_n1i_n2i(tables, inputs) -> None:
    expected = _by_arm(inputs, {"n_analysed": ("n1i", "n2i")})
    arms = tables["arms"]
    assert list(zip(arms["study_id"], arms["arm"])) == list(zip(expected["study_id"], expected["arm"]))
    assert list(arms["n_analysed"].astype(int)) == list(expected["n_analysed"].astype(int))
    assert arms["n_randomised"].isna().all()  # not in the data set: missing stays missing
    assert list(arms["role"]) == list(arms["arm"])


def test_continuous_rows_equal_means_sds_and_ns(tables, inputs) -> None:
    expected = _by_arm(inputs, {"n": ("n1i", "n2i"), "mean": ("m1i", "m2i"), "sd": ("sd1i", "sd2i")})
    expected = expected.dropna(subset=["mean"])
    rows = tables["continuous_outcomes"]
    assert list(zip(rows["study_id"], rows["arm"])) == list(zip(expected["study_id"], expected["arm"]))
    np.testing.assert_array_equal(rows["n"].astype(float), expected["n"])
    np.testing.assert_array_equal(rows["mean"], expected["mean"])  # exact: copied, not recomputed
    np.testing.assert_array_equal(rows["sd"], expected["sd"])
    assert set(rows["outcome"]) == {"days_off_work"} and not rows["higher_is_better"].any()
    assert rows["timepoint_weeks"].isna().all()


def test_dichotomous_rows_equal_the_two_by_two_tables(tables, inputs) -> None:
    expected = _by_arm(inputs, {"events": ("ai", "ci"), "non_events": ("bi", "di")}).dropna(subset=["events"])
    rows = tables["dichotomous_outcomes"]
    assert list(zip(rows["study_id"], rows["arm"])) == list(zip(expected["study_id"], expected["arm"]))
    np.testing.assert_array_equal(rows["events"].astype(float), expected["events"])
    np.testing.assert_array_equal(rows["total"].astype(float), expected["events"] + expected["non_events"])


def test_every_row_locates_its_data_set_row(tables, inputs) -> None:
    row_of = dict(zip(inputs["study_id"], inputs["row"]))
    for name in ("trials", "arms", "continuous_outcomes", "dichotomous_outcomes"):
        table = tables[name]
        assert set(table["source_id"]) == {"metadat_gibson2002"}, name
        for study, locator in zip(table["study_id"], table["locator"]):
            assert locator.startswith(f"dat.gibson2002 row {row_of[study]} "), (name, study, locator)
    sources = tables["sources"].set_index("source_id")
    assert sources.loc["gibson2002_cochrane", "doi"] == "10.1002/14651858.CD001117"


def test_declaration_names_the_example_outcomes(tables) -> None:
    review = read_yaml(RAW.parents[1] / "review.yaml")
    outcomes = {o["id"]: o for o in review["outcomes"]}
    assert set(tables["continuous_outcomes"]["outcome"]) | set(tables["dichotomous_outcomes"]["outcome"]) == set(
        outcomes
    )
    assert not any(o["higher_is_better"] for o in outcomes.values())
    assert set(tables["trials"]["intervention_type"]) <= set(review["intervention_types"])
    assert review["time_windows"] == []
    assert [q["streams"] for q in review["questions"]] == [["rct"]]


# --- (b) pooled results from the example's CSVs equal metafor -----------------------------------


def _continuous_effects(tables: dict[str, pd.DataFrame], measure: str) -> pd.DataFrame:
    wide = _wide(tables["continuous_outcomes"], ["n", "mean", "sd"])
    return escalc(
        measure,
        wide,
        m1i="mean_intervention",
        sd1i="sd_intervention",
        n1i="n_intervention",
        m2i="mean_control",
        sd2i="sd_control",
        n2i="n_control",
    )


def _dichotomous_effects(tables: dict[str, pd.DataFrame], measure: str) -> pd.DataFrame:
    wide = _wide(tables["dichotomous_outcomes"], ["events", "total"])
    return escalc(
        measure, wide, ai="events_intervention", n1i="total_intervention", ci="events_control", n2i="total_control"
    )


def _effects(tables, measure: str) -> pd.DataFrame:
    effects = _continuous_effects(tables, measure) if measure in CONTINUOUS else _dichotomous_effects(tables, measure)
    types = tables["trials"].set_index("study_id")["intervention_type"]
    effects["intervention_type"] = effects["study_id"].map(types)
    return effects


def _assert_fit_equals(res, pinned: dict, what: str) -> None:
    """Every pinned REML + Knapp-Hartung quantity (metafor rma, tight convergence)."""
    assert res.k == pinned["k"] and res.test == pinned["test"], what
    for ours, key in (
        (res.estimate, "beta"),
        (res.se, "se"),
        (res.ci_low, "ci.lb"),
        (res.ci_high, "ci.ub"),
        (res.pval, "pval"),
        (res.q, "QE"),
        (res.q_pval, "QEp"),
        (res.pi_low, "pi.lb"),
        (res.pi_high, "pi.ub"),
    ):
        assert_close(ours, pinned[key], RTOL, what=f"{what} {key}")
    for ours, key in ((res.tau2, "tau2"), (res.i2, "I2")):
        assert_close(ours, pinned[key], RTOL, ATOL_BOUNDARY, what=f"{what} {key}")


@pytest.mark.parametrize("measure", ["MD", "SMD", "RR", "OR"])
def test_study_effects_equal_metafor_escalc(tables, reference, measure: str) -> None:
    effects = _effects(tables, measure)
    pinned = reference["escalc"][measure]
    keep = ~np.isnan(arr(pinned["yi"]))  # studies without this outcome: NA in metafor, no CSV row
    assert_close(effects["yi"], list(arr(pinned["yi"])[keep]), 1e-10, 1e-14, what=f"{measure} yi")
    assert_close(effects["vi"], list(arr(pinned["vi"])[keep]), 1e-10, 1e-14, what=f"{measure} vi")


@pytest.mark.parametrize("measure", ["SMD", "MD", "RR", "OR"])
def test_pooled_result_equals_metafor(tables, reference, measure: str) -> None:
    effects = _effects(tables, measure)
    key = {**CONTINUOUS, **DICHOTOMOUS}[measure]
    res = rma(effects["yi"], effects["vi"], method="REML", test="knha")
    _assert_fit_equals(res, reference["models"][key], key)


def test_pooled_days_off_work_headline(tables, reference) -> None:
    """The declared measure (SMD) for days off work: metafor rma(REML, knha) on dat.gibson2002 gives
    -0.1942 [-0.3601, -0.0283], k = 13 (pinned in gibson2002.json)."""
    effects = _effects(tables, "SMD")
    res = rma(effects["yi"], effects["vi"], method="REML", test="knha")
    pinned = reference["models"]["days_off_work_SMD"]
    assert_close([res.estimate, res.ci_low, res.ci_high], [pinned["beta"], pinned["ci.lb"], pinned["ci.ub"]], RTOL)
    assert round(res.estimate, 4) == -0.1942 and (round(res.ci_low, 4), round(res.ci_high, 4)) == (-0.3601, -0.0283)


@pytest.mark.parametrize("measure", ["SMD", "MD", "RR", "OR"])
def test_subgroup_results_equal_metafor(tables, reference, measure: str) -> None:
    """Per intervention type, where a type has at least two trials (metafor falls back to a z test
    for a single study; the pipeline reports single trials separately)."""
    effects = _effects(tables, measure)
    key = {**CONTINUOUS, **DICHOTOMOUS}[measure]
    codes = reference["type_codes"]
    fitted = 0
    for code, pinned in reference["subgroups"][key].items():
        if pinned["k"] < 2:
            continue
        group = effects[effects["intervention_type"] == codes[code]]
        res = rma(group["yi"], group["vi"], method="REML", test="knha")
        _assert_fit_equals(res, pinned, f"{key} type {code}")
        fitted += 1
    assert fitted >= 1
