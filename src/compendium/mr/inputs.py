"""Validated summary-level MR input: SNP-exposure and SNP-outcome associations.

:func:`mr_input` checks a table (columns present; numbers finite and at most
:data:`~compendium.mr.defaults.MAX_ABS_ASSOCIATION` in absolute value; exposure effects and
standard errors at least :data:`~compendium.mr.defaults.MIN_ABS_ASSOCIATION` in absolute value,
standard errors positive; each SNP once) and raises :class:`~compendium.errors.CompendiumError`
naming the source, the row (``row N (line N+1)``: the N-th data row) and the column.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from compendium.csv_input import numeric_column
from compendium.errors import CompendiumError, cell_problem
from compendium.mr.defaults import BX, BXSE, BY, BYSE, MAX_ABS_ASSOCIATION, MIN_ABS_ASSOCIATION, MIN_SNPS, SNP


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

    Parameters
    ----------
    frame : one row per SNP (position ``i`` is data row ``i + 1``)
    bx, bxse, by, byse : names of the SNP-exposure effect, its SE, the SNP-outcome effect, its SE
    snp : name of the SNP label column; when ``None`` or absent, SNPs are labelled ``row N``.
        A label given twice is refused (the SNP would be counted twice).
    source : the file's name (or "input table"); starts every error message

    Returns
    -------
    MRInput

    Examples
    --------
    >>> frame = pd.DataFrame({"beta_exposure": [0.1, 0.0], "se_exposure": [0.01, 0.01],
    ...                       "beta_outcome": [0.2, 0.1], "se_outcome": [0.05, 0.05]})
    >>> mr_input(frame, source="snps.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    compendium.errors.CompendiumError: snps.csv, row 2 (line 3), column 'beta_exposure': expected ..., got 0.0
    """
    if len(frame) == 0:
        raise CompendiumError(f"{source}: no rows; expected one row per SNP")
    low, high = MIN_ABS_ASSOCIATION, MAX_ABS_ASSOCIATION
    arrays = (
        numeric_column(frame, bx, file=source, min_abs=low, max_abs=high),
        numeric_column(frame, bxse, file=source, minimum=low, max_abs=high),
        numeric_column(frame, by, file=source, max_abs=high),
        numeric_column(frame, byse, file=source, minimum=low, max_abs=high),
    )
    labelled = snp is not None and snp in frame.columns
    if labelled:
        labels = tuple(str(value) for value in frame[snp].tolist())
    else:
        labels = tuple(f"row {position + 1}" for position in range(len(frame)))
    _refuse_repeats(labels if labelled else list(zip(*arrays)), source, snp if labelled else None)
    return MRInput(*arrays, snp=labels)


def _refuse_repeats(keys: Sequence[Hashable], source: str, snp: str | None) -> None:
    """Refuse a SNP given twice (same label, or without labels the same four associations)."""
    first_row: dict[Hashable, int] = {}
    for row, key in enumerate(keys, start=1):
        if key in first_row:
            if snp is not None:
                expected = "each SNP once (a repeated SNP would be counted twice)"
                raise CompendiumError(
                    cell_problem(source, row, snp, expected, key) + f", already in row {first_row[key]}"
                )
            raise CompendiumError(
                f"{source}, row {row} (line {row + 1}): expected each SNP once, got the same four associations "
                f"as row {first_row[key]} (a repeated SNP would be counted twice; "
                "add a SNP label column to tell them apart)"
            )
        first_row[key] = row


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
        return MRInput(arrays[0], arrays[1], arrays[2], arrays[3], snp=labels)
    frame = pd.DataFrame(dict(zip((BX, BXSE, BY, BYSE), arrays)))
    return mr_input(frame, snp=None, source="arrays")
