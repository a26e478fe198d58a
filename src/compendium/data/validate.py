"""Validate ``data/raw`` against its Frictionless Data Package (``datapackage.yaml``).

The schema (types, ranges, vocabularies, unique and primary keys, foreign keys across files,
required provenance) is declared in ``datapackage.yaml`` and checked by the ``frictionless``
library. Cross-column rules are declared there too, under ``x-row-rules``, and run through
frictionless's ``row-constraint`` check. This module adds what frictionless cannot see (an empty
file, bytes that are not UTF-8, a delimiter other than a comma, a CSV file that the package does
not describe) and rules that hold for every field of a kind, whatever its name in the schema:

* every ``number`` cell is finite (``nan``, ``inf``, ``-inf`` and overflows such as ``1e309``
  are refused);
* an estimate and its CI limits are positive when the row's ``measure`` is a ratio measure, and
  between 1e-6 and 1e6 (``RATIO_LIMIT``);
* every field named ``url`` or ``read_at`` holds an http(s) address (a DOI as ``https://doi.org/...``);
* a source's ``url`` is its canonical address: the link of its first identifier (DOI, PMID, PMCID,
  registration; :mod:`compendium.data.identifiers`) when it has one, and never a bare IP address
  (where the text was read, a mirror perhaps, belongs in ``read_at``);
* arm-level values lie inside their instrument's range, and between-group mean differences
  inside plus or minus its width, when ``review.yaml`` declares one (:mod:`compendium.data.plausibility`);
* no cell holds a control or bidirectional-override character, and number cells are written in
  ASCII digits and lie within plus or minus :data:`NUMBER_LIMIT` (:mod:`compendium.characters`).

What is accepted but should be fixed is a warning (:func:`package_warnings`): a published source
(abstract, full text, secondary review) without any identifier, a registry record without its
registration number, a source without a canonical address (``url``).

Once every file passes, the declaration is checked against the data (:func:`declaration_problems`):
the subgroup variable of ``review.yaml`` is a column of ``trials``, every study's stream is one of
the streams ``review.yaml`` declares for its question, and the assumption ledger
(:func:`compendium.assumptions.check_ledger`, including the rejected register) fits the tables, so
that ``compendium validate`` refuses what stage 03 would refuse.

Every finding is one line in the one format of :func:`compendium.errors.cell_problem` (file, row,
column, what was expected, the value found). All problems of all files are collected, not just the
first.

One reading of a file: only an empty cell is missing (:data:`MISSING_VALUES`); ``NA``, ``None``,
``NULL`` or ``nan`` in a text column are text. A UTF-8 byte-order mark (Excel's "CSV UTF-8") is
ignored. :func:`compendium.data.load_tables` reads the files the same way.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from compendium import skip_iri_grammar
from compendium.characters import ASCII_NUMBER, NO_CONTROL_CHARACTERS, non_ascii_digit, unsafe_character
from compendium.data.identifiers import (
    IDENTIFIER_COLUMNS,
    PUBLISHED_SOURCE_TYPES,
    REGISTRY_SOURCE_TYPE,
    canonical_link,
    has_identifier,
    is_ip_address,
)
from compendium.data.plausibility import effects_out_of_range, out_of_range, outcome_ranges
from compendium.errors import CompendiumError, cell_problem
from compendium.review import REVIEW_FILE, Review, fill_vocabularies, review_for
from compendium.schemas import DESCRIPTOR_NAME, REQUIRED_TABLES, package_descriptor_path
from compendium.vocabulary import RATIO_MEASURES
from compendium.yaml_io import read_yaml

#: the only text read as a missing value, by the validator and by the loaders alike
MISSING_VALUES = [""]

#: the encoding every CSV file is read in: UTF-8, with or without a byte-order mark
CSV_ENCODING = "utf-8-sig"

#: columns that must be positive when the row's measure is a ratio measure
RATIO_COLUMNS = ("estimate", "ci_low", "ci_high")
#: a ratio estimate or CI limit outside [1/RATIO_LIMIT, RATIO_LIMIT] is refused: no effect ratio of
#: an exposure or treatment comes near a million, so such a value is an extraction error (a count, a
#: p-value, a misplaced exponent), and 1e300 would overflow the pooling's weighted sums
RATIO_LIMIT = 1e6

#: how the messages of a broken cross-column rule and of a non-finite number begin
ROW_RULE = "a value keeping the rule: "
FINITE = "a finite number"

#: the largest magnitude of any number cell: no count, measurement or effect of a review comes near
#: a million million, so a larger value is a typing or unit error (SD = 1e300 would overflow the
#: variances, whose squares the pooling sums)
NUMBER_LIMIT = 1e12

#: how the messages of a cell that no rule can read begin (its row's cross-column rules are skipped)
UNUSABLE_CELL = (FINITE, NO_CONTROL_CHARACTERS, ASCII_NUMBER, "a number between")

#: between-group tables whose mean differences are checked against the outcome's range
EFFECT_TABLES = ("rct_effects", "review_results")

#: URL schemes a source address may use
URL_SCHEMES = ("http", "https")
#: columns holding a web address, whatever the table
ADDRESS_COLUMNS = ("url", "read_at")


@dataclass(frozen=True)
class Problem:
    """One validation finding. ``row`` is the 1-based data row (the header is line 1, row 0);
    ``value`` is the cell as written (None when the finding concerns a file or a column)."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        return cell_problem(self.file, self.row, self.column, self.expected, self.value)

    def to_dict(self) -> dict:
        """The finding as a JSON-ready record, with its message."""
        line = None if self.row is None else self.row + 1
        return {**asdict(self), "line": line, "message": str(self)}


