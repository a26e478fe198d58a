"""Allowed values of the stage parameters, declared once and checked before any stage runs.

The notebooks' parameters cells give each parameter's name, type and default (checked by
:mod:`compendium.pipeline.parameters`). This module adds what a default cannot say:

* :data:`CHOICES`: parameters that take one of a fixed list of words (``tau2_method``, ``test``,
  ``palette``), each list taken from the engine that uses it, so there is one list, not two;
* ``outcomes``: a list of outcome codes from the review's outcome vocabulary (``outcomes[*].id``
  of ``review.yaml`` at the repository root; without that file, the ``outcome`` vocabularies of
  the data package's ``datapackage.yaml``), so a typo stops the run instead of silently
  analysing nothing;
* ``exclude_studies``: a list of ``study_id``s of the data package's ``studies.csv`` (the studies a
  reviewer leaves out), each checked by name;
* :data:`RANGES`: numbers with bounds (``level`` is a percentage: 95, not 0.95);
* :data:`TYPES_WHEN_DEFAULT_IS_NONE`: the type expected where a notebook's default is ``None``.

Every problem names the parameter, where its value came from and, for a misspelt word, the
closest allowed one ("did you mean").
"""

from __future__ import annotations

import datetime
import difflib
import math
from collections.abc import Callable
from pathlib import Path

from compendium.errors import CompendiumError
from compendium.paths import display_path, governing_review
from compendium.yaml_io import read_yaml


def _tau2_methods() -> tuple[str, ...]:
    from compendium.meta.settings import METHODS

    return METHODS


def _tests() -> tuple[str, ...]:
    from compendium.meta.settings import TESTS

    return TESTS


def _palettes() -> tuple[str, ...]:
    from compendium.bias.vocabulary import PALETTES

    return tuple(PALETTES)


#: parameter -> function returning its allowed words (imported only when the parameter is set)
CHOICES: dict[str, Callable[[], tuple[str, ...]]] = {
    "tau2_method": _tau2_methods,
    "test": _tests,
    "palette": _palettes,
}

#: parameter -> (lowest, highest, what the number means); both bounds excluded for floats
RANGES: dict[str, tuple[float, float, str]] = {
    "level": (1.0, 100.0, "a confidence level in percent (95 for a 95% interval, not 0.95)"),
    "n_bootstrap": (1, 1_000_000, "a number of bootstrap draws from 1 to 1,000,000"),
    "seed": (0, 2**32 - 1, "a seed from 0 to 2**32 - 1"),
}

#: parameter -> (type, description) where the notebook's default is None ("not set")
TYPES_WHEN_DEFAULT_IS_NONE: dict[str, tuple[type, str]] = {
    "outcomes": (list, "a list of outcome codes such as [alsfrs_r, fvc]"),
    "snp_table": (str, "the path of a CSV file"),
}

#: types a parameter value may have: what YAML gives for plain numbers, words, lists and mappings
PLAIN_TYPES = (str, int, float, bool, list, dict, type(None))


def outcome_vocabulary(raw_dir: str | Path, review_file: str | Path | None = None) -> tuple[tuple[str, ...], str]:
    """The outcome codes a review knows and where they were read: ``(codes, source)``.

    ``review.yaml`` (``outcomes[*].id``) when it exists; otherwise every ``enum`` of a field
    named ``outcome`` in ``raw_dir/datapackage.yaml``.
    """
    review_file = Path(review_file) if review_file else governing_review(raw_dir)
    if review_file.exists():
        review = read_yaml(review_file)
        outcomes = review.get("outcomes") if isinstance(review, dict) else None
        if not isinstance(outcomes, list):
            raise CompendiumError(f"{review_file}: expected a list 'outcomes' of {{id: ..., label: ...}} entries")
        codes = [str(o["id"]) for o in outcomes if isinstance(o, dict) and "id" in o]
        return tuple(dict.fromkeys(codes)), str(review_file.name)
    from compendium.data.validate import read_descriptor

    package = read_descriptor(raw_dir)
    codes = []
    for resource in package.get("resources", []) if isinstance(package, dict) else []:
        for field in resource.get("schema", {}).get("fields", []):
            if field.get("name") == "outcome":
                codes.extend(str(code) for code in field.get("constraints", {}).get("enum", []))
    return tuple(dict.fromkeys(codes)), f"the outcome vocabulary of {display_path(Path(raw_dir, 'datapackage.yaml'))}"


def _unknown_word(name: str, origin: str, value: object, allowed: tuple[str, ...], source: str = "") -> str:
    close = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    where = f" in {source}" if source else ""
    return f"parameter '{name}' (from {origin}) = {value!r} is not one of {', '.join(allowed)}{where}{hint}"


def check_choices(
    values: dict[str, object], origins: dict[str, str], raw_dir: str | Path, review_file: str | Path | None = None
) -> list[str]:
    """Problems with the values of enumerated, bounded or list parameters (empty list: all good)."""
    problems = []
    for name, value in values.items():
        origin = origins.get(name, "notebook default")
        if not _is_plain(value):
            kind = "a date" if isinstance(value, (datetime.date, datetime.datetime)) else type(value).__name__
            problems.append(
                f"parameter '{name}' (from {origin}) = {value!r} is {kind}; "
                "expected a number, a word, true/false, a list or a mapping (quote dates: '2024-01-31')"
            )
            continue
        if value is None:
            continue
        if name in TYPES_WHEN_DEFAULT_IS_NONE:
            expected_type, description = TYPES_WHEN_DEFAULT_IS_NONE[name]
            if not isinstance(value, expected_type):
                problems.append(f"parameter '{name}' (from {origin}) = {value!r}: expected {description} or null")
                continue
        if name in CHOICES and value not in (allowed := CHOICES[name]()):
            problems.append(_unknown_word(name, origin, value, allowed))
        if name in RANGES and not isinstance(value, bool) and isinstance(value, (int, float)):
            low, high, meaning = RANGES[name]
            inside = low <= value <= high if isinstance(low, int) else (math.isfinite(value) and low < value < high)
            if not inside:
                problems.append(f"parameter '{name}' (from {origin}) = {value!r}: expected {meaning}")
        if name == "outcomes" and isinstance(value, list):
            if not value:
                problems.append(
                    f"parameter 'outcomes' (from {origin}) is an empty list: no outcome would be analysed; "
                    "use null for all outcomes"
                )
                continue
            vocabulary, source = outcome_vocabulary(raw_dir, review_file)
            for code in value:
                if not isinstance(code, str) or code not in vocabulary:
                    problems.append(_unknown_word("outcomes", origin, code, vocabulary, source))
        if name == "exclude_studies" and isinstance(value, list):
            known = study_ids(raw_dir)
            where = f"the study_id column of {display_path(Path(raw_dir, STUDIES_FILE))}"
            problems += [
                _unknown_word(name, origin, study, known, where)
                for study in value
                if not isinstance(study, str) or study not in known
            ]
    return problems


#: the data package's table of studies (its ``study_id`` column names every study)
STUDIES_FILE = "studies.csv"


def study_ids(raw_dir: str | Path) -> tuple[str, ...]:
    """The ``study_id``s of ``raw_dir/studies.csv`` (empty when the file or the column is missing)."""
    import csv

    path = Path(raw_dir, STUDIES_FILE)
    if not path.is_file():
        return ()
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(row["study_id"] for row in csv.DictReader(handle) if row.get("study_id"))


def _is_plain(value: object) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_is_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _is_plain(item) for key, item in value.items())
    return isinstance(value, PLAIN_TYPES) and not isinstance(value, (datetime.date, datetime.datetime))
