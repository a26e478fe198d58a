"""The assumption ledger (compendium.assumptions) and the SD derivations it uses (compendium.effects).

Fixtures named ``synthetic_*`` are SYNTHETIC (made-up numbers for testing, not evidence). The
tests of the ALS ledger in data/raw/ are in tests/review/test_als_assumptions.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from compendium.assumptions import (
    APPLIED_COLUMNS,
    KINDS,
    LEDGER_COLUMNS,
    apply_ledger,
    assumption_downgrade,
    check_ledger,
    parse_key,
    studies_with_assumptions,
)
from compendium.effects import sd_from_p_value, sd_from_t_statistic
from compendium.errors import CompendiumError

# --- SD derivations (Cochrane Handbook v6.4, 6.5.2.3) ---------------------------------------


def test_sd_from_p_value_handbook_example() -> None:
    # Handbook 6.5.2.3 worked example: n 25 and 22, MD 3.8, P = 0.008 -> t(45) = 2.78,
    # SE = 3.8 / 2.78 = 1.37, within-group SD = SE / sqrt(1/25 + 1/22) = 4.69 (to 2 decimals).
    assert stats.t.isf(0.008 / 2, 45) == pytest.approx(2.78, abs=0.005)
    assert float(sd_from_p_value(3.8, 0.008, 25, 22)) == pytest.approx(1.37 / np.sqrt(1 / 25 + 1 / 22), abs=0.01)
    # the Handbook rounds t to 2.78 before dividing; with the exact t (2.777) the SD is 4.681
    assert float(sd_from_p_value(-3.8, 0.008, 25, 22)) == pytest.approx(4.69, abs=0.01)


def test_sd_from_t_statistic_handbook_example() -> None:
    # Same example with the t value printed: SE 3.8 / 2.78 = 1.37 (Handbook 6.5.2.3).
    sd = float(sd_from_t_statistic(3.8, 2.78, 25, 22))
    assert sd * np.sqrt(1 / 25 + 1 / 22) == pytest.approx(1.37, abs=0.005)
    assert float(sd_from_t_statistic(3.8, -2.78, 25, 22)) == pytest.approx(sd)


def test_sd_derivations_round_trip_a_t_test() -> None:
    # SYNTHETIC arms with a common SD: the SD derived from the t test's own t and p is that SD.
    m1, m2, sd, n1, n2 = 12.0, 9.5, 4.0, 18, 21
    t, p = stats.ttest_ind_from_stats(m1, sd, n1, m2, sd, n2)
    assert float(sd_from_t_statistic(m1 - m2, t, n1, n2)) == pytest.approx(sd, rel=1e-10)
    assert float(sd_from_p_value(m1 - m2, p, n1, n2)) == pytest.approx(sd, rel=1e-8)


def test_sd_derivations_give_nan_without_information() -> None:
    assert np.isnan(sd_from_t_statistic(3.0, 0.0, 10, 10))
    assert np.all(np.isnan(sd_from_p_value([3.0, 3.0, 3.0], [0.0, 1.0, np.nan], 10, 10)))


# --- synthetic fixtures ---------------------------------------------------------------------


def synthetic_tables() -> dict[str, pd.DataFrame]:
    """SYNTHETIC evidence tables: trial 'alpha' (unlabelled ±, no n), 'beta' (printed SD),
    'gamma' (means, n and an exact between-group P value only)."""
    outcomes = pd.DataFrame(
        {
            "study_id": ["alpha", "alpha", "beta", "beta", "gamma", "gamma"],
            "arm": ["ex", "ctl", "ex", "ctl", "ex", "ctl"],
            "outcome": ["score"] * 6,
            "timepoint_weeks": [25.7, 25.7, 26.1, 26.1, 12.0, 12.0],
            "value_type": ["final"] * 6,
            "n": pd.array([pd.NA, pd.NA, 20, 20, 15, 16], dtype="Int64"),
            "mean": [30.0, 27.0, 31.0, 28.0, 10.0, 7.0],
            "sd": [np.nan, np.nan, 6.0, 7.0, np.nan, np.nan],
            "se": [np.nan] * 6,
            "ci_low": [np.nan] * 6,
            "ci_high": [np.nan] * 6,
            "plus_minus": [5.0, 6.0, np.nan, np.nan, np.nan, np.nan],
        }
    )
    arms = pd.DataFrame(
        {
            "study_id": ["alpha", "alpha", "beta", "beta", "gamma", "gamma"],
            "arm": ["ex", "ctl", "ex", "ctl", "ex", "ctl"],
            "role": ["intervention", "control"] * 3,
            "n_randomised": pd.array([25, 24, 20, 20, 15, 16], dtype="Int64"),
            "n_analysed": pd.array([pd.NA] * 6, dtype="Int64"),
        }
    )
    effects = pd.DataFrame(
        {
            "study_id": ["gamma", "gamma"],
            "outcome": ["score", "score"],
            "timepoint_weeks": [12.0, 12.0],
            "outcome_measure": ["score at 12 weeks", "score at 12 weeks, other"],
            "p_value": [0.012, 0.04],
            "p_relation": ["=", "<"],
        }
    )
    return {"continuous_outcomes": outcomes, "arms": arms, "rct_effects": effects}


def synthetic_row(**changes: object) -> dict:
    """One SYNTHETIC ledger row (pm_is_sd on alpha's exercise arm) with ``changes``."""
    row = {
        "assumption_id": "alpha_ex_sd",
        "table": "continuous_outcomes",
        "study_id": "alpha",
        "row_key": "arm=ex; outcome=score; timepoint_weeks=25.7; value_type=final",
        "column": "sd",
        "kind": "pm_is_sd",
        "value": np.nan,
        "derive_from": "plus_minus",
        "justification": "synthetic",
        "method_source": "Cochrane Handbook 6.5.2",
        "source_id": "synthetic",
        "locator": "synthetic",
    }
    row.update(changes)
    return row


def synthetic_ledger(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=LEDGER_COLUMNS)


def gamma_p_rows() -> list[dict]:
    return [
        synthetic_row(
            assumption_id=f"gamma_{arm}_sd",
            study_id="gamma",
            kind="sd_from_p_value",
            row_key=f"arm={arm}; outcome=score; timepoint_weeks=12; value_type=final",
            derive_from="outcome_measure=score at 12 weeks",
        )
        for arm in ("ex", "ctl")
    ]


def test_parse_key() -> None:
    assert parse_key(" arm=ex ;outcome=score ") == {"arm": "ex", "outcome": "score"}
    for bad in ("arm", "arm=", "arm=ex; arm=ctl", ""):
        with pytest.raises(ValueError):
            parse_key(bad)


def test_apply_direct_assumptions_and_applied_table() -> None:
    tables = synthetic_tables()
    ledger = synthetic_ledger(
        synthetic_row(),
        synthetic_row(
            assumption_id="alpha_ctl_sd", row_key="arm=ctl; outcome=score; timepoint_weeks=25.7; value_type=final"
        ),
        synthetic_row(
            assumption_id="alpha_ex_n", column="n", kind="n_analysed_is_n_randomised", derive_from="arms.n_randomised"
        ),
        synthetic_row(
            assumption_id="alpha_ctl_n",
            column="n",
            kind="n_analysed_is_n_randomised",
            derive_from="arms.n_randomised",
            row_key="arm=ctl; outcome=score; timepoint_weeks=25.7; value_type=final",
        ),
    )
    out, applied = apply_ledger(tables, ledger)
    alpha = out["continuous_outcomes"].iloc[:2]
    assert alpha["sd"].tolist() == [5.0, 6.0]
    assert alpha["n"].tolist() == [25, 24]
    assert list(applied.columns) == APPLIED_COLUMNS
    assert applied["assumption_id"].tolist() == ["alpha_ex_sd", "alpha_ctl_sd", "alpha_ex_n", "alpha_ctl_n"]
    assert applied["value_before"].isna().all()
    assert applied["value_after"].tolist() == [5.0, 6.0, 25.0, 24.0]
    assert applied.loc[2, "derivation"] == "arms.n_randomised = 25"
    # the inputs are untouched and unaffected tables are passed through
    assert tables["continuous_outcomes"]["sd"].isna().iloc[:2].all()
    assert out["arms"] is tables["arms"]
    assert studies_with_assumptions(applied) == {"alpha": ["alpha_ex_sd", "alpha_ctl_sd", "alpha_ex_n", "alpha_ctl_n"]}


def test_sd_from_p_value_uses_both_arms() -> None:
    out, applied = apply_ledger(synthetic_tables(), synthetic_ledger(*gamma_p_rows()))
    expected = float(sd_from_p_value(3.0, 0.012, 15, 16))
    gamma = out["continuous_outcomes"].iloc[4:]
    assert gamma["sd"].tolist() == pytest.approx([expected, expected])
    # with that SD in both arms, the two-sample t test gives back the printed P value
    t, p = stats.ttest_ind_from_stats(10.0, expected, 15, 7.0, expected, 16)
    assert p == pytest.approx(0.012, rel=1e-8)
    assert applied["derivation"].str.contains("p = 0.012").all()


def test_sd_from_t_statistic_and_borrowed_and_nominal_timepoint() -> None:
    ledger = synthetic_ledger(
        synthetic_row(
            assumption_id="gamma_ex_sd",
            study_id="gamma",
            kind="sd_from_t_statistic",
            value=2.5,
            derive_from=np.nan,
            row_key="arm=ex; outcome=score; timepoint_weeks=12; value_type=final",
        ),
        synthetic_row(
            assumption_id="gamma_ctl_sd",
            study_id="gamma",
            kind="sd_borrowed",
            derive_from=("study_id=beta; arm=ctl; outcome=score; timepoint_weeks=26.1; value_type=final"),
            row_key="arm=ctl; outcome=score; timepoint_weeks=12; value_type=final",
        ),
        synthetic_row(
            assumption_id="alpha_ex_time",
            column="timepoint_weeks",
            kind="timepoint_is_nominal",
            value=26.1,
            derive_from=np.nan,
        ),
    )
    out, applied = apply_ledger(synthetic_tables(), ledger)
    table = out["continuous_outcomes"]
    assert table.loc[4, "sd"] == pytest.approx(float(sd_from_t_statistic(3.0, 2.5, 15, 16)))
    assert table.loc[5, "sd"] == 7.0
    assert table.loc[0, "timepoint_weeks"] == 26.1
    assert applied.loc[2, "value_before"] == 25.7


def test_ledger_switch_off_and_empty_ledger_leave_tables_byte_identical() -> None:
    tables = synthetic_tables()
    before = {name: t.to_csv(index=False) for name, t in tables.items()}
    for out, applied in (
        apply_ledger(tables, synthetic_ledger(synthetic_row()), enabled=False),
        apply_ledger(tables, synthetic_ledger()),
    ):
        assert {name: t.to_csv(index=False) for name, t in out.items()} == before
        assert applied.empty and list(applied.columns) == APPLIED_COLUMNS


ERRORS = [
    # (change to the default synthetic row, column named in the message, words of the message)
    ({"row_key": "arm=nope; outcome=score; timepoint_weeks=25.7; value_type=final"}, "row_key", "points at 0 rows"),
    ({"row_key": "arm=ex; outcome=score"}, "row_key", "exactly the key columns"),
    ({"row_key": "arm ex"}, "row_key", "'column=value' pairs"),
    (
        {"study_id": "beta", "row_key": "arm=ex; outcome=score; timepoint_weeks=26.1; value_type=final"},
        "column",
        "never replaces a printed number; sd = 6.0 is printed",
    ),
    (
        {
            "kind": "pm_is_sd",
            "study_id": "gamma",
            "row_key": "arm=ex; outcome=score; timepoint_weeks=12; value_type=final",
        },
        "row_key",
        "printed '±' value",
    ),
    ({"kind": "guess"}, "kind", "one of pm_is_sd"),
    ({"column": "se"}, "column", "'sd' for kind pm_is_sd"),
    ({"value": 3.0}, "value", "empty for kind pm_is_sd"),
    ({"derive_from": "se"}, "derive_from", "'plus_minus' for kind pm_is_sd"),
    ({"justification": ""}, "justification", "a value (required)"),
    ({"table": "arms"}, "table", "one of continuous_outcomes"),
    (
        {"kind": "timepoint_is_nominal", "column": "timepoint_weeks", "value": 52.1, "derive_from": np.nan},
        "value",
        "at most 4.345 weeks",
    ),
    (
        {
            "kind": "sd_from_p_value",
            "study_id": "gamma",
            "row_key": "arm=ex; outcome=score; timepoint_weeks=12; value_type=final",
            "derive_from": "outcome_measure=score at 12 weeks, other",
        },
        "derive_from",
        "exact P value",
    ),
    ({"kind": "sd_from_t_statistic", "value": np.nan, "derive_from": np.nan}, "value", "a printed number"),
]


@pytest.mark.parametrize("change, column, words", ERRORS, ids=[e[2][:30] for e in ERRORS])
def test_check_ledger_names_the_ledger_row(change: dict, column: str, words: str) -> None:
    ledger = synthetic_ledger(
        synthetic_row(assumption_id="fine", row_key="arm=ctl; outcome=score; timepoint_weeks=25.7; value_type=final"),
        synthetic_row(**change),
    )
    with pytest.raises(CompendiumError) as err:
        check_ledger(ledger, synthetic_tables())
    message = str(err.value)
    assert message.startswith(f"assumptions.csv, row 2 (line 3), column '{column}': expected"), message
    assert words in message


def test_check_ledger_refuses_contradicted_n_and_printed_dispersion_and_duplicates() -> None:
    tables = synthetic_tables()
    tables["arms"].loc[0, "n_analysed"] = 22
    n_row = synthetic_row(column="n", kind="n_analysed_is_n_randomised", derive_from="arms.n_randomised")
    with pytest.raises(CompendiumError, match="differs from n randomised"):
        check_ledger(synthetic_ledger(n_row), tables)
    tables = synthetic_tables()
    tables["continuous_outcomes"].loc[0, "se"] = 1.0
    with pytest.raises(CompendiumError, match="it prints se"):
        check_ledger(synthetic_ledger(synthetic_row()), tables)
    with pytest.raises(CompendiumError, match=r"row 2 \(line 3\), column 'assumption_id'"):
        check_ledger(synthetic_ledger(synthetic_row(), synthetic_row()), synthetic_tables())
    with pytest.raises(CompendiumError, match="ledger row 1 sets the same cell"):
        check_ledger(synthetic_ledger(synthetic_row(), synthetic_row(assumption_id="again")), synthetic_tables())


def test_derivation_without_n_is_refused() -> None:
    tables = synthetic_tables()
    tables["continuous_outcomes"].loc[4, "n"] = pd.NA
    with pytest.raises(CompendiumError, match="means and n in both arms"):
        apply_ledger(tables, synthetic_ledger(*gamma_p_rows()))


def test_every_kind_has_a_checker() -> None:
    from compendium.assumptions import _Checker

    assert all(hasattr(_Checker, f"_check_{kind}") for kind in KINDS)


# --- GRADE rule -----------------------------------------------------------------------------


def test_assumption_downgrade_rule() -> None:
    applied = pd.DataFrame({"study_id": ["lun", "lun"], "assumption_id": ["lun_sd", "lun_n"]})
    weights = {"bra": 40.0, "lun": 60.0}
    levels, reason = assumption_downgrade(applied, weights, primary_agrees=None)
    assert levels == 1
    assert reason == (
        "Rated down 1 level (risk of bias): 60% of the weight from studies whose numbers rest on stated "
        "assumptions (lun: lun_sd, lun_n); there is no pooled result from printed numbers alone."
    )
    assert assumption_downgrade(applied, weights, primary_agrees=False)[0] == 1
    levels, reason = assumption_downgrade(applied, weights, primary_agrees=True)
    assert levels == 0 and reason.startswith("Not rated down for assumptions: 60%")
    assert assumption_downgrade(applied, {"bra": 1.0, "other": 1.0}, primary_agrees=None) == (0, "")


def test_two_readings_of_one_plus_minus_value_are_refused() -> None:
    """pm_is_sd and pm_is_se on the same '±' value contradict each other (issue 24)."""
    ledger = synthetic_ledger(synthetic_row(), synthetic_row(assumption_id="alpha_ex_se", column="se", kind="pm_is_se"))
    with pytest.raises(
        CompendiumError, match=r"assumptions.csv, row 2 \(line 3\), column 'kind': expected one reading"
    ):
        check_ledger(ledger, synthetic_tables())


def test_a_rejected_assumption_is_refused_where_it_applies() -> None:
    """A ledger row applying what assumptions_rejected.csv rejects is refused, by stage 03 (apply_ledger)
    as by validate (check_ledger); a rejection naming another time point does not refuse it."""
    rejected = pd.DataFrame(
        [
            {
                "rejection_id": "alpha_no_sd",
                "study_id": "alpha",
                "kind": "pm_is_sd",
                "target": "continuous_outcomes: score at 25.7 weeks, both arms",
                "reason": "synthetic",
            }
        ]
    )
    ledger = synthetic_ledger(synthetic_row())
    with pytest.raises(CompendiumError, match="expected an assumption not rejected in assumptions_rejected.csv"):
        apply_ledger(synthetic_tables(), ledger, rejected=rejected)
    elsewhere = rejected.assign(target="continuous_outcomes: score at 52 weeks")
    check_ledger(ledger, synthetic_tables(), rejected=elsewhere)
    apply_ledger(synthetic_tables(), ledger, rejected=elsewhere.assign(kind="pm_is_se"))