class ValidationFailed(CompendiumError):
    """Raised with every problem found; the message lists them one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        files = sorted({p.file for p in problems})
        lines = [f"{len(problems)} problem(s) in {', '.join(files)}:"] + [f"  {p}" for p in problems]
        super().__init__("\n".join(lines))


def read_descriptor(raw_dir: str | Path, review: Review | None = None) -> dict:
    """Load the schema of the data package in ``raw_dir`` as a plain dict (safe YAML, no anchors or
    aliases): its own ``datapackage.yaml`` when it holds one, else the engine's
    (:func:`compendium.schemas.package_descriptor_path`), with the vocabularies of ``review``
    (default: the declaration that governs the folder)."""
    if not Path(raw_dir).is_dir():
        raise CompendiumError(f"{raw_dir}: not a directory; expected a data folder such as data/raw")
    path = package_descriptor_path(raw_dir)
    descriptor = read_yaml(path)
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list) or not all(
        isinstance(r, dict) and "path" in r and "name" in r and "schema" in r for r in resources
    ):
        raise CompendiumError(
            f"{path}: expected a data package with a list of 'resources', each with a name, path and schema"
        )
    # review-specific vocabularies (outcome codes, intervention types) come from review.yaml
    return fill_vocabularies(descriptor, review or review_for(raw_dir))


def missing_values(resource: dict) -> list[str]:
    """The texts read as missing in a resource: its schema's ``missingValues``, by default only the
    empty cell (frictionless's default, and the loaders' ``na_values``)."""
    return list(resource["schema"].get("missingValues", MISSING_VALUES))


def read_text_table(path: str | Path) -> pd.DataFrame:
    """A CSV file of the package as text, read as the validator reads it (every cell a string,
    an empty cell the empty string, a byte-order mark ignored)."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=CSV_ENCODING)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise CompendiumError(f"{path}: cannot be read as CSV: {error}") from None


