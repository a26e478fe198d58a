"""Effect sizes and standard-deviation conversions.

* :func:`escalc`: MD, SMD, ROM from arm-level means/SDs/ns and log OR, log RR, RD from 2x2
  counts, with metafor 3.8 ``escalc`` formulas and defaults (tested against it):
  SMD is Hedges' g with the exact correction ``J(m) = G(m/2) / (sqrt(m/2) G((m-1)/2))``,
  ``m = n1 + n2 - 2``, and ``vi = 1/n1 + 1/n2 + g^2 / (2 (n1 + n2))``; a study with a zero cell
  gets 1/2 added to all four cells (``add=1/2, to="only0"``).
* :func:`check_outcome_types`: change-from-baseline and final values are never mixed silently in
  an SMD analysis (Cochrane Handbook 10.5.2).
* :func:`fill_sd`: SD from SE (``SE sqrt(n)``), from a CI (``sqrt(n) (upper - lower) / (2 t)``,
  t with n - 1 df when n < 60, Cochrane Handbook 6.5.2.2), from median with IQR and/or range
  (Wan et al. 2014, BMC Med Res Methodol 14:135; xi(n) exact for n <= 50 as their Table 1); the
  method used is recorded per row.
* :func:`yi_vi_from_ci` / :func:`generic_inverse_variance`: reported estimate with a CI (any
  level) or SE to ``yi``, ``vi`` (ratio measures on the log scale; Cochrane Handbook 6.3.2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from compendium.errors import CompendiumError
from compendium.meta.settings import MEASURES, level_percent
from compendium.meta.two_by_two import table_effects

#: escalc's default continuity correction: added to every cell of a 2x2 table with a zero cell
ZERO_CELL_ADD = 0.5
#: CI level (percent) assumed when a source prints a confidence interval without its level;
#: every analysis that uses it says so in its methods record
DEFAULT_CI_LEVEL = 95.0
#: below this group size a CI is taken to be t-based (Cochrane Handbook 6.5.2.2)
SMALL_SAMPLE_N = 60
#: outcome types for continuous outcomes
OUTCOME_TYPES = ("final", "change")
#: values of ``sd_method`` written by :func:`fill_sd`, in order of preference
SD_METHODS = ("reported", "se", "ci_t", "ci_z", "wan_range_iqr", "wan_iqr", "wan_range")

_ARM_ARGS = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")


def _column(data: pd.DataFrame | None, value: object, name: str, source: str) -> np.ndarray:
    where = f"{source}: " if source else ""
    if data is not None and isinstance(value, str):
        if value not in data.columns:
            raise CompendiumError(f"{where}missing column {value!r} (needed as {name})")
        series = data[value]
        label = value
    else:
        series = pd.Series(np.asarray(value, dtype=object).reshape(-1))
        label = name
    numeric = pd.to_numeric(series, errors="coerce")
    bad = numeric.isna() & series.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        raise CompendiumError(f"{where}row {row}, column {label!r}: expected a number, got {series.iloc[row - 1]!r}")
    return numeric.to_numpy(dtype=float)


def _require(condition: np.ndarray, message: str, label: str, source: str) -> None:
    """Raise naming the first row where ``condition`` is False (NaN rows are skipped)."""
    bad = ~condition
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        where = f"{source}: " if source else ""
        raise CompendiumError(f"{where}row {row}, column {label!r}: {message}")


def smd_correction(m: np.ndarray) -> np.ndarray:
    """Hedges' exact small-sample correction J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))."""
    m = np.asarray(m, dtype=float)
    return np.exp(special.gammaln(m / 2) - 0.5 * np.log(m / 2) - special.gammaln((m - 1) / 2))


