"""The Examples in the meta engine's docstrings run as doctests (the README quick start is one)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "compendium.meta",
    "compendium.meta.model",
    "compendium.meta.settings",
    "compendium.meta.diagnostics",
    "compendium.meta.small_study",
    "compendium.meta.regression",
    "compendium.meta.effects",
    "compendium.characters",
    "compendium.yaml_io",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_public_api_is_discoverable() -> None:
    import compendium.meta as meta

    for name in (
        "escalc",
        "rma",
        "leave1out",
        "cumul",
        "influence",
        "regtest",
        "ranktest",
        "trimfill",
        "subgroup_analysis",
        "MetaResult",
        "level_percent",
    ):
        assert name in meta.__all__ and name in dir(meta)
        assert getattr(meta, name).__doc__
