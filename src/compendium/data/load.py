"""Load the validated data package into typed pandas tables.

The files are read as the validator reads them (:mod:`compendium.data.validate`): only the texts of
the schema's ``missingValues`` (by default only the empty cell) are missing, so ``NA``, ``None``,
``NULL`` or ``nan`` in a text column stay text; a UTF-8 byte-order mark is ignored.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from compendium.data.validate import CSV_ENCODING, absent_tables, check_package, missing_values, read_descriptor
from compendium.review import Review

#: Table Schema type -> pandas dtype (nullable, so that missing stays missing)
PANDAS_DTYPES = {
    "string": "string",
    "integer": "Int64",
    "number": "float64",
    "boolean": "boolean",
}


def load_tables(raw_dir: str | Path, *, validate: bool = True, review: Review | None = None) -> dict[str, pd.DataFrame]:
    """Return ``{resource name: DataFrame}`` for every table of the package in ``raw_dir``.

    Columns get the dtype their schema declares (nullable integers and booleans, so an empty
    cell is ``<NA>``, never 0 or False). With ``validate=True`` (default) the package is first
    checked and every problem raised at once (:class:`~compendium.data.ValidationFailed`). ``review``
    is the declaration whose vocabularies the schema takes (default: the one that governs the folder,
    :func:`compendium.review.review_for`, read from disk).
    """
    raw_dir = Path(raw_dir)
    if validate:
        check_package(raw_dir, review=review)
    tables = {}
    descriptor = read_descriptor(raw_dir, review)
    absent = absent_tables(raw_dir, descriptor)
    for resource in descriptor["resources"]:
        fields = resource["schema"]["fields"]
        dtypes = {f["name"]: PANDAS_DTYPES.get(f.get("type", "string"), "string") for f in fields}
        booleans = [name for name, dtype in dtypes.items() if dtype == "boolean"]
        header = ",".join(f["name"] for f in fields) + "\n"
        table = pd.read_csv(
            io.StringIO(header) if resource["name"] in absent else raw_dir / resource["path"],
            dtype={name: ("string" if dtype == "boolean" else dtype) for name, dtype in dtypes.items()},
            keep_default_na=False,
            na_values=missing_values(resource),
            encoding=CSV_ENCODING,
        )
        for name in booleans:
            table[name] = table[name].str.lower().map({"true": True, "false": False}).astype("boolean")
        tables[resource["name"]] = table[[f["name"] for f in fields]]
    return tables
