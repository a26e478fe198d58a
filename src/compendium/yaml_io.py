"""Reading YAML written by users (parameter files, the review declaration, the data descriptor).

Safe loading only (no Python tags), and anchors/aliases are refused: a few hundred bytes of nested
aliases ("billion laughs") expand to gigabytes, and no file of this project needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from compendium.errors import CompendiumError

#: the largest YAML file read (bytes); the project's own files are far below this
MAX_YAML_BYTES = 5_000_000
#: libyaml's parser when PyYAML was built with it (about 6x faster on the 50 kB data descriptor)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _refuse_anchors(text: str) -> None:
    """Raise YAMLError at the first anchor or alias, before anything is built (one pass over the events)."""
    for event in yaml.parse(text, Loader=_LOADER):
        anchor = getattr(event, "anchor", None)
        if anchor is None:
            continue
        line = event.start_mark.line + 1 if event.start_mark is not None else "?"
        if isinstance(event, yaml.AliasEvent):
            raise yaml.YAMLError(f"line {line}: aliases (*{anchor}) are not allowed")
        raise yaml.YAMLError(f"line {line}: anchors (&{anchor}) are not allowed")


def parse_yaml(text: str, *, source: str) -> Any:  # noqa: ANN401 - any YAML document
    """Parse YAML text safely; ``source`` names where it came from in error messages.

    Examples
    --------
    >>> parse_yaml("a: 1", source="-p")
    {'a': 1}
    >>> parse_yaml("a: &x [1]\\nb: *x", source="my.yaml")
    Traceback (most recent call last):
    ...
    compendium.errors.CompendiumError: my.yaml: not valid YAML: line 1: anchors (&x) are not allowed
    """
    try:
        _refuse_anchors(text)
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - SafeLoader or its libyaml twin
    except yaml.YAMLError as error:
        raise CompendiumError(f"{source}: not valid YAML: {' '.join(str(error).split())}") from None


def read_yaml(path: str | Path) -> Any:  # noqa: ANN401 - any YAML document
    """Read a YAML file safely: a clear error for a missing file, a directory, a file too large,
    text that is not UTF-8 (UTF-16 from some editors), invalid YAML, Python tags, anchors or aliases."""
    path = Path(path)
    if path.is_dir():
        raise CompendiumError(f"{path}: is a directory; expected a YAML file")
    if not path.is_file():
        raise CompendiumError(f"{path}: file not found: no such file at this path")
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        raise CompendiumError(f"{path}: {size} bytes; expected a YAML file of at most {MAX_YAML_BYTES} bytes")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CompendiumError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    return parse_yaml(text, source=str(path))
