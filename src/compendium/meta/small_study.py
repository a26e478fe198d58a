"""Small-study effects: Egger's regression test, Begg's rank test and trim-and-fill (metafor 3.8).

* :func:`egger_test` (metafor ``regtest``): by default the fitted model refitted with the standard
  error ``sei`` as an extra moderator, same tau2 method and test; the test of the ``sei``
  coefficient is Egger's test. ``model="lm"`` is the classic weighted regression
  ``yi ~ sei`` with weights 1/vi and a t test (Egger et al. 1997, BMJ 315:629).
* :func:`rank_test` (metafor ``ranktest``; Begg & Mazumdar 1994, Biometrics 50:1088): Kendall's
  tau between standardised deviates from the equal-effects estimate and vi; exact p-value
  without ties (as R's ``cor.test``), normal approximation otherwise.
* :func:`trim_and_fill` (Duval & Tweedie 2000, Biometrics 56:455): L0 estimator; side from the
  sign of the ``sqrt(vi)`` slope (metafor's rule); the trimmed and the filled models use the
  model's tau2 method; the filled model uses ``test="z"`` as metafor 3.8's trimfill does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from compendium.errors import CompendiumError
from compendium.meta.model import MetaResult, clean_json, fit_model
from compendium.result_views import ResultViews

if TYPE_CHECKING:
    import pandas as pd


def _require_varying_variances(res: MetaResult, what: str) -> None:
    """Refuse a method that regresses on the standard error when every study has the same one."""
    if np.ptp(res.vi) <= 1e-12 * float(np.max(res.vi)):
        raise CompendiumError(
            f"{what} is not defined when every study has the same sampling variance "
            f"(all {res.k} vi = {float(res.vi[0]):g}): the standard error does not vary, so the "
            "funnel plot has no asymmetry to measure"
        )


@dataclass(frozen=True)
class EggerResult(ResultViews):
    """Egger's test: statistic (z, or t with ``df``), p-value and the limit estimate (sei -> 0)."""

    model: str
    stat: float
    pval: float
    df: float | None
    limit_estimate: float | None
    limit_ci_low: float | None
    limit_ci_high: float | None

    def to_dict(self) -> dict[str, object]:
        """CLI keys: ``z`` (the test statistic, t under knha) and ``pval``."""
        return clean_json(
            {
                "z": self.stat,
                "pval": self.pval,
                "df": self.df,
                "model": self.model,
                "limit_estimate": self.limit_estimate,
            }
        )


def regtest(res: MetaResult, model: str = "rma") -> EggerResult:
    """Egger's regression test for funnel-plot asymmetry (metafor ``regtest``, predictor sei).

    Parameters
    ----------
    res : MetaResult
        The fitted model; its moderators are kept and ``sei`` is added.
    model : str
        ``"rma"`` (default: same tau2 method and test as ``res``) or ``"lm"`` (classic weighted
        regression with a t test).

    Returns
    -------
    EggerResult
        The test statistic (z, or t under knha), its p-value and the limit estimate (sei -> 0).

    References
    ----------
    Egger M et al. (1997). Bias in meta-analysis detected by a simple, graphical test. BMJ
    315:629-634. Tested against metafor 3.8 ``regtest``.

    Examples
    --------
    >>> from compendium.meta import rma
    >>> res = rma([0.1, 0.3, 0.35, 0.6, 0.2], [0.01, 0.02, 0.015, 0.03, 0.012], method="DL", test="z")
    >>> round(regtest(res).stat, 4)  # metafor 3.8 regtest(res): z = 2.5312
    2.5312
    """
    if model not in ("rma", "lm"):
        raise CompendiumError(f"Egger model must be 'rma' or 'lm', got {model!r}")
    p = res.X.shape[1]
    if res.k - p - 1 < 1:
        raise CompendiumError(f"Egger's test needs k >= {p + 2} studies, got k = {res.k}")
    _require_varying_variances(res, "Egger's regression test")
    X = np.column_stack([res.X, np.sqrt(res.vi)])
    names = tuple(c.name for c in res.coefficients) + ("sei",)
    method, test = (res.method, res.test) if model == "rma" else ("FE", "knha")
    fit = fit_model(res.yi, res.vi, X, names, res.slab, method=method, test=test, level=res.level)
    coef = fit.coefficients[-1]
    if not (np.isfinite(coef.stat) and coef.se > 0):
        raise CompendiumError(
            "Egger's regression test is not defined for these data: the regression on the standard "
            "error has no residual variation (e.g. all effect sizes are identical), so its "
            "test statistic would be infinite or undefined"
        )
    limit = fit.coefficients[0] if not res.has_mods else None
    return EggerResult(
        model=model,
        stat=coef.stat,
        pval=coef.pval,
        df=fit.df,
        limit_estimate=limit.estimate if limit else None,
        limit_ci_low=limit.ci_low if limit else None,
        limit_ci_high=limit.ci_high if limit else None,
    )


@dataclass(frozen=True)
class RankResult(ResultViews):
    """Begg's rank correlation test: Kendall's tau and its p-value."""

    tau: float
    pval: float
    exact: bool

    def to_dict(self) -> dict[str, object]:
        """``{tau, pval, exact}`` as plain Python values (``NaN`` as ``None``)."""
        return clean_json({"tau": self.tau, "pval": self.pval, "exact": self.exact})


