"""Subgroup analysis and categorical moderators for meta-regression.

:func:`subgroup_analysis` fits one model per subgroup (each with its own tau2, as RevMan) and
tests the difference between subgroups with Q_between: the Q statistic of an equal-effects
meta-analysis of the subgroup estimates with their squared standard errors, G - 1 df
(Borenstein et al. 2009, ch. 19; metafor's "subgroup analysis" tip). With ``common_tau2=True``
it is a meta-regression on subgroup indicators, whose QM is the between-subgroup test.
Meta-regression itself is :func:`compendium.meta.rma` with ``mods``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from compendium.errors import CompendiumError
from compendium.meta.distributions import chi2_upper
from compendium.meta.model import MetaResult, clean_json, rma
from compendium.meta.settings import DEFAULTS


def moderator_dummies(data: pd.DataFrame, column: str, reference: str | None = None) -> pd.DataFrame:
    """0/1 indicator columns ``<column>=<level>`` for every level but ``reference`` (default: first sorted).

    Examples
    --------
    >>> import pandas as pd
    >>> list(moderator_dummies(pd.DataFrame({"kind": ["a", "b", "c"]}), "kind").columns)
    ['kind=b', 'kind=c']
    """
    if column not in data.columns:
        raise CompendiumError(f"missing column {column!r}")
    values = data[column].astype(str)
    levels = sorted(values.unique())
    reference = levels[0] if reference is None else reference
    if reference not in levels:
        raise CompendiumError(f"column {column!r} has no level {reference!r}")
    return pd.DataFrame(
        {f"{column}={level}": (values == level).astype(float) for level in levels if level != reference},
        index=data.index,
    )


@dataclass(frozen=True, eq=False)
class SubgroupResult:
    """Per-subgroup models and the test for subgroup differences."""

    group: str
    results: dict[str, MetaResult]
    q_between: float
    df_between: int
    pval_between: float
    common_tau2: bool

    def to_frame(self) -> pd.DataFrame:
        """One row per subgroup: k, estimate, se, CI, pval, tau2, i2, q."""
        return pd.DataFrame(
            [
                {
                    "subgroup": name,
                    "k": r.k,
                    "estimate": r.estimate,
                    "se": r.se,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                    "pval": r.pval,
                    "tau2": r.tau2,
                    "i2": r.i2,
                    "q": r.q,
                }
                for name, r in self.results.items()
            ]
        )

    def to_dict(self) -> dict[str, object]:
        return clean_json(
            {
                "group": self.group,
                "q_between": self.q_between,
                "df_between": self.df_between,
                "pval_between": self.pval_between,
                "subgroups": self.to_frame().to_dict(orient="records"),
            }
        )

    def __str__(self) -> str:
        return (
            f"Subgroup analysis by {self.group}\n{self.to_frame().to_string(index=False)}\n"
            f"Test for subgroup differences: Q = {self.q_between:.4f}, df = {self.df_between}, "
            f"p = {self.pval_between:.4f}\n"
        )


def subgroup_analysis(
    data: pd.DataFrame,
    group: str,
    yi: str = "yi",
    vi: str = "vi",
    *,
    slab: str | None = None,
    method: str = DEFAULTS.method,
    test: str = DEFAULTS.test,
    level: float = DEFAULTS.level,
    common_tau2: bool = False,
) -> SubgroupResult:
    """Meta-analyse each level of ``group`` separately and test for subgroup differences.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per study with ``yi``, ``vi`` and the ``group`` column.
    group : str
        Column whose levels are the subgroups.
    yi, vi, slab : str
        Column names of effect sizes, sampling variances and (optional) study labels.
    method, test, level
        As :func:`compendium.meta.rma` (level in percent; metafor's rule for 0.95).
    common_tau2 : bool
        False (default, as RevMan): each subgroup has its own tau2 and Q_between compares the
        subgroup estimates; True: a meta-regression on subgroup indicators, whose QM is the test.

    Returns
    -------
    SubgroupResult
        The per-subgroup models (``to_frame()``) and Q_between with its df and p-value.

    References
    ----------
    Borenstein M et al. (2009). Introduction to Meta-Analysis, ch. 19. Wiley.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"yi": [0.1, 0.3, 0.35, 0.6], "vi": [0.01, 0.02, 0.015, 0.03],
    ...                      "kind": ["a", "a", "b", "b"]})
    >>> sub = subgroup_analysis(data, "kind", method="DL", test="z")
    >>> sub.df_between, round(sub.q_between, 4)  # metafor 3.8, FE model of the two subgroup estimates: QE = 3.0249
    (1, 3.0249)
    """
    if group not in data.columns:
        raise CompendiumError(f"missing column {group!r}")
    if data[group].isna().any():
        raise CompendiumError(
            f"row {int(np.flatnonzero(data[group].isna())[0]) + 1}, column {group!r}: missing subgroup"
        )
    levels = sorted(data[group].astype(str).unique())
    if len(levels) < 2:
        raise CompendiumError(f"column {group!r} has a single subgroup; nothing to compare")
    results = {
        level_: rma(
            yi, vi, data=data[data[group].astype(str) == level_], slab=slab, method=method, test=test, level=level
        )
        for level_ in levels
    }
    if common_tau2:
        dummies = moderator_dummies(data, group)
        frame = pd.concat([data[[yi, vi]], dummies], axis=1)
        fit = rma(yi, vi, data=frame, mods=list(dummies.columns), method=method, test=test, level=level)
        assert fit.qm is not None and fit.qm_pval is not None  # a model with moderators has a QM test
        q, df, pval = float(fit.qm), len(levels) - 1, float(fit.qm_pval)
    else:
        est = np.array([r.estimate for r in results.values()])
        w = 1 / np.array([r.se for r in results.values()]) ** 2
        q = float(np.sum(w * (est - np.sum(w * est) / w.sum()) ** 2))
        df = len(levels) - 1
        pval = float(chi2_upper(q, df))
    return SubgroupResult(
        group=group, results=results, q_between=q, df_between=df, pval_between=pval, common_tau2=common_tau2
    )
