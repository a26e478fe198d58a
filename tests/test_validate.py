"""Validation of data packages: the valid fixture passes, each bad-input file fails with its message.

The bad-input corpus lives in ``tests/bad_inputs/<case>/``: one malformed file that replaces its
namesake in the (synthetic) valid fixture package, declared by tests/fixtures/review.yaml (a
case's ``review.yaml`` replaces that declaration at the repository root,
two folders above the package, as ``<repo>/review.yaml`` for ``<repo>/data/raw``), and
``expected.txt`` listing the substrings the error message must contain (file, row, column, what
was expected, the value found); a line starting with ``!`` is a substring it must not contain.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from compendium.cli import main
from compendium.data import ValidationFailed, check_package, load_tables
from compendium.data.plausibility import out_of_range, outcome_ranges
from compendium.data.summary import coverage_table, evidence_flow, primary_trials, stream_counts
from compendium.errors import CompendiumError
from compendium.paths import RAW_DIR
from compendium.results_io import read_table, write_table
from compendium.review import parse_review

TESTS = Path(__file__).parent
VALID = TESTS / "fixtures" / "valid_package"
#: the SYNTHETIC declaration of the valid fixture package
FIXTURE_REVIEW = TESTS / "fixtures" / "review.yaml"
CASES = sorted(
    p for p in (TESTS / "bad_inputs").iterdir() if p.is_dir() and not (p / "command.txt").exists()
)  # command cases: test_csv_input.py


def make_package(tmp_path: Path, case: Path | None = None) -> Path:
    """The valid fixture with this compendium's datapackage.yaml in ``tmp_path/repo/data/raw`` and its
    SYNTHETIC declaration (tests/fixtures/review.yaml) in ``tmp_path/repo/review.yaml``, optionally
    overlaid with a bad-input case (its ``review.yaml``, if any, replaces the declaration)."""
    package = tmp_path / "repo" / "data" / "raw"
    shutil.copytree(VALID, package, ignore=shutil.ignore_patterns("README.md"))
    shutil.copy(RAW_DIR / "datapackage.yaml", package)
    shutil.copy(FIXTURE_REVIEW, tmp_path / "repo" / "review.yaml")
    if case is not None:
        for item in case.iterdir():
            if item.name == "review.yaml":
                shutil.copy(item, tmp_path / "repo" / item.name)
            elif item.name != "expected.txt":
                shutil.copy(item, package / item.name)
    return package


def expectations(case: Path) -> tuple[list[str], list[str]]:
    """(substrings the message must contain, substrings it must not contain) of a corpus case."""
    lines = [line for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines() if line]
    return [line for line in lines if not line.startswith("!")], [line[1:] for line in lines if line.startswith("!")]


def test_valid_fixture_passes(tmp_path):
    check_package(make_package(tmp_path))


def test_corpus_has_at_least_thirty_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_rejected_with_its_message(case, tmp_path, capsys):
    package = make_package(tmp_path, case)
    with pytest.raises(CompendiumError) as raised:
        check_package(package)
    message = str(raised.value)
    present, absent = expectations(case)
    for expected in present:
        assert expected in message, f"{case.name}: {expected!r} not in:\n{message}"
    for unexpected in absent:
        assert unexpected not in message, f"{case.name}: {unexpected!r} in:\n{message}"
    # the command line says the same: "error: ...", exit code 2, no traceback
    assert main(["validate", str(package)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and present[0] in err and "Traceback" not in err
    # and --json lists the same problems on stdout (a fatal error has no list: only the message)
    assert main(["validate", "--json", str(package)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ")
    if isinstance(raised.value, ValidationFailed):
        records = json.loads(captured.out)
        assert [record["message"] for record in records] == [str(p) for p in raised.value.problems]
        assert any(present[0] in record["message"] for record in records)


def test_all_errors_in_a_file_are_reported_at_once(tmp_path):
    package = make_package(tmp_path)
    table = (package / "continuous_outcomes.csv").read_text(encoding="utf-8")
    (package / "continuous_outcomes.csv").write_text(
        table.replace(",5.0,", ",-5.0,").replace(",6.0,", ",abc,"), encoding="utf-8"
    )
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


def test_a_folder_without_descriptor_is_read_with_the_engines_schema(tmp_path):
    # issue 19: the schema is the engine's; only sources.csv and studies.csv must exist, the other
    # tables may be left out (read as empty)
    with pytest.raises(Exception, match=r"sources.csv: expected a CSV file .*\(file not found\)") as raised:
        check_package(tmp_path)
    assert "studies.csv" in str(raised.value) and "trials.csv" not in str(raised.value)


def test_tables_left_out_are_empty_and_the_rest_still_validates(tmp_path):
    package = make_package(tmp_path)
    (package / "datapackage.yaml").unlink()
    kept = {"sources.csv", "studies.csv", "trials.csv", "arms.csv", "continuous_outcomes.csv"}
    for path in package.glob("*.csv"):
        if path.name not in kept:
            path.unlink()
    check_package(package)
    tables = load_tables(package, validate=False)
    assert len(tables["mr_estimates"]) == 0 and "exposure_category" in tables["mr_estimates"].columns
    assert len(tables["arms"]) > 0
    (package / "arms.csv").unlink()  # continuous_outcomes refer to arms that are now absent
    with pytest.raises(Exception, match="continuous_outcomes.csv"):
        check_package(package)


def test_load_tables_types_columns_and_keeps_missing_missing(tmp_path):
    tables = load_tables(make_package(tmp_path))
    outcomes = tables["continuous_outcomes"]
    assert str(outcomes["n"].dtype) == "Int64"
    assert outcomes["median"].isna().all()
    assert tables["trials"]["randomised"].tolist() == [True]


def test_validate_json_is_an_empty_list_for_a_valid_package(tmp_path, capsys):
    assert main(["validate", "--json", str(make_package(tmp_path))]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_every_message_has_the_one_cell_format(tmp_path):
    package = make_package(tmp_path, TESTS / "bad_inputs" / "03_negative_sd")
    problems = [str(p) for p in pytest.raises(ValidationFailed, check_package, package).value.problems]
    assert problems == [
        "continuous_outcomes.csv, row 2 (line 3), column 'sd': expected a value keeping the rule: sd must be "
        "positive, got '-6.0'"
    ]


def replace_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell of a (small, synthetic) CSV fixture; ``row`` is the 1-based data row."""
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[row][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_text_that_looks_missing_is_text_for_the_validator_and_the_loaders(tmp_path):
    """A study labelled "None", a country "NA", notes "NULL" and "nan": text, not missing (synthetic)."""
    package = make_package(tmp_path)
    replace_cell(package / "studies.csv", 1, "label", "None")
    replace_cell(package / "studies.csv", 2, "label", "NA")
    replace_cell(package / "trials.csv", 1, "country", "NA")
    replace_cell(package / "trials.csv", 1, "notes", "NULL")
    replace_cell(package / "arms.csv", 1, "description", "nan")
    check_package(package)
    tables = load_tables(package)
    assert tables["studies"]["label"].tolist()[:2] == ["None", "NA"]
    assert tables["trials"][["country", "notes"]].iloc[0].tolist() == ["NA", "NULL"]
    assert tables["arms"]["description"].iloc[0] == "nan"
    assert tables["trials"]["registration"].isna().all()  # an empty cell is still missing
    # the stage-01 summaries run on them, and a later stage reads stage 01's tables the same way
    for summary in (stream_counts, primary_trials, evidence_flow, coverage_table):
        summary(tables)
    write_table(tables["studies"], tmp_path / "reports" / "01_ingest", "studies")
    assert read_table(tmp_path / "reports", "01_ingest", "studies")["label"].tolist()[:2] == ["None", "NA"]


def test_text_that_looks_missing_in_a_number_column_is_refused(tmp_path):
    package = make_package(tmp_path)
    replace_cell(package / "continuous_outcomes.csv", 1, "mean", "NA")
    with pytest.raises(
        ValidationFailed, match=r"row 1 \(line 2\), column 'mean': expected a value of type number, got 'NA'"
    ):
        check_package(package)


def test_a_byte_order_mark_is_read_by_the_validator_and_the_loaders(tmp_path):
    package = make_package(tmp_path)
    for path in package.glob("*.csv"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    check_package(package)
    assert load_tables(package)["sources"]["source_id"].tolist() == ["fixture_source"]


def test_outcome_ranges_come_from_the_declaration():
    review = parse_review(
        {
            "title": "synthetic test fixture",
            "intervention": {"noun": "training"},
            "comparator": {"noun": "control"},
            "questions": [{"id": "treatment", "text": "Does it help?", "streams": ["rct"]}],
            "outcomes": [{"id": "alsfrs_r", "label": "score", "range": [0, 48]}, {"id": "fatigue", "label": "fatigue"}],
        }
    )
    assert outcome_ranges(review) == {"alsfrs_r": (0.0, 48.0)}


def test_out_of_range_checks_locations_not_spreads_and_shifts_the_range_for_changes():
    table = pd.DataFrame(
        {
            "study_id": ["s", "s", "s", "s"],
            "outcome": ["alsfrs_r", "alsfrs_r", "alsfrs_r", "fatigue"],
            "value_type": ["final", "change", "slope", "final"],
            "mean": ["49", "-47", "-100", "1e300"],
            "sd": ["1e300", "", "", ""],
            "ci_high": ["", "-40", "", ""],
            "q3": ["48", "", "", ""],
        }
    )
    flags = out_of_range(table, {"alsfrs_r": (0, 48)})
    assert [(f.row, f.column, f.value, f.range) for f in flags] == [(1, "mean", 49.0, (0.0, 48.0))]
    flags = out_of_range(table.assign(mean=["1", "-49", "0", "0"]), {"alsfrs_r": (0, 48)})
    assert [(f.row, f.column, f.range) for f in flags] == [(2, "mean", (-48.0, 48.0))]


def test_validate_and_check_reported_read_the_ranges_next_to_the_data_folder(tmp_path, capsys):
    package = make_package(tmp_path, TESTS / "bad_inputs" / "37_value_outside_instrument_range")
    assert main(["check-reported", "--json", str(package)]) == 0
    flags = [f for f in json.loads(capsys.readouterr().out) if f["reason"] == "outside_instrument_range"]
    assert [(f["file"], f["row"], f["field"]) for f in flags] == [("continuous_outcomes.csv", 1, "mean")]
    assert main(["validate", str(package)]) == 2
    assert "expected a value inside the range of alsfrs_r [0, 48]" in capsys.readouterr().err
    # --review names another declaration: one without the range checks no range (the value, 1e300,
    # is still refused by the magnitude bound every number cell keeps)
    declaration = (tmp_path / "repo" / "review.yaml").read_text(encoding="utf-8")
    without_range = declaration.replace(", range: [0, 48]", "")
    (tmp_path / "elsewhere.yaml").write_text(without_range, encoding="utf-8")
    assert main(["validate", "--review", str(tmp_path / "elsewhere.yaml"), str(package)]) == 2
    err = capsys.readouterr().err
    assert "1 problem(s)" in err and "expected a number between -1e+12 and 1e+12" in err and "range of" not in err


def test_committed_data_is_valid_under_its_own_declaration():
    """data/raw passes with the vocabularies and instrument ranges of this compendium's review.yaml."""
    check_package(RAW_DIR)


def test_a_directory_in_place_of_a_table_is_named_as_such(tmp_path):
    package = make_package(tmp_path)
    (package / "rob_facts.csv").unlink()
    (package / "rob_facts.csv").mkdir()
    with pytest.raises(
        ValidationFailed, match=r"rob_facts.csv: expected a CSV file with columns .* \(this is a directory\)"
    ):
        check_package(package)


def test_a_row_without_follow_up_time_is_valid_and_the_empty_cell_is_part_of_the_key(tmp_path):
    """Issue 10: a source may give no follow-up time; an empty ``timepoint_weeks`` is accepted, and
    two such rows with the same other key columns are duplicates (synthetic fixture)."""
    package = make_package(tmp_path)
    replace_cell(package / "continuous_outcomes.csv", 1, "timepoint_weeks", "")
    check_package(package)
    assert load_tables(package)["continuous_outcomes"]["timepoint_weeks"].isna().sum() == 1


def test_mean_differences_are_checked_against_the_declared_range_only_for_md(tmp_path):
    package = make_package(tmp_path)
    for column, value in (("estimate", "60"), ("ci_low", "50"), ("ci_high", "70")):
        replace_cell(package / "rct_effects.csv", 1, column, value)
    with pytest.raises(ValidationFailed, match=r"column 'ci_high': expected a mean difference inside \[-48, 48\]"):
        check_package(package)
    replace_cell(package / "rct_effects.csv", 1, "measure", "SMD")  # an SMD has no bound from the instrument
    check_package(package)


def _rewrite_source(package: Path, **cells: str) -> None:
    """Replace cells of the fixture's one source row (SYNTHETIC)."""
    path = package / "sources.csv"
    sources = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column, value in cells.items():
        sources.loc[0, column] = value
    sources.to_csv(path, index=False)


def test_a_published_source_without_any_identifier_is_a_warning_not_an_error(tmp_path, capsys):
    package = make_package(tmp_path)
    _rewrite_source(package, doi="", pmid="", identifier_source="", url="https://example.org/fixture", read_at="")
    assert main(["validate", str(package)]) == 0
    err = capsys.readouterr().err
    assert (
        "warning: sources.csv, row 1 (line 2), column 'doi': expected an identifier of this published source "
        "(full_text)" in err
    )


def test_a_registry_record_without_its_number_and_a_source_without_url_are_warnings(tmp_path, capsys):
    package = make_package(tmp_path)
    _rewrite_source(package, doi="", pmid="", url="", source_type="registry")
    assert main(["validate", str(package)]) == 0
    err = capsys.readouterr().err
    assert "warning: sources.csv, row 1 (line 2), column 'registration': expected the registration number" in err
    assert "warning: sources.csv, row 1 (line 2), column 'url': expected the source's canonical address" in err


def test_a_valid_package_with_identified_sources_has_no_warning(tmp_path, capsys):
    from compendium.data.validate import package_warnings

    package = make_package(tmp_path)
    assert package_warnings(package) == []
    assert main(["validate", str(package)]) == 0
    assert "warning" not in capsys.readouterr().err


def test_url_follows_the_first_identifier_doi_pmid_pmcid_registration(tmp_path):
    package = make_package(tmp_path)
    _rewrite_source(package, doi="", url="https://pubmed.ncbi.nlm.nih.gov/12345678/")
    check_package(package)
    _rewrite_source(package, pmid="", pmcid="PMC42", url="https://pmc.ncbi.nlm.nih.gov/articles/PMC42/")
    check_package(package)
    _rewrite_source(package, pmcid="", registration="NCT01521728", url="https://clinicaltrials.gov/study/NCT01521728")
    check_package(package)
    # an IRCT number gives no address: the registry's own page is the url
    _rewrite_source(package, registration="IRCT20200611047727N2", url="https://irct.behdasht.gov.ir/trial/48913")
    check_package(package)
    _rewrite_source(package, registration="", pmcid="PMC42", url="https://pubmed.ncbi.nlm.nih.gov/12345678/")
    with pytest.raises(ValidationFailed, match="expected the link of the source's first identifier, https://pmc"):
        check_package(package)


def test_a_folder_without_its_own_declaration_is_checked_against_this_one_with_a_note(tmp_path, capsys):
    """A data folder with no review.yaml in it or above it is checked against this compendium's
    declaration, and validate says so (issue 24), on stderr, whatever the outcome."""
    package = tmp_path / "loose" / "raw"
    shutil.copytree(make_package(tmp_path), package)
    main(["validate", str(package)])
    err = capsys.readouterr().err
    assert f"note: {package} has no review.yaml in it or above it; checked against" in err
    assert "(give the right one with --review)" in err
    main(["validate", "--review", str(FIXTURE_REVIEW), str(package)])
    assert "note:" not in capsys.readouterr().err