def validate_package(
    raw_dir: str | Path,
    *,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    review: Review | None = None,
) -> list[Problem]:
    """Return every problem found in the data package under ``raw_dir`` (empty list: valid).

    ``ranges`` (``{outcome id: (low, high)}``) are the instruments' ranges for the plausibility
    check; by default they are read from the review declaration that governs the folder
    (:func:`compendium.review.review_for`), as is ``review`` for the checks of the declaration
    against the data (:func:`declaration_problems`), which run once every file passes.
    """
    skip_iri_grammar()  # frictionless -> jsonschema
    from frictionless import FrictionlessException, Package

    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise CompendiumError(f"{raw_dir}: not a directory; expected a data folder such as data/raw")
    review = review or review_for(raw_dir)
    descriptor = read_descriptor(raw_dir, review)
    if ranges is None:
        ranges = outcome_ranges(review)
    problems: list[Problem] = []
    declared = {resource["path"] for resource in descriptor["resources"]}
    for extra in sorted(p.name for p in raw_dir.glob("*.csv") if p.name not in declared):
        problems.append(
            Problem(
                extra,
                None,
                None,
                None,
                f"a file described in {DESCRIPTOR_NAME} (this one is not described in {DESCRIPTOR_NAME}; add a "
                f"resource for it or move it out of {raw_dir})",
            )
        )

    readable = []
    absent = absent_tables(raw_dir, descriptor)
    for resource in descriptor["resources"]:
        if resource["name"] in absent:
            continue
        file_problems = _check_file_format(raw_dir / resource["path"], resource)
        problems.extend(file_problems)
        if not file_problems:
            readable.append(resource["name"])

    unreadable = {r["name"] for r in descriptor["resources"]} - set(readable) - absent
    try:
        package = Package(_frictionless_descriptor(descriptor, unreadable, absent), basepath=str(raw_dir))
    except FrictionlessException as error:
        raise CompendiumError(
            f"{package_descriptor_path(raw_dir)}: not a valid data package descriptor: {error.error.message}"
        ) from None
    for resource_descriptor in descriptor["resources"]:
        if resource_descriptor["name"] not in readable:
            continue
        resource = package.get_resource(resource_descriptor["name"])
        table = read_text_table(raw_dir / resource_descriptor["path"])
        own = _check_cells(resource_descriptor, table)
        if resource_descriptor["name"] == "continuous_outcomes" and ranges:
            own += [
                Problem(
                    flag.file,
                    flag.row,
                    flag.column,
                    str(table.at[flag.row - 1, flag.column]),
                    f"a value inside the range of {flag.outcome} [{flag.range[0]:g}, {flag.range[1]:g}] "
                    "(from review.yaml)",
                )
                for flag in out_of_range(table, ranges, file=resource_descriptor["path"])
            ]
        if resource_descriptor["name"] in EFFECT_TABLES and ranges:
            own += [
                Problem(
                    flag.file,
                    flag.row,
                    flag.column,
                    str(table.at[flag.row - 1, flag.column]),
                    f"a mean difference inside [{flag.range[0]:g}, {flag.range[1]:g}]"
                    f" (no larger difference fits the range of {flag.outcome} declared in review.yaml)",
                )
                for flag in effects_out_of_range(table, ranges, file=resource_descriptor["path"])
            ]
        # a cell's own problem says more than what frictionless makes of it (a row rule broken by
        # a nan, a minimum of 0 for a ratio's CI limit); rows with a non-finite number skip row rules
        own_cells = {(p.row, p.column) for p in own}
        nonfinite_rows = {p.row for p in own if p.expected.startswith(UNUSABLE_CELL)}
        found = [
            p
            for p in _check_resource(resource, resource_descriptor)
            if (p.row, p.column) not in own_cells and not (p.row in nonfinite_rows and p.expected.startswith(ROW_RULE))
        ]
        problems.extend(sorted(found + own, key=lambda p: -1 if p.row is None else p.row))
    if problems:
        return problems
    from compendium.data.load import load_tables

    return declaration_problems(load_tables(raw_dir, validate=False, review=review), review, descriptor)


