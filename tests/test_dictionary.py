"""The data dictionary in data/README.md is generated from datapackage.yaml and kept in step."""

from __future__ import annotations

import pytest

from compendium.data.dictionary import END, START, render_dictionary
from compendium.data.validate import read_descriptor
from compendium.paths import RAW_DIR, ROOT

DESCRIPTOR = read_descriptor(RAW_DIR)


def test_readme_dictionary_matches_descriptor() -> None:
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert readme.count(START) == 1 and readme.count(END) == 1, "data/README.md needs one pair of dictionary markers"
    section = readme.split(START, 1)[1].split(END, 1)[0]
    assert section.strip() == render_dictionary(DESCRIPTOR).strip(), (
        "data/README.md is out of date: run python -m compendium.data.dictionary"
    )


@pytest.mark.parametrize("resource", DESCRIPTOR["resources"], ids=lambda r: r["name"])
def test_every_field_has_a_description(resource: dict) -> None:
    missing = [f["name"] for f in resource["schema"]["fields"] if not str(f.get("description", "")).strip()]
    assert not missing, f"datapackage.yaml, resource {resource['name']}: fields without description: {missing}"


def test_render_dictionary_layout() -> None:
    descriptor = {
        "resources": [
            {
                "name": "toy",
                "path": "toy.csv",
                "title": "Toy table",
                "schema": {
                    "primaryKey": ["a", "b"],
                    "fields": [
                        {"name": "a", "type": "string", "constraints": {"required": True, "enum": ["x", "y"]}},
                        {
                            "name": "b",
                            "type": "number",
                            "constraints": {"minimum": 0, "maximum": 1},
                            "description": "B | C",
                        },
                    ],
                },
                "x-row-rules": [{"rule": "a before b", "typo_guard": True}, {"rule": "b positive"}],
            }
        ]
    }
    assert render_dictionary(descriptor) == (
        "### `toy.csv` (Toy table)\n\n"
        "Primary key: `a, b`.\n\n"
        "| column | type | required | vocabulary / range | meaning |\n"
        "|---|---|---|---|---|\n"
        "| `a` | string | yes | `x`, `y` |  |\n"
        "| `b` | number |  | >= 0; <= 1 | B \\| C |\n\n"
        "Cross-column rules: a before b (skipped when `verified_as_printed`); b positive.\n"
    )
