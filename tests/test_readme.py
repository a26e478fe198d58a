"""The README's engine quick start runs as written (a doctest of the Markdown file)."""

from __future__ import annotations

import doctest

from compendium.paths import ROOT


def test_readme_quick_start_runs() -> None:
    readme = ROOT / "README.md"
    if not readme.exists():  # a compendium made by `compendium init` has its own README
        return
    result = doctest.testfile(str(readme), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 3 and result.failed == 0
