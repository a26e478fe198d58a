"""The evidence data package: validation (:mod:`.validate`), typed loading (:mod:`.load`)
and the stage-01 summaries of what evidence exists (:mod:`.summary`)."""

import importlib

# imported on first use, so that `compendium --help` (which imports compendium.data.cli) skips pandas
_EXPORTS = {
    "load_tables": "load",
    "Problem": "validate",
    "ValidationFailed": "validate",
    "check_package": "validate",
    "validate_package": "validate",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'compendium.data' has no attribute {name!r}")
    return getattr(importlib.import_module(f"compendium.data.{_EXPORTS[name]}"), name)
