"""Effect sizes of 2x2 tables (odds ratio, risk ratio, risk difference), shared by
:func:`compendium.meta.effects.escalc` and RevMan's methods (:mod:`compendium.meta.revman`). Numpy only,
so that ``compendium cochrane`` does not load pandas.
"""

from __future__ import annotations

import numpy as np


def table_effects(
    measure: str, a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Log odds ratio, log risk ratio or risk difference of 2x2 tables and their variances (cells as given).

    Parameters
    ----------
    measure : "OR", "RR" or "RD"
    a, b, c, d : events and non-events of the first (a, b) and second (c, d) group, any zero-cell
        correction already applied

    Returns
    -------
    (yi, vi) : arrays; a zero cell gives an infinite or NaN value

    References
    ----------
    Viechtbauer W (2010). J Stat Softw 36(3) (metafor's escalc); tested through :func:`escalc`.
    """
    n1, n2 = a + b, c + d
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "OR":
            return np.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d
        if measure == "RR":
            return np.log(a / n1) - np.log(c / n2), 1 / a - 1 / n1 + 1 / c - 1 / n2
        p1, p2 = a / n1, c / n2
        return p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
