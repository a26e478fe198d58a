"""This compendium's README: its engine quick start runs as written (a doctest of the Markdown file).
A compendium made by `compendium init` has its own generated README, without these examples."""

from __future__ import annotations

import doctest

from compendium.paths import ROOT


def test_readme_quick_start_runs() -> None:
    readme = ROOT / "README.md"
    result = doctest.testfile(str(readme), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 3 and result.failed == 0
