"""Reading and checking the text tables of the bias package (answers, judgements, overrides).

Cells are text: ``NA`` is an answer, not a missing value, so CSVs are read without NA parsing.
Rows in messages follow the project's convention (:mod:`compendium.errors`): ``row N (line N+1)``
is the N-th data row, on line N+1 of the file.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from compendium.csv_input import read_input_csv
from compendium.errors import CompendiumError


def cell(value: object) -> str:
    """A table cell as clean text: missing values and surrounding whitespace become ''."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def where(source: str, row: int, study: str, column: str) -> str:
    """The location prefix of an error message; ``row`` is the 1-based data row."""
    return f"{source}, row {row} (line {row + 1}), study {study!r}, column {column!r}"


def require_columns(table: pd.DataFrame, columns: Sequence[str], source: str) -> None:
    """Raise if any of ``columns`` is absent from ``table``."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise CompendiumError(f"{source}: missing column(s) {', '.join(missing)}")


def check_unique(table: pd.DataFrame, keys: Sequence[str], source: str) -> None:
    """Raise at the first row whose ``keys`` repeat an earlier row's."""
    duplicated = table.duplicated(subset=list(keys), keep="first")
    if duplicated.any():
        position = int(duplicated.to_numpy().nonzero()[0][0])
        values = ", ".join(f"{k}={cell(table.iloc[position][k])!r}" for k in keys)
        row = position + 1
        raise CompendiumError(f"{source}, row {row} (line {row + 1}): duplicate {values}; each must appear once")


def read_text_table(path: str | Path) -> pd.DataFrame:
    """Read a UTF-8 CSV keeping every cell as text (``NA`` stays ``NA``; blanks become '')."""
    return read_input_csv(path, expected="a header and one row per result", dtype=str)


def override(
    raw: Mapping[Hashable, object],
    target: str,
    proposed: str,
    vocabulary: Sequence[str],
    *,
    source: str,
    row: int,
    study: str,
) -> tuple[str, str]:
    """Final judgement and reason for ``target`` from ``<target>_override`` and
    ``<target>_override_reason``: no override keeps the proposal; an override needs a judgement
    from ``vocabulary``, a written reason, and must differ from the proposal."""
    judgement = cell(raw.get(f"{target}_override"))
    reason = cell(raw.get(f"{target}_override_reason"))
    at = where(source, row, study, f"{target}_override")
    if not judgement:
        if reason:
            raise CompendiumError(f"{at}: a reason is given but no overriding judgement")
        return proposed, ""
    if judgement not in vocabulary:
        raise CompendiumError(f"{at}: {judgement!r} is not a judgement; expected one of {', '.join(vocabulary)}")
    if not reason:
        raise CompendiumError(
            f"{where(source, row, study, f'{target}_override_reason')}: overriding the proposed "
            f"{proposed!r} with {judgement!r} needs a written reason"
        )
    if judgement == proposed:
        raise CompendiumError(f"{at}: the override equals the proposed judgement {proposed!r}; remove it")
    return judgement, reason
