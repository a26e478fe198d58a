"""Reading YAML written by users (parameter files, the review declaration, the data descriptor).

Safe loading only (no Python tags), and anchors/aliases are refused: a few hundred bytes of nested
aliases ("billion laughs") expand to gigabytes, and no file of this project needs them.

Two more rules, so that a file means what it says:

* **A key given twice in one mapping is refused** (plain PyYAML keeps the last one silently).
* **Plain scalars are read by the YAML 1.2 core schema** (YAML 1.2.2, section 10.3.2), not by
  YAML 1.1 as PyYAML does: ``034`` is the integer 34 (never octal 28: an octal number is written
  ``0o34``), ``0x1f`` is hexadecimal, ``3.48e1`` and ``1e-5`` are numbers (YAML 1.1 reads them as
  text), ``.inf``/``.nan`` are floats, only ``true``/``false`` (any of ``true, True, TRUE``) are
  booleans (``yes``, ``no``, ``on``, ``off`` are text) and only ``null``, ``~`` and an empty value are
  null; ``1_000`` and ``1:20`` are text. One addition to the core schema: an unquoted date
  (``2024-01-31``) is still read as a date, so that a parameter that expects a number or a name
  can refuse it by name.
* Control and bidirectional-override characters (:mod:`compendium.characters`) are refused, with
  their line and column.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import yaml

from compendium.characters import NO_CONTROL_CHARACTERS, unsafe_character
from compendium.errors import CompendiumError

#: the largest YAML file read (bytes); the project's own files are far below this
MAX_YAML_BYTES = 5_000_000
#: libyaml's parser when PyYAML was built with it (about 6x faster on the 50 kB data descriptor)
_BASE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_BOOL, _INT, _FLOAT, _NULL = (f"tag:yaml.org,2002:{kind}" for kind in ("bool", "int", "float", "null"))
#: the YAML 1.2 core schema's regular expressions (YAML 1.2.2, 10.3.2)
_CORE_SCALARS = (
    (_NULL, re.compile(r"^(?:null|Null|NULL|~|)$"), "~nN"),
    (_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    (_INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), "-+0123456789"),
    (
        _FLOAT,
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        "-+.0123456789",
    ),
)


class _Loader(_BASE_LOADER):  # noqa: D101 - the YAML 1.2 loader (module docstring)
    yaml_implicit_resolvers: dict = {}


# the implicit resolvers: PyYAML's, without its YAML 1.1 booleans, numbers, nulls and merge keys,
# plus the core schema's (the timestamp resolver stays: see the module docstring)
_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL, _INT, _FLOAT, _NULL, "tag:yaml.org,2002:merge")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _regexp, _first in _CORE_SCALARS:
    _Loader.add_implicit_resolver(_tag, _regexp, list(_first) if _tag != _NULL else [*_first, ""])


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits.startswith("0o"):
        return int(digits[2:], 8)
    if digits.startswith("0x"):
        return int(digits[2:], 16)
    return sign * int(digits, 10)


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).lower()
    if text.lstrip("+-") == ".inf":
        return -math.inf if text.startswith("-") else math.inf
    if text == ".nan":
        return math.nan
    return float(text)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict:
    """A mapping whose keys are all different; a key given twice is a YAMLError naming its line."""
    seen: dict[object, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            first = seen.get(key)
        except TypeError:  # an unhashable key: SafeConstructor reports it
            break
        if first is not None:
            raise yaml.YAMLError(f"line {line}: key {key!r} given twice (first on line {first})")
        seen[key] = line
    return loader.construct_mapping(node, deep=True)


_Loader.add_constructor(_INT, _construct_int)
_Loader.add_constructor(_FLOAT, _construct_float)
_Loader.add_constructor(_BOOL, lambda loader, node: str(loader.construct_scalar(node)).lower() == "true")
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _refuse_anchors(text: str) -> None:
    """Raise YAMLError at the first anchor or alias, before anything is built (one pass over the events)."""
    for event in yaml.parse(text, Loader=_BASE_LOADER):
        anchor = getattr(event, "anchor", None)
        if anchor is None:
            continue
        line = event.start_mark.line + 1 if event.start_mark is not None else "?"
        if isinstance(event, yaml.AliasEvent):
            raise yaml.YAMLError(f"line {line}: aliases (*{anchor}) are not allowed")
        raise yaml.YAMLError(f"line {line}: anchors (&{anchor}) are not allowed")


def _refuse_control_characters(text: str, source: str) -> None:
    found = unsafe_character(text, allowed="\t\n\r")
    if found is not None:
        index, character = found
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
        raise CompendiumError(
            f"{source}, line {line}, column {column}: expected {NO_CONTROL_CHARACTERS}, got {character}"
        )


def parse_yaml(text: str, *, source: str) -> Any:  # noqa: ANN401 - any YAML document
    """Parse YAML text safely; ``source`` names where it came from in error messages.

    Examples
    --------
    >>> parse_yaml("a: 1", source="-p")
    {'a': 1}
    >>> parse_yaml("weeks: 034\\nratio: 3.48e1\\nflag: yes", source="-p")
    {'weeks': 34, 'ratio': 34.8, 'flag': 'yes'}
    >>> parse_yaml("a: &x [1]\\nb: *x", source="my.yaml")
    Traceback (most recent call last):
    ...
    compendium.errors.CompendiumError: my.yaml: not valid YAML: line 1: anchors (&x) are not allowed
    >>> parse_yaml("a: 1\\nb: 2\\na: 3", source="my.yaml")
    Traceback (most recent call last):
    ...
    compendium.errors.CompendiumError: my.yaml: not valid YAML: line 3: key 'a' given twice (first on line 1)
    """
    _refuse_control_characters(text, source)
    try:
        _refuse_anchors(text)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader or its libyaml twin
    except yaml.YAMLError as error:
        raise CompendiumError(f"{source}: not valid YAML: {' '.join(str(error).split())}") from None


def read_yaml(path: str | Path) -> Any:  # noqa: ANN401 - any YAML document
    """Read a YAML file safely: a clear error for a missing file, a directory, a file too large,
    text that is not UTF-8 (UTF-16 from some editors), invalid YAML, Python tags, anchors or aliases."""
    path = Path(path)
    if not path.is_file():
        from compendium.csv_input import kind_of_non_file  # imports pandas: only on this error path

        raise CompendiumError(f"{path}: {kind_of_non_file(path, 'a YAML file')}")
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        raise CompendiumError(f"{path}: {size} bytes; expected a YAML file of at most {MAX_YAML_BYTES} bytes")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CompendiumError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    return parse_yaml(text, source=str(path))
