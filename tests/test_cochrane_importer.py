"""compendium.cochrane.importer.write_review: a Cochrane review file becomes a review folder that validates.

Fixtures: tests/cochrane_fixtures.py (labelled test data, not evidence).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cochrane_fixtures import FLEISS_ASPIRIN, fixture_csv, fixture_data_package, fixture_rm5
from compendium.cli import main
from compendium.cochrane.importer import write_review
from compendium.errors import CompendiumError
from compendium.review import load_review


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_imported_rm5_validates_and_keeps_provenance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "review"
    summary = write_review(fixture_rm5(tmp_path / "fixture.rm5"), target)
    assert main(["validate", str(target / "data" / "raw"), "--review", str(target / "review.yaml")]) == 0
    assert "valid" in capsys.readouterr().out
    review = load_review(target / "review.yaml")
    assert [o.id for o in review.outcomes] == [
        "analysis_1_1",
        "analysis_1_2",
        "analysis_1_3",
        "analysis_1_4",
        "analysis_1_7",
    ]
    source = _rows(target / "data" / "raw" / "sources.csv")[0]
    assert source["doi"] == "10.0000/FIXTURE" and source["url"] == "https://doi.org/10.0000/FIXTURE"
    rows = _rows(target / "data" / "raw" / "dichotomous_outcomes.csv")
    first = [r for r in rows if r["outcome"] == "analysis_1_1"]
    assert [(int(r["events"]), int(r["total"])) for r in first[:2]] == [FLEISS_ASPIRIN[0][1:3], FLEISS_ASPIRIN[0][3:5]]
    assert first[0]["locator"] == "fixture.rm5: analysis 1.1 (CMP-001.01), study STD-MRC-1, group 1"
    assert any("(subgroup: random)" in r["outcome_measure"] for r in rows)
    assert summary.studies == 50
    assert summary.skipped == [
        "analysis 1.5 (Tuberculosis (log risk ratios)): generic_iv data have no table in today's layout",
        "analysis 1.6 (Tuberculosis (O - E)): oe data have no table in today's layout",
    ]


def test_imported_data_package_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "review"
    write_review(fixture_data_package(tmp_path / "package.zip"), target, url="https://example.org/fixture")
    assert main(["validate", str(target / "data" / "raw")]) == 0
    assert len(_rows(target / "data" / "raw" / "studies.csv")) == len(FLEISS_ASPIRIN) + 13 + 9


def test_a_file_without_doi_needs_an_address(tmp_path: Path) -> None:
    with pytest.raises(CompendiumError, match="no DOI"):
        write_review(fixture_data_package(tmp_path / "package.zip"), tmp_path / "review")


def test_an_existing_declaration_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "review").mkdir()
    (tmp_path / "review" / "review.yaml").write_text("title: mine\n")
    with pytest.raises(CompendiumError, match="exists"):
        write_review(fixture_rm5(tmp_path / "fixture.rm5"), tmp_path / "review")


def test_imported_csv_needs_address_and_year_and_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = fixture_csv(tmp_path / "aspirin.csv")
    with pytest.raises(CompendiumError, match="records no date"):
        write_review(path, tmp_path / "a", url="https://example.org/aspirin.csv")
    target = tmp_path / "b"
    write_review(path, target, url="https://example.org/aspirin.csv", year=1993, measure="RR")
    assert main(["validate", str(target / "data" / "raw")]) == 0
    source = _rows(target / "data" / "raw" / "sources.csv")[0]
    assert (source["year"], source["url"]) == ("1993", "https://example.org/aspirin.csv")
    assert load_review(target / "review.yaml").dichotomous_measure == "RR"
    studies = _rows(target / "data" / "raw" / "studies.csv")
    assert [(r["label"], r["year"]) for r in studies][:2] == [("MRC-1", "1974"), ("CDP", "1976")]
    assert len(_rows(target / "data" / "raw" / "dichotomous_outcomes.csv")) == 2 * len(FLEISS_ASPIRIN)


def test_comparisons_and_revmans_pooling_are_declared(tmp_path: Path) -> None:
    """Each comparison of the file is declared with its nouns, each imported analysis belongs to its
    comparison and carries RevMan's pooling settings, which stage 03 pools it with."""
    target = tmp_path / "review"
    write_review(fixture_rm5(tmp_path / "fixture.rm5"), target)
    review = load_review(target / "review.yaml")
    assert [c.id for c in review.comparisons] == ["comparison_1"]
    assert review.comparisons[0].label == "1. Fixture comparison"
    assert {o.comparison for o in review.outcomes} == {"comparison_1"}
    pooling = review.declared_pooling()
    assert set(pooling) == {o.id for o in review.outcomes}
    assert (pooling["analysis_1_1"].method, pooling["analysis_1_1"].measure) == ("MH", "OR")
    assert review.subgroup is None  # RevMan's subgroups are the file's, re-analysed from the kept file


@pytest.mark.parametrize(
    ("method", "measure", "random", "expected"),
    [
        ("MH", "RR", True, {"method": "MH", "measure": "RR", "model": "random"}),
        ("Peto", "PETO_OR", True, {"method": "Peto", "measure": "PETO_OR", "model": "fixed"}),
        ("IV", "MD", False, {"method": "IV", "measure": "MD", "model": "fixed"}),
        ("MH", "MD", False, None),  # not a pooling RevMan offers: left to the stage's parameters
        ("", "RR", False, None),  # a method the reader does not know
    ],
)
def test_pooling_declaration(tmp_path: Path, method: str, measure: str, random: bool, expected: dict | None) -> None:
    from dataclasses import replace

    from compendium.cochrane import read_review
    from compendium.cochrane.importer import pooling_declaration

    analysis = read_review(fixture_csv(tmp_path / "aspirin.csv"), measure="RR").analyses[0]
    assert pooling_declaration(replace(analysis, pooling=method, measure=measure, random=random)) == expected
    # swapped events: RevMan pools the non-events, the data package keeps the events as given
    assert pooling_declaration(replace(analysis, pooling=method, measure=measure, swap_events=True)) is None


def test_a_review_of_two_comparisons(tmp_path: Path) -> None:
    """The same analyses under a second comparison (a FIXTURE made from the fixture file): each comparison is
    declared with its own nouns, a name used in both gets RevMan's analysis number, and the question names
    the review."""
    import copy
    import xml.etree.ElementTree as ET

    path = fixture_rm5(tmp_path / "fixture.rm5")
    tree = ET.parse(path)
    data = tree.getroot().find("ANALYSES_AND_DATA")
    assert data is not None
    second = copy.deepcopy(data.find("COMPARISON"))
    assert second is not None
    second.set("NO", "2")
    name = second.find("NAME")
    assert name is not None
    name.text = "Second comparison"
    first_outcome = second.find("DICH_OUTCOME")
    assert first_outcome is not None
    ET.SubElement(first_outcome, "GROUP_LABEL_1").text = "Heparin"
    data.append(second)
    tree.write(path, encoding="ISO-8859-1", xml_declaration=True)
    target = tmp_path / "review"
    write_review(path, target)
    review = load_review(target / "review.yaml")
    assert [c.label for c in review.comparisons] == ["1. Fixture comparison", "2. Second comparison"]
    assert review.comparison_of("analysis_2_1").intervention == "Heparin"
    labels = {o.id: o.label for o in review.outcomes}
    assert labels["analysis_1_1"].endswith("(analysis 1.1)") and labels["analysis_2_1"].endswith("(analysis 2.1)")
    assert review.questions[0].text.endswith(": what are the effects of the interventions compared?")
