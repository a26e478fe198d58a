"""RevMan 5's meta-analysis methods: Mantel-Haenszel, Peto, inverse variance, O-E, with RevMan's conventions.

RevMan 5 (the Cochrane Collaboration's Review Manager) pools two-group data with a few fixed
rules that differ from metafor's defaults in places; this module reproduces them so that a
review's stored results can be re-computed to full precision:

* a study with a zero cell gets 0.5 added to each of its four cells, for its own estimate and
  variance **and** for the Mantel-Haenszel sums (metafor's ``rma.mh`` adds it to the study's own
  estimate only: ``add_to_sums=False`` gives metafor's estimate); a risk difference itself is
  always computed from the counts as given, the 0.5 entering its variance and MH weight only;
* a study with no events in both arms is not estimable for RR and OR, one with only events in both
  arms not for OR (left out of the pooling and of the degrees of freedom); both stay estimable for
  the risk difference;
* heterogeneity of a Mantel-Haenszel analysis: Cochran's Q about the Mantel-Haenszel estimate
  with the studies' inverse-variance weights; random effects (any pooling but Peto): DerSimonian
  and Laird with that Q; I^2 = 100 (Q - df) / Q, and 0 when Q <= df;
* SMD: Hedges' adjusted g with the approximate correction ``1 - 3 / (4 N - 9)`` and the variance
  ``N / (n1 n2) + g^2 / (2 (N - 3.94))``;
* test for subgroup differences: Cochran's Q of the subgroups' pooled estimates about their
  inverse-variance weighted mean (``df`` = subgroups - 1).

Ratio measures are handled on the natural-log scale (``estimate``, ``ci_low``, ``ci_high`` of a
:class:`RevManResult`); :meth:`RevManResult.natural` gives them as RevMan prints them.

References
----------
Deeks JJ, Higgins JPT (2010). Statistical algorithms in Review Manager 5. The Cochrane Collaboration.
Greenland S, Robins JM (1985). Biometrics 41:55-68 (variance of the MH risk ratio and difference).
Robins J, Breslow N, Greenland S (1986). Biometrics 42:311-323 (variance of the MH odds ratio).
Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985). Prog Cardiovasc Dis 27:335-371 (Peto's method).
DerSimonian R, Laird N (1986). Control Clin Trials 7:177-188.
Schwarzer G. R package meta, ``metabin`` with ``RR.Cochrane`` and ``Q.Cochrane`` (its documentation
states the same zero-cell and heterogeneity conventions as RevMan 5's).
Tested against metafor 3.8 ``rma.mh``, ``rma.peto`` and ``rma.uni`` (``tests/r/revman_reference.R``)
where metafor has the method, and against the stored results of RevMan 5 fixture files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from compendium.errors import CompendiumError
from compendium.meta.distributions import chi2_upper, z_critical, z_pvalue
from compendium.meta.two_by_two import table_effects
from compendium.result_views import ResultViews

if TYPE_CHECKING:
    from compendium.meta.model import MetaResult

#: RevMan's addition to every cell of a 2x2 table with a zero cell
ZERO_CELL_ADD = 0.5
#: measures pooled on the log scale (RevMan prints them exponentiated)
RATIO_MEASURES = ("OR", "RR", "PETO_OR")
#: measures of two-group binary data that RevMan's Mantel-Haenszel method pools
MH_MEASURES = ("OR", "RR", "RD")

Array = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class RevManResult(ResultViews):
    """One pooled analysis as RevMan computes it (ratio measures on the natural-log scale).

    ``k`` counts the estimable studies (those pooled); ``yi``/``vi`` are every study's estimate
    and variance (NaN for a non-estimable study) and ``weights`` its weight in percent.
    """

    measure: str
    pooling: str
    model: str
    level: float
    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    z: float
    pval: float
    tau2: float
    q: float
    df: int
    q_pval: float
    i2: float
    yi: Array = field(repr=False)
    vi: Array = field(repr=False)
    weights: Array = field(repr=False)

    def natural(self) -> tuple[float, float, float]:
        """``(estimate, ci_low, ci_high)`` on the scale RevMan prints (ratios exponentiated)."""
        values = (self.estimate, self.ci_low, self.ci_high)
        if self.measure in RATIO_MEASURES:
            return tuple(math.exp(v) for v in values)  # type: ignore[return-value]  # always three values
        return values

    def to_dict(self) -> dict[str, object]:
        """The pooled numbers as plain Python values (natural scale, as RevMan prints them)."""
        estimate, low, high = self.natural()
        return {
            "measure": self.measure,
            "pooling": self.pooling,
            "model": self.model,
            "k": self.k,
            "estimate": estimate,
            "ci_low": low,
            "ci_high": high,
            "tau2": self.tau2,
            "q": self.q,
            "df": self.df,
            "q_pval": self.q_pval,
            "i2": self.i2,
            "z": self.z,
            "pval": self.pval,
        }


@dataclass(frozen=True)
class SubgroupTest:
    """Test for subgroup differences: Q of the subgroup estimates, its df, p-value and I^2 (percent)."""

    q: float
    df: int
    pval: float
    i2: float


def _array(values: npt.ArrayLike, name: str) -> Array:
    out = np.asarray(values, dtype=float)
    if out.ndim != 1:
        raise CompendiumError(f"{name}: expected a one-dimensional sequence of numbers")
    return out


def i_squared(q: float, df: int) -> float:
    """Higgins' I^2 in percent as RevMan reports it: ``100 (Q - df) / Q``, 0 when ``Q <= df``."""
    return 100.0 * (q - df) / q if q > df else 0.0


