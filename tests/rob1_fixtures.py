"""TEST FIXTURES (not evidence): Cochrane RoB 1 judgements added to the review files of
``tests/cochrane_fixtures.py``, written by code.

The judgements, their support texts and the group names are invented for the tests: they stand for
no real assessment of the trials named. The layout follows RevMan 5 (``QUALITY_ITEMS/QUALITY_ITEM``
with ``QUALITY_ITEM_DATA/QUALITY_ITEM_DATA_ENTRY``; items of LEVEL GROUP name their groups of outcomes
in ``QUALITY_ITEM_DATA_ENTRY_GROUP``) and Cochrane data packages (``*-study-data/*-risk-of-bias.csv``,
UTF-8 with a byte-order mark, ``Study`` then ``Domain (judgement): <name>`` / ``Domain (support): <name>``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from cochrane_fixtures import _csv_bytes, fixture_data_package, fixture_rm5

SEQUENCE = "Random sequence generation (selection bias)"
CONCEALMENT = "Allocation concealment (selection bias)"
BLINDING = "Blinding of outcome assessment (detection bias)"
#: FIXTURE judgements of the first three Fleiss trials (RevMan 5 RESULT codes) for the two study-level items
STUDY_LEVEL = {
    "MRC-1": {SEQUENCE: "YES", CONCEALMENT: "YES"},
    "CDP": {SEQUENCE: "YES", CONCEALMENT: "UNKNOWN"},
    "MRC-2": {SEQUENCE: "NO", CONCEALMENT: "YES"},
}
#: FIXTURE judgements of the group-level item: study -> (group id, RESULT); GRP-9 is named by no group
GROUP_LEVEL = [("MRC-1", "GRP-1", "YES"), ("MRC-1", "GRP-2", "NO"), ("CDP", "GRP-1", "YES"), ("MRC-2", "GRP-9", "YES")]
GROUP_NAMES = {"GRP-1": "Mortality", "GRP-2": "Adverse events"}


def _item(parent: ET.Element, number: int, name: str, level: str) -> ET.Element:
    item = ET.SubElement(parent, "QUALITY_ITEM", {"ID": f"QIT-{number:02d}", "NO": str(number), "LEVEL": level})
    ET.SubElement(item, "NAME").text = name
    return item


def _entry(data: ET.Element, study: str, result: str, support: list[str], **attributes: str) -> None:
    entry = ET.SubElement(data, "QUALITY_ITEM_DATA_ENTRY", {"STUDY_ID": f"STD-{study}", "RESULT": result, **attributes})
    description = ET.SubElement(entry, "DESCRIPTION")
    for paragraph in support:
        ET.SubElement(description, "P").text = paragraph


def rob1_rm5(path: Path, *, result: str | None = None) -> Path:
    """``fixture_rm5`` with QUALITY_ITEMS (FIXTURE judgements above); ``result`` replaces the first
    entry's RESULT (to test a malformed file)."""
    fixture_rm5(path)
    tree = ET.parse(path)
    root = tree.getroot()
    items = ET.Element("QUALITY_ITEMS")
    root.insert(list(root).index(root.find("ANALYSES_AND_DATA")), items)  # type: ignore[arg-type]
    for number, domain in enumerate((SEQUENCE, CONCEALMENT), start=1):
        data = ET.SubElement(_item(items, number, domain, "STUDY"), "QUALITY_ITEM_DATA")
        for study, judgements in STUDY_LEVEL.items():
            _entry(data, study, judgements[domain], [f"Fixture support for {study}.", "Second paragraph."])
    blinding = _item(items, 3, BLINDING, "GROUP")
    for group_id, name in GROUP_NAMES.items():
        ET.SubElement(ET.SubElement(blinding, "QUALITY_ITEM_DATA_ENTRY_GROUP", {"ID": group_id}), "NAME").text = name
    data = ET.SubElement(blinding, "QUALITY_ITEM_DATA")
    for study, group_id, code in GROUP_LEVEL:
        _entry(data, study, code, [], GROUP_ID=group_id)
    if result is not None:
        root.find("QUALITY_ITEMS/QUALITY_ITEM/QUALITY_ITEM_DATA/QUALITY_ITEM_DATA_ENTRY").set("RESULT", result)  # type: ignore[union-attr]
    tree.write(path, encoding="ISO-8859-1", xml_declaration=True)
    return path


#: FIXTURE rows of a data package's risk-of-bias file: study, then (judgement, support) per domain
PACKAGE_ROWS = [
    ["MRC-1", "Low risk", "Fixture: computer list", "Low risk", ""],
    ["CDP", "Unclear risk", "", "Not applicable", ""],
    ["MRC-2", "High risk", "Fixture: alternation", "", ""],
]


def rob1_data_package(path: Path, rows: list[list[str]] | None = None) -> Path:
    """``fixture_data_package`` with ``*-study-data/fixture-risk-of-bias.csv`` (FIXTURE rows)."""
    fixture_data_package(path)
    header = [
        "Study",
        f"Domain (judgement): {SEQUENCE}",
        f"Domain (support): {SEQUENCE}",
        f"Domain (judgement): {CONCEALMENT}",
        f"Domain (support): {CONCEALMENT}",
    ]
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("fixture-study-data/fixture-risk-of-bias.csv", _csv_bytes(header, rows or PACKAGE_ROWS))
    return path
