"""Stage parameters: read each notebook's ``parameters`` cell, merge the parameter sources, check them.

Sources, later ones winning: the notebook's own defaults, the committed ``params.yaml``, a user
file (``--params my.yaml``), and ``-p name=value`` on the command line. Papermill itself does
not check names or types, so this module does, for every stage, before anything runs:

* a name that no stage notebook declares is an error (with the closest known name);
* a value whose type differs from the notebook default's type is an error (an int is accepted
  where a float is declared; a default of ``None`` accepts anything).
"""

from __future__ import annotations

import ast
import difflib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from compendium.errors import CompendiumError

#: parameters the runner sets itself; users cannot override them
RUNNER_PARAMETERS = ("output_dir",)


@dataclass(frozen=True)
class ParameterSet:
    """Resolved parameter values and where each came from (``default``, a file name, or ``-p``)."""

    values: dict[str, object]
    origins: dict[str, str]

    def for_stage(self, declared: dict[str, object]) -> dict[str, object]:
        """The values a stage declares: its defaults overridden by the resolved values."""
        return {name: self.values.get(name, default) for name, default in declared.items()}


def notebook_parameters(path: str | Path) -> dict[str, object]:
    """Return ``{name: default}`` from the notebook's cell tagged ``parameters``.

    Every statement of that cell must be an assignment of a literal (number, string, bool,
    None, list, dict), so the defaults can be read without running code.
    """
    path = Path(path)
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = [c for c in notebook["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise CompendiumError(f"{path}: expected exactly one cell tagged 'parameters', found {len(cells)}")
    source = "".join(cells[0]["source"]) if isinstance(cells[0]["source"], list) else cells[0]["source"]
    declared: dict[str, object] = {}
    for statement in ast.parse(source).body:
        target = statement.targets[0] if isinstance(statement, ast.Assign) and len(statement.targets) == 1 else getattr(statement, "target", None)
        value = getattr(statement, "value", None)
        if not isinstance(target, ast.Name) or value is None:
            raise CompendiumError(f"{path}: parameters cell line {statement.lineno}: expected 'name = literal value'")
        try:
            declared[target.id] = ast.literal_eval(value)
        except ValueError as error:
            raise CompendiumError(f"{path}: parameters cell line {statement.lineno}: default of '{target.id}' is not a literal") from error
    return declared


def parse_override(text: str) -> tuple[str, object]:
    """Parse ``name=value`` from the command line; the value is read as YAML (``3``, ``true``, ``[a, b]``)."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise CompendiumError(f"-p {text!r}: expected name=value")
    return name.strip(), yaml.safe_load(raw) if raw.strip() else None


def read_parameter_file(path: str | Path) -> dict[str, object]:
    """Read a flat YAML mapping ``name: value``."""
    path = Path(path)
    if not path.exists():
        raise CompendiumError(f"{path}: parameter file not found")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise CompendiumError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(loaded, dict):
        raise CompendiumError(f"{path}: expected a mapping of parameter names to values")
    return loaded


def resolve_parameters(
    declared_by_stage: dict[str, dict[str, object]],
    files: list[str | Path],
    overrides: list[str],
) -> ParameterSet:
    """Merge parameter ``files`` (in order) and ``-p`` ``overrides``, checking every name and type.

    ``declared_by_stage`` maps a stage name to its notebook's ``{name: default}``. All problems
    are collected and raised together as one :class:`CompendiumError`.
    """
    values: dict[str, object] = {}
    origins: dict[str, str] = {}
    for path in files:
        for name, value in read_parameter_file(path).items():
            values[name], origins[name] = value, str(path)
    for text in overrides:
        name, value = parse_override(text)
        values[name], origins[name] = value, "-p"

    known: dict[str, list[tuple[str, object]]] = {}
    for stage, declared in declared_by_stage.items():
        for name, default in declared.items():
            known.setdefault(name, []).append((stage, default))

    problems = []
    for name, value in values.items():
        if name in RUNNER_PARAMETERS:
            problems.append(f"parameter '{name}' (from {origins[name]}) is set by the runner and cannot be overridden")
        elif name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known parameters: {', '.join(sorted(known))}"
            problems.append(f"unknown parameter '{name}' (from {origins[name]}): no stage notebook declares it{hint}")
        else:
            for stage, default in known[name]:
                if not _same_type(value, default):
                    problems.append(
                        f"parameter '{name}' (from {origins[name]}) = {value!r} is {type(value).__name__}; "
                        f"stage {stage} declares it as {type(default).__name__} (default {default!r})"
                    )
    if problems:
        raise CompendiumError("invalid parameters:\n  " + "\n  ".join(problems))
    return ParameterSet(values=values, origins=origins)


def _same_type(value: object, default: object) -> bool:
    if default is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))
