"""The engine's schemas, versioned: the data package's (``datapackage.yaml``) and the declaration's.

A review folder does not need its own copy of the data-package schema: ``data/raw/`` holds only its
CSV tables, and :func:`descriptor_path` gives the engine's. A folder made before the schema was the
engine's (``schema_version`` 1: its own ``datapackage.yaml`` and all tables) keeps building with the
copy it holds; ``compendium upgrade`` moves it to the running engine (:mod:`compendium.scaffold.upgrade`).

The declaration's schema is :func:`compendium.review.parse_review`; ``schema_version`` in
``review.yaml`` names the version a review was written for.

The schema ships in the wheel as ``compendium/schemas/datapackage.yaml``; in a source checkout of the
engine it is the checkout's ``data/raw/datapackage.yaml``, which this repository's own review uses as is.
"""

from __future__ import annotations

from pathlib import Path

from compendium.paths import PACKAGE_DIR

#: the version of the data-package and declaration schemas this engine reads and writes (3: the optional
#: table rob1_judgements; a folder of version 2 has none, which means no RoB 1 judgements)
SCHEMA_VERSION = 3
#: the version of a review folder whose review.yaml has no ``schema_version`` (made by compendium 0.1.0)
FIRST_SCHEMA_VERSION = 1
DESCRIPTOR_NAME = "datapackage.yaml"
#: tables every data package holds, whatever its questions (the others may be left out when empty)
REQUIRED_TABLES = ("sources", "studies")
_TRIAL_TABLES = ("trials", "arms", "continuous_outcomes", "dichotomous_outcomes", "rct_effects", "rob2_answers")
_MR_TABLES = ("mr_studies", "mr_estimates")
#: evidence stream (``studies.stream``, or the start of it before ``_``) -> the tables that hold its data
STREAM_TABLES: dict[str, tuple[str, ...]] = {
    "rct": _TRIAL_TABLES,
    "non_randomised": _TRIAL_TABLES,
    "observational": ("observational", "observational_rob"),
    "mendelian_randomization": _MR_TABLES,
    "mr": _MR_TABLES,
    "preclinical": ("preclinical",),
    "review": ("review_results",),
}


def tables_for_streams(streams: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The tables a review with these evidence streams fills, :data:`REQUIRED_TABLES` first."""
    tables = list(REQUIRED_TABLES)
    for stream in streams:
        for key, names in STREAM_TABLES.items():
            if stream == key or stream.startswith(f"{key}_"):
                tables.extend(n for n in names if n not in tables)
    return tuple(tables)


def descriptor_path() -> Path:
    """The engine's ``datapackage.yaml``."""
    shipped = PACKAGE_DIR / "schemas" / DESCRIPTOR_NAME
    if shipped.is_file():
        return shipped
    return PACKAGE_DIR.parents[1] / "data" / "raw" / DESCRIPTOR_NAME


def package_descriptor_path(raw_dir: str | Path) -> Path:
    """The schema a data folder is read with: its own ``datapackage.yaml`` when it holds one (a folder
    made by compendium 0.1.0), else the engine's."""
    own = Path(raw_dir) / DESCRIPTOR_NAME
    return own if own.is_file() else descriptor_path()
