"""Shared helpers for the MR tests: the Waterworth et al. (2010) lipid data and printed-precision checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: real published data (Waterworth et al. 2010, as distributed with the R package
#: MendelianRandomization); provenance in tests/data/README.md
LIPIDS_CSV = Path(__file__).parent / "data" / "mr_lipids_chd_waterworth2010.csv"
LIPID_COLUMNS = ("beta_ldlc", "se_ldlc", "beta_chd_logodds", "se_chd_logodds")


def lipids() -> pd.DataFrame:
    """The 28-variant lipid table."""
    return pd.read_csv(LIPIDS_CSV)


def lipid_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``bx, bxse, by, byse`` = LDL-c effects and CHD log-odds effects, as in the vignette."""
    table = lipids()
    return tuple(table[column].to_numpy() for column in LIPID_COLUMNS)  # type: ignore[return-value]


def matches_printed(value: float, printed: str) -> bool:
    """True when ``value`` rounds to ``printed``: within half a unit of its last printed digit."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return abs(value - float(printed)) <= 0.5 * 10.0**-decimals + 1e-12
