"""Where things live: the review folder being built, and the engine's own files.

A review's root is the nearest folder at or above the working directory that holds a
``review.yaml``, or the folder named by the global ``compendium --project DIR`` option (which sets
:data:`PROJECT_ENV`, so notebook kernels started by the runner see the same root). The engine never
assumes it lives inside the review: installed from a wheel it works from any review folder.

``ROOT``, ``RAW_DIR``, ``NOTEBOOKS_DIR``, ``REPORTS_DIR`` and ``PARAMS_FILE`` are the current review's
folders, computed each time they are read (``paths.ROOT``; ``from compendium.paths import ROOT``
reads it once, at import).

The engine's files (stage notebooks, examples, schemas) ship inside the package (:data:`PACKAGE_DIR`);
in a source checkout of the engine the notebooks and examples are read from the checkout itself
(:func:`engine_file`).
"""

from __future__ import annotations

import os
from pathlib import Path

from compendium.errors import CompendiumError

#: the installed package (its templates, schemas and, in a wheel, the stage notebooks and examples)
PACKAGE_DIR = Path(__file__).resolve().parent
#: the environment variable that names a review's root (set by ``compendium --project DIR``)
PROJECT_ENV = "COMPENDIUM_PROJECT"
#: the file that marks a review's root
REVIEW_FILE = "review.yaml"
#: names of the folders and files of a review, relative to its root
RAW_PATH = Path("data") / "raw"
REPORTS_PATH = Path("reports")
NOTEBOOKS_PATH = Path("notebooks")
PARAMS_PATH = Path("params.yaml")
#: glob of a stage notebook
STAGE_NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"


def find_root(start: str | Path) -> Path | None:
    """The nearest folder at or above ``start`` holding a ``review.yaml``; None when there is none. A
    ``review.yaml`` that is not a file (a directory) counts, so that reading it says what is wrong
    instead of silently using another review's."""
    folder = Path(start).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / REVIEW_FILE).exists():
            return candidate
    return None


def governing_review(raw_dir: str | Path) -> Path:
    """The ``review.yaml`` that governs a data folder, the one rule for validation, stages and
    fingerprints: that of the review folder holding ``raw_dir`` (the nearest ``review.yaml`` at or above
    it), else, for a data folder outside any review folder (``-p raw_dir=/elsewhere``), the project's."""
    root = find_root(raw_dir) or project_root()
    return root / REVIEW_FILE


def checked_project(directory: str | Path) -> Path:
    """``directory`` resolved, when it is a review folder (holds a ``review.yaml``); else CompendiumError
    naming the path as given."""
    path = Path(directory).expanduser()
    if not path.is_dir():
        raise CompendiumError(f"--project {directory}: no such folder ({path.resolve()})")
    if not (path / REVIEW_FILE).is_file():
        raise CompendiumError(f"--project {directory}: no {REVIEW_FILE} in {path.resolve()}; expected a review folder")
    return path.resolve()


def set_project(directory: str | Path) -> Path:
    """Make ``directory`` the review's root for this process and the notebook kernels it starts."""
    root = checked_project(directory)
    os.environ[PROJECT_ENV] = str(root)
    return root


def project_root() -> Path:
    """The root of the review being built: ``$COMPENDIUM_PROJECT`` when set, else the nearest folder at
    or above the working directory holding a ``review.yaml``; CompendiumError when there is none."""
    named = os.environ.get(PROJECT_ENV)
    if named:
        return checked_project(named)
    root = find_root(Path.cwd())
    if root is None:
        raise CompendiumError(
            f"{Path.cwd()}: no {REVIEW_FILE} here or in any folder above; "
            "run inside a review folder or name one with compendium --project DIR"
        )
    return root


def engine_file(relative: str | Path) -> Path:
    """A file or folder the engine ships (``notebooks``, ``examples``): inside the installed package,
    or, for an editable install from a source checkout, at the checkout's root."""
    shipped = PACKAGE_DIR / relative
    if shipped.exists():
        return shipped
    checkout = PACKAGE_DIR.parents[1]
    if (checkout / "pyproject.toml").is_file() and (checkout / relative).exists():
        return checkout / relative
    return shipped


def notebooks_dir(root: Path | None = None) -> Path:
    """The stage notebooks of a review: its own ``notebooks/`` when it has stage notebooks (this
    repository's layout), else the engine's."""
    own = (root or project_root()) / NOTEBOOKS_PATH
    if own.is_dir() and any(own.glob(STAGE_NOTEBOOK_GLOB)):
        return own
    return engine_file(NOTEBOOKS_PATH)


def __getattr__(name: str) -> Path:
    """``ROOT``, ``RAW_DIR``, ``REPORTS_DIR``, ``PARAMS_FILE``, ``NOTEBOOKS_DIR`` of the current review."""
    relative = {"ROOT": Path(), "RAW_DIR": RAW_PATH, "REPORTS_DIR": REPORTS_PATH, "PARAMS_FILE": PARAMS_PATH}
    if name in relative:
        return project_root() / relative[name]
    if name == "NOTEBOOKS_DIR":
        return notebooks_dir()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def display_path(path: str | Path) -> str:
    """``path`` relative to the review's root when it lies inside it, else as given (for messages)."""
    path = Path(path).resolve()
    try:
        root = project_root()
    except CompendiumError:
        return str(path)
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def work_from_root() -> Path:
    """Make the review's root the working directory, so a notebook's relative paths (``data/raw``,
    ``reports``) resolve whether papermill runs it (already at the root) or JupyterLab opens it
    (kernels start in the notebook's folder). Returns the root."""
    root = project_root()
    os.chdir(root)
    return root
