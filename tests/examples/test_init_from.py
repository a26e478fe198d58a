"""`compendium init DIR --from FILE` (issue 20, item 4): a Cochrane review file becomes a thin review folder
that builds, whose stage 03 re-analyses the kept file (`tables/revman_agreement.csv`,
`tables/revman_sensitivity.csv`) and whose report speaks only of that review; the file's Cochrane RoB 1
judgements are stored as given (`data/raw/rob1_judgements.csv`), summarised per study by stage 02
(`tables/rob1_summary.csv`) and used by stage 03's GRADE and forest plots in RoB 1's words.

Fixtures: tests/cochrane_fixtures.py and tests/rob1_fixtures.py (labelled test data, not evidence). Two
folders are built here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from thin_folder import files_with_review_words, run_review_tests

from cochrane_fixtures import fixture_csv, fixture_data_package, fixture_rm5
from compendium.cli import main
from compendium.cochrane import read_review
from compendium.cochrane.agreement import AGREEMENT_COLUMNS, SENSITIVITY_COLUMNS, agreement_table, sensitivity_table
from compendium.cochrane.importer import ORIGINAL_DIR, import_writer, original_file
from compendium.pipeline import run_pipeline
from compendium.review import review_for
from compendium.scaffold import init_compendium
from compendium.stages import StageResult, risk_of_bias
from compendium.stages.meta_analysis import revman_tables
from rob1_fixtures import BLINDING, CONCEALMENT, SEQUENCE, rob1_rm5


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory, monkeypatch) -> None:
    """The engine wheel is built once per test session into a cache of its own (not ~/.cache)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


def test_an_imported_rm5_builds_and_reproduces_revman(tmp_path: Path, monkeypatch) -> None:
    source = fixture_rm5(tmp_path / "fixture.rm5")
    folder = init_compendium(tmp_path / "review", write_review=import_writer(source), log=lambda _: None)
    kept = folder / "data" / "raw" / ORIGINAL_DIR / "fixture.rm5"
    assert kept.read_bytes() == source.read_bytes()
    assert "data/raw/cochrane/fixture.rm5" in (folder / "data" / "raw" / "sources.csv").read_text(encoding="utf-8")
    assert "`raw/cochrane/fixture.rm5` is the review file" in (folder / "data" / "README.md").read_text(
        encoding="utf-8"
    )
    monkeypatch.chdir(folder)
    run_pipeline(log=lambda _: None)
    tables = folder / "reports" / "03_meta_analysis" / "tables"
    agreement = pd.read_csv(tables / "revman_agreement.csv")
    assert tuple(agreement.columns) == AGREEMENT_COLUMNS
    # the fixture's 7 analyses and the 3 subgroups of analysis 1.2; 1.3 stores no results
    assert len(agreement) == 10
    stored = agreement[agreement["stored_estimate"].notna()]
    assert len(stored) == 9 and stored["agrees"].astype(bool).all()
    assert agreement.loc[agreement["stored_estimate"].isna(), "agrees"].isna().all()
    # every analysis has a forest plot: those in the data package's tables from stage 03's pooling, the
    # generic inverse-variance (1.5) and O-E (1.6) analyses from the kept file
    figures = sorted(p.name for p in (folder / "reports" / "03_meta_analysis" / "figures").glob("*forest*"))
    for number in (1, 2, 3, 4, 7):
        assert any(f"forest-treatment-analysis_1_{number}-" in name for name in figures), number
    assert "revman-forest-1-5.png" in figures and "revman-forest-1-6.png" in figures
    sensitivity = pd.read_csv(tables / "revman_sensitivity.csv")
    assert tuple(sensitivity.columns) == SENSITIVITY_COLUMNS and len(sensitivity) == 10
    # the answer's own pooled results are RevMan's: each imported outcome is pooled with its declared settings
    pooled = pd.read_csv(tables / "pooled.csv", keep_default_na=False)
    declared = pooled[(pooled["declared_pooling"] != "") & (pooled["subgroup"] == "all")]
    assert set(declared["outcome"]) == {f"analysis_1_{n}" for n in (1, 2, 3, 4, 7)}
    whole = agreement[agreement["subgroup_number"].isna()]
    answered = 0
    for row in declared.itertuples():
        revman = whole[whole["outcome"] == int(row.outcome.rsplit("_", 1)[1])].iloc[0]
        if row.measure != revman["measure"].replace("PETO_OR", "OR"):
            # the review's other measures of the outcome, shown beside it, keep the declared method
            assert f" {row.measure}, " in row.declared_pooling, row
            continue
        answered += 1
        for key in ("estimate", "ci_low", "ci_high", "tau2", "q", "i2"):
            assert getattr(row, key) == pytest.approx(revman[key], rel=1e-9, abs=1e-12), (row.outcome, key)
        assert row.test == "z" and row.method.split()[0] == revman["pooling"]
    assert answered == 5
    # a parameter given explicitly pools every outcome with the stage's parameters instead
    run_pipeline(only=["03"], overrides=["tau2_method=REML"], log=lambda _: None)
    pooled = pd.read_csv(tables / "pooled.csv", keep_default_na=False)
    assert (pooled["declared_pooling"] == "").all() and set(pooled["method"]) == {"REML"}
    notes = json.loads((tables / "notes.json").read_text(encoding="utf-8"))
    assert any("given explicitly; they replace the declared settings" in note for note in json.dumps(notes).split('"'))
    run_pipeline(only=["03"], log=lambda _: None)
    html = (folder / "reports" / "consensus_report.html").read_text(encoding="utf-8")
    sentence = "6 of 6 analyses reproduce RevMan&#39;s stored results; 1 analysis stores no results to compare with."
    assert sentence in html
    assert 'id="table-revman-agreement"' in html and 'id="table-revman-sensitivity"' in html
    # the declaration, data, executed notebooks, tables and report
    assert files_with_review_words(folder, (".yaml", ".csv", ".md", ".ipynb", ".html", ".json")) == []
    tests = run_review_tests(folder)
    assert tests.returncode == 0, tests.stdout


