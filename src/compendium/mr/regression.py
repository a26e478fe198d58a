"""Weighted least-squares fits behind IVW and MR-Egger, in closed form.

Both regress ``by`` on ``bx`` with weights ``1 / byse^2`` (first-order weights):

* IVW, through the origin: ``beta = sum(w bx by) / sum(w bx^2)``, fixed-effect
  ``se = 1 / sqrt(sum(w bx^2))``, ``Q = sum(w (by - beta bx)^2)`` (Cochran's Q, ``k - 1`` df).
* MR-Egger, with an intercept, after orienting every SNP so that ``bx > 0`` (``bx -> |bx|``,
  ``by -> by sign(bx)``; Bowden et al. 2015 Int J Epidemiol 44:512): slope and intercept from the
  weighted normal equations, fixed-effect covariance ``(X' W X)^-1``, and Rücker's
  ``Q' = sum(w residual^2)`` on ``k - 2`` df.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compendium.errors import CompendiumError


@dataclass(frozen=True)
class IVWFit:
    """IVW slope, its fixed-effect standard error and Cochran's Q."""

    beta: float
    se_fixed: float
    q: float
    k: int


@dataclass(frozen=True)
class EggerFit:
    """MR-Egger slope and intercept with fixed-effect standard errors and Rücker's Q'."""

    slope: float
    intercept: float
    slope_se_fixed: float
    intercept_se_fixed: float
    q: float
    k: int


def ivw_fit(bx: np.ndarray, by: np.ndarray, byse: np.ndarray) -> IVWFit:
    """Weighted regression of ``by`` on ``bx`` through the origin (weights ``byse^-2``)."""
    w = byse**-2.0
    sxx = float(np.sum(w * bx * bx))
    beta = float(np.sum(w * bx * by)) / sxx
    q = float(np.sum(w * (by - beta * bx) ** 2))
    return IVWFit(beta=beta, se_fixed=sxx**-0.5, q=q, k=int(bx.size))


def egger_fit(bx: np.ndarray, by: np.ndarray, byse: np.ndarray) -> EggerFit:
    """Weighted regression of oriented ``by`` on ``|bx|`` with an intercept (weights ``byse^-2``)."""
    x = np.abs(bx)
    y = by * np.sign(bx)
    w = byse**-2.0
    sum_w = float(np.sum(w))
    x_bar = float(np.sum(w * x)) / sum_w
    y_bar = float(np.sum(w * y)) / sum_w
    # the spread of |bx| itself decides: a dominant weight (one byse of 1e-12) makes the weighted
    # spread tiny beside sum(w x^2) although the |bx| differ and the centred sum is exact (issue 24)
    if not np.ptp(x) > 1e-12 * float(np.max(x)):
        raise CompendiumError("MR-Egger: all |bx| are equal, so the slope is not identifiable")
    sxx = float(np.sum(w * (x - x_bar) ** 2))
    slope = float(np.sum(w * (x - x_bar) * (y - y_bar))) / sxx
    intercept = y_bar - slope * x_bar
    q = float(np.sum(w * (y - intercept - slope * x) ** 2))
    return EggerFit(
        slope=slope,
        intercept=intercept,
        slope_se_fixed=sxx**-0.5,
        intercept_se_fixed=(1.0 / sum_w + x_bar**2 / sxx) ** 0.5,
        q=q,
        k=int(bx.size),
    )
