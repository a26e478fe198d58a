"""``compendium mr`` and the results object: JSON contract, determinism, nulls with notes, errors.

Numbers checked here are the MendelianRandomization vignette values for the real lipid data
(tests/data/README.md); small and malformed tables are SYNTHETIC.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from compendium.cli import main
from compendium.errors import CompendiumError
from compendium.mr.analysis import mr_analysis
from compendium.mr.results import FRAME_COLUMNS, METHOD_LABELS
from mr_reference import LIPID_COLUMNS, LIPIDS_CSV, lipids, matches_printed

METHODS = ["ivw", "ivw_fixed", "egger", "weighted_median", "simple_median", "weighted_mode"]
COLUMN_ARGS = ["--bx", "beta_ldlc", "--bxse", "se_ldlc", "--by", "beta_chd_logodds", "--byse", "se_chd_logodds"]


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def lipid_json(capsys, *extra: str) -> dict:
    code, out, _ = run(["mr", str(LIPIDS_CSV), *COLUMN_ARGS, "--bootstrap", "2000", *extra, "--json"], capsys)
    assert code == 0
    return json.loads(out)


def test_json_contract_and_vignette_values(capsys):
    out = lipid_json(capsys)
    assert list(out) == [
        "n_snps",
        *METHODS,
        "heterogeneity",
        "f_mean",
        "n_weak_instruments",
        "weak_snps",
        "instrument_note",
        "notes",
    ]
    assert out["n_snps"] == 28 and out["notes"] == {}
    for method in METHODS:
        expected = ["estimate", "se", "ci_low", "ci_high", "pval"]
        if method == "egger":
            expected += ["intercept", "intercept_se", "intercept_pval"]
        assert list(out[method]) == expected
    assert list(out["heterogeneity"]) == ["q_ivw", "q_ivw_pval", "q_egger", "q_egger_pval", "i2gx"]
    # MendelianRandomization vignette values
    assert matches_printed(out["ivw"]["estimate"], "2.834") and matches_printed(out["ivw"]["se"], "0.530")
    assert matches_printed(out["egger"]["estimate"], "3.253")
    assert matches_printed(out["egger"]["intercept_pval"], "0.451")
    assert matches_printed(out["weighted_median"]["estimate"], "2.683")
    assert matches_printed(out["simple_median"]["estimate"], "1.755")
    assert matches_printed(out["heterogeneity"]["q_ivw"], "99.53")
    # F = (bx / bxse)^2 averaged over SNPs
    table = lipids()
    assert out["f_mean"] == pytest.approx(((table.beta_ldlc / table.se_ldlc) ** 2).mean())


def test_same_seed_same_numbers(capsys):
    first, second = lipid_json(capsys, "--seed", "7"), lipid_json(capsys, "--seed", "7")
    assert first == second
    assert lipid_json(capsys, "--seed", "8")["weighted_median"]["se"] != first["weighted_median"]["se"]


def test_default_columns_and_readable_table(tmp_path: Path, capsys):
    path = tmp_path / "harmonised.csv"
    renamed = dict(zip(LIPID_COLUMNS, ["beta_exposure", "se_exposure", "beta_outcome", "se_outcome"]))
    lipids().rename(columns=renamed).to_csv(path, index=False)
    code, out, _ = run(["mr", str(path), "--bootstrap", "200"], capsys)
    assert code == 0
    assert "28 SNPs" in out and "MR-Egger" in out and "2.834" in out and "Heterogeneity" in out


def test_too_few_snps_gives_null_with_notes(tmp_path: Path, capsys):
    path = tmp_path / "two_snps.csv"  # SYNTHETIC
    lipids().iloc[:2].to_csv(path, index=False)
    code, out, _ = run(["mr", str(path), *COLUMN_ARGS, "--bootstrap", "100", "--json"], capsys)
    result = json.loads(out)
    assert code == 0 and result["n_snps"] == 2
    assert result["ivw"] is not None and result["ivw_fixed"] is not None
    for method in ("egger", "weighted_median", "simple_median", "weighted_mode"):
        assert result[method] is None
        assert result["notes"][method] == "needs at least 3 SNPs, got 2"
    assert result["heterogeneity"]["q_egger"] is None and result["heterogeneity"]["q_ivw"] is not None
    code, out, _ = run(["mr", str(path), *COLUMN_ARGS, "--bootstrap", "100"], capsys)
    assert "not estimated: needs at least 3 SNPs" in out


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.drop(columns="se_ldlc"), "column 'se_ldlc': expected a column with this name"),
        (
            lambda t: t.astype({"beta_chd_logodds": object}).assign(
                beta_chd_logodds=lambda d: d.beta_chd_logodds.where(d.index != 2, "abc")
            ),
            "row 3 (line 4), column 'beta_chd_logodds': expected a finite number with absolute value at most 1e+06, "
            "got 'abc'",
        ),
        (
            lambda t: t.assign(se_chd_logodds=lambda d: d.se_chd_logodds.where(d.index != 0, 0.0)),
            "row 1 (line 2), column 'se_chd_logodds': expected a finite number >= 1e-12",
        ),
        (lambda t: t.assign(se_ldlc=lambda d: d.se_ldlc.where(d.index != 4, -0.1)), "row 5 (line 6), column 'se_ldlc'"),
        (
            lambda t: t.assign(beta_ldlc=lambda d: d.beta_ldlc.where(d.index != 1)),
            "row 2 (line 3), column 'beta_ldlc': expected a finite number with absolute value from 1e-12 to 1e+06, "
            "got an empty cell",
        ),
        (lambda t: t.iloc[:0], "no rows"),
    ],
)
def test_bad_input_exits_2_naming_file_row_column(tmp_path: Path, capsys, edit, expected):
    path = tmp_path / "bad.csv"  # SYNTHETIC corruption of the lipid table
    edit(lipids()).to_csv(path, index=False)
    code, out, err = run(["mr", str(path), *COLUMN_ARGS, "--json"], capsys)
    assert code == 2 and out == ""
    assert err.startswith(f"error: {path}") and expected in err


def test_empty_and_missing_files(tmp_path: Path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code, _, err = run(["mr", str(empty), "--json"], capsys)
    assert code == 2 and "empty file" in err
    code, _, err = run(["mr", str(tmp_path / "absent.csv"), "--json"], capsys)
    assert code == 2 and "file not found" in err


def test_results_object_frame_and_str():
    results = mr_analysis(lipids(), *LIPID_COLUMNS, snp="variant", n_bootstrap=200)
    frame = results.to_frame()
    assert list(frame.columns) == FRAME_COLUMNS
    assert frame.method.tolist() == list(METHOD_LABELS) == METHODS
    assert (frame.n_snps == 28).all()
    assert frame.set_index("method").loc["egger", "estimate"] == pytest.approx(results.egger.estimate)
    text = str(results)
    assert all(label in text for label in METHOD_LABELS.values())
    assert results.settings.n_bootstrap == 200 and results.settings.seed == 314159265


def test_settings_overrides_and_unknown_setting():
    results = mr_analysis(lipids(), *LIPID_COLUMNS, n_bootstrap=100, egger_distribution="t", median_weights="second")
    assert results.egger.distribution == "t" and results.weighted_median.weights == "second"
    with pytest.raises(CompendiumError, match="unknown setting"):
        mr_analysis(lipids(), *LIPID_COLUMNS, bootstraps=100)


def test_near_zero_exposure_effect_gives_finite_estimates_without_warnings(tmp_path: Path, capsys, recwarn):
    """Issue 15: weighted mode returned SE/CI null (and RuntimeWarnings) when one SNP's bx was 1e-6."""
    table = lipids()  # real lipid data with one SYNTHETIC edit
    table.loc[3, "beta_ldlc"] = 0.000001
    path = tmp_path / "near_zero.csv"
    table.to_csv(path, index=False)
    code, out, err = run(["mr", str(path), *COLUMN_ARGS, "--bootstrap", "1000", "--json"], capsys)
    result = json.loads(out)
    assert code == 0 and err == "" and not recwarn.list
    for method in METHODS:
        assert all(value is not None for value in result[method].values()), method
    assert result["notes"] == {}
    assert abs(result["weighted_mode"]["estimate"] - result["ivw"]["estimate"]) < 1


