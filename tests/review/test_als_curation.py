"""Tests of the curated evidence base in data/raw (issue 3): provenance, ranges, coverage, flags.

These tests read the real data; they assert properties of the curation, not numbers from memory.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from compendium.cli import main
from compendium.data import load_tables
from compendium.data.summary import stream_counts
from compendium.data.validate import validate_package
from compendium.evidence.reported import check_reported
from compendium.paths import RAW_DIR, ROOT

README = ROOT / "data" / "README.md"
#: tables whose rows carry a source_id and a locator
SOURCED_TABLES = [
    "trials",
    "arms",
    "continuous_outcomes",
    "rct_effects",
    "observational",
    "mr_studies",
    "mr_estimates",
    "preclinical",
    "review_results",
    "rob_facts",
    "conclusions",
]
#: tables that place a study in an evidence stream
STREAM_TABLES = ["trials", "observational", "mr_studies", "mr_estimates", "preclinical", "review_results"]


def table(name: str) -> pd.DataFrame:
    return pd.read_csv(RAW_DIR / f"{name}.csv", dtype=str, keep_default_na=False)


def numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(frame[column].replace("", None), errors="raise").dropna()


def test_data_package_is_valid():
    assert [str(p) for p in validate_package(RAW_DIR)] == []


@pytest.mark.parametrize("name", SOURCED_TABLES)
def test_every_row_has_a_known_source_and_a_locator(name):
    sources = set(table("sources")["source_id"])
    rows = table(name)
    assert not rows.empty
    assert set(rows["source_id"]) <= sources, set(rows["source_id"]) - sources
    assert (rows["locator"].str.strip() != "").all()


#: hosts that served sources.csv's addresses before issue 23 and are mirrors or aggregators (issue 23's
#: list, and the rest of the 40 addresses it counted): they may stay in read_at, never in url
MIRROR_HOSTS = (
    "47.251.13.51",
    "suppr.wilddata.cn",
    "ouci.dntb.gov.ua",
    "discovery.researcher.life",
    "docsbay.net",
    "proxy.weglot.com",
    "9884.visiontrading-hk.tech",
    "ez-admanager.com",
    "paperexplained.cn",
    "thorax.bmj.com",
    "neals.org",
    "ebusca.uv.mx",
    "staging.scite.ai",
    "www.ai-bt.com",
    "trial.medpath.com",
    "trials.co",
    "www.biocloudy.com",
    "globalauthorid.com",
    "peeref.com",
    "arietiform.com",
    "mib2e.net",
    "metajournal.com",
    "searchworks.jioinstitute.edu.in",
    "m.booksci.cn",
    "tokyo-2-qrcode.vukou.com",
    "ablesci.com",
    "libmast.utm.my",
    "data.zhenzhi.com",
    "pubmedcentralcanada.ca",
    "doaj.org",
)
#: published sources for which no page read showed an identifier (issue 23); validate warns about each
WITHOUT_IDENTIFIER = {
    "lunetta2016_pure",
    "mirenayat2025_abstract",
    "err2022_rmt",
    "yang2023_abstract",
    "veldink2005_abstract",
    "pupillo2014_pure",
    "veldink2003_record",
}


def test_every_source_has_a_citation_and_where_it_was_read():
    sources = table("sources")
    assert sources["read_at"].str.match(r"https?://").all()
    assert (sources["citation"].str.len() > 20).all()


def test_every_url_is_canonical_never_a_mirror():
    from urllib.parse import urlsplit

    from compendium.data.identifiers import canonical_link, is_ip_address

    sources = table("sources")
    given = sources[sources["url"] != ""]
    assert given["url"].str.match(r"https?://").all()
    assert not [u for u in given["url"] if is_ip_address(u) or urlsplit(u).hostname in MIRROR_HOSTS]
    for row in given.to_dict(orient="records"):
        link = canonical_link(row)
        assert link is None or row["url"] == link, row["source_id"]
    # a DOI is always linked through the resolver
    assert (given.loc[given["doi"] != "", "url"].str.startswith("https://doi.org/")).all()


def test_every_identifier_says_where_it_was_read():
    sources = table("sources")
    identified = sources[(sources[["doi", "pmid", "pmcid", "registration"]] != "").any(axis=1)]
    assert (identified["identifier_source"].str.strip() != "").all()


def test_published_sources_without_identifier_are_the_known_ones():
    sources = table("sources")
    published = sources[sources["source_type"].isin(["abstract", "full_text", "secondary_review"])]
    bare = published[(published[["doi", "pmid", "pmcid", "registration"]] == "").all(axis=1)]
    assert set(bare["source_id"]) == WITHOUT_IDENTIFIER
    registries = sources[sources["source_type"] == "registry"]
    assert (registries["registration"] != "").all()


def test_every_study_appears_in_a_stream_table():
    studies = set(table("studies")["study_id"])
    seen = set().union(*(set(table(name)["study_id"]) for name in STREAM_TABLES))
    assert studies - seen == set()


def test_stream_matches_the_table_the_study_is_in():
    studies = table("studies").set_index("study_id")
    trials = set(table("trials")["study_id"])
    assert set(studies.index[studies["stream"].isin(["rct", "non_randomised"])]) == trials
    assert set(studies.index[studies["stream"] == "review"]) == set(table("review_results")["study_id"])
    assert set(studies.index[studies["stream"] == "preclinical"]) == set(table("preclinical")["study_id"])
    mr = set(studies.index[studies["stream"].isin(["mendelian_randomization", "mr_meta_analysis"])])
    assert mr == set(table("mr_studies")["study_id"]) == set(table("mr_estimates")["study_id"])


PLAUSIBLE = {
    # table: {column: (min, max)}
    "trials": {"duration_weeks": (1, 260), "n_randomised_total": (2, 2000)},
    "arms": {"n_randomised": (1, 1000), "n_enrolled": (1, 1000), "n_analysed": (1, 1000)},
    "continuous_outcomes": {
        "timepoint_weeks": (0, 260),
        "n": (2, 1000),
        "sd": (0, 100),
        "ci_level": (80, 99.9),
        "plus_minus": (0, 100),
    },
    "rct_effects": {"timepoint_weeks": (0, 260), "p_value": (0, 1), "ci_level": (80, 99.9), "se": (0, 100)},
    "review_results": {"k": (1, 100), "n": (10, 100000), "p_value": (0, 1), "ci_level": (80, 99.9), "i2": (0, 100)},
    "observational": {
        "estimate": (0.01, 100),
        "ci_low": (0.01, 100),
        "ci_high": (0.01, 500),
        "p_value": (0, 1),
        "cases": (0, 100000),
        "controls": (1, 1000000),
        "n": (1, 10000000),
        "expected_cases": (0, 100000),
    },
    "mr_estimates": {"estimate": (0.01, 100), "p_value": (0, 1), "n_snps": (1, 1000)},
    "mr_studies": {
        "exposure_n": (1000, 10000000),
        "cases": (100, 1000000),
        "controls": (100, 10000000),
        "p_threshold": (0, 1e-4),
    },
    "sources": {"year": (1950, 2026)},
    "studies": {"year": (1990, 2026)},
}


@pytest.mark.parametrize("name", sorted(PLAUSIBLE))
def test_numbers_are_in_plausible_ranges(name):
    frame = table(name)
    for column, (low, high) in PLAUSIBLE[name].items():
        values = numbers(frame, column)
        assert ((values >= low) & (values <= high)).all(), (column, values[(values < low) | (values > high)].tolist())


def test_scale_scores_are_within_their_scales():
    outcomes = table("continuous_outcomes")
    levels = outcomes[outcomes["value_type"].isin(["final", "baseline"])]
    for outcome, top in (("alsfrs_r", 48), ("alsfrs", 40)):
        values = numbers(levels[levels["outcome"] == outcome], "mean")
        assert ((values >= 0) & (values <= top)).all()
    assert numbers(outcomes[outcomes["value_type"] == "percent_change"], "mean").abs().max() <= 100


def test_timepoints_use_the_documented_month_conversion():
    # months x 4.345 rounded to 1 decimal (data/README.md): 3, 6, 12 and 24 months
    weeks = set(numbers(table("continuous_outcomes"), "timepoint_weeks")) | set(
        numbers(table("rct_effects"), "timepoint_weeks")
    )
    assert {13.0, 26.1, 52.1, 104.3} <= weeks
    assert not weeks & {13.04, 26.07, 26.0, 52.0, 52.14}


def test_no_snippet_text_is_stored():
    # snippets are verbatim text from papers; notes and summaries are short and in our words
    for name in SOURCED_TABLES + ["studies", "sources"]:
        frame = table(name)
        for column in ("notes", "summary", "fact"):
            if column in frame.columns:
                assert frame[column].str.len().max() < 400, (name, column)


def flags() -> pd.DataFrame:
    return check_reported(RAW_DIR)


def test_known_inconsistent_rows_stay_flagged():
    found = flags()
    reviews = table("review_results")
    cheng = reviews.index[(reviews["study_id"] == "cheng2024") & (reviews["ci_low"] == "-2.42")].tolist()
    assert len(cheng) == 1
    cheng_flags = set(found.loc[(found["file"] == "review_results.csv") & (found["row"] == cheng[0] + 1), "reason"])
    assert {"p_contradicts_ci", "z_contradicts_ci"} <= cheng_flags
    benzo = reviews.index[
        (reviews["study_id"] == "benzoiglesias2025")
        & (reviews["measure"] == "SMD")
        & (reviews["estimate"].isin(["19.53", "13.96"]))
    ]
    assert len(benzo) == 2
    for index in benzo:
        assert "smd_implausible" in set(
            found.loc[(found["file"] == "review_results.csv") & (found["row"] == index + 1), "reason"]
        )
    # kept exactly as printed and marked so
    assert set(reviews.loc[benzo, "verified_as_printed"]) == {"true"}
    assert reviews.loc[cheng[0], "verified_as_printed"] == "true"


def test_only_rows_kept_as_printed_are_flagged():
    found = flags()
    for file, rows in found.groupby("file"):
        frame = table(file.removesuffix(".csv"))
        assert "verified_as_printed" in frame.columns, file
        assert set(frame.loc[[r - 1 for r in rows["row"]], "verified_as_printed"]) == {"true"}, file


def test_non_randomised_and_active_comparator_studies_are_flagged():
    trials = table("trials").set_index("study_id")
    studies = table("studies").set_index("study_id")
    for study_id in ("kitano2018", "pinto1999", "vicentecampos2022"):
        assert trials.loc[study_id, "randomised"] == "false"
        assert studies.loc[study_id, "stream"] == "non_randomised"
    assert set(trials.index[trials["randomised"] == "false"]) == {"kitano2018", "pinto1999", "vicentecampos2022"}
    for study_id in ("zucchi2019", "mirenayat2025"):
        assert trials.loc[study_id, "comparator_type"] == "active_intervention"
        assert studies.loc[study_id, "stream"] == "rct"


def test_drory_is_2001_and_braga_arm_labels_come_from_braga():
    studies = table("studies").set_index("study_id")
    assert studies.loc["drory2001", "year"] == "2001" and "drory1998" not in studies.index
    arms = table("arms")
    braga = arms[arms["study_id"] == "braga2018"].set_index("arm")
    assert braga.loc["exercise", "role"] == "intervention" and braga.loc["exercise", "description"].startswith("G1")
    assert braga.loc["control", "description"].startswith("G2")
    assert set(braga["source_id"]) == {"braga2018_pmc"}


def test_julian_reports_only_a_p_value():
    julian = table("mr_estimates").query("study_id == 'julian2021'")
    assert len(julian) == 1
    row = julian.iloc[0]
    assert (
        row["estimate"] == ""
        and row["p_value"] == "0.01"
        and row["p_relation"] == "="
        and row["reported_conclusion"] == "causal_increase"
    )


def readme_counts() -> dict[str, int]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Study counts per stream", 1)[1].split("\n## ", 1)[0]
    counts = {}
    for line in section.splitlines():
        match = re.match(r"\|\s*`?([a-z_]+)`?\s*\|\s*(\d+)\s*\|", line)
        if match:
            counts[match.group(1)] = int(match.group(2))
    return counts


def test_readme_study_counts_match_studies_csv():
    assert readme_counts() == table("studies")["stream"].value_counts().to_dict()


def test_studies_without_a_conclusion_are_listed_in_the_readme():
    studies = set(table("studies")["study_id"])
    concluded = set(table("conclusions")["study_id"])
    text = README.read_text(encoding="utf-8")
    section = text.split("## Studies without a conclusion statement", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([a-z0-9_]+)`", section))
    assert listed == studies - concluded


def test_conclusion_codes_match_the_question():
    conclusions = table("conclusions").merge(
        table("studies")[["study_id", "question"]], on="study_id", suffixes=("", "_study")
    )
    assert (conclusions["question"] == conclusions["question_study"]).all()


def test_stage_01_counts_match_the_committed_files_and_readme():
    tables = load_tables(RAW_DIR)
    counts = stream_counts(tables).groupby("stream")["studies"].sum().to_dict()
    assert counts == tables["studies"]["stream"].value_counts().to_dict() == readme_counts()


def test_rob2_answers_are_read_by_the_rob2_command(capsys) -> None:
    """Issue 15: the long format of data/raw/rob2_answers.csv was refused as "duplicate study"."""
    assert main(["rob2", str(RAW_DIR / "rob2_answers.csv"), "--json"]) == 0
    judged = json.loads(capsys.readouterr().out)
    answered = pd.read_csv(RAW_DIR / "rob2_answers.csv")[["study", "outcome"]].drop_duplicates()
    assert len(judged) == len(answered) > 0