def test_agreement_of_a_data_package_and_the_empty_tables_of_other_reviews(tmp_path: Path) -> None:
    review = read_review(fixture_data_package(tmp_path / "package.zip"))
    agreement = agreement_table(review)
    assert tuple(agreement.columns) == AGREEMENT_COLUMNS
    assert agreement.loc[agreement["stored_estimate"].notna(), "agrees"].astype(bool).all()
    assert tuple(sensitivity_table(review).columns) == SENSITIVITY_COLUMNS
    # a review not imported from a file with stored results: both tables written empty, with their header
    (tmp_path / "raw").mkdir()
    assert original_file(tmp_path / "raw") is None
    result = StageResult()
    revman_tables(tmp_path / "raw", tmp_path / "out", result)
    assert result.tables["revman_agreement"].empty and result.tables["revman_sensitivity"].empty
    header = (tmp_path / "out" / "tables" / "revman_agreement.csv").read_text(encoding="utf-8").splitlines()
    assert header == [",".join(AGREEMENT_COLUMNS)]


def test_a_csv_is_imported_without_a_kept_file(tmp_path: Path, capsys) -> None:
    path = fixture_csv(tmp_path / "aspirin.csv")
    writer = import_writer(path, url="https://example.org/aspirin.csv", year=1993, measure="RR")
    (tmp_path / "review" / "data").mkdir(parents=True)
    writer(tmp_path / "review")
    assert "imported aspirin.csv: 7 studies" in capsys.readouterr().out
    assert original_file(tmp_path / "review" / "data" / "raw") is None


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("review.txt", "title\n", "expected a RevMan 5 file"),
        ("missing.rm5", None, "no such file or folder"),
        ("dta.rm5", '<?xml version="1.0"?>\n<COCHRANE_REVIEW TYPE="DIAGNOSTIC"/>\n', "diagnostic test accuracy"),
    ],
)
def test_bad_input_is_a_clear_message_and_nothing_is_written(
    tmp_path: Path, capsys, name: str, text: str | None, message: str
) -> None:
    path = tmp_path / "in" / name
    path.parent.mkdir()
    if text is not None:
        path.write_text(text, encoding="utf-8")
    assert main(["init", str(tmp_path / "out" / "review"), "--from", str(path)]) == 2
    assert re.search(rf"error: .*{re.escape(message)}", capsys.readouterr().err)
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_import_options_need_from(tmp_path: Path, capsys) -> None:
    assert main(["init", str(tmp_path / "r"), "--url", "https://example.org/x"]) == 2
    assert "error: init: --url applies only with --from FILE" in capsys.readouterr().err
    assert main(["init", str(tmp_path / "r"), "--example", "empty", "--from", "x.rm5"]) == 2
    assert "error: init: give either --example or --from, not both" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_a_file_without_doi_needs_url_and_nothing_is_written(tmp_path: Path, capsys) -> None:
    package = fixture_data_package(tmp_path / "package.zip")
    assert main(["init", str(tmp_path / "review"), "--from", str(package)]) == 2
    assert "no DOI; give the http(s) address where it was obtained (--url)" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package.zip"]