def test_a_non_finite_field_is_noted_not_silently_null(monkeypatch):
    import compendium.mr.analysis as analysis

    original = analysis.weighted_mode

    def broken(*args, **kwargs):
        result = original(*args, **kwargs)
        return type(result)(**{**result.__dict__, "se": float("nan"), "ci_low": float("nan")})

    monkeypatch.setattr(analysis, "weighted_mode", broken)
    results = mr_analysis(lipids(), *LIPID_COLUMNS, n_bootstrap=100)
    assert results.weighted_mode is not None
    assert results.notes["weighted_mode"].startswith("unreliable: se, ci_low could not be computed")
    assert "Note (Weighted mode): unreliable" in str(results)


def test_level_is_a_percentage_as_in_meta(capsys):
    ninety = lipid_json(capsys, "--level", "90")
    default = lipid_json(capsys)
    assert ninety["ivw"]["estimate"] == default["ivw"]["estimate"]
    # 90 % interval: estimate -/+ 1.6449 se (normal quantile 0.95)
    half_width = ninety["ivw"]["ci_high"] - ninety["ivw"]["estimate"]
    assert half_width == pytest.approx(1.6448536 * ninety["ivw"]["se"], rel=1e-6)
    with pytest.raises(CompendiumError, match="level: expected a confidence level in percent"):
        mr_analysis(lipids(), *LIPID_COLUMNS, level=0.95)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"seed": -1}, "seed: expected a non-negative integer"),
        ({"n_bootstrap": 100_001}, "n_bootstrap: expected an integer from 2 to 100000"),
        ({"n_bootstrap": 1}, "n_bootstrap: expected an integer from 2 to 100000"),
    ],
)
def test_seed_and_bootstrap_are_checked_by_the_engine(overrides, message):
    with pytest.raises(CompendiumError, match=message):
        mr_analysis(lipids(), *LIPID_COLUMNS, **overrides)


