"""The data dictionary of ``data/README.md``, rendered from ``datapackage.yaml``.

The package descriptor is the single source of truth: every column's meaning is its field's
``description``. ``python -m compendium.data.dictionary`` prints the Markdown that goes between
the ``dictionary:start`` and ``dictionary:end`` markers of ``data/README.md``;
``tests/test_dictionary.py`` checks that the two agree.
"""

from __future__ import annotations

import sys

from compendium.data.validate import read_descriptor
from compendium.paths import RAW_DIR

#: the columns of every resource's table, in order
COLUMNS: tuple[str, ...] = ("column", "type", "required", "vocabulary / range", "meaning")


def render_dictionary(descriptor: dict) -> str:
    """Markdown for every resource of ``descriptor``: heading, description, primary key,
    one table row per field and the cross-column rules, in the order of the descriptor."""
    return "\n".join(_render_resource(resource) for resource in descriptor["resources"])


def _render_resource(resource: dict) -> str:
    """One resource's block, ending with a blank line."""
    lines = [f"### `{resource['path']}` ({resource['title']})", ""]
    if resource.get("description"):
        lines += [resource["description"], ""]
    primary_key = resource["schema"].get("primaryKey")
    if primary_key:
        keys = [primary_key] if isinstance(primary_key, str) else primary_key
        lines += [f"Primary key: `{', '.join(keys)}`.", ""]
    lines.append(_row(COLUMNS))
    lines.append("|" + "---|" * len(COLUMNS))
    lines += [_field_row(field) for field in resource["schema"]["fields"]]
    rules = resource.get("x-row-rules")
    if rules:
        text = "; ".join(
            rule["rule"] + (" (skipped when `verified_as_printed`)" if rule.get("typo_guard") else "") for rule in rules
        )
        lines += ["", f"Cross-column rules: {text}."]
    lines.append("")
    return "\n".join(lines)


def _field_row(field: dict) -> str:
    """The table row of one field: name, type, required, vocabulary or range, meaning."""
    constraints = field.get("constraints", {})
    allowed = [", ".join(f"`{value}`" for value in constraints["enum"])] if "enum" in constraints else []
    if "minimum" in constraints:
        allowed.append(f">= {constraints['minimum']}")
    if "maximum" in constraints:
        allowed.append(f"<= {constraints['maximum']}")
    if "pattern" in constraints:
        allowed.append(f"pattern `{constraints['pattern']}`")
    if constraints.get("unique"):
        allowed.append("unique")
    return _row(
        (
            f"`{field['name']}`",
            field.get("type", "string"),
            "yes" if constraints.get("required") else "",
            "; ".join(allowed),
            field.get("description", ""),
        )
    )


def _row(cells: tuple[str, ...]) -> str:
    """A Markdown table row; a ``|`` inside a cell is escaped."""
    return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"


if __name__ == "__main__":
    sys.stdout.write(render_dictionary(read_descriptor(RAW_DIR)))
