"""Sensitivity analyses: leave-one-out IVW, single-SNP Wald ratios and MR Steiger directionality.

Tables have stable columns: :data:`LOO_COLUMNS` and :data:`SINGLE_SNP_COLUMNS`.

MR Steiger (Hemani, Tilling & Davey Smith 2017 PLoS Genet 13:e1007081): the instruments
should explain more variance in the exposure than in the outcome. We sum per-SNP variance
explained over (independent) SNPs, ``r2 = sum(r2_j)``, and compare ``r_x = sqrt(r2_exposure)``
with ``r_y = sqrt(r2_outcome)`` by the test for two independent correlations (Fisher 1921):
``z = (atanh(r_x) - atanh(r_y)) / sqrt(1/(n_x - 3) + 1/(n_y - 3))``, two-sided normal p-value,
with ``n`` the mean sample size over SNPs. Per-SNP ``r2_j`` is approximated either

* from ``beta``, ``se`` and ``n`` (``r2_method="se"``, default): ``r2 = t^2 / (t^2 + n - 2)``
  with ``t = beta / se``. This is exact for a least-squares regression of a continuous trait on
  one SNP; for a log-odds outcome it is only an approximation (no liability-scale conversion).
* from the effect-allele frequency (``r2_method="eaf"``): ``r2 = 2 eaf (1 - eaf) beta^2``,
  which assumes an additive per-allele effect on a trait in standard-deviation units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from compendium.csv_input import numeric_column
from compendium.errors import CompendiumError
from compendium.mr.defaults import BX, BXSE, BY, BYSE, DEFAULTS, SNP, WEAK_F, IvwModel, SeOrder
from compendium.mr.estimators import interval, ivw, ratio_estimates
from compendium.mr.heterogeneity import f_statistics
from compendium.mr.inputs import mr_input
from compendium.mr.results import SteigerResult

#: columns of :func:`mr_leave_one_out` (``snp`` is the SNP left out)
LOO_COLUMNS = ["snp", "estimate", "se", "ci_low", "ci_high", "pval", "n_snps"]
#: columns of :func:`single_snp`
SINGLE_SNP_COLUMNS = ["snp", "estimate", "se", "ci_low", "ci_high", "pval", "f_stat", "weak_instrument"]


def mr_leave_one_out(
    frame: pd.DataFrame,
    bx: str = BX,
    bxse: str = BXSE,
    by: str = BY,
    byse: str = BYSE,
    snp: str = SNP,
    *,
    model: IvwModel = DEFAULTS.ivw_model,
    level: float = DEFAULTS.level,
) -> pd.DataFrame:
    """IVW estimate with each SNP left out in turn (one row per omitted SNP); needs 3+ SNPs."""
    data = mr_input(frame, bx, bxse, by, byse, snp)
    if data.k < 3:
        raise CompendiumError(f"mr_leave_one_out: needs at least 3 SNPs, got {data.k}")
    rows = []
    for left_out in range(data.k):
        keep = np.arange(data.k) != left_out
        fit = ivw(data.bx[keep], data.bxse[keep], data.by[keep], data.byse[keep], model=model, level=level)
        rows.append([data.snp[left_out], fit.estimate, fit.se, fit.ci_low, fit.ci_high, fit.pval, fit.n_snps])
    return pd.DataFrame(rows, columns=LOO_COLUMNS)


def single_snp(
    frame: pd.DataFrame,
    bx: str = BX,
    bxse: str = BXSE,
    by: str = BY,
    byse: str = BYSE,
    snp: str = SNP,
    *,
    se_order: SeOrder = DEFAULTS.wald_se,
    level: float = DEFAULTS.level,
) -> pd.DataFrame:
    """Wald ratio of every SNP (first-order SE by default), with its F statistic ``bx^2 / bxse^2`` and
    ``weak_instrument``: F below :data:`~compendium.mr.defaults.WEAK_F` (10)."""
    data = mr_input(frame, bx, bxse, by, byse, snp)
    ratio, se = ratio_estimates(data.bx, data.bxse, data.by, data.byse, se_order=se_order)
    rows = [
        [label, estimate, error, *interval(float(estimate), float(error), level=level), f, not f >= WEAK_F]
        for label, estimate, error, f in zip(data.snp, ratio, se, f_statistics(data.bx, data.bxse))
    ]
    return pd.DataFrame(rows, columns=SINGLE_SNP_COLUMNS)


def r2_from_se(beta: np.ndarray, se: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Variance explained by each SNP from its t statistic: ``t^2 / (t^2 + n - 2)``."""
    t2 = (np.asarray(beta, dtype=float) / np.asarray(se, dtype=float)) ** 2
    return t2 / (t2 + np.asarray(n, dtype=float) - 2)