def test_repeated_snp_is_refused_not_counted_twice():
    table = lipids()  # real lipid data with one SYNTHETIC duplicated row
    doubled = pd.concat([table, table.iloc[[2]]], ignore_index=True)
    with pytest.raises(
        CompendiumError, match=r"row 29 \(line 30\), column 'variant': expected each SNP once.*already in row 3"
    ):
        mr_analysis(doubled, *LIPID_COLUMNS, snp="variant", n_bootstrap=100)
    with pytest.raises(CompendiumError, match="same four associations as row 3"):
        mr_analysis(doubled, *LIPID_COLUMNS, snp=None, n_bootstrap=100)


def test_weak_instruments_are_counted_named_and_explained(tmp_path, capsys):
    """F = bx^2 / bxse^2 < 10 flags a weak instrument (Staiger & Stock 1997 rule of thumb). SYNTHETIC
    tables: four SNPs with F = (0.01 / 0.02)^2 = 0.25 each (mean F 0.25), then three strong SNPs
    (F = 100) and one with F = 1e-4."""
    weak = pd.DataFrame({"snp": ["a", "b", "c", "d"], "beta_exposure": [0.01] * 4, "se_exposure": [0.02] * 4}).assign(
        beta_outcome=[0.03, 0.02, 0.04, 0.01], se_outcome=[0.01] * 4
    )
    path = tmp_path / "weak.csv"
    weak.to_csv(path, index=False)
    code, out, _ = run(["mr", str(path), "--bootstrap", "200", "--json"], capsys)
    result = json.loads(out)
    assert code == 0 and result["f_mean"] == pytest.approx(0.25)
    assert result["n_weak_instruments"] == 4 and result["weak_snps"] == ["a", "b", "c", "d"]
    assert "4 of 4 SNPs are weak instruments (F < 10" in result["instrument_note"]
    assert "mean F = 0.25 is below 10: the instruments are weak" in result["instrument_note"]
    code, out, _ = run(["mr", str(path), "--bootstrap", "200"], capsys)
    assert "mean F = 0.250, 4 with F < 10" in out and "Weak instruments: 4 of 4 SNPs" in out

    mixed = weak.assign(beta_exposure=[0.1, 0.1, 0.1, 0.0001], se_exposure=[0.01] * 4)
    results = mr_analysis(mixed, "beta_exposure", "se_exposure", n_bootstrap=200)
    assert results.weak_snps == ("d",)
    assert results.instrument_note.startswith("1 of 4 SNPs are weak instruments (F < 10: d)")
    assert "mean F" not in results.instrument_note  # the mean (75) is strong
    strong = mr_analysis(mixed.iloc[:3], "beta_exposure", "se_exposure", n_bootstrap=200)
    assert strong.weak_snps == () and strong.instrument_note == ""
    from compendium.mr.sensitivity import single_snp

    flags = single_snp(mixed.rename(columns={"beta_exposure": "bx", "se_exposure": "bxse"}), "bx", "bxse")
    assert flags["weak_instrument"].tolist() == [False, False, False, True]
