"""Canonical identifiers of a source and the links they give.

A row of ``sources.csv`` names its document by up to four identifiers: a DOI, a PubMed id (PMID),
a PubMed Central id (PMCID) and a trial registration number. Their forms are declared as
``pattern`` constraints in ``datapackage.yaml`` (checked by frictionless); this module turns them
into addresses. The canonical address of a source (its ``url``) is the link of its first
identifier in the order DOI, PMID, PMCID, registration; a source without any is addressed by its
publisher's page. Where the text was actually read (possibly a mirror) is kept apart, in
``read_at``, and never shown as the source.

Examples
--------
>>> canonical_link({"doi": "10.1000/xyz", "pmid": "123"})
'https://doi.org/10.1000/xyz'
>>> canonical_link({"pmcid": "PMC42"})
'https://pmc.ncbi.nlm.nih.gov/articles/PMC42/'
>>> canonical_link({"registration": "NCT01521728"})
'https://clinicaltrials.gov/study/NCT01521728'
>>> canonical_link({"registration": "IRCT20200611047727N2"}) is None
True
"""

from __future__ import annotations

import ipaddress
import numbers
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

#: identifier columns of the sources table, in the order that chooses the canonical address
IDENTIFIER_COLUMNS: tuple[str, ...] = ("doi", "pmid", "pmcid", "registration")

#: kinds of source that are published documents: each should carry an identifier
PUBLISHED_SOURCE_TYPES: tuple[str, ...] = ("abstract", "full_text", "secondary_review")
#: the kind of source that is a trial registry record: it should carry its registration number
REGISTRY_SOURCE_TYPE = "registry"

#: trial registries whose record address follows from the registration number alone
#: (prefix of the number, address of the record); IRCT records are addressed by an internal
#: number, so an IRCT source keeps the registry's page as its ``url``
REGISTRY_LINKS: tuple[tuple[str, str], ...] = (
    ("NCT", "https://clinicaltrials.gov/study/{}"),
    ("ISRCTN", "https://www.isrctn.com/{}"),
    ("ACTRN", "https://www.anzctr.org.au/{}.aspx"),
)

#: what an identifier is called in the report and the address it links to
LINK_FORMS: dict[str, tuple[str, str]] = {
    "doi": ("doi:{}", "https://doi.org/{}"),
    "pmid": ("PMID {}", "https://pubmed.ncbi.nlm.nih.gov/{}/"),
    "pmcid": ("{}", "https://pmc.ncbi.nlm.nih.gov/articles/{}/"),
}


def _text(row: Mapping[Any, object], column: str) -> str:
    """The cell as stripped text; a missing column, ``None`` or NaN is the empty string.

    Examples
    --------
    >>> _text({"pmid": 11677004.0}, "pmid"), _text({"doi": float("nan")}, "doi")
    ('11677004', '')
    """
    value = row.get(column)
    if value is None or value != value:  # NaN is not equal to itself
        return ""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
        return str(int(float(value)))  # a PMID read back from a results table as a number
    return str(value).strip()


def registration_link(number: str) -> str | None:
    """The registry record of a trial registration number, when the number alone gives it.

    Examples
    --------
    >>> registration_link("ACTRN12617001244392")
    'https://www.anzctr.org.au/ACTRN12617001244392.aspx'
    """
    for prefix, form in REGISTRY_LINKS:
        if number.startswith(prefix):
            return form.format(number)
    return None


def identifier_links(row: Mapping[Any, object]) -> list[tuple[str, str | None]]:
    """``(text, href)`` for every identifier of a source row, in :data:`IDENTIFIER_COLUMNS` order;
    ``href`` is None for a registration number whose registry address is not known from it."""
    links: list[tuple[str, str | None]] = []
    for column in IDENTIFIER_COLUMNS:
        value = _text(row, column)
        if not value:
            continue
        if column == "registration":
            links.append((value, registration_link(value)))
        else:
            text, href = LINK_FORMS[column]
            links.append((text.format(value), href.format(quote(value, safe="/:;()._-"))))
    return links


def canonical_link(row: Mapping[Any, object]) -> str | None:
    """The address of a source's first identifier (DOI, PMID, PMCID, registration), or None
    when it has none with a known address (then its ``url`` is the publisher's page)."""
    return next((href for _, href in identifier_links(row) if href), None)


def has_identifier(row: Mapping[Any, object]) -> bool:
    """True when the row gives at least one of :data:`IDENTIFIER_COLUMNS`."""
    return any(_text(row, column) for column in IDENTIFIER_COLUMNS)


def is_ip_address(url: str) -> bool:
    """True when the host of ``url`` is a bare IP address (never a source's canonical address).

    Examples
    --------
    >>> is_ip_address("http://47.251.13.51:8081/17548549"), is_ip_address("https://doi.org/10.1/x")
    (True, False)
    """
    try:
        host = urlsplit(url.strip()).hostname or ""
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
