"""CITATION.cff is generated from the review declaration (issue 22): authors, repository, both licences."""

from __future__ import annotations

import pytest
import yaml

from compendium.citation import citation_cff
from compendium.errors import CompendiumError
from compendium.paths import ROOT
from compendium.review import load_review, parse_review
from synthetic_packages import RCT_ONLY_REVIEW


def test_the_committed_citation_file_is_generated_from_review_yaml():
    assert (ROOT / "CITATION.cff").read_text(encoding="utf-8") == citation_cff(load_review(ROOT / "review.yaml")), (
        "CITATION.cff is out of date: run `make CITATION.cff`"
    )


def test_authors_repository_and_both_licences():
    declared = yaml.safe_load(RCT_ONLY_REVIEW) | {
        "authors": [{"name": "A. Reviewer", "orcid": "https://orcid.org/0000-0002-1825-0097"}, {"name": "B Group"}],
        "repository": "https://example.org/compendium",
    }
    cff = yaml.safe_load(citation_cff(parse_review(declared)))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert [a["name"] for a in cff["authors"]] == ["A. Reviewer", "B Group"]
    assert cff["authors"][0]["orcid"] == "https://orcid.org/0000-0002-1825-0097"
    assert cff["repository-code"] == "https://example.org/compendium"
    assert cff["license"] == ["MIT", "CC-BY-4.0"]


def test_an_author_without_a_name_is_refused():
    declared = yaml.safe_load(RCT_ONLY_REVIEW) | {"authors": [{"orcid": "x"}]}
    with pytest.raises(CompendiumError, match=r"authors\[0\]\.name"):
        parse_review(declared)
