"""Causal estimators from summary statistics: Wald ratio, IVW, MR-Egger, medians, weighted mode.

Notation: per SNP ``j``, ``bx``/``bxse`` the SNP-exposure association and its SE, ``by``/``byse``
the SNP-outcome association and its SE; ``k`` SNPs. Intervals are ``estimate -/+ crit * se``
with ``crit`` the ``(1 + level/100) / 2`` normal (or t) quantile (``level`` in percent, as in
metafor); p-values are two-sided.

Validation (``tests/test_mr_estimators.py``): the MendelianRandomization vignette on the
Waterworth et al. (2010) lipid data (IVW 2.834, SE 0.530; MR-Egger 3.253, SE 0.770, intercept
-0.011, SE 0.015, p 0.451; weighted median 2.683, SE 0.419; simple median 1.755) and exact
hand-constructed cases. Method choices and their defaults: :mod:`compendium.mr.defaults`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
from scipy import stats

from compendium.errors import CompendiumError
from compendium.mr.defaults import DEFAULTS, MAX_BOOTSTRAP, Distribution, IvwModel, SeOrder
from compendium.mr.heterogeneity import i2gx
from compendium.mr.inputs import MRInput, as_input, require_snps
from compendium.mr.regression import egger_fit, ivw_fit
from compendium.mr.results import IVWResult, MedianResult, ModeResult, MREggerResult, WaldResult

#: R's ``mad()`` constant: makes the median absolute deviation consistent for a normal SD
MAD_SCALE = 1.4826
#: grid points of the binned kernel density before the exact refinement (R's ``density`` uses 512)
MODE_GRID_POINTS = 512
#: smallest bandwidth, as in Hartwig et al.'s code, so that identical ratio estimates still work
MIN_BANDWIDTH = 1e-8
#: numbers per bootstrap chunk (2 MB of float64, cache-sized: faster than one big block); results
#: do not depend on it because the draws are taken from one stream in replicate order
_CHUNK_ELEMENTS = 262_144


def check_level(level: float, *, name: str = "level") -> None:
    """Refuse a confidence level that is not a percentage in [1, 100) (0.95 would be a 0.95 % interval).

    ``name`` is how the caller calls the setting (``--level`` on the command line).
    """
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 1 <= level < 100:
        raise CompendiumError(
            f"{name}: expected a confidence level in percent, at least 1 and below 100 (e.g. 95), got {level!r}"
        )


def check_bootstrap(n_bootstrap: int, seed: int, *, names: tuple[str, str] = ("n_bootstrap", "seed")) -> None:
    """Refuse a replicate count outside [2, MAX_BOOTSTRAP] or a seed that is not a non-negative integer.

    ``names`` are how the caller calls the two settings (``--bootstrap``, ``--seed`` on the command line).
    """
    if (
        isinstance(n_bootstrap, bool)
        or not isinstance(n_bootstrap, (int, np.integer))
        or not 2 <= n_bootstrap <= MAX_BOOTSTRAP
    ):
        raise CompendiumError(
            f"{names[0]}: expected an integer from 2 to {MAX_BOOTSTRAP} (bootstrap replicates), got {n_bootstrap!r}"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise CompendiumError(f"{names[1]}: expected a non-negative integer (the random seed), got {seed!r}")


def interval(
    estimate: float,
    se: float,
    *,
    level: float = DEFAULTS.level,
    distribution: Distribution = "normal",
    df: int | None = None,
) -> tuple[float, float, float]:
    """``(ci_low, ci_high, pval)`` for ``estimate / se`` against the normal or a t(``df``) distribution.

    ``level`` is the confidence level in percent (95 for a 95 % interval).
    """
    check_level(level)
    if distribution == "normal":
        reference = stats.norm
    elif distribution == "t":
        if df is None or df < 1:
            raise CompendiumError(f"t distribution needs df >= 1, got {df}")
        reference = stats.t(df)
    else:
        raise CompendiumError(f"distribution: expected 'normal' or 't', got {distribution!r}")
    crit = float(reference.ppf(0.5 + level / 200))
    pval = float(2 * reference.sf(abs(estimate / se))) if se > 0 else float("nan")
    return estimate - crit * se, estimate + crit * se, pval


def ratio_estimates(
    bx: object, bxse: object, by: object, byse: object, *, se_order: SeOrder = DEFAULTS.wald_se
) -> tuple[np.ndarray, np.ndarray]:
    """Per-SNP Wald ratios ``by / bx`` and their delta-method standard errors.

    First order: ``byse / |bx|`` (ignores the uncertainty in ``bx``). Second order:
    ``sqrt(byse^2 / bx^2 + by^2 bxse^2 / bx^4)`` (zero covariance between ``bx`` and ``by``,
    as in two-sample MR).
    """
    data = as_input(bx, bxse, by, byse)
    ratio = data.by / data.bx
    if se_order == "first":
        se = data.byse / np.abs(data.bx)
    elif se_order == "second":
        se = np.sqrt(data.byse**2 / data.bx**2 + data.by**2 * data.bxse**2 / data.bx**4)
    else:
        raise CompendiumError(f"se_order: expected 'first' or 'second', got {se_order!r}")
    return ratio, se


def wald_ratio(
    bx: float,
    bxse: float,
    by: float,
    byse: float,
    *,
    se_order: SeOrder = DEFAULTS.wald_se,
    level: float = DEFAULTS.level,
) -> WaldResult:
    """Wald ratio of one SNP; by default its first-order SE ``byse / |bx|``; normal p-value."""
    ratio, se = ratio_estimates(bx, bxse, by, byse, se_order=se_order)
    if ratio.size != 1:
        raise CompendiumError(f"wald_ratio: expects one SNP, got {ratio.size}; use single_snp for several")
    estimate, error = float(ratio[0]), float(se[0])
    low, high, pval = interval(estimate, error, level=level)
    return WaldResult("wald_ratio", estimate, error, low, high, pval, 1, se_order=se_order)


def ivw(
    bx: object,
    bxse: object,
    by: object,
    byse: object,
    *,
    model: IvwModel = DEFAULTS.ivw_model,
    level: float = DEFAULTS.level,
) -> IVWResult:
    """Inverse-variance weighted estimate with first-order weights ``bx^2 / byse^2``.

    ``model="random"`` (multiplicative random effects, the default): SE = fixed-effect SE
    times ``max(1, residual SE)``, residual SE ``sqrt(Q / (k - 1))``. ``model="fixed"``:
    SE = ``1 / sqrt(sum(bx^2 / byse^2))``. Normal intervals and p-values.
    """
    data = as_input(bx, bxse, by, byse)
    require_snps(data.k, "ivw")
    fit = ivw_fit(data.bx, data.by, data.byse)
    residual_se = (fit.q / (data.k - 1)) ** 0.5
    if model == "random":
        se = fit.se_fixed * max(1.0, residual_se)
    elif model == "fixed":
        se = fit.se_fixed
    else:
        raise CompendiumError(f"model: expected 'random' or 'fixed', got {model!r}")
    low, high, pval = interval(fit.beta, se, level=level)
    name = "ivw" if model == "random" else "ivw_fixed"
    q_pval = float(stats.chi2.sf(fit.q, data.k - 1))
    return IVWResult(name, fit.beta, se, low, high, pval, data.k, model, residual_se, fit.q, data.k - 1, q_pval)


def egger(
    bx: object,
    bxse: object,
    by: object,
    byse: object,
    *,
    distribution: Distribution = DEFAULTS.egger_distribution,
    level: float = DEFAULTS.level,
    i2gx_weighted: bool = DEFAULTS.i2gx_weighted,
) -> MREggerResult:
    """MR-Egger (Bowden et al. 2015): weighted regression of oriented ``by`` on ``|bx|`` with intercept.

    SNPs are oriented so that ``bx > 0``. Standard errors are the fixed-effect ones times
    ``max(1, residual SE)``, residual SE ``sqrt(Q' / (k - 2))``. Intervals and p-values for
    slope and intercept use ``distribution``: "normal" (MendelianRandomization, default) or
    "t" with ``k - 2`` df (TwoSampleMR). Also reports Rücker's Q' and I2GX.
    """
    data = as_input(bx, bxse, by, byse)
    require_snps(data.k, "egger")
    fit = egger_fit(data.bx, data.by, data.byse)
    df = data.k - 2
    residual_se = (fit.q / df) ** 0.5
    scale = max(1.0, residual_se)
    slope_se, intercept_se = fit.slope_se_fixed * scale, fit.intercept_se_fixed * scale
    low, high, pval = interval(fit.slope, slope_se, level=level, distribution=distribution, df=df)
    i_low, i_high, i_pval = interval(fit.intercept, intercept_se, level=level, distribution=distribution, df=df)
    return MREggerResult(
        "egger",
        fit.slope,
        slope_se,
        low,
        high,
        pval,
        data.k,
        intercept=fit.intercept,
        intercept_se=intercept_se,
        intercept_ci_low=i_low,
        intercept_ci_high=i_high,
        intercept_pval=i_pval,
        residual_se=residual_se,
        q=fit.q,
        q_df=df,
        q_pval=float(stats.chi2.sf(fit.q, df)),
        i2gx=i2gx(data.bx, data.bxse, data.byse, weighted=i2gx_weighted),
        distribution=distribution,
    )


def weighted_median_rows(ratios: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted median of each row of ``ratios`` (shape ``(B, k)``) with SNP weights ``weights`` (``k``).

    Bowden et al. (2016) Genet Epidemiol 40:304: sort the ratios, standardise the weights to sum
    to 1, take ``p_j = cumsum(w)_j - w_j / 2`` and interpolate linearly between the ratios whose
    ``p`` straddle 0.5. Equal weights give the ordinary median.
    """
    ratios = np.atleast_2d(ratios)
    order = np.argsort(ratios, axis=1)
    sorted_ratios = np.take_along_axis(ratios, order, axis=1)
    sorted_weights = np.asarray(weights, dtype=float)[order]
    sorted_weights /= sorted_weights.sum(axis=1, keepdims=True)
    p = np.cumsum(sorted_weights, axis=1) - 0.5 * sorted_weights
    below = (p < 0.5).sum(axis=1) - 1
    rows = np.arange(ratios.shape[0])
    p_low, p_high = p[rows, below], p[rows, below + 1]
    b_low, b_high = sorted_ratios[rows, below], sorted_ratios[rows, below + 1]
    return b_low + (b_high - b_low) * (0.5 - p_low) / (p_high - p_low)


def _chunks(n_rows: int, row_cost: int) -> Iterator[int]:
    size = max(1, _CHUNK_ELEMENTS // max(1, row_cost))
    for start in range(0, n_rows, size):
        yield min(size, n_rows - start)


def _median_weights(data: MRInput, weights: SeOrder | Literal["equal"]) -> np.ndarray:
    """Equal weights, or inverse first- or second-order variances of the ratio estimates."""
    if weights == "equal":
        return np.ones(data.k)
    se = ratio_estimates(data.bx, data.bxse, data.by, data.byse, se_order=weights)[1]
    return se**-2.0


def bootstrap_median_se(
    data: MRInput, weights: np.ndarray, *, n_bootstrap: int = DEFAULTS.n_bootstrap, seed: int = DEFAULTS.seed
) -> float:
    """SD (``ddof=1``) of the weighted median over a parametric bootstrap with fixed weights.

    Each replicate draws ``bx* ~ N(bx, bxse^2)`` and ``by* ~ N(by, byse^2)`` independently for
    every SNP (``numpy.random.default_rng(seed)``, standard normals in the order replicate, then
    exposure before outcome, then SNP) and recomputes the weighted median of ``by*/bx*``.
    Vectorised over replicates in chunks; the chunking does not change the draws.
    """
    check_bootstrap(n_bootstrap, seed)
    rng = np.random.default_rng(seed)
    estimates = []
    for size in _chunks(n_bootstrap, 2 * data.k):
        z = rng.standard_normal((size, 2, data.k))
        bx_star = data.bx + data.bxse * z[:, 0, :]
        by_star = data.by + data.byse * z[:, 1, :]
        estimates.append(weighted_median_rows(by_star / bx_star, weights))
    return float(np.std(np.concatenate(estimates), ddof=1))


def _median(
    data: MRInput, method: str, weights: SeOrder | Literal["equal"], n_bootstrap: int, seed: int, level: float
) -> MedianResult:
    require_snps(data.k, method)
    w = _median_weights(data, weights)
    estimate = float(weighted_median_rows(data.by / data.bx, w)[0])
    se = bootstrap_median_se(data, w, n_bootstrap=n_bootstrap, seed=seed)
    low, high, pval = interval(estimate, se, level=level)
    return MedianResult(method, estimate, se, low, high, pval, data.k, weights, n_bootstrap, seed)


def weighted_median(
    bx: object,
    bxse: object,
    by: object,
    byse: object,
    *,
    weights: SeOrder = DEFAULTS.median_weights,
    n_bootstrap: int = DEFAULTS.n_bootstrap,
    seed: int = DEFAULTS.seed,
    level: float = DEFAULTS.level,
) -> MedianResult:
    """Weighted median estimate (Bowden et al. 2016) with a seeded parametric-bootstrap SE.

    ``weights="first"`` (default, MendelianRandomization): ``bx^2 / byse^2``;
    ``"second"`` (TwoSampleMR): inverse second-order variance of the ratio. Normal intervals.
    """
    if weights not in ("first", "second"):
        raise CompendiumError(f"weights: expected 'first' or 'second', got {weights!r}")
    data = as_input(bx, bxse, by, byse)
    return _median(data, "weighted_median", weights, n_bootstrap, seed, level)


def simple_median(
    bx: object,
    bxse: object,
    by: object,
    byse: object,
    *,
    n_bootstrap: int = DEFAULTS.n_bootstrap,
    seed: int = DEFAULTS.seed,
    level: float = DEFAULTS.level,
) -> MedianResult:
    """Median of the ratio estimates (equal weights) with a seeded parametric-bootstrap SE."""
    data = as_input(bx, bxse, by, byse)
    return _median(data, "simple_median", "equal", n_bootstrap, seed, level)


def mode_bandwidth(ratios: np.ndarray, phi: float = DEFAULTS.mode_phi) -> np.ndarray:
    """Modified Silverman bandwidth per row: ``phi * 0.9 * min(SD, MAD) * k^(-1/5)``.

    SD with ``ddof=1``; MAD = 1.4826 * median absolute deviation from the median (R's ``sd`` and
    ``mad``), as in Hartwig et al. (2017) and both R packages; floored at :data:`MIN_BANDWIDTH`.
    """
    ratios = np.atleast_2d(ratios)
    k = ratios.shape[1]
    sd = np.std(ratios, axis=1, ddof=1)
    centre = np.median(ratios, axis=1, keepdims=True)
    mad = MAD_SCALE * np.median(np.abs(ratios - centre), axis=1)
    return np.maximum(phi * 0.9 * np.minimum(sd, mad) * k ** (-0.2), MIN_BANDWIDTH)


def _binned_density_argmax(ratios: np.ndarray, w: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Grid point of the highest binned kernel density per row (linear binning + FFT, as R's ``density``)."""
    n_rows, k = ratios.shape
    points = MODE_GRID_POINTS
    low = ratios.min(axis=1) - 3 * h
    step = (ratios.max(axis=1) + 3 * h - low) / (points - 1)
    position = (ratios - low[:, None]) / step[:, None]
    left = np.clip(np.floor(position).astype(np.int64), 0, points - 2)
    fraction = position - left
    flat = (np.arange(n_rows)[:, None] * points + left).ravel()
    weights = np.broadcast_to(w, (n_rows, k))
    binned = np.bincount(flat, weights=(weights * (1 - fraction)).ravel(), minlength=n_rows * points)
    binned += np.bincount(flat + 1, weights=(weights * fraction).ravel(), minlength=n_rows * points)
    offsets = np.concatenate([np.arange(points), [0], -np.arange(points - 1, 0, -1)])
    kernel = np.exp(-0.5 * (offsets * (step / h)[:, None]) ** 2)
    kernel[:, points] = 0.0
    padded = np.zeros((n_rows, 2 * points))
    padded[:, :points] = binned.reshape(n_rows, points)
    density = np.fft.irfft(np.fft.rfft(padded, axis=1) * np.fft.rfft(kernel, axis=1), n=2 * points, axis=1)
    return low + step * np.argmax(density[:, :points], axis=1)


def _densest_ratio(ratios: np.ndarray, w: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Per row, the ratio at which the weighted kernel density is highest (``k x k`` evaluations)."""
    u = (ratios[:, :, None] - ratios[:, None, :]) / h[:, None, None]
    density = (w * np.exp(-0.5 * u * u)).sum(axis=2)
    return ratios[np.arange(ratios.shape[0]), np.argmax(density, axis=1)]


def weighted_mode_rows(ratios: np.ndarray, weights: np.ndarray, phi: float = DEFAULTS.mode_phi) -> np.ndarray:
    """Mode of a weighted normal-kernel density of each row of ``ratios`` (shape ``(B, k)``).

    Density ``f(x) = sum_j w_j N(x; ratio_j, h^2)`` with weights standardised to sum to 1 and
    the bandwidth ``h`` of :func:`mode_bandwidth`. As in R's ``density`` (used by both R
    packages), the density is first evaluated on 512 grid points over ``[min - 3h, max + 3h]``
    by linear binning and FFT convolution; R reports that grid maximum. We then refine it to the
    exact local maximum of ``f`` by safeguarded Newton steps (mean-shift steps
    ``x <- sum(w_j K_j ratio_j) / sum(w_j K_j)`` where ``f'' >= 0`` or the Newton step exceeds
    ``h``), so our estimate differs from R's by at most about the grid spacing. Where outlying
    ratios (weak instruments) stretch the grid so that its spacing exceeds ``h``, the grid cannot
    locate the mode; the refinement then starts from the ratio with the highest density instead.
    """
    ratios = np.atleast_2d(np.asarray(ratios, dtype=float))
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    h = mode_bandwidth(ratios, phi)
    x = _binned_density_argmax(ratios, w, h)
    coarse = (ratios.max(axis=1) - ratios.min(axis=1) + 6 * h) / (MODE_GRID_POINTS - 1) > h
    if coarse.any():  # the grid cannot resolve the kernel: start at the ratio of highest density
        x[coarse] = _densest_ratio(ratios[coarse], w, h[coarse])
    bw = h[:, None]
    for _ in range(200):
        u = (ratios - x[:, None]) / bw
        kernel = w * np.exp(-0.5 * u * u)
        mass = kernel.sum(axis=1)
        slope = (kernel * u).sum(axis=1)  # h * f'(x), up to a positive factor
        curvature = (kernel * (u * u - 1)).sum(axis=1)  # h^2 * f''(x), same factor
        mean_shift = h * slope / mass
        newton = np.where(curvature < 0, -h * slope / np.where(curvature < 0, curvature, -1.0), np.inf)
        step = np.where(np.abs(newton) <= h, newton, mean_shift)
        x = x + step
        if np.all(np.abs(step) <= 1e-12 * (np.abs(x) + h)):
            break
    return x


def weighted_mode(
    bx: object,
    bxse: object,
    by: object,
    byse: object,
    *,
    se_order: SeOrder = DEFAULTS.mode_se,
    phi: float = DEFAULTS.mode_phi,
    n_bootstrap: int = DEFAULTS.n_bootstrap,
    seed: int = DEFAULTS.seed,
    distribution: Distribution = DEFAULTS.mode_distribution,
    level: float = DEFAULTS.level,
) -> ModeResult:
    """Weighted mode-based estimate (Hartwig, Davey Smith & Bowden 2017 Int J Epidemiol 46:1985).

    Weights ``se_j^-2`` of the ratio estimates (``se_order`` "second", default, or "first" =
    NOME); estimate by :func:`weighted_mode_rows`. SE: 1.4826 * MAD of a parametric bootstrap
    that draws ``ratio* ~ N(ratio, se^2)`` per SNP (``default_rng(seed)``), keeps the weights
    and recomputes bandwidth and mode. Intervals: normal (default) or t with ``k - 1`` df.
    """
    data = as_input(bx, bxse, by, byse)
    require_snps(data.k, "weighted_mode")
    check_bootstrap(n_bootstrap, seed)
    ratio, se_ratio = ratio_estimates(data.bx, data.bxse, data.by, data.byse, se_order=se_order)
    weights = se_ratio**-2.0
    estimate = float(weighted_mode_rows(ratio, weights, phi)[0])
    rng = np.random.default_rng(seed)
    draws = []
    for size in _chunks(n_bootstrap, 8 * MODE_GRID_POINTS + 8 * data.k):
        draws.append(weighted_mode_rows(ratio + se_ratio * rng.standard_normal((size, data.k)), weights, phi))
    boot = np.concatenate(draws)
    se = float(MAD_SCALE * np.median(np.abs(boot - np.median(boot))))
    low, high, pval = interval(estimate, se, level=level, distribution=distribution, df=data.k - 1)
    bandwidth = float(mode_bandwidth(ratio, phi)[0])
    return ModeResult(
        "weighted_mode", estimate, se, low, high, pval, data.k, se_order, phi, bandwidth, n_bootstrap, seed
    )
