"""Where the review is (issue 19): the nearest review.yaml at or above the working directory, or
``compendium --project DIR``; the engine's version and schema; a folder pinned to another engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from compendium import __version__, paths
from compendium.cli import main
from compendium.errors import CompendiumError
from compendium.report.provenance import engine_identity
from compendium.review import parse_review
from compendium.scaffold.engine import pin_problem
from compendium.schemas import SCHEMA_VERSION, descriptor_path, package_descriptor_path, tables_for_streams

MINIMAL = {
    "title": "T",
    "intervention": {"noun": "education"},
    "comparator": {"noun": "usual care"},
    "questions": [{"id": "treatment", "text": "Does it work?", "streams": ["rct"]}],
    "outcomes": [{"id": "days_off", "label": "days off work", "unit": "days", "higher_is_better": False}],
}


@pytest.fixture
def review_folder(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv(paths.PROJECT_ENV, "")  # unset, and restored after the test (set_project writes it)
    folder = tmp_path / "my review"
    (folder / "data" / "raw").mkdir(parents=True)
    (folder / "review.yaml").write_text("title: T\n", encoding="utf-8")
    return folder


def test_the_root_is_the_nearest_folder_holding_a_review_yaml(review_folder: Path, monkeypatch) -> None:
    monkeypatch.chdir(review_folder / "data" / "raw")
    assert paths.project_root() == review_folder.resolve()
    assert review_folder.resolve() / "data" / "raw" == paths.RAW_DIR
    assert paths.governing_review("data/raw") == review_folder.resolve() / "review.yaml"


def test_outside_any_review_the_message_says_what_to_do(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(paths.PROJECT_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CompendiumError, match=r"no review.yaml here or in any folder above; .*--project DIR"):
        paths.project_root()


def test_project_option_names_the_review_for_the_kernels_too(review_folder: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert paths.set_project(review_folder) == review_folder.resolve()
    assert paths.project_root() == review_folder.resolve()  # read from the environment, as a kernel does


@pytest.mark.parametrize("name", ["no/such/folder", "file.txt"])
def test_an_unknown_project_names_the_path(tmp_path: Path, monkeypatch, capsys, name: str) -> None:
    monkeypatch.delenv(paths.PROJECT_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("")
    assert main(["--project", name, "validate"]) == 2
    assert f"error: --project {name}: " in capsys.readouterr().err


def test_engine_notebooks_serve_a_review_without_its_own(review_folder: Path) -> None:
    notebooks = paths.notebooks_dir(review_folder)
    assert notebooks == paths.engine_file("notebooks") and sorted(notebooks.glob(paths.STAGE_NOTEBOOK_GLOB))


def test_a_data_folder_without_a_schema_copy_uses_the_engines(review_folder: Path) -> None:
    raw = review_folder / "data" / "raw"
    assert package_descriptor_path(raw) == descriptor_path()
    (raw / "datapackage.yaml").write_text("resources: []\n")
    assert package_descriptor_path(raw) == raw / "datapackage.yaml"


def test_the_tables_of_the_declared_streams() -> None:
    assert tables_for_streams(["rct"])[:3] == ("sources", "studies", "trials")
    assert "observational" in tables_for_streams(["observational_general"])
    assert "mr_estimates" in tables_for_streams(["mendelian_randomization", "mr_meta_analysis"])


def test_schema_version_defaults_to_one_and_a_newer_one_names_both() -> None:
    assert parse_review(MINIMAL).schema_version == 1
    assert parse_review({**MINIMAL, "schema_version": SCHEMA_VERSION, "engine": "0.2.0"}).engine == "0.2.0"
    with pytest.raises(CompendiumError, match=rf"schema_version.*at most {SCHEMA_VERSION}.*compendium {__version__}"):
        parse_review({**MINIMAL, "schema_version": SCHEMA_VERSION + 1})


def test_a_folder_pinned_to_another_engine_gets_both_versions_and_the_upgrade_command(
    review_folder: Path, monkeypatch, capsys
) -> None:
    assert pin_problem(__version__, review_folder) is None and pin_problem("", review_folder) is None
    (review_folder / "review.yaml").write_text('engine: "0.1.0"\n', encoding="utf-8")
    monkeypatch.chdir(review_folder)
    assert main(["run", "--list"]) == 2
    err = capsys.readouterr().err
    assert f"pinned to compendium 0.1.0, and this is compendium {__version__}" in err
    assert f"compendium upgrade {review_folder.resolve()}" in err


def test_the_provenance_names_the_engine_version_schema_and_build() -> None:
    identity = engine_identity()
    assert identity.startswith(f"compendium {__version__} (schema {SCHEMA_VERSION}), ")
    assert "git commit" in identity or "sha256" in identity
