"""`compendium init DIR --example NAME` writes a thin review folder (issue 19): the review's own files,
the engine pinned by its wheel's hash, the review's own tests; nothing of the ALS review. One folder is
built here with the engine of this checkout and its pooled results compared with metafor; building
its environment (`make setup`) is measured by benchmarks/bench_env.py."""

from __future__ import annotations

import errno
import filecmp
import hashlib
import re
from pathlib import Path

import pytest
from example_words import ALS_REVIEW_WORDS
from test_example_gibson2002 import assert_pooled_equal_metafor
from test_example_gibson2002 import reference as reference  # noqa: F401 - the fixture, used by name
from thin_folder import files_with_review_words, run_review_tests

import compendium.scaffold as scaffold
import compendium.scaffold.engine as engine
from compendium import __version__
from compendium.errors import CompendiumError
from compendium.pipeline import run_pipeline
from compendium.review import load_review
from compendium.scaffold import EXAMPLES_DIR, REVIEW_TESTS_DIR, available_examples, init_compendium
from compendium.schemas import SCHEMA_VERSION

#: issue 19's targets for a thin folder
MAX_FILES = 40
MAX_PYTHON_LINES = 300
MAX_REVIEW_TESTS = 300


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory, monkeypatch) -> None:
    """The engine wheel is built once per test session into a cache of its own (not ~/.cache)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("example", available_examples())
def test_init_writes_a_thin_folder_of_the_example_only(tmp_path: Path, example: str) -> None:
    target = init_compendium(tmp_path / "new", example, log=lambda _: None)
    source = EXAMPLES_DIR / example
    files = _files(target)
    assert len(files) <= MAX_FILES
    assert sum(len(p.read_text().splitlines()) for p in files if p.suffix == ".py") <= MAX_PYTHON_LINES
    for path in files:  # every byte of every file, the engine wheel included
        assert not ALS_REVIEW_WORDS.search(path.read_bytes().decode("utf-8", "replace")), path
    # the declaration: the example's, pinned to this engine and schema
    text = (target / "review.yaml").read_text(encoding="utf-8")
    assert f"schema_version: {SCHEMA_VERSION}\n" in text and f'engine: "{__version__}"\n' in text
    review = load_review(target / "review.yaml")
    assert review.engine == __version__ and review.schema_version == SCHEMA_VERSION
    assert review.title == load_review(source / "review.yaml").title
    # the data: no schema copy, the example's tables with rows (byte for byte), sources and studies
    raw = target / "data" / "raw"
    assert not (raw / "datapackage.yaml").exists() and (raw / "sources.csv").is_file()
    for path in raw.iterdir():
        assert filecmp.cmp(path, source / "data" / "raw" / path.name, shallow=False)
    # the environment: the engine wheel (in the shared cache) pinned by its hash, the engine's third-party pins
    place, pin = (target / "engine.lock").read_text().splitlines()[-1].split(" --hash=sha256:")
    wheel = Path(place.replace("${COMPENDIUM_WHEELS}", str(engine.cache_dir() / "wheels")))
    assert wheel.name == f"compendium-{__version__}-py3-none-any.whl"
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() == pin
    assert (target / "requirements.lock").read_text() == scaffold.shipped_file("requirements.lock").read_text()
    makefile = (target / "Makefile").read_text()
    assert re.search(r"^report: ", makefile, re.M) and re.search(r"^test: ", makefile, re.M)
    assert (target / ".ci" / "run").stat().st_mode & 0o111
    # the README and data dictionary of the new review; the review's own tests; no engine copy
    readme = (target / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(f"# {review.title}\n") and all(q.text in readme for q in review.questions)
    assert "continuous_outcomes" in (target / "data" / "README.md").read_text(encoding="utf-8")
    assert [p.name for p in (target / REVIEW_TESTS_DIR).glob("*.py")] == ["test_review_data.py"]
    assert not (target / "src").exists() and not (target / "notebooks").exists()
    # its own tests pass as written: declared outcomes without data (all of an empty review's) are listed
    review_tests = (target / REVIEW_TESTS_DIR / "test_review_data.py").read_text(encoding="utf-8")
    for outcome in review.outcomes:
        listed = f'"{outcome.id}": "{scaffold.NOT_MEASURED_AT_INIT}"' in review_tests
        assert listed == (example == "empty"), outcome.id
    tests = run_review_tests(target)
    assert tests.returncode == 0, tests.stdout


def test_a_thin_folder_builds_with_the_engine_and_its_pooled_results_equal_metafor(
    tmp_path: Path, monkeypatch, reference: dict
) -> None:
    folder = init_compendium(tmp_path / "asthma", "gibson2002", log=lambda _: None)
    monkeypatch.chdir(folder / "data")  # the review's root is found above the working directory
    run_pipeline(log=lambda _: None)
    html = (folder / "reports" / "consensus_report.html").read_text(encoding="utf-8")
    assert f"compendium {__version__} (schema {SCHEMA_VERSION})" in html
    assert_pooled_equal_metafor(folder / "reports", reference)
    # the executed notebooks and every table
    assert files_with_review_words(folder / "reports", (".ipynb", ".csv", ".html", ".json")) == []
    # the review's own tests: they pass, and there are few
    tests = run_review_tests(folder)
    assert tests.returncode == 0, tests.stdout
    passed = int(re.search(r"(\d+) passed", tests.stdout).group(1))
    assert 0 < passed <= MAX_REVIEW_TESTS and "skipped" not in tests.stdout


# --- bad input: a clear message, nothing half-written --------------------------------------------


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    with pytest.raises(CompendiumError, match="exists and is not an empty folder"):
        init_compendium(tmp_path / "taken", log=lambda _: None)
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]


def test_init_refuses_a_folder_inside_the_engine_repository() -> None:
    checkout = engine.engine_checkout()
    assert checkout is not None  # the tests run from a source checkout
    with pytest.raises(CompendiumError, match="inside the engine's repository"):
        init_compendium(checkout / "examples" / "new_review", log=lambda _: None)
    assert not (checkout / "examples" / "new_review").exists()


def test_a_full_disk_leaves_nothing_behind(tmp_path: Path, monkeypatch) -> None:
    def full(folder: Path, log) -> None:
        (folder / "vendor").mkdir()
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "vendor" / "x.whl"))

    monkeypatch.setattr(engine, "write_environment", full)
    with pytest.raises(CompendiumError, match="No space left on device .*; nothing was written"):
        init_compendium(tmp_path / "new", log=lambda _: None)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_place_is_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "a_file").write_text("")
    with pytest.raises(CompendiumError, match="cannot write the review folder"):
        init_compendium(tmp_path / "a_file" / "review", log=lambda _: None)


def test_a_rerun_after_a_killed_init_works(tmp_path: Path) -> None:
    staging = tmp_path / ".new.compendium-init"  # what a killed run leaves (never the folder itself)
    (staging / "data").mkdir(parents=True)
    target = init_compendium(tmp_path / "new", log=lambda _: None)
    assert (target / "review.yaml").is_file() and not staging.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new"]
