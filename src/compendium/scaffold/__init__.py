"""``compendium init``: a thin review folder for another review, pinned to this engine.

The folder holds the review only: the declaration ``review.yaml`` (with ``schema_version`` and the
``engine`` version it is pinned to), ``data/raw/`` with the tables its evidence streams use (the
schema is the engine's, :mod:`compendium.schemas`), ``params.yaml``, a short ``Makefile``
(``make report``, ``make test``), the environment pins (``engine.lock`` for the engine wheel, hash-pinned
and kept in the shared cache beside the folder; ``requirements.lock`` for third-party packages;
:mod:`compendium.scaffold.engine`),
a README stub with the data dictionary, ``.ci/run`` and ``tests/review/``, the review's own tests.
The stage notebooks, the report template and the schemas stay in the engine.

The folder is written into a hidden sibling and renamed into place at the end, so a failure (a full
disk, a kill) never leaves a half-written review; a re-run removes what a killed run left.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING

from compendium import __version__
from compendium.errors import CompendiumError
from compendium.paths import PACKAGE_DIR, engine_file

if TYPE_CHECKING:
    from compendium.review import Review

#: the starter review when no example is named: no studies yet
EMPTY_EXAMPLE = "empty"
EXAMPLES_DIR = engine_file("examples")
TEMPLATE_DIR = PACKAGE_DIR / "scaffold" / "template"
#: where a review keeps the tests of its own curated data (collected by `make test`)
REVIEW_TESTS_DIR = "tests/review"
#: template file -> its place in the review folder
TEMPLATE_FILES = {
    "Makefile": "Makefile",
    "ci_run": ".ci/run",
    "gitignore": ".gitignore",
    "pytest.ini": "pytest.ini",
    "tests/test_review_data.py": f"{REVIEW_TESTS_DIR}/test_review_data.py",
}
#: a function that writes a review's ``review.yaml`` and ``data/raw/`` into a folder (an example's, or
#: an importer's such as the Cochrane reader's ``write_review(source, target)`` bound to its source)
ReviewWriter = Callable[[Path], None]


def available_examples() -> list[str]:
    """Names of the shipped example reviews (folders of ``examples/`` with a ``review.yaml``)."""
    if not EXAMPLES_DIR.is_dir():
        return []
    return sorted(p.name for p in EXAMPLES_DIR.iterdir() if (p / "review.yaml").is_file())


def example_writer(name: str) -> ReviewWriter:
    """The writer of a shipped example's declaration and data tables."""
    examples = available_examples()
    if name not in examples:
        raise CompendiumError(f"--example {name!r}: no such example; expected one of {', '.join(examples) or '(none)'}")

    def write(folder: Path) -> None:
        shutil.copy2(EXAMPLES_DIR / name / "review.yaml", folder / "review.yaml")
        shutil.copytree(EXAMPLES_DIR / name / "data" / "raw", folder / "data" / "raw")

    return write


def init_compendium(
    target: str | Path,
    example: str | None = None,
    log: Callable[[str], None] = print,
    *,
    write_review: ReviewWriter | None = None,
) -> Path:
    """Write a new review folder into ``target`` (which must not exist or be empty).

    Parameters
    ----------
    target : folder of the new review
    example : name of a shipped example review (``compendium init --list-examples``);
        None gives the empty starter review
    log : where progress lines go
    write_review : writes ``review.yaml`` and ``data/raw/`` instead of an example (an importer)

    Returns
    -------
    The new review's folder.
    """
    from compendium.scaffold.engine import engine_checkout

    writer = write_review or example_writer(example or EMPTY_EXAMPLE)
    target = Path(target).expanduser().resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise CompendiumError(f"{target}: exists and is not an empty folder; expected a new folder for the review")
    checkout = engine_checkout()
    if checkout is not None and target.is_relative_to(checkout):
        raise CompendiumError(f"{target}: inside the engine's repository {checkout}; expected a folder outside it")
    staging = target.parent / f".{target.name}.compendium-init"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)  # left by a killed run
        staging.mkdir()
        _write_folder(staging, writer, log)
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, OSError):
            where = f" ({error.filename})" if error.filename else ""
            raise CompendiumError(
                f"{target}: cannot write the review folder: {error.strerror or error}{where}; nothing was written"
            ) from None
        raise
    log(f"wrote a new review folder to {target} (engine compendium {__version__})")
    log(f"next: cd {target} && make report && make test   (the engine's docs/ADAPTING.md walks through adapting it)")
    return target


