"""Keep ``environment.yml`` (conda, Binder) in step with ``requirements.lock`` (the one source of pins).

``python -m compendium.environment requirements.lock > environment.yml`` writes the conda
environment: Python 3.11 and pip from conda, then every pinned package from PyPI at exactly the
version of the lock file. ``tests/test_environment.py`` checks that the committed file agrees.
"""

from __future__ import annotations

import sys
from pathlib import Path

PYTHON_VERSION = "3.11"
#: the conda environment's name: the same for every compendium (``compendium init`` copies
#: environment.yml as it is), so it names no review
ENVIRONMENT_NAME = "research-compendium"


def read_pins(lock_path: str | Path) -> list[str]:
    """The ``name==version`` lines of a lock file, in file order (comments and blanks skipped)."""
    lines = Path(lock_path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def environment_yml(lock_path: str | Path) -> str:
    """The text of environment.yml for the pins in ``lock_path``."""
    pins = "\n".join(f"      - {pin}" for pin in read_pins(lock_path))
    return (
        "# Generated from requirements.lock by `make environment.yml`; do not edit by hand.\n"
        f"# conda env create -f environment.yml && conda activate {ENVIRONMENT_NAME} && pip install -e .\n"
        f"name: {ENVIRONMENT_NAME}\n"
        "channels:\n"
        "  - conda-forge\n"
        "dependencies:\n"
        f"  - python={PYTHON_VERSION}\n"
        "  - pip\n"
        "  - pip:\n"
        f"{pins}\n"
    )


if __name__ == "__main__":
    sys.stdout.write(environment_yml(sys.argv[1] if len(sys.argv) > 1 else "requirements.lock"))
