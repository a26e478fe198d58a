"""Where things live in the compendium (one place for every path)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RAW_DIR = ROOT / "data" / "raw"
NOTEBOOKS_DIR = ROOT / "notebooks"
REPORTS_DIR = ROOT / "reports"
PARAMS_FILE = ROOT / "params.yaml"


def display_path(path: str | Path) -> str:
    """``path`` relative to the repository root when it lies inside it, else as given (for messages)."""
    path = Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def work_from_root() -> Path:
    """Make the repository root the working directory, so a notebook's relative paths
    (``data/raw``, ``reports``) resolve whether papermill runs it (already at the root) or
    JupyterLab opens it (kernels start in ``notebooks/``). Returns the root."""
    os.chdir(ROOT)
    return ROOT
