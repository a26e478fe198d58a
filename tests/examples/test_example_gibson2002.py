"""The worked example examples/gibson2002 as a review: it speaks of its own question only, and its
report, built by the pipeline, answers it with metafor's pooled results. The tests of its data
(against the data set it was transcribed from, and metafor) are examples/gibson2002/tests/, which
`compendium init --example gibson2002` copies into the new compendium.

Reference values: tests/reference/metafor/gibson2002.json, written by
tests/r/gibson2002_reference.R (R 4.2.2, metafor 3.8-1, metadat 1.2-0) from metadat's
dat.gibson2002 (Gibson et al. 2002, Cochrane Database Syst Rev CD001117). The expected CSV rows
are re-derived from the JSON's ``inputs`` (the data frame's columns), never typed by hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from example_words import ALS_REVIEW_WORDS

from compendium.paths import ROOT
from compendium.pipeline import run_pipeline
from compendium.yaml_io import read_yaml
from metafor_ref import assert_close, load

EXAMPLE = ROOT / "examples" / "gibson2002"
#: relative tolerance of the example's pooled results against metafor (issue 10: 1e-6)
RTOL = 1e-6


@pytest.fixture(scope="module")
def reference() -> dict:
    return load("gibson2002")


# --- (c) the example's report, built by the pipeline --------------------------------------------


def test_example_report_answers_its_own_question(tmp_path: Path, reference) -> None:
    """The pipeline on the example's data package and declaration (examples/gibson2002/review.yaml
    governs its data folder): the report speaks of its own question only and its pooled results
    equal metafor. (`compendium init --example gibson2002` + `make report` builds the same.)"""
    results = tmp_path / "reports"
    run_pipeline(overrides=[f"raw_dir={EXAMPLE / 'data' / 'raw'}", f"results_dir={results}"], log=lambda _: None)
    html = (results / "consensus_report.html").read_text(encoding="utf-8")
    review = read_yaml(EXAMPLE / "review.yaml")
    assert review["title"] in html
    assert "Does self-management education reduce days off work in adults with asthma?" in html
    assert not ALS_REVIEW_WORDS.search(html)

    assert_pooled_equal_metafor(results, reference)


def assert_pooled_equal_metafor(results: Path, reference: dict) -> None:
    """The pooled results of a gibson2002 report in ``results`` equal metafor's (also used by the test of
    a thin review folder made by ``compendium init --example gibson2002``)."""
    pooled = pd.read_csv(results / "03_meta_analysis" / "tables" / "pooled.csv")
    overall = pooled[(pooled["subgroup"] == "all") & (pooled["outcome"] == "days_off_work")]
    assert len(overall) == 1
    row = overall.iloc[0]
    pinned = reference["models"][f"days_off_work_{row['measure']}"]
    # SMDs are oriented so that a higher value favours the intervention; days off: lower is better
    sign = -1.0 if row["measure"] == "SMD" and bool(row["higher_is_better"]) else 1.0
    low, high = sorted((sign * pinned["ci.lb"], sign * pinned["ci.ub"]))
    assert row["k"] == pinned["k"] == 13
    assert_close([row["estimate"], row["ci_low"], row["ci_high"]], [sign * pinned["beta"], low, high], RTOL)
    assert_close(row["tau2"], pinned["tau2"], RTOL)

    binary = pooled[(pooled["subgroup"] == "all") & (pooled["outcome"] == "any_days_off_work")].iloc[0]
    pinned = reference["models"][f"any_days_off_work_{binary['measure']}"]
    assert_close(
        [binary["estimate"], binary["ci_low"], binary["ci_high"]],
        np.exp(np.ravel([pinned["beta"], pinned["ci.lb"], pinned["ci.ub"]])).tolist(),
        RTOL,
    )
