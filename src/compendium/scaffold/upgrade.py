"""``compendium upgrade [DIR]``: move a review folder to the running engine.

What it does, in a copy of the folder that replaces it only when every step succeeded:

* the declaration: ``schema_version`` and ``engine`` set to the running engine's (comments kept);
* the data: the folder's own ``data/raw/datapackage.yaml`` (a folder made by compendium 0.1.0) is
  removed, so the engine's schema governs; every table gets the columns the engine's schema has and
  the file lacks (empty, in the schema's order); tables with no rows that the review's evidence
  streams do not use are removed;
* a full copy made by compendium 0.1.0 (``src/``, ``notebooks/``, the engine's tests) becomes a thin
  folder: the copied engine is removed, the review's own tests (``tests/review/``) are kept;
* the environment: ``engine.lock`` (the running engine's wheel), ``requirements.lock``, the
  ``Makefile``, ``.ci/run`` and ``pytest.ini`` are the running engine's.

A table with a column the engine's schema does not know stops the upgrade with a message naming the
file and the column; nothing is changed then.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from compendium import __version__
from compendium.errors import CompendiumError
from compendium.review import Review, load_review
from compendium.schemas import DESCRIPTOR_NAME, SCHEMA_VERSION, descriptor_path, tables_for_streams
from compendium.yaml_io import read_yaml

#: what a full copy made by compendium 0.1.0 holds of the engine (removed by the upgrade)
COPIED_ENGINE = (
    "src",
    "notebooks",
    "benchmarks",
    "pyproject.toml",
    "environment.yml",
    "postBuild",
    "CONTRIBUTING.md",
    "docs",
    ".pre-commit-config.yaml",
    ".venv",
)
PIN_LINES = re.compile(r"^(schema_version|engine):.*\n", re.MULTILINE)


def write_pins(review_file: Path) -> None:
    """Set ``schema_version`` and ``engine`` in a ``review.yaml`` to the running engine's, after its
    leading comment lines (every other line kept as it is)."""
    text = PIN_LINES.sub("", review_file.read_text(encoding="utf-8"))
    lines = text.splitlines(keepends=True)
    head = 0
    while head < len(lines) and lines[head].startswith("#"):
        head += 1
    pins = (
        "\n# the engine's schema version and the engine this folder is pinned to (compendium upgrade moves both)\n"
        f'schema_version: {SCHEMA_VERSION}\nengine: "{__version__}"\n'
    )
    review_file.write_text("".join(lines[:head]) + pins + "".join(lines[head:]), encoding="utf-8")


def thin_data(raw_dir: Path, review: Review) -> list[str]:
    """Remove a data folder's own schema copy and its row-less tables that the review's streams do not
    use; add the engine schema's missing columns to every table. Returns what changed, one line each."""
    changes = []
    own = raw_dir / DESCRIPTOR_NAME
    if own.is_file():
        own.unlink()
        changes.append(f"removed {own.name}: the engine's schema governs the data")
    used = tables_for_streams([s for q in review.questions for s in q.streams])
    resources = read_yaml(descriptor_path())["resources"]
    known = {r["path"] for r in resources}
    for path in sorted(raw_dir.glob("*.csv")):
        if path.name not in known:
            raise CompendiumError(f"{path}: not a table of the engine's schema (compendium {__version__})")
    for resource in resources:
        path = raw_dir / resource["path"]
        if not path.is_file():
            continue
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        if len(rows) <= 1 and resource["name"] not in used:
            path.unlink()
            changes.append(f"removed {path.name}: no rows, and no declared stream uses it")
            continue
        fields = [f["name"] for f in resource["schema"]["fields"]]
        header = rows[0] if rows else []
        unknown = [c for c in header if c not in fields]
        if unknown:
            raise CompendiumError(
                f"{path}, column {unknown[0]!r}: not a column of the engine's schema (compendium {__version__}); "
                f"expected columns {', '.join(fields)}"
            )
        if header != fields:
            records = [dict(zip(header, row)) for row in rows[1:]]
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(fields)
            writer.writerows([record.get(f, "") for f in fields] for record in records)
            path.write_text(out.getvalue(), encoding="utf-8")
            changes.append(f"{path.name}: columns {', '.join(f for f in fields if f not in header)} added (empty)")
    return changes


def upgrade_folder(folder: str | Path, log: Callable[[str], None] = print) -> Path:
    """Move the review folder ``folder`` to the running engine (see the module docstring)."""
    from compendium.scaffold import REVIEW_TESTS_DIR, not_measured_outcomes, write_template
    from compendium.scaffold.engine import write_environment

    folder = Path(folder).expanduser().resolve()
    if not (folder / "review.yaml").is_file():
        raise CompendiumError(f"{folder}: no review.yaml; expected a review folder")
    staging = folder.parent / f".{folder.name}.compendium-upgrade"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        shutil.copytree(folder, staging, symlinks=True, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
        review = load_review(staging / "review.yaml")
        changes = thin_data(staging / "data" / "raw", review)
        if (staging / "src" / "compendium").is_dir():
            review_tests = staging / REVIEW_TESTS_DIR
            kept = staging.parent / f".{folder.name}.review-tests"
            shutil.rmtree(kept, ignore_errors=True)
            if review_tests.is_dir():
                review_tests.rename(kept)
            for name in (*COPIED_ENGINE, "tests"):
                target = staging / name
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                elif target.exists() or target.is_symlink():
                    target.unlink()
            if kept.is_dir():
                (staging / "tests").mkdir()
                kept.rename(staging / REVIEW_TESTS_DIR)
            changes.append(
                "removed the engine copied by compendium 0.1.0 (src/, notebooks/, its tests); kept tests/review/"
            )
        write_template(staging, not_measured=not_measured_outcomes(staging / "data" / "raw", review))
        write_environment(staging, log)
        write_pins(staging / "review.yaml")
        backup = folder.parent / f".{folder.name}.compendium-before-upgrade"
        shutil.rmtree(backup, ignore_errors=True)
        folder.rename(backup)
        staging.rename(folder)
        shutil.rmtree(backup)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for change in changes:
        log(f"  {change}")
    log(f"moved {folder} to compendium {__version__} (schema {SCHEMA_VERSION}); next: make report && make test")
    return folder
