"""`compendium cochrane --json` on the cases real Cochrane reviews hold (fixtures: tests/cochrane_edge_fixtures.py).

Reference values: metafor 3.8 (rma.mh on RevMan's 0.5-corrected tables, rma.peto, rma.uni FE/DL, and
rma(FE) of the subgroup estimates for the test for subgroup differences), pinned in
tests/reference/revman/edge.json (tests/r/revman_edge_reference.R) and metafor.json
(tests/r/revman_reference.R); both fixture files store them, so ``agrees`` says whether each is reproduced.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from cochrane_edge_fixtures import EDGE, LATIN1_NAME, edge_data_package, edge_rm5
from compendium.cli import main
from compendium.cochrane import read_review
from compendium.cochrane.reanalyse import reanalyse

#: the keys of every analysis and subgroup record, in order (issue 20 item 3)
KEYS = [
    "comparison", "outcome", "name", "subgroup_number", "subgroup", "data_type", "pooling", "measure", "model",
    "tau2_method", "k", "estimate", "ci_low", "ci_high", "tau2", "q", "df", "q_pval", "i2", "z", "pval",
]  # fmt: skip
RESULTS = ["estimate", "ci_low", "ci_high", "tau2", "q", "df", "q_pval", "i2", "z", "pval"]
#: (outcome, subgroup) -> agrees: every stored result reproduced (True) or none stored (None)
EXPECTED = {
    (1, None): True, (1, 1): True, (1, 2): True, (1, 3): None, (1, 4): None, (2, None): True, (3, None): True,
    (4, None): True, (4, 1): True, (4, 2): True, (4, 3): True, (5, None): True, (6, None): True, (7, None): True,
    (8, None): None, (9, None): None, (10, None): None, (11, None): True, (12, None): True, (13, None): True,
}  # fmt: skip
BUILDERS = {"rm5": (edge_rm5, "edge.rm5"), "package": (edge_data_package, "edge.zip")}


@pytest.fixture(params=list(BUILDERS))
def records(request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    build, name = BUILDERS[request.param]
    assert main(["cochrane", str(build(tmp_path / name)), "--json"]) == 0
    return json.loads(capsys.readouterr().out)["analyses"]


def _by_key(records: list[dict]) -> dict[tuple[int, int | None], dict[str, Any]]:
    return {(r["outcome"], r["subgroup_number"]): r for r in records}


def test_every_stored_result_is_reproduced_and_the_rest_say_why(records: list[dict]) -> None:
    found = _by_key(records)
    assert {key: r["agrees"] for key, r in found.items()} == EXPECTED
    for record in records:
        assert list(record)[: len(KEYS)] == KEYS
        assert set(record["stored"]) >= set(RESULTS)
        assert record["comparison"] == 1  # comparison 2 has no outcomes: no record
        if record["agrees"] is None:
            assert record["reason"]
    # the test for subgroup differences: metafor's rma(FE) of the two subgroup MH estimates (edge.json)
    test = found[(1, None)]["subgroup_test"]
    assert set(test) == {"q", "df", "pval", "i2"} and test["df"] == 1
    assert test["q"] == pytest.approx(EDGE["yusuf"]["mh_or"]["test"]["QE"], rel=1e-9)
    assert found[(1, None)]["stored"]["subgroup_test"]["q"] is not None
    # SUBGROUP_TEST="NO": computed, nothing stored to compare
    assert found[(4, None)]["subgroup_test"]["df"] == 2 and found[(4, None)]["stored"]["subgroup_test"] is None
    assert "subgroup_test" not in found[(4, 1)]


def test_every_study_row_is_used_or_listed_with_its_reason(records: list[dict]) -> None:
    found = _by_key(records)
    overall = found[(1, None)]
    # 21 tables and one of them twice (in two subgroups); three have no events in either arm
    assert overall["k"] == 19 and overall["df"] == 18
    assert sorted(e["study"] for e in overall["excluded"]) == ["BB-11", "BB-14", "BB-18"]
    assert all("not estimable" in e["reason"] for e in overall["excluded"])
    assert found[(1, 4)]["k"] == 0 and found[(1, 4)]["estimate"] is None
    assert found[(1, 3)]["excluded"] == [] and found[(1, 3)]["reason"] == "no study with data"
    giv = found[(5, None)]
    assert giv["k"] == 1 and {e["study"] for e in giv["excluded"]} == {"BCG-2", "BCG-3"}
    other = found[(8, None)]
    assert other["data_type"] == "other" and other["pooling"] is None and other["estimate"] is None
    assert [e["study"] for e in other["excluded"]] == ["BCG-1", "BCG-2"]
    assert "without pooling" in other["reason"]


def test_settings_as_revman_applies_them(records: list[dict]) -> None:
    found = _by_key(records)
    assert [found[(n, None)]["measure"] for n in range(1, 8)] == ["OR", "RR", "PETO_OR", "OR", "HR", "RR", "MD"]
    assert (found[(2, None)]["model"], found[(2, None)]["tau2_method"]) == ("random", "DL")
    # Peto with RANDOM="YES" left in the file: pooled with a fixed effect, and said so
    peto = found[(3, None)]
    assert (peto["model"], peto["tau2_method"]) == ("fixed", None) and "fixed effect only" in peto["reason"]
    # one estimable study on random effects: df = 0, Q = 0, I2 = 0 (metafor 3.8), not I2 = 100
    one = found[(5, None)]
    assert (one["df"], one["q"], one["i2"], one["tau2"]) == (0, 0.0, 0.0, 0.0)
    # Q <= df: tau2 = 0 and I2 = 0 (metafor 3.8, dat.normand1999 trials 2 and 5)
    md = found[(7, None)]
    assert md["q"] < md["df"] and md["tau2"] == 0.0 and md["i2"] == 0.0
    assert "no pooled result" in found[(10, None)]["reason"]


def test_rm5_numbers_footnotes_ids_and_latin1_names(tmp_path: Path) -> None:
    review = read_review(edge_rm5(tmp_path / "edge.rm5"))
    assert "STD-BB_x002d_2" in review.studies and review.studies["STD-BB_x002d_2"] == LATIN1_NAME
    records = reanalyse(review)
    first = records[0]
    assert first["footnotes"] == [{"study": "BB-1", "text": "Deaths at one year"}] * 2
    assert LATIN1_NAME in {s["study"] for s in first["studies"]}
    # a row RevMan marks not estimable, written with "-Infinity" and "NaN": no stored study result
    assert all(s["stored"]["estimate"] is None for s in first["studies"] if s["study"] == "BB-11")


def test_rm5_p_on_zero_df_is_not_compared(tmp_path: Path) -> None:
    """RevMan files hold 0, 1 or nothing as the p-value of a test on 0 df; metafor reports 1."""
    path = edge_rm5(tmp_path / "edge.rm5")
    text = path.read_bytes().replace(b'P_CHI2="1.0"', b'P_CHI2="0.0"')
    path.write_bytes(text)
    one = _by_key(reanalyse(read_review(path)))[(5, None)]
    assert one["stored"]["q_pval"] == 0.0 and one["q_pval"] == 1.0 and one["agrees"] is True


def test_rm5_subgroups_switched_off_keep_their_rows(tmp_path: Path) -> None:
    path = edge_rm5(tmp_path / "edge.rm5")
    text = path.read_bytes().replace(b'SUBGROUPS="YES" SUBGROUP_TEST="NO"', b'SUBGROUPS="NO" SUBGROUP_TEST="NO"')
    path.write_bytes(text)
    found = _by_key(reanalyse(read_review(path)))
    assert (4, 1) not in found and found[(4, None)]["k"] == 13 and found[(4, None)]["agrees"] is True


def test_rm5_without_encoding_declaration_is_read_as_latin1(tmp_path: Path) -> None:
    path = edge_rm5(tmp_path / "edge.rm5")
    data = path.read_bytes()
    path.write_bytes(data.split(b"?>", 1)[1].lstrip())
    assert read_review(path).studies["STD-BB_x002d_2"] == LATIN1_NAME


def test_package_words_of_other_exports(tmp_path: Path) -> None:
    review = read_review(edge_data_package(tmp_path / "edge.zip"))
    by_number = {a.outcome: a for a in review.analyses}
    assert [by_number[n].pooling for n in (1, 2, 3, 4, 5)] == ["MH", "IV", "Peto", "MH", "IV"]
    assert by_number[4].swap_events and by_number[4].measure == "OR"
    assert [g.name for g in by_number[1].subgroups] == ["Early trials", "Late trials", "No trials", "No events"]
    assert by_number[10].totals is False and by_number[5].data_type == "generic_iv"


def test_rm5_ratio_entered_on_its_own_scale_is_logged(tmp_path: Path) -> None:
    """LOG_DATA="NO" with a ratio measure: EFFECT_SIZE is the ratio, pooled as its log (as R's meta reads it)."""
    import xml.etree.ElementTree as ET

    path = edge_rm5(tmp_path / "edge.rm5")
    tree = ET.parse(path)
    outcome = tree.getroot().find(".//IV_OUTCOME[@NO='6']")
    assert outcome is not None
    outcome.set("LOG_DATA", "NO")
    for row in outcome.iter("IV_DATA"):
        del row.attrib["CI_START"], row.attrib["CI_END"]  # no CI to say which scale EFFECT_SIZE is on
    tree.write(path, encoding="ISO-8859-1", xml_declaration=True)
    record = _by_key(reanalyse(read_review(path)))[(6, None)]
    assert record["agrees"] is True and record["k"] == 13


@pytest.mark.parametrize("totals", ["NO", "SUB"])
def test_rm5_totals_no_or_subtotals_only(tmp_path: Path, totals: str) -> None:
    path = edge_rm5(tmp_path / "edge.rm5")
    path.write_bytes(path.read_bytes().replace(b'TOTALS="NO"', f'TOTALS="{totals}"'.encode()))
    review = read_review(path)
    assert [a.totals for a in review.analyses].count(False) == 1
    record = _by_key(reanalyse(review))[(10, None)]
    assert record["agrees"] is None and "no pooled result" in record["reason"] and record["k"] == 3


def test_rm5_stored_p_of_zero_agrees_with_a_tiny_computed_p(tmp_path: Path) -> None:
    """RevMan may write P = 0 where the p-value underflows its precision: 1e-29 (metafor 3.8) agrees with it."""
    path = edge_rm5(tmp_path / "edge.rm5")
    tree_text = path.read_bytes()
    p = EDGE["bcg_oe"]["fit"]["QEp"]
    assert p < 1e-20
    written = repr(p).replace("e-", "E-").encode()
    assert written in tree_text
    path.write_bytes(tree_text.replace(written, b"0.0"))
    record = _by_key(reanalyse(read_review(path)))[(12, None)]
    assert record["stored"]["q_pval"] == 0.0 and record["agrees"] is True


def test_a_group_without_participants_is_listed_as_such() -> None:
    from compendium.cochrane.model import Analysis, StudyRow
    from compendium.cochrane.reanalyse import pool

    rows = (
        StudyRow("a", "A", {"events_1": 0, "total_1": 0, "events_2": 3, "total_2": 10}),
        StudyRow("b", "B", {"events_1": 2, "total_1": 10, "events_2": 3, "total_2": 10}),
    )
    analysis = Analysis(1, 1, "fixture", "", "dichotomous", "MH", "RR", False, 95, 95, False, rows, {})
    result, excluded, _ = pool(analysis, rows)
    assert result is not None and result.k == 1
    assert excluded == [{"study": "A", "reason": "not estimable: a group without participants"}]


def _package_folder(tmp_path: Path) -> Path:
    """The edge data package unpacked into a folder (outer zip, then the data zip inside it)."""
    import zipfile

    outer = zipfile.ZipFile(edge_data_package(tmp_path / "edge.zip"))
    inner = zipfile.ZipFile(io.BytesIO(outer.read(outer.namelist()[0])))
    folder = tmp_path / "package"
    inner.extractall(folder)
    return folder


def test_package_method_the_engine_does_not_know_is_reported_not_a_failure(tmp_path: Path) -> None:
    folder = _package_folder(tmp_path)
    settings = next(folder.rglob("*-overall-estimates-and-settings.csv"))
    settings.write_text(settings.read_text(encoding="utf-8-sig").replace(",Mantel-Haenszel,", ",Exact,"), "utf-8")
    found = _by_key(reanalyse(read_review(folder)))
    first = found[(1, None)]
    assert first["pooling"] == "Exact" and first["estimate"] is None and first["agrees"] is False
    assert "'Exact' is not re-computed" in first["reason"]
    assert found[(2, None)]["agrees"] is True  # the other analyses are re-analysed as before


@pytest.mark.parametrize("holds", ["V", "1/V"])
def test_rm5_oe_variance_read_whichever_var_holds(tmp_path: Path, holds: str) -> None:
    """VAR of an O-E row is V as entered; a file holding 1 / V there is recognised from the row's SE."""
    import xml.etree.ElementTree as ET

    path = edge_rm5(tmp_path / "edge.rm5")
    tree = ET.parse(path)
    for row in tree.getroot().iter("IPD_DATA"):
        v = float(row.get("VAR", "nan"))
        row.set("SE", repr(v**-0.5))
        if holds == "1/V":
            row.set("VAR", repr(1 / v))
    tree.write(path, encoding="ISO-8859-1", xml_declaration=True)
    assert _by_key(reanalyse(read_review(path)))[(12, None)]["agrees"] is True


def test_package_study_data_words_do_not_refuse_the_review(tmp_path: Path) -> None:
    """Risk-of-bias headers are the authors' words: "network" there is no network meta-analysis."""
    folder = _package_folder(tmp_path)
    study_data = folder / "CD000000-study-data"
    study_data.mkdir()
    (study_data / "CD000000-risk-of-bias.csv").write_text(
        "Study,Domain (judgement): Social network contamination\nBB-1,Low risk\n", "utf-8"
    )
    assert len(read_review(folder).analyses) == 13


def test_package_contrast_level_row_in_an_arm_level_analysis_is_listed(tmp_path: Path) -> None:
    """A study-data analysis may hold a study's GIV mean and SE only: listed as such, not pooled."""
    folder = _package_folder(tmp_path)
    rows = next(folder.rglob("*-data-rows.csv"))
    lines = rows.read_text(encoding="utf-8-sig").splitlines()
    target = next(i for i, line in enumerate(lines) if line.startswith("1,7,") and ",LOS-1," in line)
    cells = lines[target].split(",")
    cells[7:9] = ["-2.5", "1.2"]  # GIV Mean, GIV SE
    cells[9:17] = [""] * 8  # no arm-level data
    lines[target] = ",".join(cells)
    rows.write_text("\n".join(lines) + "\n", "utf-8")
    record = _by_key(reanalyse(read_review(folder)))[(7, None)]
    assert record["k"] == 1 and record["agrees"] is False
    assert "contrast-level result" in record["excluded"][0]["reason"]
