"""Provenance of a report: checksums of the data files, package versions, the git commit and the
date of the run. The date is the only thing that differs between two runs on the same inputs;
set ``SOURCE_DATE_EPOCH`` (reproducible-builds.org convention) to fix it too.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from compendium.paths import ROOT

#: packages whose versions the report lists (the analysis stack, the runner, the report itself)
CORE_PACKAGES: tuple[str, ...] = (
    "compendium",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "pingouin",
    "matplotlib",
    "seaborn",
    "frictionless",
    "papermill",
    "nbformat",
    "jinja2",
    "pyyaml",
)
NOT_A_GIT_CHECKOUT = "not a git checkout"


@dataclass(frozen=True)
class Provenance:
    checksums: list[tuple[str, str]]
    versions: list[tuple[str, str]]
    git_commit: str
    run_date: str


def data_checksums(raw_dir: str | Path) -> list[tuple[str, str]]:
    """``(file name, sha256)`` of every file in ``raw_dir``, sorted by name."""
    return [
        (path.name, hashlib.sha256(path.read_bytes()).hexdigest())
        for path in sorted(Path(raw_dir).iterdir())
        if path.is_file()
    ]


def package_versions(packages: tuple[str, ...] = CORE_PACKAGES) -> list[tuple[str, str]]:
    """Python's version and each package's installed version (``not installed`` when absent)."""
    versions = [("python", platform.python_version())]
    for name in packages:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    return versions


def git_commit(root: str | Path = ROOT) -> str:
    """``git rev-parse HEAD`` of ``root`` (with a note when tracked files have uncommitted changes)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True, timeout=10
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return NOT_A_GIT_CHECKOUT
    commit = head.stdout.strip()
    return f"{commit} (with uncommitted changes to tracked files)" if status.stdout.strip() else commit


def run_date() -> str:
    """Now in UTC (ISO 8601, seconds), or ``SOURCE_DATE_EPOCH`` when that is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def collect(raw_dir: str | Path, root: str | Path = ROOT) -> Provenance:
    return Provenance(data_checksums(raw_dir), package_versions(), git_commit(root), run_date())