def _heterogeneity(yi: Array, wi: Array, centre: float) -> tuple[float, int, float, float]:
    """Cochran's Q about ``centre`` with weights ``wi``; returns ``q, df, q_pval, i2``.

    One estimate (df = 0) is its own centre: Q = 0 exactly, p = 1 and I^2 = 0 as metafor reports them
    (computed, the rounding of the centre would leave a Q of about 1e-32 and so an I^2 of 100%).
    """
    df = yi.size - 1
    if df <= 0:
        return 0.0, 0, 1.0, 0.0
    q = float(np.sum(wi * (yi - centre) ** 2))
    return q, df, float(chi2_upper(q, df)), i_squared(q, df)


def _dersimonian_laird(q: float, df: int, wi: Array) -> float:
    """DerSimonian-Laird tau^2 from Q (about any fixed-effect centre) and the inverse-variance weights."""
    if df <= 0:
        return 0.0
    c = float(np.sum(wi) - np.sum(wi**2) / np.sum(wi))
    return max(0.0, (q - df) / c)


def _result(
    measure: str,
    pooling: str,
    model: str,
    level: float,
    estimate: float,
    se: float,
    het: tuple[float, int, float, float],
    tau2: float,
    yi: Array,
    vi: Array,
    weights: Array,
    k: int,
) -> RevManResult:
    crit = z_critical(level)
    z = abs(estimate) / se if se > 0 else math.nan
    q, df, q_pval, i2 = het
    total = float(np.nansum(weights))
    return RevManResult(
        measure=measure,
        pooling=pooling,
        model=model,
        level=level,
        k=k,
        estimate=estimate,
        se=se,
        ci_low=estimate - crit * se,
        ci_high=estimate + crit * se,
        z=z,
        pval=float(z_pvalue(z)) if se > 0 else math.nan,
        tau2=tau2,
        q=q,
        df=df,
        q_pval=q_pval,
        i2=i2,
        yi=yi,
        vi=vi,
        weights=100.0 * weights / total if total > 0 else weights,
    )


def _no_studies(measure: str, pooling: str, model: str, level: float, yi: Array, vi: Array) -> RevManResult:
    nan = math.nan
    return RevManResult(
        measure, pooling, model, level, 0, nan, nan, nan, nan, nan, nan, nan, nan, 0, nan, nan, yi, vi, yi * nan
    )


def _random_effects(
    measure: str, pooling: str, level: float, yi: Array, vi: Array, het: tuple[float, int, float, float], keep: Mask
) -> RevManResult:
    """DerSimonian-Laird random effects from ``het`` (Q about the fixed-effect centre of the pooling method)."""
    wi = 1.0 / vi[keep]
    tau2 = _dersimonian_laird(het[0], het[1], wi)
    wr = 1.0 / (vi[keep] + tau2)
    estimate = float(np.sum(wr * yi[keep]) / np.sum(wr))
    weights = np.full(yi.size, math.nan)
    weights[keep] = wr
    return _result(
        measure, pooling, "random", level, estimate, math.sqrt(1.0 / np.sum(wr)), het, tau2, yi, vi, weights, wr.size
    )


