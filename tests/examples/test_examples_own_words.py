"""Every shipped example (examples/<name>/) speaks only of its own question: no word of the ALS
review in any of its files (declaration, data package, transcription script, tests)."""

from __future__ import annotations

from pathlib import Path

import pytest
from example_words import ALS_REVIEW_WORDS

from compendium.paths import ROOT

EXAMPLES = sorted(path.parent for path in (ROOT / "examples").glob("*/review.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_example_speaks_only_of_its_own_question(example: Path) -> None:
    for path in sorted(example.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            assert not ALS_REVIEW_WORDS.search(path.read_text(encoding="utf-8")), path
