"""The engine a review folder is pinned to: its wheel, hash-pinned beside the review, and the check
that the running engine is the pinned one.

A review folder holds ``engine.lock``: the engine wheel's place in the shared wheel cache
(``${COMPENDIUM_WHEELS}``, which the folder's Makefile sets to :func:`cache_dir` ``/wheels``) with
``--hash=sha256:...``, installed by ``pip --require-hashes``; and the third-party pins
(``requirements.lock``, exact versions, as the engine's own). The wheel is kept beside the folder, not
in it: one copy serves every review on it, and the folder holds no binary file. It comes from a source
checkout of the engine (built once per source state) or, for an engine installed from a wheel, from
the wheel it was installed from (copied into the cache).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from compendium import __version__
from compendium.errors import CompendiumError
from compendium.paths import PACKAGE_DIR

#: what a source checkout of the engine holds (a wheel is built from these)
CHECKOUT_FILES = (
    "pyproject.toml",
    "setup.py",
    "README.md",
    "LICENSE",
    "requirements.lock",
    "params.yaml",
    "src/compendium",
    "notebooks",
    "examples",
)
#: the engine's third-party pins (copied into every review folder)
LOCK_FILE = "requirements.lock"
#: the review folder's pin of the engine wheel
ENGINE_LOCK = "engine.lock"
#: the environment variable naming the wheel cache in ``engine.lock`` (pip expands it)
WHEELS_VARIABLE = "COMPENDIUM_WHEELS"
#: zip timestamps of a wheel built here (so one source state gives one wheel, byte for byte)
WHEEL_DATE_EPOCH = "315532800"


def cache_dir() -> Path:
    """``${XDG_CACHE_HOME:-~/.cache}/compendium``: built wheels and the shared review environments."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "compendium"


def engine_checkout() -> Path | None:
    """The source checkout the running engine is imported from (an editable install), else None."""
    checkout = PACKAGE_DIR.parents[1]
    return checkout if (checkout / "setup.py").is_file() and (checkout / "pyproject.toml").is_file() else None


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wheel_name() -> str:
    return f"compendium-{__version__}-py3-none-any.whl"


def engine_wheel(log=print) -> Path:  # noqa: ANN001 - Callable[[str], None]
    """The wheel of the running engine: built from its source checkout (cached per source state), or
    the wheel an installed engine came from; CompendiumError when neither can be found."""
    checkout = engine_checkout()
    if checkout is not None:
        return _built_wheel(checkout, log)
    try:
        direct_url = metadata.distribution("compendium").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        direct_url = None
    url = json.loads(direct_url).get("url", "") if direct_url else ""
    path = Path(unquote(urlsplit(url).path)) if url.startswith("file:") else None
    if path is None or not path.is_file() or path.name != wheel_name():
        raise CompendiumError(
            f"compendium {__version__}: cannot find the wheel this engine was installed from "
            f"({url or 'not recorded'}); run compendium init from a source checkout of the engine "
            "or from a review folder's environment"
        )
    cached = cache_dir() / "wheels" / sha256(path)[:16] / path.name
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, cached)
    return cached


def _source_state(checkout: Path) -> str:
    digest = hashlib.sha256()
    for name in CHECKOUT_FILES + ("data/raw/datapackage.yaml",):
        root = checkout / name
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith(".egg-info"):
                digest.update(f"{path.relative_to(checkout).as_posix()}\0{sha256(path)}\n".encode())
    return digest.hexdigest()[:16]


def _built_wheel(checkout: Path, log) -> Path:  # noqa: ANN001 - Callable[[str], None]
    target = cache_dir() / "wheels" / _source_state(checkout) / wheel_name()
    if target.is_file():
        return target
    log(f"building the engine's wheel (compendium {__version__}) from {checkout} ...")
    with tempfile.TemporaryDirectory(prefix="compendium-wheel-") as work:
        source = Path(work) / "source"
        (source / "data" / "raw").mkdir(parents=True)
        for name in CHECKOUT_FILES:
            copy = shutil.copytree if (checkout / name).is_dir() else shutil.copy2
            copy(checkout / name, source / name)
        shutil.copy2(checkout / "data" / "raw" / "datapackage.yaml", source / "data" / "raw")
        built = Path(work) / "dist"
        result = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", built, source],
            capture_output=True,
            text=True,
            env={**os.environ, "SOURCE_DATE_EPOCH": WHEEL_DATE_EPOCH},
        )
        wheel = built / wheel_name()
        if result.returncode != 0 or not wheel.is_file():
            raise CompendiumError(f"building the engine's wheel failed:\n{result.stderr.strip()}")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        shutil.copy2(wheel, partial)
        partial.replace(target)
    return target


def write_environment(folder: Path, log=print) -> None:  # noqa: ANN001 - Callable[[str], None]
    """Write the folder's pins: ``engine.lock`` (the engine wheel in the shared cache and its sha256)
    and ``requirements.lock`` (the engine's third-party pins)."""
    from compendium.scaffold import shipped_file

    wheel = engine_wheel(log)
    place = wheel.relative_to(cache_dir() / "wheels").as_posix()
    (folder / ENGINE_LOCK).write_text(
        f"# the engine this review is pinned to: compendium {__version__}, this wheel only (its sha256), kept in\n"
        f"# the shared wheel cache ${{{WHEELS_VARIABLE}}} (${{XDG_CACHE_HOME:-~/.cache}}/compendium/wheels)\n"
        f"${{{WHEELS_VARIABLE}}}/{place} --hash=sha256:{sha256(wheel)}\n",
        encoding="utf-8",
    )
    shutil.copy2(shipped_file(LOCK_FILE), folder / LOCK_FILE)


def check_engine_pin() -> None:
    """CompendiumError when the current review folder is pinned (``engine`` in ``review.yaml``) to another
    engine version than the running one (:func:`pin_problem`)."""
    from compendium.paths import REVIEW_FILE, project_root
    from compendium.yaml_io import read_yaml

    root = project_root()
    declaration = read_yaml(root / REVIEW_FILE)
    pinned = declaration.get("engine") if isinstance(declaration, dict) else None
    problem = pin_problem(str(pinned or ""), root)
    if problem:
        raise CompendiumError(problem)


def pin_problem(pinned: str, folder: Path) -> str | None:
    """The message for a review folder pinned to another engine than the running one, else None."""
    if not pinned or pinned == __version__:
        return None
    return (
        f"{folder / 'review.yaml'}: the review is pinned to compendium {pinned}, and this is compendium "
        f"{__version__}; build it with its own environment (make report in {folder}), or move it to "
        f"{__version__} with: compendium upgrade {folder}"
    )