def _two_by_two(
    ai: npt.ArrayLike, bi: npt.ArrayLike, ci: npt.ArrayLike, di: npt.ArrayLike
) -> tuple[Array, Array, Array, Array]:
    a, b, c, d = (_array(x, name) for x, name in ((ai, "ai"), (bi, "bi"), (ci, "ci"), (di, "di")))
    if not a.size == b.size == c.size == d.size:
        raise CompendiumError("ai, bi, ci, di: expected sequences of the same length")
    if np.any(np.minimum.reduce([a, b, c, d]) < 0):
        raise CompendiumError("ai, bi, ci, di: expected counts >= 0 (events cannot exceed the group size)")
    return a, b, c, d


def binary_estimable(measure: str, a: Array, b: Array, c: Array, d: Array) -> Mask:
    """Which 2x2 tables RevMan can use: an arm of size 0 never; no events in both arms not for RR and
    OR, only events in both arms not for OR; both estimable for RD (R's meta with its RevMan 5 settings
    makes the same choice)."""
    ok = (a + b > 0) & (c + d > 0)
    if measure == "RD":
        return ok
    if measure == "RR":
        return ok & ~((a == 0) & (c == 0))
    return ok & ~(((a == 0) & (c == 0)) | ((b == 0) & (d == 0)))


def binary_effects(
    measure: str, ai: npt.ArrayLike, bi: npt.ArrayLike, ci: npt.ArrayLike, di: npt.ArrayLike
) -> tuple[Array, Array]:
    """Each study's estimate and variance (RR, OR on the log scale; RD) with RevMan's zero-cell rule.

    Non-estimable studies (see :func:`binary_estimable`) get NaN. Same formulas as metafor's
    ``escalc`` with ``add=1/2, to="only0"``, except that the risk difference itself is computed from
    the counts as given (the 0.5 enters its variance only).
    """
    if measure not in MH_MEASURES:
        raise CompendiumError(f"measure must be one of {', '.join(MH_MEASURES)}, got {measure!r}")
    raw = _two_by_two(ai, bi, ci, di)
    keep = binary_estimable(measure, *raw)
    yi, vi = table_effects(measure, *_corrected(*raw))
    if measure == "RD":
        yi = table_effects("RD", *raw)[0]
    return np.where(keep, yi, math.nan), np.where(keep, vi, math.nan)


def _corrected(a: Array, b: Array, c: Array, d: Array) -> tuple[Array, Array, Array, Array]:
    zero = np.minimum.reduce([a, b, c, d]) == 0
    return tuple(np.where(zero, x + ZERO_CELL_ADD, x) for x in (a, b, c, d))  # type: ignore[return-value]  # four arrays


