"""`compendium init DIR --example NAME` for every shipped example: the new compendium's layout
(the review's own files, generated README and data dictionary, its own review tests). Building it
and running its `make test` is slow, so it is not done here (docs/ADAPTING.md shows how)."""

from __future__ import annotations

import filecmp
import re
from pathlib import Path

import pytest

from compendium.review import load_review
from compendium.scaffold import EXAMPLES_DIR, REVIEW_TESTS_DIR, available_examples, init_compendium

#: words of this repository's own review that must not reach another review's files
ALS_WORDS = re.compile(r"\bALS\b|amyotrophic|exercis", re.IGNORECASE)


@pytest.mark.parametrize("example", available_examples())
def test_init_writes_a_compendium_of_the_example_only(tmp_path: Path, example: str) -> None:
    target = init_compendium(tmp_path / "new", example, log=lambda _: None)
    source = EXAMPLES_DIR / example
    review = load_review(target / "review.yaml")
    # the example's own declaration and data package, nothing of the ALS review
    assert filecmp.cmp(source / "review.yaml", target / "review.yaml", shallow=False)
    raw = sorted(p.name for p in (target / "data" / "raw").iterdir())
    assert raw == sorted(p.name for p in (source / "data" / "raw").iterdir())
    for path in [target / "review.yaml", *(target / "data" / "raw").iterdir()]:
        assert not ALS_WORDS.search(path.read_text(encoding="utf-8")), path
    # README and data dictionary generated from the new review
    readme = (target / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(f"# {review.title}\n") and all(q.text in readme for q in review.questions)
    assert not ALS_WORDS.search(readme)
    dictionary = (target / "data" / "README.md").read_text(encoding="utf-8")
    assert "datapackage.yaml" in dictionary and "continuous_outcomes" in dictionary
    # the package, the notebooks and the generic tests; the review tests are the example's own
    assert (target / "src" / "compendium" / "__init__.py").is_file()
    assert sorted(p.name for p in (target / "notebooks").glob("*.ipynb"))
    assert (target / "tests" / "conftest.py").is_file() and not (target / "tests" / "examples").exists()
    review_tests = sorted(p.name for p in (target / REVIEW_TESTS_DIR).glob("*.py"))
    assert review_tests == sorted(p.name for p in (source / "tests").glob("*.py"))
    assert not (target / "examples").exists()
    assert not list(target.rglob("__pycache__"))


def test_the_worked_example_brings_its_data_tests() -> None:
    assert (EXAMPLES_DIR / "gibson2002" / "tests" / "test_gibson2002_data.py").is_file()