def ranktest(res: MetaResult) -> RankResult:
    """Begg and Mazumdar's rank correlation test (metafor ``ranktest``).

    Parameters
    ----------
    res : MetaResult
        The fitted model (no moderators needed).

    Returns
    -------
    RankResult
        Kendall's tau between standardised effects and variances, its p-value and whether it is exact.

    References
    ----------
    Begg CB, Mazumdar M (1994). Operating characteristics of a rank correlation test for
    publication bias. Biometrics 50:1088-1101. Tested against metafor 3.8 ``ranktest``.

    Examples
    --------
    >>> from compendium.meta import rma
    >>> res = rma([0.1, 0.3, 0.35, 0.6], [0.01, 0.02, 0.015, 0.03], method="DL", test="z")
    >>> round(ranktest(res).tau, 4)  # metafor 3.8 ranktest(res): Kendall's tau = 0.6667
    0.6667
    """
    from scipy import stats

    w = 1 / res.vi
    theta = np.sum(w * res.yi) / w.sum()
    star = (res.yi - theta) / np.sqrt(res.vi - 1 / w.sum())
    ties = len(np.unique(star)) < len(star) or len(np.unique(res.vi)) < len(res.vi)
    exact = not ties and res.k < 50
    tau, pval = stats.kendalltau(star, res.vi, method="exact" if exact else "asymptotic")
    return RankResult(tau=float(tau), pval=float(pval), exact=exact)


@dataclass(frozen=True, eq=False)
class TrimFillResult(ResultViews):
    """Trim-and-fill: number of filled studies, their side, and the model with them added."""

    k0: int
    side: str
    result: MetaResult
    filled: pd.DataFrame

    @property
    def estimate(self) -> float:
        return self.result.estimate

    @property
    def se(self) -> float:
        return self.result.se

    def to_dict(self) -> dict[str, object]:
        """CLI keys: k0, side, estimate, se."""
        return clean_json({"k0": self.k0, "side": self.side, "estimate": self.estimate, "se": self.se})


def trimfill(res: MetaResult, side: str | None = None, test: str = "z", max_iter: int = 100) -> TrimFillResult:
    """Duval and Tweedie's trim-and-fill with the L0 estimator (metafor ``trimfill``).

    Parameters
    ----------
    res : MetaResult
        A model without moderators, k >= 3.
    side : str, optional
        ``"left"`` or ``"right"``: where studies are missing. Default: from the sign of the
        slope on sqrt(vi), as metafor (refused when all variances are equal: give it).
    test : str
        Test of the filled model (metafor 3.8 uses z).
    max_iter : int
        Iteration limit of the L0 estimator.

    Returns
    -------
    TrimFillResult
        k0, the side, the filled studies and the model with them added.

    References
    ----------
    Duval S, Tweedie R (2000). Trim and fill. Biometrics 56:455-463. Tested against metafor 3.8.

    Examples
    --------
    >>> from compendium.meta import rma
    >>> res = rma([0.1, 0.3, 0.35, 0.6], [0.01, 0.02, 0.015, 0.03], method="DL", test="z")
    >>> trimfill(res).side
    'left'
    """
    import pandas as pd
    from scipy import stats

    if res.has_mods:
        raise CompendiumError("trim-and-fill is only available for models without moderators")
    if res.k < 3:
        raise CompendiumError(f"trim-and-fill needs k >= 3 studies, got k = {res.k}")
    y, v = np.asarray(res.yi), np.asarray(res.vi)
    k = len(y)
    ones = np.ones((k, 1))
    if side is None:
        _require_varying_variances(res, "Choosing the side for trim-and-fill")
        slope = (
            fit_model(
                y,
                v,
                np.column_stack([ones, np.sqrt(v)]),
                ("intrcpt", "sei"),
                res.slab,
                method=res.method,
                test="z",
                level=res.level,
            )
            .coefficients[1]
            .estimate
        )
        side = "right" if slope < 0 else "left"
    if side not in ("left", "right"):
        raise CompendiumError(f"side must be 'left' or 'right', got {side!r}")
    sign = -1.0 if side == "right" else 1.0
    order = np.argsort(sign * y, kind="stable")
    ys, vs = sign * y[order], v[order]
    k0, previous = 0, -1
    for _ in range(max_iter):
        if k0 == previous:
            break
        previous = k0
        trimmed = fit_model(
            ys[: k - k0],
            vs[: k - k0],
            ones[: k - k0],
            ("intrcpt",),
            tuple(res.slab[i] for i in order[: k - k0]),
            method=res.method,
            test="z",
            level=res.level,
        )
        beta = trimmed.estimate
        centred = ys - beta
        ranks = stats.rankdata(np.abs(centred), method="ordinal")
        positive = np.sum(ranks[centred > 0])
        k0 = max(0, int(np.round((4 * positive - k * (k + 1)) / (2 * k - 1))))
    else:
        raise CompendiumError("trim-and-fill did not converge")
    if k0 == 0:  # nothing to fill: the model itself, as metafor
        return TrimFillResult(k0=0, side=side, result=res, filled=pd.DataFrame(columns=["slab", "yi", "vi"]))
    fill_y = sign * (2 * beta - ys[k - k0 :])
    fill_v = vs[k - k0 :]
    filled = pd.DataFrame({"slab": [f"Filled {i + 1}" for i in range(k0)], "yi": fill_y, "vi": fill_v})
    all_y, all_v = np.concatenate([y, fill_y]), np.concatenate([v, fill_v])
    result = fit_model(
        all_y,
        all_v,
        np.ones((k + k0, 1)),
        ("intrcpt",),
        tuple(res.slab) + tuple(filled["slab"]),
        method=res.method,
        test=test,
        level=res.level,
        notes=(f"Trim-and-fill added {k0} studies on the {side}.",),
    )
    return TrimFillResult(k0=k0, side=side, result=result, filled=filled)


#: the names used before the API took metafor's names; kept so existing callers keep working
egger_test = regtest
rank_test = ranktest
trim_and_fill = trimfill
