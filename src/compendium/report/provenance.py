"""Provenance of a report: checksums of the data files, package versions, the engine (its version,
schema version and the hash of its wheel or its git commit), the review folder's git commit and the
date of the run. The date is the only thing that differs between two runs on the same inputs;
set ``SOURCE_DATE_EPOCH`` (reproducible-builds.org convention) to fix it too.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from compendium import paths

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
    engine: str = ""


def engine_identity() -> str:
    """The engine that built the report: ``compendium X.Y.Z (schema N)`` and where it came from, the git
    commit of its source checkout (editable install) or the sha256 of the wheel it was installed from
    (recorded by pip in ``direct_url.json`` when the install named the hash, as a review folder's
    ``requirements.txt`` does), else the sha256 of the installed files' ``RECORD``."""
    from compendium import __version__
    from compendium.schemas import SCHEMA_VERSION

    name = f"compendium {__version__} (schema {SCHEMA_VERSION})"
    checkout = paths.PACKAGE_DIR.parents[1]
    if (checkout / "pyproject.toml").is_file() and (checkout / ".git").exists():
        return f"{name}, source checkout at git commit {git_commit(checkout)}"
    try:
        distribution = metadata.distribution("compendium")
    except metadata.PackageNotFoundError:
        return f"{name}, not installed"
    direct_url = distribution.read_text("direct_url.json")
    hashes = (json.loads(direct_url).get("archive_info") or {}).get("hashes", {}) if direct_url else {}
    if "sha256" in hashes:
        return f"{name}, wheel sha256 {hashes['sha256']}"
    record = distribution.read_text("RECORD") or ""
    return f"{name}, installed files' RECORD sha256 {hashlib.sha256(record.encode()).hexdigest()}"


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


def git_commit(root: str | Path) -> str:
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


def collect(raw_dir: str | Path, root: str | Path | None = None) -> Provenance:
    return Provenance(
        data_checksums(raw_dir),
        package_versions(),
        git_commit(root or paths.project_root()),
        run_date(),
        engine_identity(),
    )