def escalc(
    measure: str,
    data: pd.DataFrame | None = None,
    *,
    m1i: object = None,
    sd1i: object = None,
    n1i: object = None,
    m2i: object = None,
    sd2i: object = None,
    n2i: object = None,
    ai: object = None,
    bi: object = None,
    ci: object = None,
    di: object = None,
    add: float = ZERO_CELL_ADD,
    outcome_type: object = None,
    allow_mixed: bool = False,
    source: str = "",
) -> pd.DataFrame:
    """Effect sizes as metafor's escalc: returns ``data`` (or a new frame) plus ``yi``, ``vi``, ``sei``.

    Arguments are column names of ``data`` or arrays. Binary measures accept ``ai, bi, ci, di``
    or ``ai, n1i, ci, n2i``; a column ``zero_cell_corrected`` says which studies got ``add``
    in every cell. For SMD, ``outcome_type`` (values "final"/"change") is checked by
    :func:`check_outcome_types`. Rows with missing inputs get missing ``yi``/``vi`` (which
    :func:`compendium.meta.rma` then omits with a note, as metafor). Two SDs of 0 in a row are
    an error naming the SD columns.

    Parameters
    ----------
    measure : str
        MD, SMD (Hedges' g), ROM (log ratio of means), OR and RR (log scale), RD.
    data : pandas.DataFrame, optional
        Table holding the named columns; its columns are kept in the output.
    m1i, sd1i, n1i, m2i, sd2i, n2i : str or array-like
        Arm-level means, SDs and sizes (continuous measures).
    ai, bi, ci, di : str or array-like
        2x2 counts (binary measures); ``n1i``/``n2i`` may replace ``bi``/``di``.
    add : float
        Added to every cell of a table with a zero cell (metafor's ``add=1/2, to="only0"``).
    outcome_type, allow_mixed
        SMD only: refuse to mix change and final values unless allowed.
    source : str
        File named in error messages.

    Returns
    -------
    pandas.DataFrame
        ``data`` plus ``measure``, ``yi``, ``vi``, ``sei`` (and ``zero_cell_corrected``).

    References
    ----------
    Viechtbauer W (2010). J Stat Softw 36(3); Hedges LV (1981). J Educ Stat 6:107-128.
    Tested against metafor 3.8 ``escalc`` (tests/test_effects.py).

    Examples
    --------
    >>> out = escalc("SMD", m1i=[1.0], sd1i=[1.0], n1i=[10], m2i=[0.0], sd2i=[1.0], n2i=[12])
    >>> round(float(out["yi"][0]), 4), round(float(out["vi"][0]), 4)  # metafor 3.8: 0.9619, 0.2044
    (0.9619, 0.2044)
    """
    if measure not in MEASURES:
        raise CompendiumError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
    out = data.copy() if data is not None else pd.DataFrame()
    labels = {}
    if measure in ("MD", "SMD", "ROM"):
        given = dict(zip(_ARM_ARGS, (m1i, sd1i, n1i, m2i, sd2i, n2i)))
        missing = [name for name, value in given.items() if value is None]
        if missing:
            raise CompendiumError(f"measure {measure} needs {', '.join(missing)}")
        x = {name: _column(data, value, name, source) for name, value in given.items()}
        labels = {name: (value if isinstance(value, str) else name) for name, value in given.items()}
        for name in ("sd1i", "sd2i"):
            _require(~(x[name] < 0), "standard deviation must be >= 0", labels[name], source)
        for name in ("n1i", "n2i"):
            _require(~(x[name] < 2), "group size must be >= 2", labels[name], source)
        n1, n2 = x["n1i"], x["n2i"]
        both_zero = (x["sd1i"] == 0) & (x["sd2i"] == 0)
        if both_zero.any():
            row = int(np.flatnonzero(both_zero)[0]) + 1
            raise CompendiumError(
                f"{source or 'input'}, row {row} (line {row + 1}), columns {labels['sd1i']!r} and "
                f"{labels['sd2i']!r}: expected at least one standard deviation > 0 ({measure} has no "
                "sampling variance when both are 0), got 0 and 0"
            )
        if measure == "MD":
            yi = x["m1i"] - x["m2i"]
            vi = x["sd1i"] ** 2 / n1 + x["sd2i"] ** 2 / n2
        elif measure == "SMD":
            if outcome_type is not None:
                types = (
                    outcome_type
                    if not isinstance(outcome_type, str)
                    else out[outcome_type]
                    if data is not None
                    else None
                )
                out["outcome_type"] = check_outcome_types(
                    pd.Series(np.asarray(types, dtype=object)), allow_mixed=allow_mixed, source=source
                ).to_numpy()
            pooled = np.sqrt(((n1 - 1) * x["sd1i"] ** 2 + (n2 - 1) * x["sd2i"] ** 2) / (n1 + n2 - 2))
            yi = smd_correction(n1 + n2 - 2) * (x["m1i"] - x["m2i"]) / pooled
            vi = 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))
        else:  # ROM
            for name in ("m1i", "m2i"):
                _require(~(x[name] <= 0), "ratio of means needs positive means", labels[name], source)
            yi = np.log(x["m1i"] / x["m2i"])
            vi = x["sd1i"] ** 2 / (n1 * x["m1i"] ** 2) + x["sd2i"] ** 2 / (n2 * x["m2i"] ** 2)
    else:
        if ai is None or ci is None or (bi is None and n1i is None) or (di is None and n2i is None):
            raise CompendiumError(f"measure {measure} needs ai, ci and bi, di (or n1i, n2i)")
        a = _column(data, ai, "ai", source)
        c = _column(data, ci, "ci", source)
        b = _column(data, bi, "bi", source) if bi is not None else _column(data, n1i, "n1i", source) - a
        d = _column(data, di, "di", source) if di is not None else _column(data, n2i, "n2i", source) - c
        for arr, value, name in (
            (a, ai, "ai"),
            (b, bi if bi is not None else n1i, "bi"),
            (c, ci, "ci"),
            (d, di if di is not None else n2i, "di"),
        ):
            label = value if isinstance(value, str) else name
            _require(~(arr < 0), "cell counts must be >= 0 (events cannot exceed the group size)", label, source)
        zero = np.minimum.reduce([a, b, c, d]) == 0
        yi, vi = table_effects(measure, *(np.where(zero, arr + add, arr) for arr in (a, b, c, d)))
        out["zero_cell_corrected"] = zero
    out["measure"] = measure
    out["yi"] = yi
    out["vi"] = vi
    out["sei"] = np.sqrt(vi)
    return out


