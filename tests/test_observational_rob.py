"""Observational risk of bias (ROBINS-E domains, domain-level judgements).

Reference: Higgins JPT et al. ROBINS-E. Environ Int 2024;186:108602 (overall judgement rule).
All judgements here are synthetic test inputs.
"""

from __future__ import annotations

import pandas as pd
import pytest

from compendium.bias import observational
from compendium.errors import CompendiumError


def row(**changes: str) -> dict[str, str]:
    base = {"study": "synthetic-cohort", "outcome": "ALS incidence", "design": "cohort"}
    for domain in observational.DOMAINS:
        base[domain] = "Low"
        base[f"{domain}_justification"] = f"synthetic justification for {domain}"
    return base | changes


@pytest.mark.parametrize(
    ("domains", "expected"),
    [
        pytest.param(["Low"] * 7, "Low", id="all_low__low"),
        pytest.param(["Low"] * 6 + ["Some concerns"], "Some concerns", id="worst_some__some"),
        pytest.param(["Some concerns"] * 7, "Some concerns", id="all_some__some_not_high_automatically"),
        pytest.param(["High", "Some concerns", "Low", "Low", "Low", "Low", "Low"], "High", id="worst_high__high"),
        pytest.param(
            ["High", "Very high", "Low", "Low", "Low", "Low", "Low"], "Very high", id="any_very_high__very_high"
        ),
    ],
)
def test_overall_rule(domains: list[str], expected: str) -> None:
    assert observational.overall_judgement(domains) == expected
    result = observational.assess_result(row(**dict(zip(observational.DOMAINS, domains))))
    assert (result["overall_proposed"], result["overall_final"]) == (expected, expected)


def test_case_control_is_flagged_as_adaptation() -> None:
    result = observational.assess_result(row(design="case-control"))
    assert "adaptation" in result["tool_note"]


def test_overall_override_needs_reason() -> None:
    result = observational.assess_result(
        row(
            d1="High",
            d2="High",
            overall_override="Very high",
            overall_override_reason="two domains at high risk (synthetic)",
        )
    )
    assert (result["overall_proposed"], result["overall_final"]) == ("High", "Very high")
    with pytest.raises(CompendiumError, match="column 'overall_override_reason'.*needs a written reason"):
        observational.assess_result(row(overall_override="High"))


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        pytest.param({"d3": "Serious"}, "d3", "not a judgement", id="robins_i_word"),
        pytest.param({"d3": ""}, "d3", "not a judgement", id="empty_judgement"),
        pytest.param({"d5_justification": " "}, "d5_justification", "needs a justification", id="no_justification"),
        pytest.param({"design": "cross-sectional"}, "design", "not a design", id="design"),
    ],
)
def test_bad_input_names_row_and_column(changes: dict[str, str], column: str, message: str) -> None:
    table = pd.DataFrame([row(), row(study="synthetic-2", **changes)])
    with pytest.raises(
        CompendiumError, match=rf"row 2 \(line 3\), study 'synthetic-2', column '{column}': .*{message}"
    ):
        observational.assess_observational(table, source="judgements.csv")


def test_pivot_long_judgements() -> None:
    long = pd.DataFrame(
        [
            {
                "study": "s",
                "outcome": "ALS incidence",
                "design": "cohort",
                "domain": d,
                "judgement": "Some concerns" if d == "d1" else "Low",
                "justification": f"synthetic {d}",
                "source_id": "synthetic-source",
                "locator": "synthetic table 1",
            }
            for d in observational.DOMAINS
        ]
    )
    table = observational.assess_observational(observational.pivot_judgements(long))
    assert list(table.columns) == observational.assessment_columns()
    assert table.loc[0, "overall_final"] == "Some concerns"
    with pytest.raises(CompendiumError, match="column 'locator': required"):
        observational.pivot_judgements(long.assign(locator=""))
    with pytest.raises(CompendiumError, match="'d8' is not a domain"):
        observational.pivot_judgements(long.assign(domain=["d8", *observational.DOMAINS[1:]]))