def _write_folder(folder: Path, writer: ReviewWriter, log: Callable[[str], None]) -> None:
    from compendium.review import load_review
    from compendium.scaffold.engine import write_environment
    from compendium.scaffold.upgrade import thin_data, write_pins

    (folder / "data").mkdir()
    writer(folder)
    review = load_review(folder / "review.yaml")
    write_pins(folder / "review.yaml")
    thin_data(folder / "data" / "raw", review)
    write_template(folder, not_measured=not_measured_outcomes(folder / "data" / "raw", review))
    shutil.copy2(shipped_file("params.yaml"), folder / "params.yaml")
    write_environment(folder, log)
    _write_readme(folder)


#: the line of the review tests' template that lists the outcomes without data (filled by :func:`write_template`)
NOT_MEASURED_LINE = "NOT_MEASURED: dict[str, str] = {}\n"
#: why an outcome is listed as not measured by ``compendium init`` (the author replaces it, or adds data)
NOT_MEASURED_AT_INIT = "no study in the data package when compendium init wrote this folder"


def write_template(folder: Path, not_measured: Collection[str] = ()) -> None:
    """The engine's files of a review folder (``Makefile``, ``.ci/run``, ``.gitignore``, ``pytest.ini``) and,
    when the folder has no review tests yet, the template of ``tests/review/``, whose ``NOT_MEASURED`` lists
    ``not_measured`` (the declared outcomes without data, so that a new folder's tests pass)."""
    for name, relative in TEMPLATE_FILES.items():
        destination = folder / relative
        if relative.startswith(REVIEW_TESTS_DIR) and any(destination.parent.glob("*.py")):
            continue  # the review's own tests
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(TEMPLATE_DIR / name, destination)
        if not_measured and relative.startswith(REVIEW_TESTS_DIR):
            text = destination.read_text(encoding="utf-8")
            if NOT_MEASURED_LINE in text:
                entries = "".join(
                    f"    {json.dumps(code)}: {json.dumps(NOT_MEASURED_AT_INIT)},\n" for code in not_measured
                )
                text = text.replace(NOT_MEASURED_LINE, "NOT_MEASURED: dict[str, str] = {\n" + entries + "}\n")
                destination.write_text(text, encoding="utf-8")
    (folder / ".ci" / "run").chmod(0o755)


def not_measured_outcomes(raw: Path, review: Review) -> list[str]:
    """The declared outcomes without data in the new folder's data package, in declared order."""
    from compendium.data.load import load_tables
    from compendium.data.summary import measured_outcomes

    measured = measured_outcomes(load_tables(raw, validate=False))
    return [o.id for o in review.outcomes if o.id not in measured]


def shipped_file(name: str) -> Path:
    """A file of the engine's own root that review folders copy (``params.yaml``, ``requirements.lock``):
    in the wheel under ``scaffold/template``, in a source checkout at its root."""
    shipped = TEMPLATE_DIR / name
    return shipped if shipped.is_file() else PACKAGE_DIR.parents[1] / name


def _write_readme(target: Path) -> None:
    """A README stub from the new review's declaration, and data/README.md: the data dictionary
    generated from the data package (``make report`` regenerates it)."""
    from compendium.data.dictionary import update_readme
    from compendium.review import load_review

    review = load_review(target / "review.yaml")
    questions = "\n".join(f"{i}. {q.text}" for i, q in enumerate(review.questions, start=1))
    (target / "README.md").write_text(
        f"# {review.title}\n\n{review.description}\n\n{questions}\n\n"
        "## Two commands\n\n```bash\n"
        "make report   # sets up the environment if needed, runs the stages, writes reports/\n"
        "make test     # sets up the environment if needed, runs this review's tests (tests/review/)\n```\n\n"
        "The review is declared in `review.yaml`; the evidence is in `data/raw/` (CSV tables, every row with "
        f"its source and locator; the dictionary is `data/README.md`). The engine is compendium {__version__}, "
        "pinned in `engine.lock` (its wheel is kept in the shared cache `~/.cache/compendium/wheels`); "
        "`compendium upgrade` moves the folder to a newer "
        "engine. The engine's `docs/ADAPTING.md` explains every field and how to add a study.\n",
        encoding="utf-8",
    )
    from compendium.cochrane.importer import ORIGINAL_DIR, original_file

    kept = original_file(target / "data" / "raw")
    imported = (
        f"`raw/{ORIGINAL_DIR}/{kept.name}` is the review file the tables were imported from, as given: stage 03\n"
        "re-analyses it and compares with the results it stores (`tables/revman_agreement.csv`).\n"
        if kept
        else ""
    )
    (target / "data" / "README.md").write_text(
        "# data/\n\n`raw/` holds the evidence of this review: one CSV file per table. Every row names its source\n"
        "(`source_id`, a row of `sources.csv`) and where in the source its numbers are printed (`locator`).\n"
        + imported
        + "The dictionary below is generated from the engine's data-package schema (`make report` rewrites it).\n",
        encoding="utf-8",
    )
    update_readme(target / "data" / "README.md", target / "data" / "raw")
