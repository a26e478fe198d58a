"""`compendium upgrade` (issue 19): a folder made by compendium 0.1.0's init (a full copy of the engine,
its own datapackage.yaml, all 20 tables) still validates with no edit, and the upgrade makes it a thin
folder pinned to the running engine, its data migrated to the engine's schema."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compendium import __version__
from compendium.data.validate import validate_package
from compendium.errors import CompendiumError
from compendium.review import load_review
from compendium.scaffold import EXAMPLES_DIR
from compendium.scaffold.upgrade import upgrade_folder
from compendium.schemas import SCHEMA_VERSION


@pytest.fixture
def old_folder(tmp_path: Path, monkeypatch) -> Path:
    """The layout of a folder written by compendium 0.1.0's init (engine files as stand-ins)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "old"
    shutil.copytree(EXAMPLES_DIR / "gibson2002" / "data" / "raw", folder / "data" / "raw")
    shutil.copy2(EXAMPLES_DIR / "gibson2002" / "review.yaml", folder / "review.yaml")
    for name in ("src/compendium/__init__.py", "notebooks/01_ingest.ipynb", "tests/test_meta.py", "pyproject.toml"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("# a copy of the engine\n")
    (folder / "tests" / "review").mkdir()
    (folder / "tests" / "review" / "test_mine.py").write_text("def test_mine():\n    pass\n")
    return folder


def test_a_folder_of_the_old_layout_builds_as_it_is_and_upgrades_to_a_thin_one(old_folder: Path) -> None:
    raw = old_folder / "data" / "raw"
    assert validate_package(raw) == []  # its own datapackage.yaml and all 20 tables, no edit
    # a column the engine's schema has and an older table lacks (as a column added by a later engine)
    studies = raw / "studies.csv"
    lines = studies.read_text().splitlines()
    assert lines[0].endswith(",notes")
    studies.write_text("".join(line.rsplit(",", 1)[0] + "\n" for line in lines))
    upgrade_folder(old_folder, log=lambda _: None)
    review = load_review(old_folder / "review.yaml")
    assert (review.schema_version, review.engine) == (SCHEMA_VERSION, __version__)
    assert not (raw / "datapackage.yaml").exists() and not (raw / "mr_estimates.csv").exists()
    assert (raw / "studies.csv").read_text().splitlines()[0].endswith(",notes")
    assert validate_package(raw) == []
    assert not (old_folder / "src").exists() and not (old_folder / "notebooks").exists()
    assert sorted(p.name for p in (old_folder / "tests" / "review").iterdir()) == ["test_mine.py"]
    assert not (old_folder / "tests" / "test_meta.py").exists()
    assert (old_folder / "engine.lock").is_file() and (old_folder / "Makefile").is_file()
    assert sorted(p.name for p in old_folder.parent.iterdir() if p.name.startswith(".")) == []
    upgrade_folder(old_folder, log=lambda _: None)  # a second upgrade changes nothing of the data
    assert validate_package(raw) == []


def test_an_unknown_column_stops_the_upgrade_and_changes_nothing(old_folder: Path) -> None:
    trials = old_folder / "data" / "raw" / "trials.csv"
    lines = trials.read_text().splitlines()
    trials.write_text("".join(f"{line},{'my_column' if i == 0 else 'x'}\n" for i, line in enumerate(lines)))
    before = sorted(p.relative_to(old_folder) for p in old_folder.rglob("*"))
    with pytest.raises(CompendiumError, match=r"trials.csv, column 'my_column': not a column of the engine's schema"):
        upgrade_folder(old_folder, log=lambda _: None)
    assert sorted(p.relative_to(old_folder) for p in old_folder.rglob("*")) == before
    assert sorted(p.name for p in old_folder.parent.iterdir() if p.name.startswith(".")) == []
