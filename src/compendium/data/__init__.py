"""The evidence data package: validation (:mod:`.validate`), typed loading (:mod:`.load`)
and the stage-01 summaries of what evidence exists (:mod:`.summary`)."""

import importlib
from typing import TYPE_CHECKING

# imported on first use, so that `compendium --help` (which imports compendium.data.cli) skips pandas
_EXPORTS = {
    "load_tables": "load",
    "Problem": "validate",
    "ValidationFailed": "validate",
    "check_package": "validate",
    "validate_package": "validate",
}

__all__ = list(_EXPORTS)

if TYPE_CHECKING:
    # `name as name` marks an explicit re-export (PEP 484) for the checkers; at run time __getattr__ loads it
    from compendium.data.load import load_tables as load_tables
    from compendium.data.validate import Problem as Problem
    from compendium.data.validate import ValidationFailed as ValidationFailed
    from compendium.data.validate import check_package as check_package
    from compendium.data.validate import validate_package as validate_package


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'compendium.data' has no attribute {name!r}")
    return getattr(importlib.import_module(f"compendium.data.{_EXPORTS[name]}"), name)