def test_sensitivity_with_todays_defaults_equals_metafor(tmp_path: Path) -> None:
    """Analysis 1.2 of the fixture (the 13 BCG trials, MH odds ratio) with REML, Knapp-Hartung and a prediction
    interval; reference: metafor 3.8.1 (tests/r/revman_sensitivity_reference.R, pinned in
    tests/reference/revman/sensitivity.json)."""
    reference_file = Path(__file__).parents[1] / "reference" / "revman" / "sensitivity.json"
    expected = json.loads(reference_file.read_text(encoding="utf-8"))["bcg_or_reml_knha"]
    table = sensitivity_table(read_review(fixture_rm5(tmp_path / "fixture.rm5")))
    row = table[(table["comparison"] == 1) & (table["outcome"] == 2) & table["subgroup_number"].isna()].iloc[0]
    assert row["k"] == expected["k"] and row["revman_method"] == "MH, fixed effect"
    for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "pval"):
        assert row[key] == pytest.approx(expected[key], rel=1e-6), key


def test_rob1_of_an_imported_rm5_reaches_stage_02_grade_and_the_report(tmp_path: Path, monkeypatch) -> None:
    source = rob1_rm5(tmp_path / "fixture.rm5")
    folder = init_compendium(tmp_path / "review", write_review=import_writer(source), log=lambda _: None)
    raw = folder / "data" / "raw"
    assert len(pd.read_csv(raw / "rob1_judgements.csv")) == 10
    monkeypatch.chdir(folder)
    run_pipeline(log=lambda _: None)
    reports = folder / "reports"

    summary = pd.read_csv(reports / "02_risk_of_bias" / "tables" / "rob1_summary.csv", keep_default_na=False)
    assert list(summary.columns) == ["study_id", "study", "overall", "notes", SEQUENCE, CONCEALMENT, BLINDING]
    assert dict(zip(summary["study_id"], summary["overall"])) == {"mrc_1": "high", "cdp": "unclear", "mrc_2": "high"}
    notes = json.loads((reports / "02_risk_of_bias" / "tables" / "notes.json").read_text(encoding="utf-8"))["notes"]
    assert any(n.startswith("RoB 1 key domains (default: every domain the review judged): " + SEQUENCE) for n in notes)
    assert any("combined as the worst group's judgement" in n for n in notes)

    effects = pd.read_csv(reports / "03_meta_analysis" / "tables" / "study_effects.csv", keep_default_na=False)
    deaths = effects[effects["analysis_id"] == "treatment-analysis_1_1-or-events-all_time_points"].set_index("study_id")
    assert deaths.loc[["mrc_1", "cdp", "mrc_2", "gasp"], "rob_overall"].tolist() == [
        "High risk",
        "Unclear risk",
        "High risk",
        "Not assessed",
    ]
    assert not set(effects["rob_overall"]) & {"Low", "Some concerns", "High"}  # never RoB 2's words
    domains = pd.read_csv(reports / "03_meta_analysis" / "tables" / "grade_domains.csv", keep_default_na=False)
    rob = domains[(domains["domain"] == "risk_of_bias") & domains["outcome"].str.startswith("Deaths, ")]
    assert "3 of 7 studies judged with Cochrane RoB 1 as given in the review file" in rob["explanation"].iloc[0]

    html = (reports / "consensus_report.html").read_text(encoding="utf-8")
    assert 'id="table-rob1"' in html and "Unclear risk" in html
    assert "the summary of the Cochrane RoB 1 judgements the review file gives" in html
    assert files_with_review_words(folder, (".yaml", ".csv", ".md", ".ipynb", ".html", ".json")) == []

    # the key domains are a parameter of stage 02: without sequence generation, MRC 2 is at low risk
    stage = risk_of_bias.run(review_for(raw), raw, reports, tmp_path / "out", rob1_key_domains=[CONCEALMENT, BLINDING])
    keyed = stage.tables["rob1_summary"].set_index("study_id")["overall"].to_dict()
    assert keyed == {"mrc_1": "high", "cdp": "unclear", "mrc_2": "low"}
    assert f"RoB 1 key domains (parameter rob1_key_domains): {CONCEALMENT}; {BLINDING}" in stage.notes


