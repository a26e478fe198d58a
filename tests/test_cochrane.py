"""Readers of Cochrane review files and `compendium cochrane` (fixtures written by tests/cochrane_fixtures.py).

Reference values: RevMan 5.0.23's stored results for Fleiss's (1993) aspirin trials and metafor
3.8's rma.mh results for dat.bcg by allocation (tests/reference/revman/metafor.json); both are
stored in the fixtures, and `agrees` says whether every one is reproduced.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cochrane_fixtures import fixture_csv, fixture_data_package, fixture_newer_data_package, fixture_rm5
from compendium.cli import main
from compendium.cochrane import read_review
from compendium.cochrane.reanalyse import reanalyse
from compendium.errors import CompendiumError

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "formats" / "samples"
KEYS = [
    "comparison", "outcome", "name", "subgroup_number", "subgroup", "data_type", "pooling", "measure", "model",
    "tau2_method", "k", "estimate", "ci_low", "ci_high", "tau2", "q", "df", "q_pval", "i2", "z", "pval",
]  # fmt: skip


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["cochrane", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_rm5_fixture_reproduces_every_stored_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(capsys, str(fixture_rm5(tmp_path / "review.rm5")))
    assert out["review"]["title"].startswith("Fixture review") and out["review"]["doi"] == "10.0000/FIXTURE"
    records = out["analyses"]
    assert [(r["outcome"], r["subgroup_number"]) for r in records] == [
        (1, None),
        (2, None),
        (2, 1),
        (2, 2),
        (2, 3),
        (3, None),
        (4, None),
        (5, None),
        (6, None),
        (7, None),
    ]
    for record in records:
        assert list(record)[: len(KEYS)] == KEYS
    # 1.3 (zero cells) stores no results; the others store RevMan's (1.1) or metafor's (the rest)
    assert [r["agrees"] for r in records] == [True, True, True, True, True, None, True, True, True, True]
    assert [r["data_type"] for r in records[6:]] == ["continuous", "generic_iv", "oe", "dichotomous"]
    # generic inverse-variance and O-E outcomes name their measure in words ("Risk Ratio")
    assert [r["measure"] for r in records[6:]] == ["MD", "RR", "PETO_OR", "PETO_OR"]
    assert [(r["pooling"], r["model"], r["tau2_method"]) for r in records[6:8]] == [("IV", "random", "DL")] * 2
    overall = records[1]
    assert overall["subgroup_test"]["df"] == 2 and overall["stored"]["subgroup_test"]["q"] is not None
    # RevMan 5.0.23 (Fleiss 1993 aspirin trials): OR 0.8968655609130709, Q 9.946055983220074
    assert records[0]["estimate"] == pytest.approx(0.8968655609130709, rel=1e-12)
    assert records[0]["q"] == pytest.approx(9.946055983220074, rel=1e-12)


def test_double_zero_studies_are_listed_as_excluded_not_dropped(tmp_path: Path) -> None:
    records = reanalyse(read_review(fixture_rm5(tmp_path / "review.rm5")))
    zero = records[5]
    assert zero["k"] == 18 and zero["df"] == 17
    assert [e["study"] for e in zero["excluded"]] == ["BB 11", "BB 14", "BB 18"]
    assert all("not estimable" in e["reason"] for e in zero["excluded"])


def test_data_package_fixture_agrees_to_six_decimals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(capsys, str(fixture_data_package(tmp_path / "package.zip")))
    records = out["analyses"]
    assert [(r["outcome"], r["subgroup_number"], r["subgroup"]) for r in records] == [
        (1, None, None),
        (2, None, None),
        (2, 1, "alternate"),
        (2, 2, "random"),
        (2, 3, "systematic"),
        (3, None, None),
    ]
    assert all(r["agrees"] is True for r in records)
    assert records[1]["subgroup_test"]["df"] == 2 and records[1]["stored"]["subgroup_test"]["df"] == 2
    # the file names REML; the engine re-computes RevMan 5's DerSimonian-Laird and says so
    assert "'REML' is not re-computed" in records[-1]["reason"]


def test_one_row_per_study_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(capsys, str(fixture_csv(tmp_path / "trials.csv")), "--measure", "OR")
    (record,) = out["analyses"]
    assert record["estimate"] == pytest.approx(0.8968655609130709, rel=1e-12) and record["agrees"] is None
    rd = _run(capsys, str(tmp_path / "trials.csv"), "--measure", "RD", "--random")["analyses"][0]
    assert rd["measure"] == "RD" and rd["model"] == "random" and rd["tau2_method"] == "DL"


def test_yi_without_measure_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "giv.csv"
    path.write_text("study,yi,sei\nA,0.1,0.2\n")
    with pytest.raises(CompendiumError, match="need a measure"):
        read_review(path)


def test_malformed_xml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.rm5"
    path.write_text('<?xml version="1.0"?>\n<COCHRANE_REVIEW>\n<ANALYSES_AND_DATA>\n</COCHRANE_REVIEW>\n')
    with pytest.raises(CompendiumError, match=r"bad\.rm5, line 4"):
        read_review(path)


def test_entities_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "entity.rm5"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e "x">]>\n<COCHRANE_REVIEW>&e;</COCHRANE_REVIEW>\n')
    with pytest.raises(CompendiumError, match="DTD or entities"):
        read_review(path)


def test_diagnostic_review_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dta.rm5"
    path.write_text('<?xml version="1.0"?>\n<COCHRANE_REVIEW TYPE="DIAGNOSTIC"/>\n')
    with pytest.raises(CompendiumError, match="diagnostic test accuracy"):
        read_review(path)


def test_bad_number_names_element_and_attribute(tmp_path: Path) -> None:
    path = fixture_rm5(tmp_path / "review.rm5")
    path.write_bytes(path.read_bytes().replace(b'EVENTS_1="49"', b'EVENTS_1="x"'))
    with pytest.raises(
        CompendiumError, match=r"DICH_DATA \(study STD-MRC-1\), attribute 'EVENTS_1': expected a number"
    ):
        read_review(path)


def test_bad_package_cell_names_file_line_and_column(tmp_path: Path) -> None:
    import zipfile

    good = fixture_data_package(tmp_path / "package.zip")
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("data-rows.csv"):
                data = data.replace(b",49,", b",forty,")
            dst.writestr(info, data)
    with pytest.raises(CompendiumError, match=r"data-rows\.csv, row 1 \(line 2\), column 'Experimental cases'"):
        read_review(bad)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="needs ../shared/formats/samples")
@pytest.mark.parametrize("name", ["Fleiss1993.rm5", "Fleiss1993_datapackage.zip"])
def test_shared_fleiss_samples_are_reproduced(name: str) -> None:
    records = reanalyse(read_review(SAMPLES / name))
    assert records[0]["agrees"] is True
    assert records[1]["agrees"] is None  # the SMD analysis has no stored results
    # every study's stored odds ratio, CI and weight (percent) is reproduced too
    assert [s["agrees"] for s in records[0]["studies"]] == [True] * 7
    assert [s["agrees"] for s in records[1]["studies"]] == [None] * 5


def test_swapped_events_pool_non_events(tmp_path: Path) -> None:
    path = fixture_rm5(tmp_path / "review.rm5")
    text = path.read_bytes()
    first = text.index(b"<DICH_OUTCOME")
    path.write_bytes(text[:first] + text[first:].replace(b'SWAP_EVENTS="NO"', b'SWAP_EVENTS="YES"', 1))
    record = reanalyse(read_review(path))[0]
    # the odds ratio of non-events is the inverse of the odds ratio of events (same MH weights)
    assert record["estimate"] == pytest.approx(1 / 0.8968655609130709, rel=1e-12)
    assert record["agrees"] is False and "not reproduced: estimate" in record["reason"]
    assert record["stored"]["estimate"] == pytest.approx(0.8968655609130709, rel=1e-15)


def test_latin1_names_are_decoded(tmp_path: Path) -> None:
    path = tmp_path / "latin1.rm5"
    path.write_bytes(
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<COCHRANE_REVIEW TYPE="INTERVENTION"><COVER_SHEET>'
        "<TITLE>Ergänzung für Ärzte</TITLE></COVER_SHEET></COCHRANE_REVIEW>\n".encode("latin-1")
    )
    review = read_review(path)
    assert review.title == "Ergänzung für Ärzte" and review.analyses == ()


def test_footnotes_are_reported_with_their_study(tmp_path: Path) -> None:
    records = reanalyse(read_review(fixture_data_package(tmp_path / "package.zip")))
    assert records[-1]["footnotes"][0] == {"study": "LOS 1", "text": "Fixture row"}


@pytest.mark.parametrize(("kind", "words"), [("OVERVIEW", "overview of reviews"), ("PROGNOSIS", "prognosis review")])
def test_other_review_types_are_refused(tmp_path: Path, kind: str, words: str) -> None:
    path = tmp_path / "other.rm5"
    path.write_text(f'<?xml version="1.0"?>\n<COCHRANE_REVIEW TYPE="{kind}"/>\n')
    with pytest.raises(CompendiumError, match=words):
        read_review(path)


def test_diagnostic_data_package_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "dta"
    (folder / "x-analysis-data").mkdir(parents=True)
    (folder / "x-analysis-data" / "x-data-rows.csv").write_text("Study,TP,FP,FN,TN\nA,1,2,3,4\n")
    (folder / "x-analysis-data" / "x-overall-estimates-and-settings.csv").write_text("Analysis group\n")
    with pytest.raises(CompendiumError, match="diagnostic test accuracy"):
        read_review(folder)


def test_rows_for_a_subgroup_only_stay_out_of_the_overall_analysis(tmp_path: Path) -> None:
    import zipfile

    good = fixture_data_package(tmp_path / "package.zip")
    marked = tmp_path / "marked.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(marked, "w") as dst:
        for info in src.infolist():
            data = src.read(info).decode("utf-8-sig")
            if info.filename.endswith("data-rows.csv"):
                lines = data.splitlines()
                lines[0] += ",Applicability"
                lines[1:] = [
                    line + (",SUBGROUP_ONLY" if ",BCG 1," in line else ",SUBGROUP_AND_OVERALL") for line in lines[1:]
                ]
                data = "\n".join(lines) + "\n"
            dst.writestr(info, ("\ufeff" + data).encode("utf-8"))
    records = reanalyse(read_review(marked))
    assert records[1]["k"] == 12 and records[3]["k"] == 7  # BCG 1 (random allocation) only in its subgroup
    assert records[1]["excluded"] == [
        {"study": "BCG 1", "reason": "left out here by the file (Applicability SUBGROUP_ONLY)"}
    ]


def test_newer_data_package_columns_folder(tmp_path: Path) -> None:
    records = reanalyse(read_review(fixture_newer_data_package(tmp_path / "package")))
    (record,) = records
    assert (record["data_type"], record["pooling"], record["measure"], record["model"]) == (
        "generic_iv",
        "IV",
        "RR",
        "random",
    )
    assert record["agrees"] is True and record["reason"] is None


def test_more_events_than_participants_is_an_error_naming_the_study(tmp_path: Path) -> None:
    path = fixture_rm5(tmp_path / "review.rm5")
    path.write_bytes(path.read_bytes().replace(b'EVENTS_1="49"', b'EVENTS_1="649"'))
    with pytest.raises(CompendiumError, match=r"analysis 1\.1 \(CMP-001\.01\), study STD-MRC-1: expected 0 <= events"):
        reanalyse(read_review(path))


def test_text_output_reads_as_a_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cochrane", str(fixture_rm5(tmp_path / "review.rm5"))]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[1] == "7 analyses, 10 results; 9 of 9 with stored results reproduced"
    assert "1.2.1 alternate" in text and "subgroup differences: Q = 21.5499 (df = 2" in text
    assert "excluded: BB 11 (not estimable: no events in either group)" in text


def test_missing_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cochrane", str(tmp_path / "none.rm5")]) == 2
    assert "none.rm5: no such file or folder" in capsys.readouterr().err


def test_a_row_the_file_marks_not_estimable_is_left_out_and_listed(tmp_path: Path) -> None:
    path = fixture_rm5(tmp_path / "review.rm5")
    path.write_bytes(path.read_bytes().replace(b'STUDY_ID="STD-CDP"', b'STUDY_ID="STD-CDP" ESTIMABLE="NO"', 1))
    record = reanalyse(read_review(path))[0]
    assert record["k"] == 6 and record["df"] == 5
    assert record["excluded"] == [{"study": "CDP", "reason": "not estimable (so marked in the file)"}]
    assert record["studies"][1]["estimate"] is None