def check_outcome_types(types: pd.Series, *, allow_mixed: bool = False, source: str = "") -> pd.Series:
    """Refuse an SMD analysis that mixes change-from-baseline and final values, unless allowed.

    Returns the normalised types ("final"/"change"). With ``allow_mixed=True`` a mix is returned
    as is; the caller should report it (a mix inflates heterogeneity: Cochrane Handbook 10.5.2).
    """
    normal = types.astype("string").str.strip().str.lower()
    where = f"{source}: " if source else ""
    bad = normal.notna() & ~normal.isin(OUTCOME_TYPES)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        raise CompendiumError(
            f"{where}row {row}, column 'outcome_type': expected one of {OUTCOME_TYPES}, got {types.iloc[row - 1]!r}"
        )
    present = set(normal.dropna())
    if len(present) > 1 and not allow_mixed:
        raise CompendiumError(
            f"{where}SMD analysis mixes change-from-baseline and final values "
            f"({int((normal == 'change').sum())} change, {int((normal == 'final').sum())} final); "
            "analyse them separately, use MD, or pass allow_mixed=True and report it"
        )
    return normal.astype(object)


def _expected_range(n: int) -> float:
    """2 E(Z_(n)), the expected range of n standard normal values, by numerical integration."""
    from scipy import integrate, stats

    if n < 2:
        return 0.0
    value, _ = integrate.quad(
        lambda x: x * n * stats.norm.pdf(x) * stats.norm.cdf(x) ** (n - 1), -12, 12, epsabs=1e-12, epsrel=1e-12
    )
    return 2 * value