def rma_mh(
    ai: npt.ArrayLike,
    bi: npt.ArrayLike,
    ci: npt.ArrayLike,
    di: npt.ArrayLike,
    measure: str = "OR",
    *,
    level: float = 95,
    random: bool = False,
    add_to_sums: bool = True,
) -> RevManResult:
    """Mantel-Haenszel pooling of 2x2 tables (OR, RR, RD), fixed effect or RevMan's random effects.

    Parameters
    ----------
    ai, bi, ci, di : array-like
        Events and non-events of the experimental (``ai``, ``bi``) and control (``ci``, ``di``) arms.
    measure : {"OR", "RR", "RD"}
    level : float
        Confidence level in percent.
    random : bool
        DerSimonian-Laird random effects with Q about the MH estimate (RevMan's "MH, random").
    add_to_sums : bool
        RevMan (True) adds 0.5 to each cell of a zero-cell study in the MH sums too; metafor's
        ``rma.mh`` (False) uses the counts as given there.

    Returns
    -------
    RevManResult
        Log scale for OR and RR. Variances: Robins-Breslow-Greenland (OR), Greenland-Robins (RR, RD).

    References
    ----------
    Deeks & Higgins (2010), sections on the Mantel-Haenszel methods; tested against metafor 3.8
    ``rma.mh`` on dat.bcg and dat.yusuf1985 (``add_to_sums=False`` where tables have zero cells).
    """
    if measure not in MH_MEASURES:
        raise CompendiumError(f"measure must be one of {', '.join(MH_MEASURES)}, got {measure!r}")
    raw = _two_by_two(ai, bi, ci, di)
    yi, vi = binary_effects(measure, *raw)
    keep = binary_estimable(measure, *raw)
    if not keep.any():
        return _no_studies(measure, "MH", "random" if random else "fixed", level, yi, vi)
    a, b, c, d = (x[keep] for x in (_corrected(*raw) if add_to_sums else raw))
    n1, n2 = a + b, c + d
    n = n1 + n2
    if measure == "OR":
        r, s = a * d / n, b * c / n
        p, q = (a + d) / n, (b + c) / n
        sr, ss = float(r.sum()), float(s.sum())
        estimate = math.log(sr / ss)
        var = float(np.sum(p * r) / (2 * sr**2) + np.sum(p * s + q * r) / (2 * sr * ss) + np.sum(q * s) / (2 * ss**2))
        mh_weights = s
    elif measure == "RR":
        r, s = a * n2 / n, c * n1 / n
        sr, ss = float(r.sum()), float(s.sum())
        estimate = math.log(sr / ss)
        var = float(np.sum(n1 * n2 * (a + c) / n**2 - a * c / n) / (sr * ss))
        mh_weights = s
    else:
        # the weights and variance use the corrected cells, the study risk differences the counts as given
        w = n1 * n2 / n
        estimate = float(np.sum(w * yi[keep]) / w.sum())
        var = float(np.sum((a * b * n2**3 + c * d * n1**3) / (n1 * n2 * n**2)) / w.sum() ** 2)
        mh_weights = w
    het = _heterogeneity(yi[keep], 1.0 / vi[keep], estimate)
    if random:
        return _random_effects(measure, "MH", level, yi, vi, het, keep)
    weights = np.full(yi.size, math.nan)
    weights[keep] = mh_weights
    return _result(measure, "MH", "fixed", level, estimate, math.sqrt(var), het, 0.0, yi, vi, weights, int(keep.sum()))


def rma_peto(
    ai: npt.ArrayLike, bi: npt.ArrayLike, ci: npt.ArrayLike, di: npt.ArrayLike, *, level: float = 95
) -> RevManResult:
    """Peto's one-step odds ratio (fixed effect), on the log scale.

    Each study: ``O - E = a - n1 (a + c) / N`` and ``V = n1 n2 (a + c) (b + d) / (N^2 (N - 1))``;
    pooled ``log OR = sum(O - E) / sum(V)`` with variance ``1 / sum(V)``; Q = ``sum((O - E)^2 / V) -
    sum(O - E)^2 / sum(V)``. A study with ``V = 0`` (no events or only events) is not estimable.

    References
    ----------
    Yusuf et al. (1985); Deeks & Higgins (2010). Tested against metafor 3.8 ``rma.peto``.
    """
    a, b, c, d = _two_by_two(ai, bi, ci, di)
    n1, n2 = a + b, c + d
    n = n1 + n2
    with np.errstate(divide="ignore", invalid="ignore"):
        oe = a - n1 * (a + c) / n
        v = n1 * n2 * (a + c) * (b + d) / (n**2 * (n - 1))
    v = np.where(np.isfinite(v), v, 0.0)
    return _pool_oe(oe, v, level=level, measure="PETO_OR", pooling="Peto")


def rma_oe(oe: npt.ArrayLike, v: npt.ArrayLike, *, level: float = 95, random: bool = False) -> RevManResult:
    """Pooling of "O - E and variance" data (individual patient data, time to event) as RevMan does.

    Each study's log hazard (or odds) ratio is ``(O - E) / V`` with variance ``1 / V``; the fixed
    effect is Peto's ``sum(O - E) / sum(V)`` (identical to inverse-variance pooling of those
    estimates); random effects are DerSimonian-Laird on them. Studies with ``V <= 0`` are not estimable.

    References
    ----------
    Deeks & Higgins (2010), "O - E and variance" outcomes.
    """
    return _pool_oe(_array(oe, "oe"), _array(v, "v"), level=level, measure="PETO_OR", pooling="Peto", random=random)