def declaration_problems(tables: Mapping[str, pd.DataFrame], review: Review, descriptor: dict) -> list[Problem]:
    """What the declaration says that the data contradict (module docstring), each as a :class:`Problem`.

    Parameters
    ----------
    tables : the package's typed tables (:func:`compendium.data.load.load_tables`)
    review : the declaration that governs the data folder
    descriptor : the data package descriptor (for the file names of the resources)
    """
    from compendium.assumptions import LEDGER_FILE, REJECTED_FILE, LedgerError, check_ledger

    files = {resource["name"]: resource["path"] for resource in descriptor["resources"]}
    source = Path(review.source).name if review.source else REVIEW_FILE
    problems: list[Problem] = []
    trials = tables.get("trials")
    if review.subgroup and trials is not None and review.subgroup not in trials.columns:
        problems.append(
            Problem(
                files["trials"],
                None,
                review.subgroup,
                None,
                f"a column named {review.subgroup!r} ({source}'s subgroup names it; "
                f"columns: {', '.join(trials.columns)})",
            )
        )
    studies = tables.get("studies")
    if studies is not None and {"question", "stream"} <= set(studies.columns):
        declared = {q.id: q.streams for q in review.questions}
        for row, (question, stream) in enumerate(zip(studies["question"], studies["stream"]), start=1):
            streams = declared.get(str(question))
            if streams is not None and str(stream) not in streams:
                problems.append(
                    Problem(
                        files["studies"],
                        row,
                        "stream",
                        str(stream),
                        f"a stream that {source} lists under question {question!r} ({', '.join(streams) or 'none'})",
                    )
                )
    ledger = tables.get("assumptions")
    if ledger is not None and not ledger.empty:
        try:
            check_ledger(
                ledger,
                tables,
                file=files.get("assumptions", LEDGER_FILE),
                rejected=tables.get("assumptions_rejected"),
                rejected_file=files.get("assumptions_rejected", REJECTED_FILE),
            )
        except LedgerError as error:
            got = None if error.got is None else str(error.got)
            problems.append(Problem(error.file, error.row, error.column, got, error.expected))
    return problems


def check_package(
    raw_dir: str | Path, *, ranges: Mapping[str, tuple[float, float]] | None = None, review: Review | None = None
) -> None:
    """Raise :class:`ValidationFailed` listing every problem, or return silently (``ranges`` and
    ``review`` as for :func:`validate_package`)."""
    problems = validate_package(raw_dir, ranges=ranges, review=review)
    if problems:
        raise ValidationFailed(problems)


def finite_number_problem(text: str) -> str | None:
    """What is wrong with a number cell that parses but is not a usable number, else None.

    Examples
    --------
    >>> finite_number_problem("1e309")
    'a finite number (this one overflows to infinity)'
    >>> finite_number_problem("2.5") is None
    True
    """
    try:
        value = float(text)
    except ValueError:
        return None  # not a number at all: the type check reports it
    if math.isnan(value):
        return f"{FINITE} (not nan)"
    if math.isinf(value):
        written_as_infinity = text.strip().lstrip("+-").lower() in ("inf", "infinity")
        return f"{FINITE} (not infinity)" if written_as_infinity else f"{FINITE} (this one overflows to infinity)"
    return None


