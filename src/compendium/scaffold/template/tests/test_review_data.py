"""This review's own tests: its data, checked against its declaration (review.yaml).

Written by `compendium init`; edit freely. Add a test for every fact you transcribe: a pooled result
against the paper, a count against the flow diagram. Outcomes the review declares but no study
measured are listed in NOT_MEASURED, each with the reason.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from compendium.data.load import load_tables
from compendium.data.plausibility import out_of_range, outcome_ranges
from compendium.data.summary import measured_outcomes
from compendium.data.validate import validate_package
from compendium.review import load_review

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw"
REVIEW = load_review(ROOT / "review.yaml")
#: outcome id -> why no study of this review has data on it
NOT_MEASURED: dict[str, str] = {}


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return load_tables(RAW, validate=False)


def test_the_data_package_is_valid() -> None:
    problems = validate_package(RAW)
    assert not problems, "\n".join(str(p) for p in problems)


@pytest.mark.parametrize("outcome", [o.id for o in REVIEW.outcomes])
def test_every_declared_outcome_has_data_or_is_listed_as_not_measured(
    tables: dict[str, pd.DataFrame], outcome: str
) -> None:
    measured = outcome in measured_outcomes(tables)
    assert measured != (outcome in NOT_MEASURED), (
        f"{outcome}: listed in NOT_MEASURED but has data" if measured else f"{outcome}: no data; add it to NOT_MEASURED"
    )


def test_values_lie_inside_the_declared_ranges(tables: dict[str, pd.DataFrame]) -> None:
    flags = out_of_range(tables["continuous_outcomes"], outcome_ranges(REVIEW))
    assert not flags, flags


@pytest.mark.parametrize("name", sorted(p.stem for p in RAW.glob("*.csv") if p.stem != "sources"))
def test_every_row_names_its_source_and_locator(tables: dict[str, pd.DataFrame], name: str) -> None:
    table = tables[name]
    known = set(tables["sources"]["source_id"])
    if "source_id" in table.columns:
        unknown = sorted(set(table["source_id"].dropna()) - known)
        assert table["source_id"].notna().all() and not unknown, f"{name}.csv: source_id missing or unknown {unknown}"
    if "locator" in table.columns:
        assert table["locator"].notna().all(), f"{name}.csv: rows without a locator"