def _pool_oe(oe: Array, v: Array, *, level: float, measure: str, pooling: str, random: bool = False) -> RevManResult:
    keep = np.isfinite(oe) & (v > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        yi = np.where(keep, oe / v, math.nan)
        vi = np.where(keep, 1.0 / v, math.nan)
    model = "random" if random else "fixed"
    if not keep.any():
        return _no_studies(measure, pooling, model, level, yi, vi)
    sv = float(v[keep].sum())
    estimate = float(oe[keep].sum()) / sv
    het = _heterogeneity(yi[keep], v[keep], estimate)
    if random:
        return _random_effects(measure, pooling, level, yi, vi, het, keep)
    weights = np.where(keep, v, math.nan)
    return _result(
        measure, pooling, model, level, estimate, math.sqrt(1.0 / sv), het, 0.0, yi, vi, weights, int(keep.sum())
    )


def rma_iv(
    yi: npt.ArrayLike, vi: npt.ArrayLike, measure: str, *, level: float = 95, random: bool = False
) -> RevManResult:
    """Inverse-variance pooling, fixed effect or DerSimonian-Laird random effects (RevMan's IV method).

    Studies whose ``yi`` or ``vi`` is missing, or ``vi <= 0``, are not estimable (left out).

    References
    ----------
    Deeks & Higgins (2010); DerSimonian & Laird (1986). Tested against metafor 3.8
    ``rma.uni(method="FE")`` and ``rma.uni(method="DL")``.
    """
    y, v = _array(yi, "yi"), _array(vi, "vi")
    keep = np.isfinite(y) & np.isfinite(v) & (v > 0)
    y, v = np.where(keep, y, math.nan), np.where(keep, v, math.nan)
    model = "random" if random else "fixed"
    if not keep.any():
        return _no_studies(measure, "IV", model, level, y, v)
    wi = 1.0 / v[keep]
    estimate = float(np.sum(wi * y[keep]) / np.sum(wi))
    het = _heterogeneity(y[keep], wi, estimate)
    if random:
        return _random_effects(measure, "IV", level, y, v, het, keep)
    weights = np.where(keep, 1.0 / v, math.nan)
    return _result(measure, "IV", model, level, estimate, math.sqrt(1.0 / np.sum(wi)), het, 0.0, y, v, weights, wi.size)


def continuous_effects(
    measure: str,
    m1i: npt.ArrayLike,
    sd1i: npt.ArrayLike,
    n1i: npt.ArrayLike,
    m2i: npt.ArrayLike,
    sd2i: npt.ArrayLike,
    n2i: npt.ArrayLike,
) -> tuple[Array, Array]:
    """Each study's MD or SMD and its variance as RevMan 5 computes them.

    MD: ``m1 - m2`` with variance ``sd1^2 / n1 + sd2^2 / n2``. SMD: Hedges' adjusted g,
    ``g = (m1 - m2) / s (1 - 3 / (4 N - 9))`` with ``s`` the pooled SD and ``N = n1 + n2``, variance
    ``N / (n1 n2) + g^2 / (2 (N - 3.94))``. A study with a missing value, a group of fewer than 2
    (SMD) or 1 (MD), or no spread (SD 0 in both groups) is not estimable (NaN).

    References
    ----------
    Deeks & Higgins (2010), "Standardized mean difference"; Hedges LV, Olkin I (1985). Statistical
    Methods for Meta-Analysis. MD tested against metafor 3.8 ``escalc("MD")``; SMD against the
    formula and RevMan 5's stored values (metafor uses the exact correction and another variance).
    """
    m1, s1, n1, m2, s2, n2 = (
        _array(x, name)
        for x, name in ((m1i, "m1i"), (sd1i, "sd1i"), (n1i, "n1i"), (m2i, "m2i"), (sd2i, "sd2i"), (n2i, "n2i"))
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "MD":
            yi = m1 - m2
            vi = s1**2 / n1 + s2**2 / n2
            keep = (n1 >= 1) & (n2 >= 1)
        elif measure == "SMD":
            n = n1 + n2
            pooled = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n - 2))
            yi = (m1 - m2) / pooled * (1 - 3 / (4 * n - 9))
            vi = n / (n1 * n2) + yi**2 / (2 * (n - 3.94))
            keep = (n1 >= 2) & (n2 >= 2) & (pooled > 0)
        else:
            raise CompendiumError(f"measure must be MD or SMD, got {measure!r}")
    keep = keep & np.isfinite(yi) & np.isfinite(vi) & (vi > 0)
    return np.where(keep, yi, math.nan), np.where(keep, vi, math.nan)


