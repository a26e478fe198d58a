"""Validate ``data/raw`` against its Frictionless Data Package (``datapackage.yaml``).

The schema (types, ranges, vocabularies, unique and primary keys, foreign keys across files,
required provenance) is declared in ``datapackage.yaml`` and checked by the ``frictionless``
library. Cross-column rules are declared there too, under ``x-row-rules``, and run through
frictionless's ``row-constraint`` check. This module only adds what frictionless cannot see
(an empty file, bytes that are not UTF-8, a delimiter other than a comma, a CSV file that the
package does not describe) and turns every finding into one readable line naming the file,
row, column, value and the rule broken. All problems of all files are collected, not just the
first.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from compendium.errors import CompendiumError
from compendium.review import fill_vocabularies, review_for

DESCRIPTOR_NAME = "datapackage.yaml"


@dataclass(frozen=True)
class Problem:
    """One validation finding. ``row`` is the 1-based data row (the header is row 0)."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row} (line {self.row + 1})")
        if self.column:
            where.append(f"column '{self.column}'")
        value = "" if self.value is None else f"value {self.value!r}: "
        return f"{', '.join(where)}: {value}{self.rule}"


class ValidationFailed(CompendiumError):
    """Raised with every problem found; the message lists them one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        files = sorted({p.file for p in problems})
        lines = [f"{len(problems)} problem(s) in {', '.join(files)}:"] + [f"  {p}" for p in problems]
        super().__init__("\n".join(lines))


def read_descriptor(raw_dir: str | Path) -> dict:
    """Load ``datapackage.yaml`` from ``raw_dir`` as a plain dict."""
    path = Path(raw_dir) / DESCRIPTOR_NAME
    if not path.exists():
        raise CompendiumError(f"{path}: not found; a data folder needs its {DESCRIPTOR_NAME} (see data/README.md)")
    try:
        descriptor = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CompendiumError(f"{path}: not valid YAML: {error}") from error
    # review-specific vocabularies (outcome codes, intervention types) come from review.yaml
    return fill_vocabularies(descriptor, review_for(raw_dir)) if isinstance(descriptor, dict) else descriptor


def validate_package(raw_dir: str | Path) -> list[Problem]:
    """Return every problem found in the data package under ``raw_dir`` (empty list: valid)."""
    from frictionless import FrictionlessException, Package

    raw_dir = Path(raw_dir)
    descriptor = read_descriptor(raw_dir)
    problems: list[Problem] = []
    declared = {resource["path"] for resource in descriptor["resources"]}
    for extra in sorted(p.name for p in raw_dir.glob("*.csv") if p.name not in declared):
        problems.append(Problem(extra, None, None, None, f"file is not described in {DESCRIPTOR_NAME}; add a resource for it or move it out of {raw_dir}"))

    readable = []
    for resource in descriptor["resources"]:
        file_problems = _check_file_format(raw_dir / resource["path"], resource)
        problems.extend(file_problems)
        if not file_problems:
            readable.append(resource["name"])

    unreadable = {r["name"] for r in descriptor["resources"]} - set(readable)
    try:
        package = Package(_frictionless_descriptor(descriptor, unreadable), basepath=str(raw_dir))
    except FrictionlessException as error:
        raise CompendiumError(f"{raw_dir / DESCRIPTOR_NAME}: not a valid data package descriptor: {error.error.message}") from None
    for resource_descriptor in descriptor["resources"]:
        if resource_descriptor["name"] not in readable:
            continue
        resource = package.get_resource(resource_descriptor["name"])
        problems.extend(_check_resource(resource, resource_descriptor))
    return problems


def check_package(raw_dir: str | Path) -> None:
    """Raise :class:`ValidationFailed` listing every problem, or return silently."""
    problems = validate_package(raw_dir)
    if problems:
        raise ValidationFailed(problems)


def _frictionless_descriptor(descriptor: dict, unreadable: set[str]) -> dict:
    """The descriptor for frictionless: our ``x-`` extensions removed, every CSV read strictly
    comma-separated UTF-8, and no foreign keys into files that could not be read (their
    problems are reported already; the references are checked once they are fixed)."""
    clean = {key: value for key, value in descriptor.items() if not key.startswith("x-")}
    clean["resources"] = []
    for resource in descriptor["resources"]:
        resource = {k: v for k, v in resource.items() if not k.startswith("x-")}
        schema = dict(resource["schema"])
        schema["foreignKeys"] = [fk for fk in schema.get("foreignKeys", []) if fk["reference"]["resource"] not in unreadable]
        clean["resources"].append({**resource, "schema": schema, "dialect": {"csv": {"delimiter": ","}}, "encoding": "utf-8"})
    return clean


def _check_file_format(path: Path, resource: dict) -> list[Problem]:
    """Problems frictionless would report confusingly or not at all: missing, empty, encoding, delimiter, header."""
    name = path.name
    expected = [field["name"] for field in resource["schema"]["fields"]]
    if not path.exists():
        return [Problem(name, None, None, None, f"file not found; expected a CSV with columns {', '.join(expected)}")]
    raw = path.read_bytes()
    if not raw.strip():
        return [Problem(name, None, None, None, f"file is empty; expected a header row with columns {', '.join(expected)}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return [Problem(name, line - 1 if line > 1 else None, None, repr(raw[error.start : error.start + 1]), f"byte at offset {error.start} (line {line}) is not UTF-8; save the file as UTF-8")]
    header = next(csv.reader([text.splitlines()[0]]))
    if len(header) == 1 and len(expected) > 1:
        for delimiter, label in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if delimiter in header[0]:
                return [Problem(name, None, None, None, f"header is {label}-separated; expected comma-separated values with columns {', '.join(expected)}")]
    if header != expected:
        problems = [Problem(name, None, column, None, "missing column (the schema requires it)") for column in expected if column not in header]
        problems += [Problem(name, None, column, None, "unexpected column (not in the schema)") for column in header if column not in expected]
        if not problems:
            problems = [Problem(name, None, None, None, f"columns are out of order; expected {', '.join(expected)}")]
        return problems
    return []


def _row_rule_checks(resource_descriptor: dict) -> list:
    from frictionless import checks

    has_flag = any(f["name"] == "verified_as_printed" for f in resource_descriptor["schema"]["fields"])
    made = []
    for rule in resource_descriptor.get("x-row-rules", []):
        formula = rule["formula"]
        if rule.get("typo_guard") and has_flag:
            formula = f"verified_as_printed or ({formula})"
        made.append((checks.row_constraint(formula=formula), rule))
    return made


def _check_resource(resource, resource_descriptor: dict) -> list[Problem]:
    from frictionless import Checklist

    name = resource_descriptor["path"]
    rules = _row_rule_checks(resource_descriptor)
    rule_by_formula = {check.formula: rule for check, rule in rules}
    report = resource.validate(checklist=Checklist(checks=[check for check, _ in rules]))
    errors = [error for task in report.tasks for error in task.errors]
    field_names = resource.schema.field_names
    # a row with too few or too many cells gets one message, not one per cell
    ragged = {}
    for error in errors:
        if error.type in ("missing-cell", "extra-cell"):
            ragged[error.row_number] = len(error.cells)
    unique_rows = {error.row_number for error in errors if error.type == "unique-error"}
    problems = [
        Problem(name, row_number - 1, None, None, f"row has {cells} values but the header has {len(field_names)} columns")
        for row_number, cells in ragged.items()
    ]
    for error in errors:
        row_number = getattr(error, "row_number", None)
        if row_number in ragged or (error.type == "primary-key" and row_number in unique_rows):
            continue
        problems.append(_problem_from_error(name, error, rule_by_formula, field_names))
    return problems


def _problem_from_error(name: str, error, rule_by_formula: dict, field_names: list[str]) -> Problem:
    """Translate one frictionless error into a :class:`Problem` with a plain-English rule."""
    row_number = getattr(error, "row_number", None)
    row = row_number - 1 if row_number else None
    column = getattr(error, "field_name", None)
    cell = getattr(error, "cell", None)
    kind = error.type
    if kind == "row-constraint":
        formula = error.note.split('"', 1)[1].rsplit('"', 1)[0]
        rule = rule_by_formula.get(formula, {"column": None, "rule": formula})
        column = rule["column"]
        cells = dict(zip(field_names, error.cells or []))
        return Problem(name, row, column, cells.get(column), f"breaks the rule: {rule['rule']}")
    if kind == "type-error":
        expected = error.note.replace('type is "', "").split("/")[0].rstrip('"')
        return Problem(name, row, column, cell, f"expected a value of type {expected}")
    if kind == "constraint-error":
        return Problem(name, row, column, cell or "", _constraint_rule(error.note))
    if kind in ("primary-key", "unique-error"):
        first = re.search(r"position (\d+)", error.note)
        return Problem(name, row, column, cell, f"duplicate id: the same as row {int(first.group(1)) - 1}" if first else f"duplicate id: {error.note}")
    if kind == "foreign-key":
        return Problem(name, row, column, cell, f"refers to an id that does not exist: {error.note}")
    if kind in ("missing-label", "extra-label", "incorrect-label", "blank-label", "duplicate-label"):
        return Problem(name, None, getattr(error, "label", None) or column, None, f"header problem ({kind}): {error.note or error.message}")
    if kind == "blank-row":
        return Problem(name, row, None, None, "blank row; remove it")
    return Problem(name, row, column, cell, error.message)



def _constraint_rule(note: str) -> str:
    """Plain English for a frictionless constraint note such as ``constraint "minimum" is "0"``."""
    parts = note.split('"')
    constraint, bound = (parts[1], parts[3]) if len(parts) >= 4 else (note, "")
    wording = {
        "required": "a value is required here (provenance and keys may not be empty)",
        "minimum": f"must be at least {bound}",
        "maximum": f"must be at most {bound}",
        "enum": f"must be one of the vocabulary terms {bound}",
        "pattern": f"must match the pattern {bound}",
        "unique": "must be unique",
    }
    return wording.get(constraint, f"breaks the constraint {note}")
