"""Validation of data packages: the valid fixture passes, each bad-input file fails with its message.

The bad-input corpus lives in ``tests/bad_inputs/<case>/``: one malformed file that replaces its
namesake in the (synthetic) valid fixture package, and ``expected.txt`` listing the substrings
the error message must contain (file, row, column, value, rule).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compendium.cli import main
from compendium.data import ValidationFailed, check_package, load_tables
from compendium.paths import RAW_DIR

TESTS = Path(__file__).parent
VALID = TESTS / "fixtures" / "valid_package"
CASES = sorted(p for p in (TESTS / "bad_inputs").iterdir() if p.is_dir() and not (p / "command.txt").exists())  # command cases: test_csv_input.py


def make_package(tmp_path: Path, case: Path | None = None) -> Path:
    """The valid fixture with the real datapackage.yaml, optionally overlaid with a bad-input case."""
    package = tmp_path / "package"
    shutil.copytree(VALID, package, ignore=shutil.ignore_patterns("README.md"))
    shutil.copy(RAW_DIR / "datapackage.yaml", package)
    if case is not None:
        for item in case.iterdir():
            if item.name != "expected.txt":
                shutil.copy(item, package / item.name)
    return package


def test_valid_fixture_passes(tmp_path):
    check_package(make_package(tmp_path))


def test_corpus_has_at_least_twenty_cases():
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_rejected_with_its_message(case, tmp_path, capsys):
    package = make_package(tmp_path, case)
    with pytest.raises(ValidationFailed) as raised:
        check_package(package)
    message = str(raised.value)
    for expected in (case / "expected.txt").read_text(encoding="utf-8").splitlines():
        if expected:
            assert expected in message, f"{case.name}: {expected!r} not in:\n{message}"
    # the command line says the same and exits non-zero
    assert main(["validate", str(package)]) == 2
    assert (case / "expected.txt").read_text(encoding="utf-8").splitlines()[0] in capsys.readouterr().err


def test_all_errors_in_a_file_are_reported_at_once(tmp_path):
    package = make_package(tmp_path)
    table = (package / "continuous_outcomes.csv").read_text(encoding="utf-8")
    (package / "continuous_outcomes.csv").write_text(table.replace(",5.0,", ",-5.0,").replace(",6.0,", ",abc,"), encoding="utf-8")
    with pytest.raises(ValidationFailed) as raised:
        check_package(package)
    assert {(p.row, p.column) for p in raised.value.problems} >= {(1, "sd"), (2, "sd")}


def test_verified_as_printed_lets_a_published_inconsistency_through(tmp_path):
    package = make_package(tmp_path)
    path = package / "rct_effects.csv"
    header, row = path.read_text(encoding="utf-8").splitlines()
    row = row.replace("3.0,-1.8,7.8", "9.0,-1.8,7.8").replace(",,,fixture_source", ",,true,fixture_source")
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    check_package(package)


def test_missing_descriptor_is_a_clear_error(tmp_path):
    with pytest.raises(Exception, match="datapackage.yaml: not found"):
        check_package(tmp_path)


def test_load_tables_types_columns_and_keeps_missing_missing(tmp_path):
    tables = load_tables(make_package(tmp_path))
    outcomes = tables["continuous_outcomes"]
    assert str(outcomes["n"].dtype) == "Int64"
    assert outcomes["median"].isna().all()
    assert tables["trials"]["randomised"].tolist() == [True]
