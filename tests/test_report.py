"""The consensus report (stage 05): rendering from labelled synthetic stage results
(``tests/report_fixtures.py``, not evidence), escaping, self-containment, reproducibility, and the
the sections shown only when their results exist. The ALS guidance links are checked in tests/review/."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from compendium.paths import NOTEBOOKS_DIR
from compendium.report import REPORT_FILE, RUN_DATE_MARKER, write_report
from compendium.report.build import format_value, interval
from report_fixtures import HTML_PAYLOAD, SCRIPT_PAYLOAD, make_synthetic_results


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("report")
    raw, results = make_synthetic_results(root)
    path = write_report(raw, results, root / "out")
    return path, raw, root / "out"


@pytest.fixture(scope="module")
def html(rendered) -> str:
    return rendered[0].read_text(encoding="utf-8")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collector()
    parser.feed(html)
    return parser.tags


def test_report_is_written_to_publish(rendered):
    path, _, out = rendered
    assert path == out / "publish" / REPORT_FILE
    assert {p.name for p in (out / "tables").iterdir()} >= {
        "consensus_meter.csv",
        "study_weights.csv",
        "guidance.csv",
        "sex_differences_mouse.csv",
    }


def test_data_with_html_is_shown_as_text(html):
    assert SCRIPT_PAYLOAD not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b onmouseover" not in html and "&lt;b onmouseover=" in html
    assert HTML_PAYLOAD not in html
    assert not [tag for tag, _ in _tags(html) if tag == "script"]


def test_report_is_self_contained(html):
    tags = _tags(html)
    assert not [t for t, _ in tags if t in ("link", "script", "iframe", "object", "embed")]
    sources = [a["src"] for _, a in tags if "src" in a]
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    # the only links out of the report are the sources' canonical addresses (test_sources_are_linked_...)
    external = {a["href"] for t, a in tags if t == "a" and not a["href"].startswith("#")}
    assert external == {
        "https://doi.org/10.0000/synthetic",
        "https://pubmed.ncbi.nlm.nih.gov/12345678/",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC42/",
        "https://clinicaltrials.gov/study/NCT00000000",
    }
    assert "@import" not in html and "url(" not in html


def test_every_figure_is_embedded_with_alt_text(html):
    images = [a for t, a in _tags(html) if t == "img"]
    assert len(images) == 5  # six synthetic figures, the RoB figure drawn in two palettes is shown once
    assert 'id="figure-02_risk_of_bias-rob2_traffic_light_colourblind"' in html
    assert "rob2_traffic_light_cochrane" not in html
    assert all((a.get("alt") or "").strip() for a in images)
    # the forest plot named after analysis synth_function sits with the trials' findings
    trials = html.split('id="findings-trials"')[1].split('id="findings-observational"')[0]
    assert 'id="figure-03_meta_analysis-forest_synth_function"' in trials


def test_headings_form_an_outline(html):
    levels = [int(t[1]) for t, _ in _tags(html) if re.fullmatch(r"h[1-6]", t)]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:]))


def test_internal_links_resolve(html):
    tags = _tags(html)
    ids = {a["id"] for _, a in tags if a.get("id")}
    targets = {a["href"][1:] for t, a in tags if t == "a" and a["href"].startswith("#")}
    assert targets - ids == set()


def test_sections_are_fed_by_their_tables(html):
    assert "Synthetic answer &lt;script&gt;" in html  # 04 conclusion.json
    assert (
        "Synthetic treatment answer: not established." in html and "synthetic treatment reason" in html
    )  # 03 conclusion.json
    assert "MD 1.23 higher (0.10 to 2.40 higher)" in html  # 03 summary_of_findings
    assert "MD 2.0 (1.0 to 3.0)" in html  # 03 review_comparison
    assert "1.23 (0.1 to 2.4)" in html  # 03 pooled, estimate rounded to 3 significant digits
    assert "synthetic: estimate outside its CI" in html  # 01 reported_checks
    assert "males more affected (synthetic)" in html  # 04 triangulation sex_differences
    assert "synthetic pleiotropy" in html  # 04 triangulation
    assert "OR 1.1 (0.95 to 1.3)" in html  # 04 mr_estimates
    assert "not medical advice" in html.lower()
    assert "<strong>Safety:</strong> synthetic safety" in html  # stage 03's safety sentence in the answer
    assert "Synthetic guidance statement &lt;b" in html  # 01 guidance, escaped
    assert "Synthetic treatment question: does exercise help?" in html  # the declared question


def test_consensus_meter_is_shown_plain_and_weighted(html, rendered):
    meter = pd.read_csv(rendered[2] / "tables" / "consensus_meter.csv")
    everything = meter[(meter["question"] == "treatment") & (meter["stream"] == "all")].set_index("conclusion")
    # treatment: t1 benefit (High 0.25), t2 benefit (Some concerns 0.5), t3 no_effect (Low 1),
    # rev1 benefit (not assessed 0.5); m1 harm is a mouse study, not counted among all studies (of people):
    # benefit 3/4 plain, 1.25/2.25 weighted
    assert everything.loc["benefit", "share"] == pytest.approx(0.75)
    assert everything.loc["benefit", "weighted_share"] == pytest.approx(1.25 / 2.25)
    assert 'style="width: 75.0%"' in html and 'style="width: 55.6%"' in html
    assert ">3 of 4</span>" in html  # fewer than five studies: counts, no percentages


def test_methods_and_provenance_are_printed(html, rendered):
    _, raw, _ = rendered
    assert "REML" in html and "knha" in html  # compendium.meta.DEFAULTS
    assert "OIS_MID_SMD" in html and "n_bootstrap" in html  # GRADE thresholds, MR defaults
    assert "tau2_method" in html  # parameters read from the executed stage notebook
    assert "<td>grade.thresholds.OIS_EVENTS</td><td>300</td>" in html and "<td>a; b</td>" in html  # 03 methods.json
    for path in raw.iterdir():
        assert hashlib.sha256(path.read_bytes()).hexdigest() in html
    assert re.search(r"<td>pandas</td><td>\d", html)
    assert "Engine: <code>compendium " in html and "Git commit of the review folder:" in html
    assert html.count(RUN_DATE_MARKER) == 1


def _without_run_date(text: str) -> list[str]:
    return [line for line in text.splitlines() if RUN_DATE_MARKER not in line]


def test_two_runs_are_identical_apart_from_the_run_date(tmp_path, monkeypatch):
    raw, results = make_synthetic_results(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    first = write_report(raw, results, tmp_path / "first").read_text(encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    second = write_report(raw, results, tmp_path / "second").read_text(encoding="utf-8")
    assert first != second  # the run date differs ...
    assert _without_run_date(first) == _without_run_date(second)  # ... and nothing else
    assert len(first.splitlines()) == len(second.splitlines())
    for name in ("consensus_meter", "study_weights", "guidance", "sex_differences_mouse"):
        assert (tmp_path / "first" / "tables" / f"{name}.csv").read_bytes() == (
            tmp_path / "second" / "tables" / f"{name}.csv"
        ).read_bytes()


def test_missing_results_are_named_not_hidden(tmp_path):
    raw, results = make_synthetic_results(tmp_path, with_figures=False)
    for stage in ("02_risk_of_bias", "03_meta_analysis", "04_mendelian_randomization"):
        for path in (results / stage).rglob("*"):
            if path.is_file():
                path.unlink()
    html = write_report(raw, results, tmp_path / "out").read_text(encoding="utf-8")
    assert "03_meta_analysis/tables/summary_of_findings.csv" in html
    # a section whose results do not exist is left out, and the missing result is named
    assert "03_meta_analysis/tables/review_comparison.csv" in html and 'id="reviews"' not in html
    meter = pd.read_csv(tmp_path / "out" / "tables" / "study_weights.csv")
    assert meter["weight"].nunique() == 1  # no stage 02: every study gets the same (not assessed) weight


def test_missing_studies_table_is_a_clear_error(tmp_path):
    from compendium.errors import CompendiumError

    raw, results = make_synthetic_results(tmp_path, with_figures=False)
    (results / "01_ingest" / "tables" / "studies.csv").unlink()
    with pytest.raises(CompendiumError, match=r"studies.csv: missing; the report needs it"):
        write_report(raw, results, tmp_path / "out")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (float("nan"), "–"),
        (None, "–"),
        (3.0, "3"),
        (12345, "12,345"),
        (1.23456, "1.23"),
        (-0.04567, "-0.0457"),
        (123.456, "123"),
        (0.0000123, "1.23e-05"),
        (True, "yes"),
        ("a <b>", "a <b>"),
    ],
)
def test_format_value(value, text):
    assert format_value(value) == text


def test_certainty_summary_names_the_best_level_and_never_a_direction():
    from compendium.report.build import certainty_summary

    assert certainty_summary([{"certainty": "Very low"}] * 3).startswith(
        "We are very uncertain: all 3 results rated with GRADE have very low certainty"
    )
    text = certainty_summary([{"certainty": "Low"}, {"certainty": "Very low"}, {"certainty": "Moderate"}])
    assert (
        text == "3 outcomes were rated with GRADE (1 moderate, 1 low, 1 very low certainty); "
        "the best-rated evidence has moderate certainty."
    )
    assert certainty_summary([]) == ""


def test_interval_omits_missing_bounds():
    assert interval(1.5, 0.5, 2.5) == "1.5 (0.5 to 2.5)"
    assert interval(1.5, None, float("nan")) == "1.5"


# --- the stage notebook ----------------------------------------------------------------------------------


def test_stage_notebook_is_thin_and_committed_without_outputs():
    notebook = nbformat.read(NOTEBOOKS_DIR / "05_consensus_report.ipynb", as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    for name, value in (
        ("raw_dir", "data/raw"),
        ("results_dir", "reports"),
        ("output_dir", "scratch/05_consensus_report"),
    ):
        assert f'{name} = "{value}"' in code[0].source
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert not any(re.search(r"^\s*def |^\s*class ", c.source, re.M) for c in code)


def _doi_texts(html: str) -> list[str]:
    """Every DOI printed in the report (a ``10.NNNN/...`` token)."""
    return re.findall(r"\b10\.\d{4,9}/[^\s<\"]+", html)


def test_sources_are_linked_by_their_canonical_address_never_a_mirror(html):
    links = [a for t, a in _tags(html) if t == "a"]
    hrefs = [a["href"] for a in links]
    # every DOI printed in the report is a link through the DOI resolver
    for doi in _doi_texts(html):
        assert f"https://doi.org/{doi}" in hrefs or doi.startswith('10.0000/synthetic"'), doi
    assert "https://doi.org/10.0000/synthetic" in hrefs
    # no link to an IP address or to the address where a text was read (a mirror: read_at)
    from urllib.parse import urlsplit

    from compendium.data.identifiers import is_ip_address

    assert not [h for h in hrefs if is_ip_address(h)]
    assert not {urlsplit(h).hostname for h in hrefs if not h.startswith("#")} & {"example.org", "192.0.2.2"}
    assert "192.0.2" not in html and "example.org/synthetic" not in html


def test_studies_list_and_provenance_trail_link_each_source(html):
    studies = html.split('<section id="studies">', 1)[1]
    assert '<a href="https://doi.org/10.0000/synthetic" rel="external">doi:10.0000/synthetic</a>' in studies
    trail = html.split('class="provenance-trail"', 1)[1].split("</details>", 1)[0]
    assert '<a href="https://doi.org/10.0000/synthetic" rel="external">doi:10.0000/synthetic</a>' in trail
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/12345678/" rel="external">PMID 12345678</a>' in trail
    # a source read as an abstract says so; a registration number links to its registry
    assert "Synthetic B. Abstract fixture, 2021" in trail and "(abstract)" in trail
    risk_section = html.split('id="findings-observational"', 1)[1]
    risk_trail = risk_section.split('class="provenance-trail"', 1)[1].split("</details>", 1)[0]
    assert '<a href="https://clinicaltrials.gov/study/NCT00000000" rel="external">NCT00000000</a>' in risk_trail


def test_source_links_never_link_an_ip_address_or_a_non_web_address():
    from compendium.report.build import source_links

    assert source_links({"url": "http://192.0.2.1/x"}) == source_links({"url": "javascript:alert(1)"}) == []
    assert source_links({"registration": "IRCT20200611047727N2"}) == [{"text": "IRCT20200611047727N2", "href": None}]
    assert source_links({"doi": "10.1016/s0022-510x(01)00610-4", "pmid": 11677004.0, "url": "https://doi.org/x"}) == [
        {"text": "doi:10.1016/s0022-510x(01)00610-4", "href": "https://doi.org/10.1016/s0022-510x(01)00610-4"},
        {"text": "PMID 11677004", "href": "https://pubmed.ncbi.nlm.nih.gov/11677004/"},
        {"text": "doi.org", "href": "https://doi.org/x"},
    ]