def _check_cells(resource: dict, table: pd.DataFrame) -> list[Problem]:
    """Rules that hold for every field of a kind: finite numbers, positive ratios, http(s) addresses."""
    name = resource["path"]
    fields = resource["schema"]["fields"]
    missing = missing_values(resource)
    numbers = [f["name"] for f in fields if f.get("type") == "number" and f["name"] in table.columns]
    urls = [f["name"] for f in fields if f["name"] in ADDRESS_COLUMNS and f["name"] in table.columns]
    identified = "url" in urls and set(IDENTIFIER_COLUMNS) <= set(table.columns)
    numeric = [f["name"] for f in fields if f.get("type") in ("number", "integer") and f["name"] in table.columns]
    ratio_columns = [c for c in RATIO_COLUMNS if c in numbers] if "measure" in table.columns else []
    problems = []
    for position, row in enumerate(table.to_dict(orient="records"), start=1):
        problems += _character_problems(name, position, row, numeric)
        for column in numbers:
            text = row[column]
            if text in missing or non_ascii_digit(text) or unsafe_character(text):
                continue
            trouble = finite_number_problem(text)
            if (
                trouble is None
                and column in ratio_columns
                and row["measure"] in RATIO_MEASURES
                and (number := _float(text)) is not None
            ):
                if number <= 0:
                    trouble = (
                        f"a positive number ({row['measure']} is a ratio measure: "
                        "its estimate and CI limits are above 0)"
                    )
                elif not 1 / RATIO_LIMIT <= number <= RATIO_LIMIT:
                    trouble = (
                        f"a ratio between {1 / RATIO_LIMIT:g} and {RATIO_LIMIT:g} ({row['measure']} is a ratio "
                        "measure; a value beyond these bounds is no effect estimate: check the extraction)"
                    )
            if trouble is not None:
                problems.append(Problem(name, position, column, text, trouble))
        for column in urls:
            if row[column] not in missing and not is_web_address(row[column]):
                problems.append(
                    Problem(name, position, column, row[column], "an http(s) address, or a DOI as https://doi.org/...")
                )
            elif identified and column == "url" and (trouble := _canonical_problem(row)) is not None:
                problems.append(Problem(name, position, column, row[column], trouble))
    return problems


def _canonical_problem(row: Mapping[Any, str]) -> str | None:
    """What is wrong with a source's ``url`` as its canonical address, else None."""
    url = row["url"].strip()
    if is_ip_address(url):
        return (
            "the source's canonical address (its DOI, PubMed, PMC or registry link, or the publisher's page), "
            "not a bare IP address; the address where the text was read goes in read_at"
        )
    link = canonical_link(row)
    if link is not None and url != link:
        return (
            f"the link of the source's first identifier, {link} (the address where the text was read goes in read_at)"
        )
    return None


def package_warnings(raw_dir: str | Path, review: Review | None = None) -> list[Problem]:
    """What the package accepts but a reader should have fixed, one :class:`Problem` each: a published
    source (:data:`~compendium.data.identifiers.PUBLISHED_SOURCE_TYPES`) without any identifier, and a
    registry record without its registration number, and a source without a canonical address. Run it on a
    package that validates (``review``: as for :func:`read_descriptor`)."""
    raw_dir = Path(raw_dir)
    warnings = []
    for resource in read_descriptor(raw_dir, review)["resources"]:
        fields = {field["name"] for field in resource["schema"]["fields"]}
        path = raw_dir / resource["path"]
        if not {"source_type", *IDENTIFIER_COLUMNS} <= fields or not path.is_file():
            continue
        for position, row in enumerate(read_text_table(path).to_dict(orient="records"), start=1):
            kind = row.get("source_type", "")
            if kind in PUBLISHED_SOURCE_TYPES and not has_identifier(row):
                warnings.append(
                    Problem(
                        resource["path"],
                        position,
                        "doi",
                        "",
                        f"an identifier of this published source ({kind}): a doi, pmid, pmcid or registration "
                        "where a page shows one, so that a reader can follow the citation",
                    )
                )
            if not row.get("url"):
                warnings.append(
                    Problem(
                        resource["path"],
                        position,
                        "url",
                        "",
                        "the source's canonical address (its identifier's link or the publisher's page); "
                        "only where it was read (read_at) is given",
                    )
                )
            if kind == REGISTRY_SOURCE_TYPE and not row.get("registration"):
                warnings.append(
                    Problem(
                        resource["path"],
                        position,
                        "registration",
                        "",
                        "the registration number of this registry record",
                    )
                )
    return warnings


