"""``compendium init``: a new, self-contained compendium for another review.

The new folder gets the same layout as this one (pinned environment, Makefile, the package, the
generic stage notebooks and tests) plus a review: the declaration ``review.yaml`` and the data
package ``data/raw/``, taken from ``examples/<name>/`` (``empty`` when no example is named). It
builds with the same two commands (``make report``, ``make test``) and never needs a code edit:
a student edits ``review.yaml`` and ``data/raw/`` (see ``docs/ADAPTING.md``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from compendium.errors import CompendiumError
from compendium.paths import ROOT

#: the starter review when no example is named: no studies yet
EMPTY_EXAMPLE = "empty"
EXAMPLES_DIR = ROOT / "examples"
#: files and folders copied as they are (paths relative to the repository root)
TEMPLATE_PATHS = (
    ".ci",
    ".gitignore",
    ".pre-commit-config.yaml",
    "Makefile",
    "pyproject.toml",
    "requirements.lock",
    "environment.yml",
    "postBuild",
    "params.yaml",
    "LICENSE",
    "CONTRIBUTING.md",
    "docs/ADAPTING.md",
    "src/compendium",
    "notebooks",
    "tests",
    "benchmarks",
    "reports/README.md",
)
#: inside the copied paths: what belongs to this repository's own review or examples, or is generated
EXCLUDED_NAMES = ("__pycache__", "*.egg-info", ".pytest_cache", ".ipynb_checkpoints", "results")
#: test folders of this repository's own review and shipped examples (the new review brings its own)
EXCLUDED_TEST_DIRS = ("tests/review", "tests/examples")
#: where a review keeps the tests of its own curated data (collected by `make test`)
REVIEW_TESTS_DIR = "tests/review"


def available_examples() -> list[str]:
    """Names of the shipped example reviews (folders of ``examples/`` with a ``review.yaml``)."""
    if not EXAMPLES_DIR.is_dir():
        return []
    return sorted(p.name for p in EXAMPLES_DIR.iterdir() if (p / "review.yaml").is_file())


def init_compendium(target: str | Path, example: str | None = None, log: Callable[[str], None] = print) -> Path:
    """Write a new compendium into ``target`` (which must not exist or be empty).

    Parameters
    ----------
    target : folder of the new compendium
    example : name of a shipped example review (``compendium init --list-examples``);
        None gives the empty starter review
    log : where progress lines go

    Returns
    -------
    The new compendium's folder.
    """
    name = example or EMPTY_EXAMPLE
    examples = available_examples()
    if name not in examples:
        raise CompendiumError(f"--example {name!r}: no such example; expected one of {', '.join(examples) or '(none)'}")
    target = Path(target).resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise CompendiumError(f"{target}: exists and is not an empty folder; expected a new folder for the compendium")
    if target.is_relative_to(ROOT):
        raise CompendiumError(f"{target}: inside this compendium; expected a folder outside {ROOT}")
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    try:
        ignore = shutil.ignore_patterns(*EXCLUDED_NAMES)
        for relative in TEMPLATE_PATHS:
            source = ROOT / relative
            if not source.exists():
                continue
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, destination, ignore=ignore)
            else:
                shutil.copy2(source, destination)
        for relative in EXCLUDED_TEST_DIRS:
            shutil.rmtree(target / relative, ignore_errors=True)
        example_dir = EXAMPLES_DIR / name
        shutil.copy2(example_dir / "review.yaml", target / "review.yaml")
        shutil.copytree(example_dir / "data" / "raw", target / "data" / "raw", ignore=ignore)
        if (example_dir / "tests").is_dir():
            shutil.copytree(example_dir / "tests", target / REVIEW_TESTS_DIR, ignore=ignore)
        _write_readme(target)
    except BaseException:
        # a failed init leaves no half-written compendium behind (a re-run would refuse the folder)
        _remove_contents(target, remove_folder=created)
        raise
    log(f"wrote a new compendium to {target} (review: {name})")
    log(f"next: cd {target} && make report && make test   (docs/ADAPTING.md walks through adapting it)")
    return target


def _remove_contents(target: Path, *, remove_folder: bool) -> None:
    """Delete what a failed init wrote into ``target`` (and ``target`` itself when init created it)."""
    if remove_folder:
        shutil.rmtree(target, ignore_errors=True)
        return
    for item in target.iterdir():
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item, ignore_errors=True)
        else:
            item.unlink(missing_ok=True)


def _write_readme(target: Path) -> None:
    """A README stub from the new review's declaration, and data/README.md: the data dictionary
    generated from the new review's data package."""
    from compendium.data.dictionary import update_readme
    from compendium.review import load_review

    review = load_review(target / "review.yaml")
    questions = "\n".join(f"{i}. {q.text}" for i, q in enumerate(review.questions, start=1))
    (target / "README.md").write_text(
        f"# {review.title}\n\n{review.description}\n\n{questions}\n\n"
        "## Two commands\n\n```bash\nmake report   # sets up .venv if needed, runs the stages, writes reports/\n"
        "make test     # sets up .venv if needed, runs the tests\n```\n\n"
        "The review is declared in `review.yaml`; the evidence is in `data/raw/` (a data package: "
        "`datapackage.yaml` plus CSV tables, every row with its source and locator). "
        "`docs/ADAPTING.md` explains every field and how to add a study.\n",
        encoding="utf-8",
    )
    (target / "data" / "README.md").write_text(
        "# data/\n\n`raw/` holds the evidence of this review: `datapackage.yaml` (the schema of every table) and\n"
        "one CSV file per table. Every row names its source (`source_id`, a row of `sources.csv`) and where\n"
        "in the source its numbers are printed (`locator`). The dictionary below is generated from\n"
        "`datapackage.yaml` (`python -m compendium.data.dictionary` rewrites it).\n",
        encoding="utf-8",
    )
    update_readme(target / "data" / "README.md", target / "data" / "raw")