def r2_from_eaf(beta: np.ndarray, eaf: np.ndarray) -> np.ndarray:
    """Variance explained by each SNP for a trait in SD units: ``2 eaf (1 - eaf) beta^2``."""
    p = np.asarray(eaf, dtype=float)
    return 2 * p * (1 - p) * np.asarray(beta, dtype=float) ** 2


def compare_correlations(r1: float, n1: float, r2: float, n2: float) -> tuple[float, float]:
    """Fisher-z test of two independent correlations: ``(z, two-sided p)``."""
    if min(n1, n2) <= 3:
        raise CompendiumError(f"compare_correlations: sample sizes must exceed 3, got {n1} and {n2}")
    z = (np.arctanh(r1) - np.arctanh(r2)) / np.sqrt(1 / (n1 - 3) + 1 / (n2 - 3))
    return float(z), float(2 * stats.norm.sf(abs(z)))


def _column_or_value(frame: pd.DataFrame, value: float | str, what: str) -> np.ndarray:
    """Column ``value`` of ``frame`` (checked > 0), or the number ``value`` repeated for every row."""
    if isinstance(value, str):
        return numeric_column(frame, value, file=f"steiger ({what})", minimum=0, strictly_above=True)
    if not value > 0:
        raise CompendiumError(f"steiger: {what} must be a positive number, got {value}")
    return np.full(len(frame), float(value))


def steiger_directionality(
    frame: pd.DataFrame,
    n_exposure: float | str,
    n_outcome: float | str,
    bx: str = BX,
    bxse: str = BXSE,
    by: str = BY,
    byse: str = BYSE,
    *,
    r2_method: str = "se",
    eaf_exposure: str = "eaf_exposure",
    eaf_outcome: str = "eaf_outcome",
) -> SteigerResult:
    """MR Steiger test; ``n_exposure``/``n_outcome`` are sample sizes or the names of columns holding them.

    ``r2_method`` "se" (from beta, se and n) or "eaf" (from the columns ``eaf_exposure`` and
    ``eaf_outcome``); see the module docstring for the formulas and their assumptions.
    """
    data = mr_input(frame, bx, bxse, by, byse, None)
    nx = _column_or_value(frame, n_exposure, "n_exposure")
    ny = _column_or_value(frame, n_outcome, "n_outcome")
    if r2_method == "se":
        r2x, r2y = r2_from_se(data.bx, data.bxse, nx), r2_from_se(data.by, data.byse, ny)
    elif r2_method == "eaf":
        eafs = [_column_or_value(frame, column, column) for column in (eaf_exposure, eaf_outcome)]
        if any((eaf >= 1).any() for eaf in eafs):
            raise CompendiumError("steiger: effect-allele frequencies must lie in (0, 1)")
        r2x, r2y = r2_from_eaf(data.bx, eafs[0]), r2_from_eaf(data.by, eafs[1])
    else:
        raise CompendiumError(f"r2_method: expected 'se' or 'eaf', got {r2_method!r}")
    total_x, total_y = float(np.sum(r2x)), float(np.sum(r2y))
    if max(total_x, total_y) >= 1:
        raise CompendiumError(
            f"steiger: summed r2 must be below 1, got {total_x:.3g} (exposure), {total_y:.3g} (outcome)"
        )
    z, pval = compare_correlations(total_x**0.5, float(np.mean(nx)), total_y**0.5, float(np.mean(ny)))
    return SteigerResult(total_x, total_y, z, pval, total_x > total_y, r2_method)
