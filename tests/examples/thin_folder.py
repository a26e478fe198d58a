"""Checks shared by the tests of thin review folders (``compendium init``, ``init --from``)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from example_words import ALS_REVIEW_WORDS

from compendium.scaffold import REVIEW_TESTS_DIR

#: an embedded image (base64 bytes match a word such as "ALS" by chance; they are not text)
_EMBEDDED = re.compile(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+")


def files_with_review_words(folder: Path, suffixes: Iterable[str]) -> list[Path]:
    """The files under ``folder`` with one of ``suffixes`` whose text uses a word of the ALS review."""
    suffixes = tuple(suffixes)
    return [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and path.suffix in suffixes
        and ALS_REVIEW_WORDS.search(_EMBEDDED.sub("", path.read_text(encoding="utf-8")))
    ]


def run_review_tests(folder: Path) -> subprocess.CompletedProcess[str]:
    """Run the folder's own tests (``tests/review/``) in it, as its ``make test`` does."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", REVIEW_TESTS_DIR],
        cwd=folder,
        capture_output=True,
        text=True,
    )