def test_subtotals_only_become_one_outcome_per_subgroup(tmp_path: Path, monkeypatch) -> None:
    """An analysis whose file shows subtotals only (TOTALS="SUB": its subgroups are not to be combined) becomes one
    outcome per subgroup, so that stage 03 pools what RevMan pools: each subgroup's main result equals RevMan's
    stored subtotal (the fixture's analysis 1.2, BCG trials by allocation, set to TOTALS="SUB" here)."""
    import xml.etree.ElementTree as ET

    source = fixture_rm5(tmp_path / "fixture.rm5")
    tree = ET.parse(source)
    analysis = next(o for o in tree.getroot().iter("DICH_OUTCOME") if o.get("NO") == "2")
    analysis.set("TOTALS", "SUB")
    tree.write(source, encoding="ISO-8859-1", xml_declaration=True)
    folder = init_compendium(tmp_path / "review", write_review=import_writer(source), log=lambda _: None)
    monkeypatch.chdir(folder)
    run_pipeline(only=["01", "03"], log=lambda _: None)
    tables = folder / "reports" / "03_meta_analysis" / "tables"
    agreement = pd.read_csv(tables / "revman_agreement.csv")
    subtotals = agreement[(agreement["outcome"] == 2) & agreement["subgroup_number"].notna()]
    assert len(subtotals) == 3 and subtotals["agrees"].astype(bool).all()
    pooled = pd.read_csv(tables / "pooled.csv", keep_default_na=False)
    pooled = pooled[(pooled["declared_pooling"] != "") & (pooled["subgroup"] == "all") & (pooled["measure"] == "OR")]
    for row in subtotals.itertuples():
        mine = pooled[pooled["outcome"] == f"analysis_1_2_{int(row.subgroup_number)}"]
        if row.k < 2:  # one study: shown, not pooled, by stage 03's rule
            assert mine.empty
            continue
        assert mine["estimate"].iloc[0] == pytest.approx(row.estimate, rel=1e-9)
        assert mine["q"].iloc[0] == pytest.approx(row.q, rel=1e-9, abs=1e-12)
    assert not (pooled["outcome"] == "analysis_1_2").any()


def test_the_edge_case_review_answers_with_revmans_results(tmp_path: Path, monkeypatch) -> None:
    """The edge-case fixture (tests/cochrane_edge_fixtures.py: zero cells, double zeros, a study in two subgroups,
    90% and 99% intervals, Peto, swapped events, random effects on Q <= df): every imported outcome pooled
    with its declared settings at the file's own level reproduces RevMan's stored total."""
    from cochrane_edge_fixtures import edge_rm5

    folder = init_compendium(
        tmp_path / "review",
        write_review=import_writer(edge_rm5(tmp_path / "edge.rm5"), url="https://example.org/edge.rm5", year=2020),
        log=lambda _: None,
    )
    monkeypatch.chdir(folder)
    run_pipeline(only=["01", "03"], log=lambda _: None)
    tables = folder / "reports" / "03_meta_analysis" / "tables"
    agreement = pd.read_csv(tables / "revman_agreement.csv")
    whole = agreement[agreement["subgroup_number"].isna() & agreement["stored_estimate"].notna()]
    pooled = pd.read_csv(tables / "pooled.csv", keep_default_na=False)
    pooled = pooled[(pooled["declared_pooling"] != "") & (pooled["subgroup"] == "all")]
    checked = 0
    for row in whole.itertuples():
        mine = pooled[
            (pooled["outcome"] == f"analysis_{row.comparison}_{row.outcome}")
            & (pooled["measure"] == str(row.measure).replace("PETO_OR", "OR"))
        ]
        if mine.empty or row.level != 95:  # not imported (GIV, O-E), one study, or another confidence level
            continue
        checked += 1
        assert mine["estimate"].iloc[0] == pytest.approx(row.estimate, rel=1e-9), row.outcome
        assert (mine["ci_low"].iloc[0], mine["ci_high"].iloc[0]) == pytest.approx((row.ci_low, row.ci_high), rel=1e-9)
        assert mine["q"].iloc[0] == pytest.approx(row.q, rel=1e-9, abs=1e-12)
    assert checked >= 3