def subgroup_test(results: list[RevManResult]) -> SubgroupTest | None:
    """RevMan's test for subgroup differences: Q of the subgroup estimates about their weighted mean.

    Subgroups without an estimate are left out; None when none has one (one subgroup: Q = 0 on 0 df,
    p = 1 and I^2 = 0, as for the heterogeneity of a single study).

    References
    ----------
    Deeks & Higgins (2010), "Tests for subgroup differences"; Borenstein M, Higgins JPT (2013).
    Prev Sci 14:134-143. Tested against metafor 3.8 (``rma(yi, sei = se, method = "FE")`` on the
    subgroup estimates).
    """
    usable = [r for r in results if r.k > 0 and math.isfinite(r.se) and r.se > 0]
    if not usable:
        return None
    y = np.array([r.estimate for r in usable])
    w = 1.0 / np.array([r.se for r in usable]) ** 2
    q, df, q_pval, i2 = _heterogeneity(y, w, float(np.sum(w * y) / np.sum(w)))
    return SubgroupTest(q=q, df=df, pval=q_pval, i2=i2)


def as_meta_result(result: RevManResult, slab: Sequence[str]) -> MetaResult:
    """A RevMan pooled result as a :class:`~compendium.meta.model.MetaResult`, for the code that plots,
    tabulates and rates fitted models (forest plots, GRADE, the stage-03 tables).

    The pooled effect, its interval, z and p, tau2, Q, its df and p, I^2 and the study weights are
    RevMan's (``result``); the studies are those RevMan pooled (estimable). The model underneath is
    metafor's inverse-variance fit of the same study estimates (``FE``; ``DL`` for random effects), so
    what is computed from the model later (the Q-profile interval of tau2, a refit leaving a study out)
    is inverse-variance: for Mantel-Haenszel and Peto pooling an approximation, named so by the caller.

    Parameters
    ----------
    result : RevManResult
        From :func:`rma_mh`, :func:`rma_peto`, :func:`rma_iv` or :func:`rma_oe`, with at least one
        estimable study.
    slab : sequence of str
        The study labels, one per study of ``result`` (estimable or not).

    Returns
    -------
    MetaResult
        ``method`` ``FE`` or ``DL`` and ``test`` ``z``, as RevMan's intervals are z-based.

    Examples
    --------
    >>> r = rma_mh([4, 6, 3], [96, 94, 47], [9, 10, 8], [91, 90, 42], "RR")
    >>> res = as_meta_result(r, ["A", "B", "C"])
    >>> round(math.exp(res.estimate), 4) == round(math.exp(r.estimate), 4), res.method
    (True, 'FE')
    """
    from compendium.meta.model import Coefficient, rma

    keep = np.isfinite(result.yi) & np.isfinite(result.vi)
    if result.k == 0 or not keep.any():
        raise CompendiumError("as_meta_result: the result has no estimable study")
    if len(slab) != result.yi.size:
        raise CompendiumError(f"as_meta_result: expected {result.yi.size} study labels, got {len(slab)}")
    yi, vi = result.yi[keep], result.vi[keep]
    base = rma(
        yi,
        vi,
        slab=[s for s, k in zip(slab, keep) if k],
        method="DL" if result.model == "random" else "FE",
        test="z",
        level=result.level,
    )
    stat = result.estimate / result.se  # signed, as metafor prints it (RevMan stores |z|)
    pooled = Coefficient("intrcpt", result.estimate, result.se, stat, result.pval, result.ci_low, result.ci_high)
    h2 = 100.0 / (100.0 - result.i2) if result.i2 < 100.0 else math.inf
    return replace(
        base,
        coefficients=(pooled,),
        tau2=result.tau2,
        i2=result.i2,
        h2=h2,
        q=result.q,
        q_df=result.df,
        pi_low=None,
        pi_high=None,
        given_weights=result.weights[keep],
    )