def wan_xi(n: np.ndarray) -> np.ndarray:
    """Wan et al. (2014) xi(n), the expected range of n standard normal values.

    Exact (numerical integration) for n <= 50, as their Table 1; above, their approximation
    2 Phi^-1((n - 0.375) / (n + 0.25)).
    """
    from scipy import stats

    n = np.asarray(n, dtype=float)
    out = 2 * stats.norm.ppf((n - 0.375) / (n + 0.25))
    small = np.isfinite(n) & (n <= 50) & (n >= 1)
    for value in np.unique(n[small]):
        out = np.where(n == value, _expected_range(int(value)), out)
    return out


def wan_eta(n: np.ndarray) -> np.ndarray:
    """Wan et al. (2014) eta(n) = 2 Phi^-1((0.75 n - 0.125) / (n + 0.25)): IQR / SD for normal samples."""
    from scipy import stats

    n = np.asarray(n, dtype=float)
    return 2 * stats.norm.ppf((0.75 * n - 0.125) / (n + 0.25))


def mean_sd_from_quantiles(
    n: np.ndarray,
    median: np.ndarray,
    *,
    q1: np.ndarray | None = None,
    q3: np.ndarray | None = None,
    minimum: np.ndarray | None = None,
    maximum: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and SD from the median with range and/or IQR (Wan et al. 2014, scenarios S1-S3).

    S1 (min, median, max): mean (a + 2m + b)/4, SD (b - a)/xi(n)   [Wan eqs 7 and 9]
    S2 (all five): mean (a + 2q1 + 2m + 2q3 + b)/8, SD (b - a)/(2 xi) + (q3 - q1)/(2 eta)   [eqs 10, 11]
    S3 (q1, median, q3): mean (q1 + m + q3)/3, SD (q3 - q1)/eta(n)   [eqs 14, 15]
    Returns (mean, sd, method) with method "wan_range_iqr", "wan_iqr", "wan_range" or "".
    """
    n, m = np.asarray(n, float), np.asarray(median, float)
    nan = np.full(m.shape, np.nan)
    a = nan if minimum is None else np.asarray(minimum, float)
    b = nan if maximum is None else np.asarray(maximum, float)
    lo = nan if q1 is None else np.asarray(q1, float)
    hi = nan if q3 is None else np.asarray(q3, float)
    has_range = np.isfinite(a) & np.isfinite(b) & np.isfinite(m)
    has_iqr = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(m)
    with np.errstate(invalid="ignore", divide="ignore"):
        xi, eta = wan_xi(n), wan_eta(n)
        s2 = has_range & has_iqr
        s3 = has_iqr & ~s2
        s1 = has_range & ~s2
        mean = np.select(
            [s2, s3, s1], [(a + 2 * lo + 2 * m + 2 * hi + b) / 8, (lo + m + hi) / 3, (a + 2 * m + b) / 4], np.nan
        )
        sd = np.select(
            [s2, s3, s1], [(b - a) / (2 * xi) + (hi - lo) / (2 * eta), (hi - lo) / eta, (b - a) / xi], np.nan
        )
    method = np.select([s2, s3, s1], ["wan_range_iqr", "wan_iqr", "wan_range"], "")
    return mean, sd, method


def sd_from_se(se: np.ndarray, n: np.ndarray) -> np.ndarray:
    """SD = SE sqrt(n) (Cochrane Handbook 6.5.2.2)."""
    return np.asarray(se, float) * np.sqrt(np.asarray(n, float))


def sd_from_ci(
    ci_low: np.ndarray,
    ci_high: np.ndarray,
    n: np.ndarray,
    *,
    level: float = 95.0,
    dist: str = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """SD of a group from the CI of its mean: sqrt(n) (upper - lower) / (2 crit) (Handbook 6.5.2.2).

    ``level`` is read as metafor reads it (95, 0.95 and 0.05 mean 95%). ``dist="auto"`` takes the
    CI as t-based (n - 1 df) when n < 60 and z-based otherwise; ``"t"`` or ``"z"`` force one.
    Returns (sd, method) with method "ci_t" or "ci_z".
    """
    from scipy import stats

    n = np.asarray(n, float)
    alpha = 1 - level_percent(level) / 100
    use_t = np.full(n.shape, dist == "t") if dist != "auto" else n < SMALL_SAMPLE_N
    with np.errstate(invalid="ignore"):
        crit = np.where(use_t, stats.t.isf(alpha / 2, np.maximum(n - 1, 1)), stats.norm.isf(alpha / 2))
    sd = np.sqrt(n) * (np.asarray(ci_high, float) - np.asarray(ci_low, float)) / (2 * crit)
    return sd, np.where(use_t, "ci_t", "ci_z")


def fill_sd(
    data: pd.DataFrame,
    *,
    n: str,
    sd: str | None = None,
    se: str | None = None,
    ci_low: str | None = None,
    ci_high: str | None = None,
    median: str | None = None,
    q1: str | None = None,
    q3: str | None = None,
    minimum: str | None = None,
    maximum: str | None = None,
    mean: str | None = None,
    level: float = 95.0,
    prefix: str = "",
) -> pd.DataFrame:
    """Add ``{prefix}sd``, ``{prefix}mean`` and ``{prefix}sd_method`` to ``data``, one method per row.

    Preference: reported SD, then SE, then CI, then the median with range and IQR, IQR, or range
    (Wan et al. 2014; the mean is then estimated too). Rows with nothing usable stay missing and
    get method "" (missing stays missing).
    """
    rows = len(data)

    def col(name: str | None) -> np.ndarray:
        return _column(data, name, name, "") if name is not None else np.full(rows, np.nan)

    size = col(n)
    out_sd, out_mean = col(sd), col(mean)
    method = np.where(np.isfinite(out_sd), "reported", "").astype(object)
    from_se = sd_from_se(col(se), size)
    take = ~np.isfinite(out_sd) & np.isfinite(from_se)
    out_sd, method = np.where(take, from_se, out_sd), np.where(take, "se", method)
    from_ci, ci_method = sd_from_ci(col(ci_low), col(ci_high), size, level=level)
    take = ~np.isfinite(out_sd) & np.isfinite(from_ci)
    out_sd, method = np.where(take, from_ci, out_sd), np.where(take, ci_method, method)
    w_mean, w_sd, w_method = mean_sd_from_quantiles(
        size, col(median), q1=col(q1), q3=col(q3), minimum=col(minimum), maximum=col(maximum)
    )
    take = ~np.isfinite(out_sd) & np.isfinite(w_sd)
    out_sd, method = np.where(take, w_sd, out_sd), np.where(take, w_method, method)
    out_mean = np.where(take & ~np.isfinite(out_mean), w_mean, out_mean)
    result = data.copy()
    result[f"{prefix}sd"] = out_sd
    result[f"{prefix}mean"] = out_mean
    result[f"{prefix}sd_method"] = method
    return result


def yi_vi_from_ci(
    estimate: np.ndarray,
    ci_low: np.ndarray,
    ci_high: np.ndarray,
    *,
    level: float = 95.0,
    ratio: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(yi, vi) from an estimate and its CI at ``level`` percent; ratios (OR, RR, HR) on the log scale.

    ``se = (upper - lower) / (2 z_{(1+level)/2})`` on the analysis scale (Cochrane Handbook 6.3.2).
    """
    from scipy import stats

    est, lo, hi = (np.asarray(x, float) for x in (estimate, ci_low, ci_high))
    if ratio:
        with np.errstate(divide="ignore", invalid="ignore"):
            est, lo, hi = np.log(est), np.log(lo), np.log(hi)
    z = stats.norm.isf((1 - level_percent(level) / 100) / 2)
    se = (hi - lo) / (2 * z)
    return est, se**2


def generic_inverse_variance(
    data: pd.DataFrame,
    *,
    estimate: str,
    ci_low: str | None = None,
    ci_high: str | None = None,
    se: str | None = None,
    level: float = 95.0,
    ratio: bool = False,
    source: str = "",
) -> pd.DataFrame:
    """Add ``yi``, ``vi``, ``sei`` from reported estimates with a CI or an SE (``vi_method`` per row)."""
    est = _column(data, estimate, "estimate", source)
    lo = _column(data, ci_low, "ci_low", source) if ci_low else np.full(len(data), np.nan)
    hi = _column(data, ci_high, "ci_high", source) if ci_high else np.full(len(data), np.nan)
    given_se = _column(data, se, "se", source) if se else np.full(len(data), np.nan)
    if ratio:
        for arr, name in ((est, estimate), (lo, ci_low), (hi, ci_high)):
            _require(~(arr <= 0), "ratio estimates and limits must be > 0", str(name), source)
    _require(~(hi < lo), "upper limit below lower limit", str(ci_high), source)
    yi, vi_ci = yi_vi_from_ci(est, lo, hi, level=level, ratio=ratio)
    use_ci = np.isfinite(vi_ci)
    out = data.copy()
    out["yi"] = yi
    out["vi"] = np.where(use_ci, vi_ci, given_se**2)
    out["sei"] = np.sqrt(out["vi"])
    out["vi_method"] = np.where(use_ci, f"ci{level_percent(level):g}", np.where(np.isfinite(given_se), "se", ""))
    return out


def sd_from_t_statistic(md: np.ndarray, t: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Common within-group SD from a difference in means and its two-sample t statistic.

    ``SE(MD) = |MD| / |t|`` and ``SD = SE(MD) / sqrt(1/n1 + 1/n2)`` (Cochrane Handbook 6.5.2.3),
    which assumes the same SD in both groups, as the pooled-variance t test does.

    Parameters
    ----------
    md : difference in means (either sign)
    t : the t statistic of the comparison (either sign; 0 gives no SD)
    n1, n2 : group sizes

    Returns
    -------
    numpy.ndarray of SDs (NaN where ``t`` is 0 or an input is missing).

    References
    ----------
    Higgins JPT et al. (eds). Cochrane Handbook for Systematic Reviews of Interventions, version 6,
    section 6.5.2.3 (worked example: n 25 and 22, MD 3.8, t 2.78, SE 1.37).

    Examples
    --------
    >>> round(float(sd_from_t_statistic(3.8, 2.78, 25, 22)), 2)
    4.68
    """
    md, t, n1, n2 = (np.asarray(x, float) for x in (md, t, n1, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.where(t != 0, np.abs(md) / np.abs(t), np.nan)
        return se / np.sqrt(1 / n1 + 1 / n2)


def sd_from_p_value(md: np.ndarray, p: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Common within-group SD from a difference in means and the exact two-sided P value of its t test.

    ``t = t_{1 - p/2}(n1 + n2 - 2)`` (the t value with ``n1 + n2 - 2`` degrees of freedom whose
    two-sided tail area is ``p``), then :func:`sd_from_t_statistic` (Cochrane Handbook 6.5.2.3).
    Only an exact P value can be used: "p < 0.05" gives no SD.

    Parameters
    ----------
    md : difference in means
    p : exact two-sided P value, 0 < p < 1
    n1, n2 : group sizes

    Returns
    -------
    numpy.ndarray of SDs (NaN where an input is missing or p is outside (0, 1)).

    References
    ----------
    Cochrane Handbook version 6, section 6.5.2.3 (worked example: P = 0.008 with 45 degrees of
    freedom gives t = 2.78; SE of the MD 3.8 / 2.78 = 1.37).

    Examples
    --------
    >>> round(float(sd_from_p_value(3.8, 0.008, 25, 22)), 2)  # the Handbook rounds t to 2.78 and gets 4.69
    4.68
    """
    from scipy import stats

    md, p, n1, n2 = (np.asarray(x, float) for x in (md, p, n1, n2))
    valid = (p > 0) & (p < 1)
    with np.errstate(invalid="ignore"):
        t = np.where(valid, stats.t.isf(np.where(valid, p, 0.5) / 2, n1 + n2 - 2), np.nan)
    return sd_from_t_statistic(md, t, n1, n2)
