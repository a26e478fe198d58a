"""Stage parameters: read each notebook's ``parameters`` cell, merge the parameter sources, check them.

Sources, later ones winning: the notebook's own defaults, the committed ``params.yaml``, a user
file (``--params my.yaml``), and ``-p name=value`` on the command line. Papermill itself does
not check names or types, so this module does, for every stage, before anything runs:

* a name that no stage notebook declares is an error (with the closest known name);
* a value whose type differs from the notebook default's type is an error (an int is accepted
  where a float is declared; a default of ``None`` accepts any plain value);
* words, numbers and outcome codes outside their allowed values are errors with a "did you mean"
  (the allowed values are declared once, in :mod:`compendium.pipeline.choices`).
"""

from __future__ import annotations

import ast
import difflib
import json
from dataclasses import dataclass
from pathlib import Path

from compendium.errors import CompendiumError
from compendium.paths import display_path, project_root
from compendium.pipeline.choices import check_choices
from compendium.yaml_io import parse_yaml, read_yaml

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
    None, list, dict), so the defaults can be read without running code. A notebook that is not
    valid JSON, or a parameters cell that is not valid Python, is a :class:`CompendiumError`
    naming the notebook and the line.
    """
    path = Path(path)
    where = display_path(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = [c for c in notebook["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise CompendiumError(f"{where}: not a readable notebook (.ipynb JSON with 'cells'): {error}") from None
    if len(cells) != 1:
        raise CompendiumError(f"{where}: expected exactly one cell tagged 'parameters', found {len(cells)}")
    source = "".join(cells[0]["source"]) if isinstance(cells[0]["source"], list) else cells[0]["source"]
    try:
        statements = ast.parse(source).body
    except SyntaxError as error:
        raise CompendiumError(
            f"{where}: parameters cell line {error.lineno}: not valid Python ({error.msg}): "
            f"{(error.text or '').strip()!r}"
        ) from None
    declared: dict[str, object] = {}
    for statement in statements:
        target = (
            statement.targets[0]
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1
            else getattr(statement, "target", None)
        )
        value = getattr(statement, "value", None)
        if not isinstance(target, ast.Name) or value is None:
            raise CompendiumError(f"{where}: parameters cell line {statement.lineno}: expected 'name = literal value'")
        try:
            declared[target.id] = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise CompendiumError(
                f"{where}: parameters cell line {statement.lineno}: default of '{target.id}' is not a literal"
            ) from None
    return declared


def parse_override(text: str) -> tuple[str, object]:
    """Parse ``name=value`` from the command line; the value is read as YAML (``3``, ``true``, ``[a, b]``)."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise CompendiumError(f"-p {text!r}: expected name=value")
    name = name.strip()
    return name, parse_yaml(raw, source=f"-p {name}") if raw.strip() else None


def read_parameter_file(path: str | Path) -> dict[str, object]:
    """Read a flat YAML mapping ``name: value`` (safe YAML: see :func:`compendium.yaml_io.read_yaml`)."""
    loaded = read_yaml(path)
    if loaded is None:
        return {}
    if not isinstance(loaded, dict) or not all(isinstance(name, str) for name in loaded):
        raise CompendiumError(f"{path}: expected a mapping of parameter names to values (name: value, one a line)")
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
    if not problems:
        raw_dir = values.get("raw_dir", next((d for stage, d in known.get("raw_dir", [])), "data/raw"))
        problems = check_choices(values, origins, project_root() / str(raw_dir))
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
