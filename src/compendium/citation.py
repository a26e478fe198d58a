"""``CITATION.cff`` generated from the review declaration (``authors``, ``repository``, ``title``,
``description``) and the package version, with both licences: the code under MIT, our extraction
of the evidence (``data/``) under CC BY 4.0 (Citation File Format 1.2.0, https://citation-file-format.github.io/).

``make CITATION.cff`` rewrites the file; a test checks that the committed one is up to date.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import compendium
from compendium.review import Review, load_review

#: SPDX identifiers: the code, then our extraction of the evidence
LICENCES = ("MIT", "CC-BY-4.0")


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def citation_cff(review: Review, version: str = compendium.__version__) -> str:
    """The text of ``CITATION.cff`` for ``review`` (its authors, or the group that made it when none are declared)."""
    lines = [
        "# Generated from review.yaml (authors, repository, title) by `make CITATION.cff`; do not edit by hand.",
        "cff-version: 1.2.0",
        'message: "If you use this compendium, please cite it as below, and cite the primary studies it draws on '
        '(data/raw/sources.csv). Code: MIT licence; our extraction of the evidence (data/): CC BY 4.0."',
        f"title: {_quoted(review.title)}",
        "type: software",
        "authors:",
    ]
    for author in review.authors or ():
        lines.append(f"  - name: {_quoted(author.name)}")
        if author.orcid:
            lines.append(f"    orcid: {_quoted(author.orcid)}")
        if author.affiliation:
            lines.append(f"    affiliation: {_quoted(author.affiliation)}")
    if not review.authors:
        lines.append(f"  - name: {_quoted('The authors of ' + review.title)}")
    if review.repository:
        lines.append(f"repository-code: {_quoted(review.repository)}")
    if review.description:
        lines.append(f"abstract: {_quoted(review.description)}")
    lines += [f"version: {version}", "license:"] + [f"  - {licence}" for licence in LICENCES]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(citation_cff(load_review(Path(sys.argv[1]) if len(sys.argv) > 1 else "review.yaml")))
