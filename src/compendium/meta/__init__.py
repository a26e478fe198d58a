"""Meta-analysis engine reproducing R's metafor 3.8 (rma.uni and its companions).

Public entry points: :func:`rma` (fit), :mod:`~compendium.meta.regression` (subgroups),
:mod:`~compendium.meta.diagnostics` (leave-one-out, cumulative, influence),
:mod:`~compendium.meta.small_study` (Egger, Begg, trim-and-fill) and the defaults in
:mod:`~compendium.meta.settings`.
"""

import importlib

# imported on first use, so that `compendium --help` (which imports compendium.meta.cli) skips numpy/scipy
_EXPORTS = {"DEFAULTS": "settings", "SENSITIVITY": "settings", "MetaSettings": "settings",
            "Coefficient": "model", "MetaResult": "model", "rma": "model"}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'compendium.meta' has no attribute {name!r}")
    return getattr(importlib.import_module(f"compendium.meta.{_EXPORTS[name]}"), name)
