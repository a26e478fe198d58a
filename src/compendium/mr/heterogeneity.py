"""Heterogeneity (Cochran's Q, Rücker's Q') and instrument strength (F statistics, I2GX).

* Cochran's Q about the IVW fit on ``k - 1`` df and Rücker's Q' about the MR-Egger fit on
  ``k - 2`` df (formulas in :mod:`compendium.mr.regression`); p-values from the chi-squared
  upper tail. Tested against the MendelianRandomization vignette (Q = 99.53 on 27 df for the
  Waterworth et al. 2010 lipid data).
* per-SNP ``F = bx^2 / bxse^2`` and their mean.
* I2GX (Bowden et al. 2016 Int J Epidemiol 45:1961): with oriented exposure effects
  ``g = |bx|`` and standard errors ``s = bxse`` (weighted version, the default: ``g = |bx|/byse``,
  ``s = bxse/byse``, matching the ``1/byse^2`` weights of the MR-Egger fit),
  ``Q_GX = sum((g - g_bar)^2 / s^2)`` with ``g_bar`` the inverse-variance weighted mean of ``g``,
  and ``I2GX = max(0, (Q_GX - (k - 1)) / Q_GX)``, a proportion in [0, 1].
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from compendium.errors import CompendiumError
from compendium.mr.defaults import DEFAULTS, MIN_SNPS
from compendium.mr.inputs import as_input, require_snps
from compendium.mr.regression import egger_fit, ivw_fit
from compendium.mr.results import Heterogeneity


def cochran_q(bx: object, bxse: object, by: object, byse: object) -> tuple[float, int, float]:
    """Cochran's Q about the IVW fit: ``(q, df, pval)`` with ``df = k - 1``."""
    data = as_input(bx, bxse, by, byse)
    require_snps(data.k, "q_ivw")
    q = ivw_fit(data.bx, data.by, data.byse).q
    return q, data.k - 1, float(stats.chi2.sf(q, data.k - 1))


def rucker_q(bx: object, bxse: object, by: object, byse: object) -> tuple[float, int, float]:
    """Rücker's Q' about the MR-Egger fit: ``(q, df, pval)`` with ``df = k - 2``."""
    data = as_input(bx, bxse, by, byse)
    require_snps(data.k, "q_egger")
    q = egger_fit(data.bx, data.by, data.byse).q
    return q, data.k - 2, float(stats.chi2.sf(q, data.k - 2))


def f_statistics(bx: object, bxse: object) -> np.ndarray:
    """Per-SNP F statistics ``bx^2 / bxse^2`` (the squared z of the SNP-exposure association)."""
    bx_array = np.asarray(bx, dtype=float)
    bxse_array = np.asarray(bxse, dtype=float)
    return (bx_array / bxse_array) ** 2


def i2gx(bx: object, bxse: object, byse: object | None = None, *, weighted: bool = DEFAULTS.i2gx_weighted) -> float:
    """I2GX of Bowden et al. (2016); ``weighted`` divides ``|bx|`` and ``bxse`` by ``byse`` first."""
    g = np.abs(np.asarray(bx, dtype=float))
    s = np.asarray(bxse, dtype=float)
    if weighted:
        if byse is None:
            raise CompendiumError("i2gx: the weighted version needs byse")
        g = g / np.asarray(byse, dtype=float)
        s = s / np.asarray(byse, dtype=float)
    require_snps(int(g.size), "i2gx")
    w = s**-2.0
    g_bar = float(np.sum(w * g) / np.sum(w))
    q_gx = float(np.sum(w * (g - g_bar) ** 2))
    if q_gx == 0:
        return 0.0
    return max(0.0, (q_gx - (g.size - 1)) / q_gx)


def heterogeneity(
    bx: object, bxse: object, by: object, byse: object, *, i2gx_weighted: bool = DEFAULTS.i2gx_weighted
) -> Heterogeneity:
    """Q (IVW), Q' (Egger) and I2GX; a statistic is ``NaN`` when there are too few SNPs for it."""
    data = as_input(bx, bxse, by, byse)
    nan = float("nan")
    arrays = (data.bx, data.bxse, data.by, data.byse)
    q_ivw = cochran_q(*arrays) if data.k >= MIN_SNPS["q_ivw"] else (nan, 0, nan)
    try:
        q_egger = rucker_q(*arrays)
    except CompendiumError:  # too few SNPs, or all |bx| equal
        q_egger = (nan, 0, nan)
    i2 = i2gx(data.bx, data.bxse, data.byse, weighted=i2gx_weighted) if data.k >= MIN_SNPS["i2gx"] else nan
    return Heterogeneity(*q_ivw, *q_egger, i2gx=i2)