def _character_problems(name: str, position: int, row: Mapping, numeric: list[str]) -> list[Problem]:
    """Control or bidirectional characters in any cell; non-ASCII digits and magnitudes beyond
    :data:`NUMBER_LIMIT` in number cells."""
    problems = []
    for column, text in row.items():
        column, text = str(column), str(text)
        found = unsafe_character(text)
        if found is not None:
            problems.append(
                Problem(
                    name, position, column, text, f"{NO_CONTROL_CHARACTERS} (character {found[0] + 1} is {found[1]})"
                )
            )
            continue
        if column not in numeric:
            continue
        digit = non_ascii_digit(text)
        if digit is not None:
            problems.append(
                Problem(name, position, column, text, f"{ASCII_NUMBER} (character {digit[0] + 1} is {digit[1]})")
            )
        elif (number := _float(text)) is not None and math.isfinite(number) and abs(number) > NUMBER_LIMIT:
            problems.append(
                Problem(
                    name,
                    position,
                    column,
                    text,
                    f"a number between {-NUMBER_LIMIT:g} and {NUMBER_LIMIT:g} (no count, measurement or effect "
                    "comes near this magnitude: check the extraction)",
                )
            )
    return problems


def is_web_address(text: str) -> bool:
    """True for an ``http://`` or ``https://`` address with a host (no ``javascript:``, ``file:``, ``data:``).

    Examples
    --------
    >>> is_web_address("https://doi.org/10.1000/xyz"), is_web_address("javascript:alert(1)"), is_web_address("http://[::1")
    (True, False, False)
    """
    text = text.strip()
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme.lower() in URL_SCHEMES and bool(parts.hostname) and not any(c.isspace() for c in text)


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def absent_tables(raw_dir: Path, descriptor: dict) -> set[str]:
    """Resources whose file a data folder leaves out: empty tables, allowed for every table but
    :data:`compendium.schemas.REQUIRED_TABLES` (a review folder holds only the tables it uses)."""
    return {
        r["name"]
        for r in descriptor["resources"]
        if r["name"] not in REQUIRED_TABLES and not (raw_dir / r["path"]).exists()
    }


def _frictionless_descriptor(
    descriptor: dict, unreadable: set[str], absent: frozenset[str] | set[str] = frozenset()
) -> dict:
    """The descriptor for frictionless: our ``x-`` extensions removed, every CSV read strictly
    comma-separated UTF-8 with only empty cells missing, no foreign keys into files that could
    not be read (their problems are reported already; the references are checked once they are fixed),
    and a table left out of the folder (``absent``) read as its header alone."""
    clean = {key: value for key, value in descriptor.items() if not key.startswith("x-")}
    clean["resources"] = []
    for resource in descriptor["resources"]:
        resource = {k: v for k, v in resource.items() if not k.startswith("x-")}
        schema = dict(resource["schema"])
        schema["foreignKeys"] = [
            fk for fk in schema.get("foreignKeys", []) if fk["reference"]["resource"] not in unreadable
        ]
        schema["missingValues"] = missing_values(resource)
        if resource["name"] in absent:
            resource.pop("path")
            resource["data"] = [[field["name"] for field in schema["fields"]]]
        clean["resources"].append(
            {**resource, "schema": schema, "dialect": {"csv": {"delimiter": ","}}, "encoding": CSV_ENCODING}
        )
    return clean


