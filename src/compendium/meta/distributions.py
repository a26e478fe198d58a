"""The few distribution functions the engine needs, from ``scipy.special`` (not ``scipy.stats``,
whose import costs several times more and would slow every ``compendium meta`` call).

Each is the textbook identity: two-sided critical values ``z_{1 - alpha/2}`` and
``t_{1 - alpha/2, df}``, two-sided p-values, chi-square and F upper tails and chi-square
quantiles (used by the Q-profile interval for tau2).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special


def alpha_of(level: float) -> float:
    """``1 - level / 100`` for a level in percent."""
    return 1.0 - level / 100.0


def z_critical(level: float) -> float:
    """Two-sided normal critical value for a ``level`` percent interval (1.959964 for 95)."""
    return float(special.ndtri(1.0 - alpha_of(level) / 2.0))


def t_critical(level: float, df: np.ndarray) -> np.ndarray:
    """Two-sided t critical values with ``df`` degrees of freedom."""
    return special.stdtrit(df, 1.0 - alpha_of(level) / 2.0)


def z_pvalue(stat: np.ndarray) -> np.ndarray:
    """Two-sided p-value of a z statistic."""
    return 2.0 * special.ndtr(-np.abs(stat))


def t_pvalue(stat: np.ndarray, df: np.ndarray) -> np.ndarray:
    """Two-sided p-value of a t statistic with ``df`` degrees of freedom."""
    return 2.0 * special.stdtr(df, -np.abs(stat))


def chi2_upper(q: npt.ArrayLike, df: npt.ArrayLike) -> np.ndarray:
    """P(X > q) for X chi-square with ``df`` degrees of freedom."""
    return special.chdtrc(df, q)


def chi2_quantile_upper(prob: float, df: np.ndarray) -> np.ndarray:
    """The value exceeded with probability ``prob`` by a chi-square with ``df`` degrees of freedom."""
    return special.chdtri(df, prob)


def f_upper(stat: float, df1: float, df2: float) -> float:
    """P(X > stat) for X F-distributed with (df1, df2) degrees of freedom."""
    return float(special.fdtrc(df1, df2, stat))
