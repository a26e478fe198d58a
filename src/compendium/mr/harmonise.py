"""Harmonise SNP-exposure and SNP-outcome tables so that both effects refer to the same allele.

For each SNP in the exposure table (the reference), the outcome row is matched by SNP id and:

* same effect/other alleles: kept (``aligned``);
* effect and other allele swapped: outcome beta negated, outcome eaf -> 1 - eaf (``swapped``);
* alleles on the other strand (A<->T, C<->G): complemented (``strand flipped``), and negated
  if also swapped (``strand flipped and swapped``);
* palindromic SNPs (A/T or C/G) cannot be aligned from the letters. They are aligned by
  letter, then resolved by allele frequency: if the exposure and outcome effect-allele
  frequencies fall on opposite sides of 0.5 the outcome is flipped
  (``palindromic, strand inferred from eaf``). A palindromic SNP with either frequency within
  ``palindromic_tolerance`` of 0.5 (default 0.08, i.e. minor allele frequency above 0.42, as in
  TwoSampleMR), or with a frequency missing, is dropped;
* anything else (different alleles, non-A/C/G/T alleles, duplicated ids, SNP missing from the
  outcome table) is dropped.

Every dropped SNP is listed in ``Harmonised.dropped`` (columns ``snp, reason``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from compendium.csv_input import numeric_column
from compendium.errors import CompendiumError, cell_problem
from compendium.mr.defaults import BX, BXSE, BY, BYSE, DEFAULTS, SNP

COMPLEMENT = {"A": "T", "T": "A", "C": "G", "G": "C"}
#: columns of ``Harmonised.data``
HARMONISED_COLUMNS = [
    SNP,
    "effect_allele",
    "other_allele",
    "eaf_exposure",
    "eaf_outcome",
    BX,
    BXSE,
    BY,
    BYSE,
    "action",
]
#: columns of ``Harmonised.dropped``
DROPPED_COLUMNS = ["snp", "reason"]


@dataclass(frozen=True)
class Harmonised:
    """Harmonised SNPs (``data``, :data:`HARMONISED_COLUMNS`) and dropped SNPs with reasons."""

    data: pd.DataFrame
    dropped: pd.DataFrame

    def __str__(self) -> str:
        lines = [f"Harmonised {len(self.data)} SNPs; dropped {len(self.dropped)}"]
        lines += [f"  {row.snp}: {row.reason}" for row in self.dropped.itertuples()]
        return "\n".join(lines)


def _prepare(
    table: pd.DataFrame, name: str, snp: str, effect_allele: str, other_allele: str, eaf: str, beta: str, se: str
) -> pd.DataFrame:
    missing = [column for column in (snp, effect_allele, other_allele, beta, se) if column not in table.columns]
    if missing:
        raise CompendiumError(f"{name} table: missing column(s) {', '.join(missing)}")
    out = pd.DataFrame(
        {
            "snp": table[snp].astype(str).str.strip().to_numpy(),
            "ea": table[effect_allele].astype(str).str.strip().str.upper().to_numpy(),
            "oa": table[other_allele].astype(str).str.strip().str.upper().to_numpy(),
            "beta": numeric_column(table, beta, file=f"{name} table"),
            "se": numeric_column(table, se, file=f"{name} table", minimum=0, strictly_above=True),
        }
    )
    frequency = np.full(len(table), np.nan)
    if eaf in table.columns:
        frequency = pd.to_numeric(table[eaf], errors="coerce").to_numpy(dtype=float)
    outside = (frequency < 0) | (frequency > 1)
    if outside.any():
        position = int(np.argmax(outside))
        raise CompendiumError(
            cell_problem(f"{name} table", position + 1, eaf, "a frequency in [0, 1]", frequency[position])
        )
    out["eaf"] = frequency
    return out


def _valid_alleles(effect: str, other: str) -> bool:
    return effect in COMPLEMENT and other in COMPLEMENT and effect != other


def _align(x: Any, y: Any, tolerance: float) -> tuple[float, str] | str:
    """``(sign, action)`` to apply to the outcome row, or the reason to drop the SNP."""
    if not _valid_alleles(x.ea, x.oa):
        return f"exposure alleles {x.ea}/{x.oa} are not two different A/C/G/T bases"
    if not _valid_alleles(y.ea, y.oa):
        return f"outcome alleles {y.ea}/{y.oa} are not two different A/C/G/T bases"
    palindromic = COMPLEMENT[x.ea] == x.oa
    if palindromic:
        if {y.ea, y.oa} != {x.ea, x.oa}:
            return f"alleles do not match (exposure {x.ea}/{x.oa}, outcome {y.ea}/{y.oa})"
        if np.isnan(x.eaf) or np.isnan(y.eaf):
            return "palindromic and an allele frequency is missing"
        if abs(x.eaf - 0.5) <= tolerance or abs(y.eaf - 0.5) <= tolerance:
            return f"palindromic with allele frequency within {tolerance:g} of 0.5"
        sign = 1.0 if y.ea == x.ea else -1.0
        outcome_eaf = y.eaf if sign > 0 else 1 - y.eaf
        if (x.eaf > 0.5) != (outcome_eaf > 0.5):
            return -sign, "palindromic, strand inferred from eaf"
        return sign, "palindromic, aligned by eaf"
    if (y.ea, y.oa) == (x.ea, x.oa):
        return 1.0, "aligned"
    if (y.ea, y.oa) == (x.oa, x.ea):
        return -1.0, "swapped"
    flipped = (COMPLEMENT[y.ea], COMPLEMENT[y.oa])
    if flipped == (x.ea, x.oa):
        return 1.0, "strand flipped"
    if flipped == (x.oa, x.ea):
        return -1.0, "strand flipped and swapped"
    return f"alleles do not match (exposure {x.ea}/{x.oa}, outcome {y.ea}/{y.oa})"


def harmonise(
    exposure: pd.DataFrame,
    outcome: pd.DataFrame,
    *,
    snp: str = "snp",
    effect_allele: str = "effect_allele",
    other_allele: str = "other_allele",
    eaf: str = "eaf",
    beta: str = "beta",
    se: str = "se",
    palindromic_tolerance: float = DEFAULTS.palindromic_tolerance,
) -> Harmonised:
    """Align ``outcome`` to the effect alleles of ``exposure`` (both tables use the same column names).

    Returns the kept SNPs in exposure-table order (alleles and eaf of the exposure's effect
    allele) and every dropped SNP with its reason; see the module docstring for the rules.
    """
    if not 0 <= palindromic_tolerance < 0.5:
        raise CompendiumError(f"palindromic_tolerance: expected a value in [0, 0.5), got {palindromic_tolerance}")
    x_table = _prepare(exposure, "exposure", snp, effect_allele, other_allele, eaf, beta, se)
    y_table = _prepare(outcome, "outcome", snp, effect_allele, other_allele, eaf, beta, se)
    x_duplicated = set(x_table.loc[x_table.snp.duplicated(), "snp"])
    y_duplicated = set(y_table.loc[y_table.snp.duplicated(), "snp"])
    y_by_snp: dict[object, Any] = {
        row.snp: row for row in y_table.itertuples(index=False) if row.snp not in y_duplicated
    }
    kept, dropped, seen = [], [], set()
    for x in x_table.itertuples(index=False):
        if x.snp in seen:
            continue
        seen.add(x.snp)
        if x.snp in x_duplicated:
            dropped.append([x.snp, "duplicated in the exposure table"])
        elif x.snp in y_duplicated:
            dropped.append([x.snp, "duplicated in the outcome table"])
        elif x.snp not in y_by_snp:
            dropped.append([x.snp, "not in the outcome table"])
        else:
            y = y_by_snp[x.snp]
            aligned = _align(x, y, palindromic_tolerance)
            if isinstance(aligned, str):
                dropped.append([x.snp, aligned])
                continue
            sign, action = aligned
            outcome_eaf = y.eaf if sign > 0 else 1 - y.eaf
            kept.append([x.snp, x.ea, x.oa, x.eaf, outcome_eaf, x.beta, x.se, sign * y.beta + 0.0, y.se, action])
    data = pd.DataFrame(kept, columns=HARMONISED_COLUMNS)
    return Harmonised(data=data, dropped=pd.DataFrame(dropped, columns=DROPPED_COLUMNS))
