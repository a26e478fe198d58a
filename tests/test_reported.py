"""Unit tests of the reported-statistics consistency check (compendium.evidence.reported).

Every fixture here is a labelled synthetic example written for the test, not evidence.
Where a row reuses published numbers, the source is named in the comment.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from compendium.cli import main as cli_main
from compendium.evidence.reported import (
    ASYMMETRY_RELATIVE_TOLERANCE,
    COLUMNS,
    SMD_MAX_ABS,
    check_reported,
    estimate_flags,
    printed,
    z_for_level,
)
from compendium.paths import ROOT


def reasons(flags):
    return {reason for _, reason, _ in flags}


def test_printed_keeps_the_rounding_of_the_last_digit():
    assert printed("4.45").half == pytest.approx(0.005)
    assert printed("0.010").half == pytest.approx(0.0005)
    assert printed("15").half == pytest.approx(0.5)
    assert printed("5e-08").value == pytest.approx(5e-8)
    assert printed("") is None


def test_z_for_95_percent_matches_the_normal_table():
    # 1.959964 from any normal table (e.g. Abramowitz & Stegun 26.2)
    assert z_for_level(95) == pytest.approx(1.959964, abs=1e-6)


def test_ci_that_excludes_its_estimate_is_flagged():
    # synthetic: MD 5.0 with CI 1.0 to 4.0
    assert "ci_excludes_estimate" in reasons(estimate_flags("MD", "5.0", "1.0", "4.0"))


def test_reversed_ci_is_flagged():
    assert "ci_reversed" in reasons(estimate_flags("OR", "1.5", "2.0", "1.1"))


def test_p_that_contradicts_its_ci_is_flagged():
    # synthetic: the CI crosses zero (z about 1.0) but p < 0.001 is printed
    flags = estimate_flags("MD", "2.0", "-2.0", "6.0", "95", p_value="0.001", p_relation="<")
    assert "p_contradicts_ci" in reasons(flags)


def test_z_that_contradicts_its_ci_is_flagged():
    # the Cheng 2024 row as printed (MD 5.00, 95% CI -2.42 to 7.58, Z = 3.80, p < 0.001)
    flags = estimate_flags("MD", "5.00", "-2.42", "7.58", "95", p_value="0.001", p_relation="<", z_value="3.80")
    assert {"z_contradicts_ci", "p_contradicts_ci", "ci_asymmetric"} <= reasons(flags)


def test_ratio_ci_symmetric_on_the_raw_scale_is_flagged():
    # synthetic: OR 2.0 (1.0 to 3.0) is symmetric on the raw scale, so asymmetric on the log scale
    flags = estimate_flags("OR", "2.0", "1.0", "3.0")
    assert "ci_asymmetric" in reasons(flags)
    assert ASYMMETRY_RELATIVE_TOLERANCE < 0.16  # that CI is 16% asymmetric after rounding


def test_exact_poisson_smr_ci_is_not_held_to_log_symmetry():
    # Chio 2005 (Brain 128:472): SMR 6.5, 95% CI 2.1-15.1 from 5 cases, an exact Poisson interval
    assert estimate_flags("SMR", "6.5", "2.1", "15.1", "95") == []


def test_smd_of_19_5_is_flagged():
    # as printed for Benzo-Iglesias 2025 by a news summary ('SMD 19.53; P = .02')
    flags = estimate_flags("SMD", "19.53", p_value="0.02", p_relation="=")
    assert reasons(flags) == {"smd_implausible"}
    assert SMD_MAX_ABS == 5


def test_consistent_row_is_not_flagged():
    # Meng 2020 (Am J Phys Med Rehabil 99:801): SMD 0.47 (0.08 to 0.86), p = 0.02
    assert estimate_flags("SMD", "0.47", "0.08", "0.86", "95", p_value="0.02", p_relation="=") == []
    # Liao 2022 (Front Aging Neurosci): IVW OR 2.507 (1.218-5.160), p = 0.013
    assert estimate_flags("OR", "2.507", "1.218", "5.160", "95", p_value="0.013", p_relation="=") == []


def test_rounding_is_not_flagged():
    # Cheng 2024: MD 3.36 (0.82, 5.91), Z = 2.59, p = 0.009; unrounded the CI gives p = 0.0097,
    # which only agrees with 0.009 once the printed limits are allowed their rounding
    assert estimate_flags("MD", "3.36", "0.82", "5.91", "95", p_value="0.009", p_relation="=", z_value="2.59") == []
    # van Groenestijn 2019: slope difference -1.88 (-3.8 to 0.0), P = 0.046 (one-decimal CI)
    assert estimate_flags("MD", "-1.88", "-3.8", "0.0", "95", p_value="0.046", p_relation="=") == []
    # Beghi 2010: OR 1.03 (1.00-1.05) looks asymmetric only because of two-decimal rounding
    assert estimate_flags("OR", "1.03", "1.00", "1.05", "95") == []


def test_printed_se_is_preferred_to_a_t_based_ci():
    # Cheah 2009: 6.1% (SE 6.93; 95% CI -8.58 to 20.79; p = 0.39), a t-based interval
    assert estimate_flags("MD", "6.1", "-8.58", "20.79", "95", se="6.93", p_value="0.39", p_relation="=") == []


def write(tmp_path, name, rows):
    pd.DataFrame(rows).to_csv(tmp_path / f"{name}.csv", index=False)


def test_check_reported_reports_file_row_and_study(tmp_path):
    write(
        tmp_path,
        "review_results",
        [
            {
                "study_id": "fixture_ok",
                "outcome": "fvc",
                "measure": "MD",
                "estimate": "1.71",
                "ci_low": "0.10",
                "ci_high": "3.31",
                "ci_level": "95",
                "p_value": "0.04",
                "p_relation": "=",
            },
            {
                "study_id": "fixture_bad",
                "outcome": "mep",
                "measure": "SMD",
                "estimate": "19.5",
                "ci_low": "",
                "ci_high": "",
                "ci_level": "",
                "p_value": "",
                "p_relation": "",
            },
        ],
    )
    flags = check_reported(tmp_path)
    assert list(flags.columns) == COLUMNS
    assert flags[["file", "row", "study_id", "reason"]].values.tolist() == [
        ["review_results.csv", 2, "fixture_bad", "smd_implausible"]
    ]


def test_arms_that_do_not_add_up_are_flagged(tmp_path):
    write(
        tmp_path,
        "trials",
        [{"study_id": "fixture", "n_randomised_total": "50"}, {"study_id": "fixture_ok", "n_randomised_total": "20"}],
    )
    write(
        tmp_path,
        "arms",
        [
            {"study_id": "fixture", "arm": "a", "n_randomised": "24", "n_enrolled": ""},
            {"study_id": "fixture", "arm": "b", "n_randomised": "24", "n_enrolled": ""},
            {"study_id": "fixture_ok", "arm": "a", "n_randomised": "10", "n_enrolled": ""},
            {"study_id": "fixture_ok", "arm": "b", "n_randomised": "10", "n_enrolled": ""},
        ],
    )
    flags = check_reported(tmp_path)
    assert flags[["file", "row", "reason"]].values.tolist() == [["trials.csv", 1, "arms_total_mismatch"]]


def test_review_counts_and_splits_are_checked(tmp_path):
    write(
        tmp_path,
        "review_results",
        [
            {
                "study_id": "fixture",
                "outcome": "all_outcomes",
                "outcome_label": "whole review",
                "k": "5",
                "n": "100",
                "n_intervention": "40",
                "n_control": "50",
            },
            {
                "study_id": "fixture",
                "outcome": "fvc",
                "outcome_label": "FVC",
                "k": "6",
                "n": "",
                "n_intervention": "",
                "n_control": "",
            },
        ],
    )
    found = set(check_reported(tmp_path)["reason"])
    assert found == {"review_split_mismatch", "review_count_exceeds_total"}


def test_smr_must_equal_observed_over_expected(tmp_path):
    write(
        tmp_path,
        "observational",
        [
            # Chio 2005: 5 observed, 0.77 expected, SMR 6.5 (consistent)
            {"study_id": "chio_like", "measure": "SMR", "estimate": "6.5", "cases": "5", "expected_cases": "0.77"},
            {"study_id": "fixture_bad", "measure": "SMR", "estimate": "9.5", "cases": "5", "expected_cases": "0.77"},
        ],
    )
    flags = check_reported(tmp_path)
    assert flags[["study_id", "reason"]].values.tolist() == [["fixture_bad", "observed_expected_mismatch"]]


def test_cli_exit_code_is_zero_with_flags_and_json_is_plain(tmp_path, capsys):
    write(
        tmp_path, "review_results", [{"study_id": "fixture", "outcome": "mep", "measure": "SMD", "estimate": "13.96"}]
    )
    assert cli_main(["check-reported", str(tmp_path)]) == 0
    assert "smd_implausible" in capsys.readouterr().out
    assert cli_main(["check-reported", str(tmp_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["row"] == 1 and data[0]["reason"] == "smd_implausible"


def test_missing_directory_is_a_clear_error(tmp_path, capsys):
    assert cli_main(["check-reported", str(tmp_path / "nope")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_non_finite_printed_numbers_are_not_read_as_numbers():
    # refused by `compendium validate`; the check itself must not stop on them (before: int('F') error)
    for text in ("nan", "inf", "-inf", "Infinity", "1e309"):
        assert printed(text) is None
    assert estimate_flags("OR", "inf", "1.1", "2.0", "95", p_value="nan", p_relation="=") == []


def test_arm_values_outside_the_instrument_range_are_flagged(tmp_path):
    write(
        tmp_path,
        "continuous_outcomes",
        [
            {
                "study_id": "fixture",
                "arm": "a",
                "outcome": "alsfrs_r",
                "value_type": "final",
                "mean": "1e300",
                "sd": "1e300",
            },
            {"study_id": "fixture", "arm": "b", "outcome": "alsfrs_r", "value_type": "final", "mean": "30", "sd": "60"},
        ],
    )
    flags = check_reported(tmp_path, ranges={"alsfrs_r": (0, 48)})
    assert flags[["row", "field", "reason"]].values.tolist() == [[1, "mean", "outside_instrument_range"]]
    assert "mean = 1e+300 lies outside [0, 48]" in flags["details"][0]
    # the cli reads the ranges from --review
    review = tmp_path / "review.yaml"
    shutil.copy(ROOT / "review.yaml", review)  # the ALS declaration: ALSFRS-R range [0, 48]
    assert cli_main(["check-reported", str(tmp_path), "--review", str(review), "--json"]) == 0


def test_a_byte_order_mark_does_not_hide_the_first_column(tmp_path):
    path = tmp_path / "review_results.csv"
    write(
        tmp_path, "review_results", [{"study_id": "fixture", "outcome": "mep", "measure": "SMD", "estimate": "13.96"}]
    )
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert check_reported(tmp_path)["study_id"].tolist() == ["fixture"]
