"""The papermill pipeline: stage discovery, parameter checks, stale-output guard, atomic stage outputs.

Names are imported lazily (on first use), so that ``compendium --help``, which imports
``compendium.pipeline.cli``, does not load the notebook runner.
"""

from __future__ import annotations

import importlib

_PUBLIC = {
    "ParameterSet": "compendium.pipeline.parameters",
    "notebook_parameters": "compendium.pipeline.parameters",
    "resolve_parameters": "compendium.pipeline.parameters",
    "Stage": "compendium.pipeline.runner",
    "StageRun": "compendium.pipeline.runner",
    "discover_stages": "compendium.pipeline.runner",
    "run_pipeline": "compendium.pipeline.runner",
}

__all__ = list(_PUBLIC)


def __getattr__(name: str) -> object:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'compendium.pipeline' has no attribute {name!r}")