def _check_file_format(path: Path, resource: dict) -> list[Problem]:
    """Problems frictionless would report confusingly or not at all: missing, empty, encoding, delimiter, header."""
    name = path.name
    expected = [field["name"] for field in resource["schema"]["fields"]]
    columns = ", ".join(expected)
    if path.is_dir():
        return [Problem(name, None, None, None, f"a CSV file with columns {columns} (this is a directory)")]
    if not path.is_file():
        return [Problem(name, None, None, None, f"a CSV file with columns {columns} (file not found)")]
    raw = path.read_bytes()
    if not raw.strip():
        return [Problem(name, None, None, None, f"a header row with columns {columns} (the file is empty)")]
    try:
        text = raw.decode(CSV_ENCODING)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return [
            Problem(
                name,
                line - 1 if line > 1 else None,
                None,
                f"byte 0x{raw[error.start]:02x}",
                f"UTF-8 text (the byte at offset {error.start}, line {line}, is not UTF-8; save the file as UTF-8)",
            )
        ]
    header = next(csv.reader([text.splitlines()[0]]))
    if len(header) == 1 and len(expected) > 1:
        for delimiter, label in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if delimiter in header[0]:
                return [
                    Problem(
                        name,
                        None,
                        None,
                        None,
                        f"comma-separated values with columns {columns} (the header is {label}-separated)",
                    )
                ]
    if header != expected:
        duplicated = sorted({column for column in header if header.count(column) > 1})
        problems = [
            Problem(name, None, column, None, "a column of this name (missing column; the schema requires it)")
            for column in expected
            if column not in header
        ]
        problems += [
            Problem(name, None, column, None, "only the schema's columns (unexpected column)")
            for column in header
            if column not in expected
        ]
        problems += [Problem(name, None, column, None, "each column once (duplicated column)") for column in duplicated]
        if not problems:
            problems = [
                Problem(name, None, None, None, f"the columns in the order {columns} (columns are out of order)")
            ]
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
    # a blank row gets one message, not also a duplicate (empty) key
    blank_rows = {error.row_number for error in errors if error.type == "blank-row"}
    problems = [
        Problem(
            name,
            row_number - 1,
            None,
            None,
            f"{len(field_names)} values, one per column (the row has {cells} values but the header has "
            f"{len(field_names)} columns)",
        )
        for row_number, cells in ragged.items()
    ]
    for error in errors:
        row_number = getattr(error, "row_number", None)
        if row_number in ragged or (error.type == "primary-key" and row_number in unique_rows | blank_rows):
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
        return Problem(name, row, column, cells.get(column), f"{ROW_RULE}{rule['rule']}")
    if kind == "type-error":
        expected = error.note.replace('type is "', "").split("/")[0].rstrip('"')
        return Problem(name, row, column, cell, f"a value of type {expected}")
    if kind == "constraint-error":
        return Problem(name, row, column, cell or "", _constraint_rule(error.note))
    if kind in ("primary-key", "unique-error"):
        first = re.search(r"position (\d+)", error.note)
        return Problem(
            name,
            row,
            column,
            cell,
            f"a unique key (duplicate id: the same as row {int(first.group(1)) - 1})"
            if first
            else f"a unique key (duplicate id: {error.note})",
        )
    if kind == "foreign-key":
        column = ", ".join(error.field_names)
        cell = ", ".join(str(c) for c in error.field_cells)
        target = f"{error.reference_name or name.removesuffix('.csv')}.csv ({', '.join(error.reference_field_names)})"
        return Problem(name, row, column, cell, f"an id that exists in {target} (refers to an id that does not exist)")
    if kind in ("missing-label", "extra-label", "incorrect-label", "blank-label", "duplicate-label"):
        return Problem(
            name,
            None,
            getattr(error, "label", None) or column,
            None,
            f"a valid header ({kind}: {error.note or error.message})",
        )
    if kind == "blank-row":
        return Problem(name, row, None, None, "a row with values (blank row; remove it)")
    return Problem(name, row, column, cell, f"a valid value ({error.message})")


def _constraint_rule(note: str) -> str:
    """Plain English for a frictionless constraint note such as ``constraint "minimum" is "0"``."""
    parts = note.split('"')
    constraint, bound = (parts[1], parts[3]) if len(parts) >= 4 else (note, "")
    wording = {
        "required": "a value (a value is required here: provenance and keys may not be empty)",
        "minimum": f"a value of at least {bound}",
        "maximum": f"a value of at most {bound}",
        "enum": f"one of the vocabulary terms {bound}",
        "pattern": f"a value matching the pattern {bound}",
        "unique": "a unique value",
    }
    return wording.get(constraint, f"a value keeping the constraint {note}")
