"""Import directions between the package's areas (CONTRIBUTING.md, "Layout"): the engines never
import the review layer, and the figures never import the review's evidence or analysis code.

Imports are read with :mod:`ast` from every module's source (also imports inside functions), so a
rule holds whether or not the import runs at module load.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "compendium"

#: the engines: statistics on tidy inputs, usable without a review
ENGINES = ("meta", "mr", "bias")
#: the review layer: everything that knows a review declaration, its stages and its report
REVIEW_LAYER = ("stages", "analysis", "report", "evidence", "review")
#: area -> areas it must never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(ENGINES, REVIEW_LAYER),
    "effects": REVIEW_LAYER,
    "plots": ("evidence", "analysis"),
}


def _area(path: Path) -> str:
    """The top-level area of a module (``meta`` for ``meta/model.py``, ``effects`` for ``effects.py``)."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _imported_areas(path: Path) -> set[str]:
    """The areas of ``compendium`` that ``path`` imports (``from compendium import review`` counts
    as ``review``)."""
    areas: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "compendium":
                names = [f"compendium.{alias.name}" for alias in node.names]
            else:
                names = [node.module]
        else:
            continue
        areas.update(name.split(".")[1] for name in names if name.startswith("compendium."))
    return areas


def _modules(area: str) -> list[Path]:
    folder = PACKAGE / area
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [PACKAGE / f"{area}.py"]


@pytest.mark.parametrize("area", sorted(FORBIDDEN))
def test_area_imports_none_of_its_forbidden_areas(area: str) -> None:
    modules = _modules(area)
    assert modules and all(path.exists() for path in modules)
    broken = {
        str(path.relative_to(PACKAGE)): sorted(_imported_areas(path) & set(FORBIDDEN[area]))
        for path in modules
        if _imported_areas(path) & set(FORBIDDEN[area])
    }
    assert broken == {}


def test_meta_does_not_import_the_effects_alias() -> None:
    # compendium.effects re-exports compendium.meta.effects; the engine imports its own module,
    # so the two never import each other
    assert all("effects" not in _imported_areas(path) for path in _modules("meta"))


def test_reader_sees_forbidden_imports(tmp_path: Path) -> None:
    module = tmp_path / "example.py"
    module.write_text(
        "from compendium import review\nimport compendium.stages.ingest\n"
        "def f():\n    from compendium.analysis.pooling import x\n",
        encoding="utf-8",
    )
    assert _imported_areas(module) == {"review", "stages", "analysis"}
