"""Validated summary-level MR input: SNP-exposure and SNP-outcome associations.

:func:`mr_input` checks a table (columns present, numbers finite, standard errors > 0,
exposure effects non-zero) and raises :class:`~compendium.errors.CompendiumError` naming the
source, the row (data rows counted from 1 after the header) and the column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from compendium.errors import CompendiumError
from compendium.mr.defaults import BX, BXSE, BY, BYSE, MIN_SNPS, SNP


@dataclass(frozen=True)
class MRInput:
    """Aligned association arrays (one entry per SNP) and SNP labels."""

    bx: np.ndarray
    bxse: np.ndarray
    by: np.ndarray
    byse: np.ndarray
    snp: tuple[str, ...]

    @property
    def k(self) -> int:
        """Number of SNPs."""
        return int(self.bx.size)


def require_snps(k: int, method: str) -> None:
    """Raise a CompendiumError when ``k`` is below the minimum number of SNPs ``method`` needs."""
    if k < MIN_SNPS[method]:
        raise CompendiumError(f"{method}: needs at least {MIN_SNPS[method]} SNPs, got {k}")


def numeric_column(
    frame: pd.DataFrame, column: str, source: str, *, positive: bool = False, nonzero: bool = False
) -> np.ndarray:
    """Column ``column`` as finite floats (``positive``: > 0; ``nonzero``: != 0), else a CompendiumError."""
    if column not in frame.columns:
        raise CompendiumError(
            f"{source}: column '{column}' is missing; found columns {', '.join(map(str, frame.columns))}"
        )
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    checks = [(~np.isfinite(values), "expected a finite number")]
    if positive:
        checks.append((values <= 0, "expected a number > 0"))
    if nonzero:
        checks.append((values == 0, "expected a non-zero SNP-exposure effect (the ratio is undefined)"))
    for bad, expected in checks:
        if bad.any():
            position = int(np.argmax(bad))
            original = raw.iloc[position]
            shown = "an empty cell" if pd.isna(original) else repr(original)
            raise CompendiumError(f"{source}: row {position + 1}, column '{column}': {expected}, got {shown}")
    return values


def mr_input(
    frame: pd.DataFrame,
    bx: str = BX,
    bxse: str = BXSE,
    by: str = BY,
    byse: str = BYSE,
    snp: str | None = SNP,
    *,
    source: str = "input table",
) -> MRInput:
    """Validate ``frame`` and return its columns as arrays.

    ``snp`` names the label column; when it is ``None`` or absent, SNPs are labelled by row
    number. ``source`` (e.g. the file path) starts every error message.
    """
    if len(frame) == 0:
        raise CompendiumError(f"{source}: no rows; expected one row per SNP")
    arrays = [
        numeric_column(frame, bx, source, positive=False, nonzero=True),
        numeric_column(frame, bxse, source, positive=True, nonzero=False),
        numeric_column(frame, by, source, positive=False, nonzero=False),
        numeric_column(frame, byse, source, positive=True, nonzero=False),
    ]
    if snp is not None and snp in frame.columns:
        labels = tuple(str(value) for value in frame[snp].tolist())
    else:
        labels = tuple(f"row {position + 1}" for position in range(len(frame)))
    return MRInput(*arrays, snp=labels)


def as_input(bx: object, bxse: object, by: object, byse: object, snp: object | None = None) -> MRInput:
    """Wrap array-likes (or scalars) as an :class:`MRInput`, with the same checks as :func:`mr_input`."""
    arrays = [np.atleast_1d(np.asarray(values, dtype=float)) for values in (bx, bxse, by, byse)]
    sizes = {name: values.size for name, values in zip(("bx", "bxse", "by", "byse"), arrays)}
    if len(set(sizes.values())) != 1:
        raise CompendiumError(f"arrays: lengths differ ({sizes}); expected one value per SNP in each")
    labels = (
        tuple(f"row {position + 1}" for position in range(arrays[0].size))
        if snp is None
        else tuple(str(value) for value in np.atleast_1d(np.asarray(snp, dtype=object)))
    )
    if len(labels) != arrays[0].size:
        raise CompendiumError(f"arrays: {len(labels)} SNP labels for {arrays[0].size} SNPs")
    valid = (
        arrays[0].size > 0
        and all(np.isfinite(values).all() for values in arrays)
        and (arrays[0] != 0).all()
        and (arrays[1] > 0).all()
        and (arrays[3] > 0).all()
    )
    if valid:
        return MRInput(*arrays, snp=labels)
    frame = pd.DataFrame(dict(zip((BX, BXSE, BY, BYSE), arrays)))
    return mr_input(frame, snp=None, source="arrays")
