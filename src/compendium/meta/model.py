"""Fitting a meta-analysis (equal-effects, random-effects, meta-regression): :func:`rma`.

Reproduces metafor 3.8 ``rma.uni`` (Viechtbauer 2010, J Stat Softw 36(3)):

* coefficients by weighted least squares with weights ``1 / (v_i + tau2)``;
* ``test="knha"`` multiplies the covariance by ``s2w = sum w_i r_i^2 / (k - p)`` and uses t with
  k - p df (Hartung & Knapp 2001; Sidik & Jonkman 2002); ``"adhoc"`` uses ``max(1, s2w)``;
* Q_E with weights 1/v_i; ``I2 = 100 tau2 / (vt + tau2)``, ``H2 = tau2 / vt + 1`` with the
  typical within-study variance ``vt = (k - p) / tr(P_0)`` (FE model: from Q_E);
* Q-profile confidence interval for tau2 (Viechtbauer 2007, Stat Med 26:37), computed on first
  access (:meth:`MetaResult.confint`), as are its standard error and Q's p-value;
* prediction interval ``estimate +/- crit * sqrt(se^2 + tau2)``, crit from t(k - p) under knha and
  z otherwise (metafor ``predict.rma``).

Tested against metafor 3.8 on published datasets (tests/test_meta_model.py).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from compendium.errors import CompendiumError, cell_problem
from compendium.meta.distributions import (
    alpha_of,
    chi2_quantile_upper,
    chi2_upper,
    f_upper,
    t_critical,
    t_pvalue,
    z_critical,
    z_pvalue,
)
from compendium.meta.gls import Batch, Fit
from compendium.meta.settings import DEFAULTS, METHODS, NA_ACTIONS, TESTS, level_percent
from compendium.meta.tau2 import estimate_tau2, solve_q, tau2_standard_error
from compendium.shared import clean_json

if TYPE_CHECKING:  # pandas is imported only where a DataFrame is built (fast `compendium meta`)
    import pandas as pd


@dataclass(frozen=True, eq=False)
class BatchSummary:
    """Fitted quantities of every problem in a batch (arrays over problems)."""

    batch: Batch
    method: str
    test: str
    tau2: np.ndarray
    fit: Fit
    vb: np.ndarray
    s2w: np.ndarray
    ddf: np.ndarray
    qe: np.ndarray
    vt: np.ndarray
    i2: np.ndarray
    h2: np.ndarray

    @cached_property
    def qe_pval(self) -> np.ndarray:
        """p-values of the tests for (residual) heterogeneity (1 where there are no residual df)."""
        df = self.batch.k - self.batch.p
        has_df = df > 0
        return np.where(has_df, chi2_upper(self.qe, np.maximum(df, 1)), 1.0)

    @cached_property
    def t_based(self) -> np.ndarray:
        """True for the problems whose inference uses t with ``ddf`` degrees of freedom."""
        return np.isfinite(self.ddf)

    def crit(self, level: float) -> np.ndarray:
        """Critical values: t with ddf where finite, z elsewhere (no t quantile for a z test)."""
        t_based = self.t_based
        if not t_based.any():
            return np.full(t_based.shape, z_critical(level))
        with np.errstate(invalid="ignore"):
            t = t_critical(level, np.where(t_based, self.ddf, 1.0))
        return np.where(t_based, t, z_critical(level))

    def pvalues(self, stat: np.ndarray) -> np.ndarray:
        """Two-sided p-values of ``stat`` (shape (m,) or (m, p)); no t tail for a z test."""
        t_based = self.t_based if stat.ndim == 1 else self.t_based[:, None]
        if not t_based.any():
            return z_pvalue(stat)
        ddf = self.ddf if stat.ndim == 1 else self.ddf[:, None]
        with np.errstate(invalid="ignore"):
            t = t_pvalue(stat, np.where(t_based, ddf, 1.0))
        return np.where(t_based, t, z_pvalue(stat))


def summarise(batch: Batch, method: str, test: str) -> BatchSummary:
    """Estimate tau2 and fit every problem of ``batch``; heterogeneity statistics as metafor."""
    k, p = batch.k, batch.p
    df = k - p
    tau2 = estimate_tau2(batch, method)
    fit = batch.fit_at(tau2)
    fit0 = fit if method == "FE" else batch.fit_at(np.zeros(k.shape))
    has_df = df > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        qe = np.where(has_df, np.maximum(0.0, fit0.rss), 0.0)
        vt = np.where(has_df, df / fit0.trace_p, 0.0)
        if method == "FE":
            i2 = np.where(has_df, np.maximum(0.0, 100.0 * (qe - df) / qe), 0.0)
            h2 = np.where(has_df, qe / df, 1.0)
        else:
            i2 = np.where(has_df, 100.0 * tau2 / (vt + tau2), 0.0)
            h2 = np.where(has_df, tau2 / vt + 1.0, 1.0)
        if test in ("knha", "adhoc"):
            s2w = np.where(fit.rss <= np.finfo(float).eps, 0.0, fit.rss / df)
            if test == "adhoc":
                s2w = np.maximum(s2w, 1.0)
            s2w = np.where(has_df, s2w, 1.0)
            ddf = np.where(has_df, df.astype(float), np.nan)
        else:
            s2w = np.ones(k.shape)
            ddf = np.full(k.shape, np.nan)
    return BatchSummary(
        batch=batch,
        method=method,
        test=test,
        tau2=tau2,
        fit=fit,
        vb=fit.a * s2w[:, None, None],
        s2w=s2w,
        ddf=ddf,
        qe=qe,
        vt=vt,
        i2=i2,
        h2=h2,
    )


@dataclass(frozen=True)
class Coefficient:
    """One model coefficient with its test and confidence interval."""

    name: str
    estimate: float
    se: float
    stat: float
    pval: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class HeterogeneityCI:
    """tau2 and I2 with their Q-profile confidence limits (:meth:`MetaResult.confint`)."""

    level: float
    tau2: float
    tau2_low: float
    tau2_high: float
    i2: float
    i2_low: float
    i2_high: float


#: the columns of :meth:`MetaResult.summary_frame`, in order
SUMMARY_COLUMNS = ("k", "estimate", "se", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "q", "pval")


@dataclass(frozen=True, eq=False, repr=False)
class MetaResult:
    """A fitted meta-analysis, as metafor's ``rma.uni`` object (returned by :func:`rma`).

    ``estimate``, ``se``, ``pval``, ``ci_low`` and ``ci_high`` refer to the first coefficient (the
    pooled effect). Typing the result in Jupyter or the Python prompt shows metafor's print;
    :meth:`summary_frame` gives the one-row table, :meth:`to_dict` plain Python values.
    ``omitted_rows`` lists the 1-based input rows left out for missing values (``notes`` says why).
    Secondary quantities are computed on first access, not by :func:`rma`: the Q-profile interval
    of tau2 and I2 (``tau2_ci_low`` ... ``i2_ci_high``, or :meth:`confint`), ``tau2_se``,
    ``q_pval`` and the study ``weights``.
    """

    k: int
    method: str
    test: str
    level: float
    coefficients: tuple[Coefficient, ...]
    df: float | None
    tau2: float
    i2: float
    h2: float
    q: float
    q_df: int
    qm: float | None
    qm_df: tuple[int, ...] | None
    qm_pval: float | None
    r2: float | None
    pi_low: float | None
    pi_high: float | None
    s2w: float
    yi: np.ndarray = field(repr=False)
    vi: np.ndarray = field(repr=False)
    X: np.ndarray = field(repr=False)
    slab: Sequence[str] = field(repr=False)
    #: the fitted batch, kept for the quantities computed on first access (tau2 interval, Q's p-value)
    fitted: BatchSummary = field(repr=False)
    notes: tuple[str, ...] = ()
    omitted_rows: tuple[int, ...] = ()

    #: the studies' weights in percent when the pooling method is not inverse variance (RevMan's
    #: Mantel-Haenszel: :func:`compendium.meta.revman.as_meta_result`); None: the fitted model's
    given_weights: np.ndarray | None = field(default=None, repr=False)

    @cached_property
    def weights(self) -> np.ndarray:
        """The studies' weights in percent (read-only)."""
        if self.given_weights is not None:
            return _frozen(np.array(self.given_weights, dtype=float))
        w = self.fitted.fit.w[0]
        return _frozen(100.0 * w / w.sum())

    @cached_property
    def q_pval(self) -> float:
        """p-value of the test for (residual) heterogeneity (1 without residual degrees of freedom)."""
        return float(chi2_upper(self.q, self.q_df)) if self.q_df > 0 else 1.0

    @cached_property
    def tau2_se(self) -> float:
        """Standard error of tau2 as metafor reports it (NaN where metafor gives none)."""
        s = self.fitted
        if self.method == "FE" or self.q_df <= 0:
            return float("nan")
        return float(tau2_standard_error(s.batch, self.method, s.tau2, s.fit)[0])

    def confint(self) -> HeterogeneityCI:
        """Q-profile confidence intervals of tau2 and I2 (metafor ``confint``), computed on the
        first call (``rma`` does not compute them: most callers never read them).

        Returns
        -------
        HeterogeneityCI
            tau2 and I2 with their limits at the model's level (NaN for an equal-effects model
            or when there are no residual degrees of freedom).

        References
        ----------
        Viechtbauer W (2007). Confidence intervals for the amount of heterogeneity in
        meta-analysis. Stat Med 26:37-52.

        Examples
        --------
        >>> res = rma([0.1, 0.3, 0.35, 0.6], [0.01, 0.02, 0.015, 0.03], method="DL", test="z")
        >>> ci = res.confint()
        >>> round(ci.tau2_low, 4), round(ci.tau2_high, 4)  # metafor 3.8 confint(res): 0.0000, 0.5670
        (0.0, 0.567)
        """
        return self._confint

    @cached_property
    def _confint(self) -> HeterogeneityCI:
        s = self.fitted
        if self.method == "FE" or self.q_df <= 0:
            nan = float("nan")
            return HeterogeneityCI(self.level, self.tau2, nan, nan, self.i2, nan, nan)
        alpha = alpha_of(self.level)
        # Newton from the estimate: the limits are near it when k is large (see solve_q)
        low = solve_q(s.batch, chi2_quantile_upper(alpha / 2, self.q_df), start=s.tau2, start_fit=s.fit)
        high = solve_q(s.batch, chi2_quantile_upper(1.0 - alpha / 2, self.q_df), start=s.tau2, start_fit=s.fit)
        tau2_low, tau2_high = float(low[0]), float(high[0])
        vt = float(s.vt[0])
        return HeterogeneityCI(
            self.level,
            self.tau2,
            tau2_low,
            tau2_high,
            self.i2,
            100.0 * tau2_low / (vt + tau2_low),
            100.0 * tau2_high / (vt + tau2_high),
        )

    @property
    def tau2_ci_low(self) -> float:
        return self._confint.tau2_low

    @property
    def tau2_ci_high(self) -> float:
        return self._confint.tau2_high

    @property
    def i2_ci_low(self) -> float:
        return self._confint.i2_low

    @property
    def i2_ci_high(self) -> float:
        return self._confint.i2_high

    @property
    def estimate(self) -> float:
        return self.coefficients[0].estimate

    @property
    def se(self) -> float:
        return self.coefficients[0].se

    @property
    def pval(self) -> float:
        return self.coefficients[0].pval

    @property
    def ci_low(self) -> float:
        return self.coefficients[0].ci_low

    @property
    def ci_high(self) -> float:
        return self.coefficients[0].ci_high

    @property
    def has_mods(self) -> bool:
        return len(self.coefficients) > 1

    def to_dict(self) -> dict[str, object]:
        """The CLI's JSON keys (plain Python types, NaN as None)."""
        out: dict[str, object] = {
            "k": self.k,
            "method": self.method,
            "test": self.test,
            "estimate": self.estimate,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "pval": self.pval,
            "tau2": self.tau2,
            "tau2_ci_low": self.tau2_ci_low,
            "tau2_ci_high": self.tau2_ci_high,
            "i2": self.i2,
            "h2": self.h2,
            "q": self.q,
            "q_pval": self.q_pval,
            "pi_low": self.pi_low,
            "pi_high": self.pi_high,
            "level": self.level,
        }
        if self.has_mods:
            out["coefficients"] = [
                {"name": c.name, "estimate": c.estimate, "se": c.se, "pval": c.pval} for c in self.coefficients
            ]
            out["qm"] = self.qm
            out["qm_pval"] = self.qm_pval
        out["notes"] = list(self.notes)
        return clean_json(out)

    def summary_frame(self, transf: Callable[[np.ndarray], np.ndarray] | None = None) -> pd.DataFrame:
        """The pooled result as a one-row table (statsmodels' ``summary_frame``).

        Parameters
        ----------
        transf : callable, optional
            Back-transformation of the estimate and its interval limits, as metafor's
            ``predict(res, transf=exp)``: ``numpy.exp`` for ratio measures (log OR, log RR, ROM)
            gives the ratio scale. ``se`` is then missing (it is on the analysis scale only).

        Returns
        -------
        pandas.DataFrame
            One row with columns k, estimate, se, ci_low, ci_high, pi_low, pi_high, tau2, i2, q,
            pval (the prediction interval is missing for equal-effects models and meta-regressions).

        Examples
        --------
        >>> res = rma([0.1, 0.3, 0.35, 0.6], [0.01, 0.02, 0.015, 0.03], method="DL", test="z")
        >>> float(res.summary_frame()["estimate"].round(4).iloc[0])  # metafor 3.8: 0.3089
        0.3089
        >>> float(res.summary_frame(transf=np.exp)["estimate"].round(4).iloc[0])  # predict(transf=exp)
        1.3619
        """
        import pandas as pd

        row: dict[str, float] = {
            "k": self.k,
            "estimate": self.estimate,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "pi_low": np.nan if self.pi_low is None else self.pi_low,
            "pi_high": np.nan if self.pi_high is None else self.pi_high,
            "tau2": self.tau2,
            "i2": self.i2,
            "q": self.q,
            "pval": self.pval,
        }
        if transf is not None:
            for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
                row[key] = float(transf(np.asarray(row[key], dtype=float)))
            row["se"] = np.nan
        return pd.DataFrame([row], columns=list(SUMMARY_COLUMNS))

    def to_frame(self) -> pd.DataFrame:
        """One row per coefficient: name, estimate, se, stat, pval, ci_low, ci_high."""
        import pandas as pd

        return pd.DataFrame([c.__dict__ for c in self.coefficients])

    def study_frame(self) -> pd.DataFrame:
        """One row per study: slab, yi, vi, sei and weight (percent)."""
        import pandas as pd

        return pd.DataFrame(
            {"slab": list(self.slab), "yi": self.yi, "vi": self.vi, "sei": np.sqrt(self.vi), "weight": self.weights}
        )

    def __str__(self) -> str:
        return format_result(self)

    def __repr__(self) -> str:
        return format_result(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython's PrettyPrinter (not a dependency)
        """IPython/Jupyter display: metafor's print."""
        printer.text(format_result(self))


def _fmt_p(p: float | None) -> str:
    if p is None or not np.isfinite(p):
        return "NA"
    return "< .0001" if p < 1e-4 else f"= {p:.4f}"


def _aligned_table(header: list[str], labels: list[str], rows: list[list[str]]) -> str:
    """Right-aligned text columns under their names, row labels left-aligned (as R prints)."""
    widths = [max(len(h), *(len(r[j]) for r in rows)) for j, h in enumerate(header)]
    label_width = max(len(label) for label in labels)
    lines = [" " * label_width + "".join(f" {h:>{w}}" for h, w in zip(header, widths))]
    lines += [
        f"{label:<{label_width}}" + "".join(f" {cell:>{w}}" for cell, w in zip(row, widths))
        for label, row in zip(labels, rows)
    ]
    return "\n".join(lines)


def format_result(res: MetaResult) -> str:
    """A summary laid out like metafor's print.rma.uni."""
    random = res.method != "FE"
    kind = "Mixed-Effects" if res.has_mods else ("Random-Effects" if random else "Fixed-Effects")
    amount = "residual" if res.has_mods else "total"
    head = f"{kind} Model (k = {res.k}" + (f"; tau^2 estimator: {res.method})" if random else ")")
    lines = [head, ""]
    if random:
        se = f" (SE = {res.tau2_se:.4f})" if np.isfinite(res.tau2_se) else ""
        ci = (
            f" [{res.level:g}% CI {res.tau2_ci_low:.4f}, {res.tau2_ci_high:.4f}]"
            if np.isfinite(res.tau2_ci_low)
            else ""
        )
        lines += [
            f"tau^2 (estimated amount of {amount} heterogeneity): {res.tau2:.4f}{se}{ci}",
            f"tau (square root of estimated tau^2 value):      {np.sqrt(res.tau2):.4f}",
        ]
    label = "unaccounted variability" if res.has_mods else "total variability"
    lines += [
        f"I^2 ({amount} heterogeneity / {label}):   {res.i2:.2f}%",
        f"H^2 ({'unaccounted' if res.has_mods else 'total'} variability / sampling variability):  {res.h2:.2f}",
    ]
    if res.r2 is not None and np.isfinite(res.r2):
        lines.append(f"R^2 (amount of heterogeneity accounted for):            {res.r2:.2f}%")
    lines += [
        "",
        "Test for " + ("Residual " if res.has_mods else "") + "Heterogeneity:",
        f"{'QE' if res.has_mods else 'Q'}(df = {res.q_df}) = {res.q:.4f}, p-val {_fmt_p(res.q_pval)}",
    ]
    if res.has_mods and res.qm is not None:
        qm_df = res.qm_df or ()
        n_tested = qm_df[0] if qm_df else 0
        if res.df is not None:
            stat = f"F(df1 = {qm_df[0]}, df2 = {qm_df[1]}) = {res.qm:.4f}"
        else:
            stat = f"QM(df = {n_tested}) = {res.qm:.4f}"
        lines += [
            "",
            f"Test of Moderators (coefficients 2:{len(res.coefficients)}):",
            f"{stat}, p-val {_fmt_p(res.qm_pval)}",
        ]
    stat_name = "tval" if res.df is not None else "zval"
    header = ["estimate", "se", stat_name] + (["df"] if res.df is not None else []) + ["pval", "ci.lb", "ci.ub"]
    rows = [
        [f"{c.estimate:.4f}", f"{c.se:.4f}", f"{c.stat:.4f}"]
        + ([str(int(res.df))] if res.df is not None else [])
        + [_fmt_p(c.pval).replace("= ", "").replace("< ", "<"), f"{c.ci_low:.4f}", f"{c.ci_high:.4f}"]
        for c in res.coefficients
    ]
    labels = [c.name if res.has_mods else "" for c in res.coefficients]
    lines += ["", "Model Results:", "", _aligned_table(header, labels, rows)]
    if res.pi_low is not None and random:
        lines += ["", f"Prediction interval ({res.level:g}%): {res.pi_low:.4f} to {res.pi_high:.4f}"]
    if res.notes:
        lines += ["", "Notes:"] + [f"- {note}" for note in res.notes]
    return "\n".join(lines) + "\n"


class DefaultLabels(Sequence[str]):
    """The labels "Study N" of the given 1-based rows, made only when asked for (k may be 10^6)."""

    def __init__(self, rows: range | np.ndarray) -> None:
        self._rows = rows  # a range when every row is kept: no array of k numbers

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [f"Study {int(r)}" for r in self._rows[index]]
        return f"Study {int(self._rows[index])}"


def unique_labels(labels: list[str]) -> tuple[str, ...]:
    """Study labels made unique as metafor does (``metafor:::.make.unique``): every label that
    occurs more than once gets ``.1``, ``.2``, ... in order of appearance, label by label in the
    order the labels first appear (so A, A, B, A.1 gives A.1.1, A.2, B, A.1.2, as metafor).

    Examples
    --------
    >>> unique_labels(["A", "A", "B"])
    ('A.1', 'A.2', 'B')
    """
    out = list(labels)
    if len(set(out)) == len(out):
        return tuple(out)
    where: dict[str, list[int]] = {}  # label -> its positions in ``out`` as renamed so far
    for i, label in enumerate(out):
        where.setdefault(label, []).append(i)
    for label in dict.fromkeys(labels):
        positions = sorted(where.get(label, []))
        if len(positions) > 1:
            where[label] = []
            for n, i in enumerate(positions, start=1):
                out[i] = f"{label}.{n}"
                where.setdefault(out[i], []).append(i)
    return tuple(out)


#: effect sizes beyond this magnitude and sampling variances outside [1/LIMIT, LIMIT] are refused:
#: no effect scale reaches them, and the weighted sums (up to w^3 r^2) overflow double precision
MAGNITUDE_LIMIT = 1e50


def _where(source: str) -> str:
    return source or "input"


def _numeric(values: object, name: str, n: int | None, source: str) -> np.ndarray:
    """Float array of ``values``; None and empty text become NaN (missing), other text is refused."""
    array = np.asarray(values)
    if array.dtype.kind in "fiub":  # already numeric: no conversion cell by cell
        arr = array.astype(float).reshape(-1)
        if n is not None and len(arr) != n:
            raise CompendiumError(f"{_where(source)}: column {name!r} has {len(arr)} values, expected {n}")
        return arr
    seq = array.reshape(-1).tolist()
    try:
        arr = np.asarray(seq, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        arr = np.empty(len(seq))
        for i, value in enumerate(seq):
            if value is None or (isinstance(value, str) and not value.strip()):
                arr[i] = np.nan
                continue
            try:
                arr[i] = float(value)
            except (TypeError, ValueError):
                raise CompendiumError(cell_problem(_where(source), i + 1, name, "a number", value)) from None
    if n is not None and len(arr) != n:
        raise CompendiumError(f"{_where(source)}: column {name!r} has {len(arr)} values, expected {n}")
    return arr


def _columns(data: Any) -> list[str]:
    return [str(c) for c in getattr(data, "columns", data)]  # a DataFrame's columns or a mapping's keys


def omit_missing(
    arrays: dict[str, np.ndarray],
    na_action: str,
    source: str,
    labels: Sequence[str] | None,
) -> tuple[np.ndarray, list[str]]:
    """Rows to keep, and the notes naming the rows left out (metafor's na.action).

    ``arrays`` maps column names to float arrays (NaN = missing). With ``na_action="omit"`` a
    warning and a note list every row left out and its missing columns; ``"fail"`` raises for the
    first one.
    """
    missing = np.zeros(len(next(iter(arrays.values()))), dtype=bool)
    for values in arrays.values():
        missing |= np.isnan(values)
    if not missing.any():
        return ~missing, []
    rows = np.flatnonzero(missing)
    if na_action == "fail":
        first = int(rows[0])
        column = next(name for name, values in arrays.items() if np.isnan(values[first]))
        raise CompendiumError(
            cell_problem(_where(source), first + 1, column, "a number (na_action='fail' refuses missing values)", "")
        )
    described = []
    for i in rows[:20]:
        cols = ", ".join(repr(name) for name, values in arrays.items() if np.isnan(values[i]))
        label = f" ({labels[i]})" if labels is not None else ""
        described.append(f"row {i + 1}{label}: {cols}")
    more = f"; and {len(rows) - 20} more" if len(rows) > 20 else ""
    note = (
        f"{len(rows)} of {len(missing)} studies omitted for a missing value (na_action='omit', "
        f"as metafor's na.omit): " + "; ".join(described) + more + "."
    )
    warnings.warn(note, stacklevel=3)
    return ~missing, [note]


def prepare_inputs(  # the inputs are duck-typed (array-likes, column names, a DataFrame or mapping): Any
    yi: Any,
    vi: Any = None,
    *,
    sei: Any = None,
    mods: Any = None,
    data: Any = None,
    slab: Any = None,
    intercept: bool = True,
    source: str = "",
    na_action: str = "omit",
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], Sequence[str], tuple[int, ...], list[str]]:
    """Validate inputs; returns y, v, X, coefficient names, study labels, omitted rows and notes.

    With ``data`` (a DataFrame or a mapping of column name to values), ``yi``/``vi``/``sei``/
    ``slab`` are column names and ``mods`` a list of column names. Errors name ``source`` (a
    file), the 1-based data row and the column. Rows with a missing value in yi, vi/sei or a
    moderator are left out with a warning and a note (``na_action="omit"``) or refused
    (``"fail"``).
    """
    if na_action not in NA_ACTIONS:
        raise CompendiumError(f"na_action must be one of {', '.join(NA_ACTIONS)}, got {na_action!r}")
    names = {"yi": "yi", "vi": "vi", "sei": "sei"}
    mod_cols: list[str] = []
    if data is not None:
        available = _columns(data)
        wanted = [c for c in (yi, vi, sei, slab) if c is not None] + list(mods or [])
        for col in wanted:
            if str(col) not in available:
                raise CompendiumError(f"{_where(source)}: missing column {col!r} (columns: {', '.join(available)})")
        names.update({"yi": str(yi), "vi": str(vi), "sei": str(sei)})
        get = data.__getitem__
        yi = get(yi)
        vi = get(vi) if vi is not None else None
        sei = get(sei) if sei is not None else None
        slab = get(slab) if slab is not None else None
        mod_cols = [str(c) for c in (mods or [])]
        mods = [get(c) for c in mod_cols] if mod_cols else None
    y = _numeric(yi, names["yi"], None, source)
    k = len(y)
    if k == 0:
        raise CompendiumError(f"{_where(source)}: no studies (k = 0): nothing to meta-analyse")
    if (vi is None) == (sei is None):
        raise CompendiumError(f"{_where(source)}: give exactly one of vi or sei")
    vname = names["vi"] if vi is not None else names["sei"]
    v = _numeric(vi if vi is not None else sei, vname, k, source)
    arrays = {names["yi"]: y, vname: v}
    if mods is not None:
        if mod_cols:
            columns = list(mods)
        else:
            matrix = np.asarray(mods.to_numpy() if hasattr(mods, "to_numpy") else mods, dtype=object)
            if matrix.ndim == 1:
                matrix = matrix.reshape(-1, 1)
            if matrix.ndim != 2 or matrix.shape[0] != k:
                raise CompendiumError(
                    f"{_where(source)}: mods has {matrix.shape[0]} rows, expected {k} (one per study)"
                )
            columns = [matrix[:, j] for j in range(matrix.shape[1])]
            given = list(mods.columns) if hasattr(mods, "columns") else []
            mod_cols = [str(c) if isinstance(c, str) else f"mod{j + 1}" for j, c in enumerate(given)] or [
                f"mod{j + 1}" for j in range(len(columns))
            ]
        for name, values in zip(mod_cols, columns):
            arrays[name] = _numeric(values, name, k, source)
    labels: Sequence[str] = (
        unique_labels([str(s) for s in slab]) if slab is not None else DefaultLabels(range(1, k + 1))
    )
    if len(labels) != k:
        raise CompendiumError(f"{_where(source)}: slab has {len(labels)} labels, expected {k}")
    keep, notes = omit_missing(arrays, na_action, source, labels if slab is not None else None)
    all_kept = not notes  # omit_missing notes every row it leaves out
    omitted: tuple[int, ...] = ()
    if not all_kept:
        omitted = tuple(int(i) + 1 for i in np.flatnonzero(~keep))
        rows = np.flatnonzero(keep)
        if len(rows) == 0:
            raise CompendiumError(f"{_where(source)}: no studies left (k = 0): every row has a missing value")
    for name, values in arrays.items():
        if name == vname:
            low, high = 1 / MAGNITUDE_LIMIT, MAGNITUDE_LIMIT
            if vi is None:  # standard errors: squared within the limits
                low, high = low**0.5, high**0.5
        else:
            low, high = -MAGNITUDE_LIMIT, MAGNITUDE_LIMIT
        inside = (values >= low) & (values <= high)  # one pass; NaN and infinities are outside
        if not (inside.all() or (not all_kept and (inside | ~keep).all())):
            _refuse_values(values, name, vname, vi is not None, keep, source)
    if not all_kept:
        y, v = y[rows], v[rows]
        k = len(rows)
    if vi is None:
        v = v * v
    if mod_cols:
        columns_x = [np.ones(k)] if intercept else []
        coef_names = ["intrcpt"] if intercept else []
        for name in mod_cols:
            columns_x.append(arrays[name] if all_kept else arrays[name][rows])
            coef_names.append(name)
        X = np.column_stack(columns_x)
    elif intercept:
        X, coef_names = np.ones((k, 1)), ["intrcpt"]
    else:
        raise CompendiumError(f"{_where(source)}: the model has no coefficients (no intercept and no moderators)")
    if mod_cols and (not X.any(axis=0).all() or (X.shape[1] > 1 and np.linalg.matrix_rank(X) < X.shape[1])):
        raise CompendiumError(f"{_where(source)}: moderators are collinear (design matrix not of full rank)")
    if k < X.shape[1]:
        raise CompendiumError(f"{_where(source)}: k = {k} studies cannot estimate {X.shape[1]} coefficients")
    for array in (y, v, X):  # our own copies (made above): read-only, so results can hold them uncopied
        array.flags.writeable = False
    if all_kept:
        kept_labels = labels
    elif isinstance(labels, DefaultLabels):
        kept_labels = DefaultLabels(rows + 1)
    else:
        kept_labels = tuple(labels[int(i)] for i in rows)
    return y, v, X, tuple(coef_names), kept_labels, omitted, notes


def _refuse_values(values: np.ndarray, name: str, vname: str, variances: bool, keep: np.ndarray, source: str) -> None:
    """Raise for the first kept row of ``values`` that is not finite or outside the limits."""
    bad = ~np.isfinite(values) & keep
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise CompendiumError(cell_problem(_where(source), i + 1, name, "a finite number", values[i]))
    if name == vname and variances:
        bad = (values <= 0) | (values < 1 / MAGNITUDE_LIMIT) | (values > MAGNITUDE_LIMIT)
        expected = f"a sampling variance > 0 (between {1 / MAGNITUDE_LIMIT:g} and {MAGNITUDE_LIMIT:g})"
    elif name == vname:
        bad = (values <= 0) | (values**2 < 1 / MAGNITUDE_LIMIT) | (values**2 > MAGNITUDE_LIMIT)
        expected = f"a standard error > 0 (squared between {1 / MAGNITUDE_LIMIT:g} and {MAGNITUDE_LIMIT:g})"
    else:
        bad = np.abs(values) > MAGNITUDE_LIMIT
        expected = f"a value of magnitude at most {MAGNITUDE_LIMIT:g}"
    bad &= keep
    i = int(np.flatnonzero(bad)[0])
    raise CompendiumError(cell_problem(_where(source), i + 1, name, expected, values[i]))


def _notes(k: int, p: int, method: str, test: str, tau2: float, y: np.ndarray, v: np.ndarray, s2w: float) -> list[str]:
    notes = []
    if k == 1:
        notes.append(
            "k = 1: a single study, no pooling; the result is that study's own estimate "
            "with a z-based interval (tau2 cannot be estimated)."
        )
        return notes
    if k == 2:
        notes.append(
            "k = 2: tau2 rests on two studies and is very imprecise"
            + ("; the t-based (knha) interval has 1 df and is very wide." if test != "z" else ".")
        )
    if k - p == 0:
        notes.append("k - p = 0: no residual degrees of freedom; heterogeneity cannot be assessed.")
    elif method != "FE" and tau2 == 0.0:
        notes.append("tau2 was estimated at 0: the random-effects model equals the equal-effects (fixed-effect) model.")
    if y.max() == y.min():
        notes.append(
            "All studies have the same effect size: there is no variation, so heterogeneity "
            "is 0 and t-based (knha) standard errors and tests are not defined."
        )
    v_min, v_max = float(v.min()), float(v.max())
    if v_max == v_min:
        notes.append(
            "All studies have the same sampling variance: every study gets the same weight, "
            "so random-effects and equal-effects estimates coincide."
        )
    elif v_max / v_min >= VARIANCE_RATIO_WARNING:
        note = (
            f"The largest sampling variance is {v_max / v_min:.3g} times the smallest (metafor warns "
            f"from {VARIANCE_RATIO_WARNING:g}: 'Ratio of largest to smallest sampling variance extremely "
            "large. May not be able to obtain stable results.'): the study with the smallest variance "
            "dominates the equal-effects weights."
        )
        warnings.warn(note, stacklevel=5)
        notes.append(note)
    if method == "FE" and test != "z":
        notes.append("The Knapp-Hartung adjustment is not meant for equal-effects models (as metafor warns).")
    if test == "knha" and k - p > 0 and s2w < 1.0 - KNHA_FACTOR_TOLERANCE:
        notes.append(
            f"The knha variance factor is {s2w:.3f} < 1, so the interval is narrower than the "
            "z-based one; test='adhoc' never is."
        )
    return notes


#: metafor 3.8 warns when the largest sampling variance is at least this multiple of the smallest
#: (``1 / control$evtol``, evtol = 1e-7, in rma.uni)
VARIANCE_RATIO_WARNING = 1e7

#: the knha factor is called "below 1" only when it is below 1 by more than rounding error
KNHA_FACTOR_TOLERANCE = 1e-9


def rma(
    yi: object,
    vi: object = None,
    *,
    sei: object = None,
    mods: object = None,
    data: object = None,
    slab: object = None,
    method: str = DEFAULTS.method,
    test: str = DEFAULTS.test,
    level: float = DEFAULTS.level,
    intercept: bool = True,
    na_action: str = "omit",
    notes: Sequence[str] = (),
    source: str = "",
) -> MetaResult:
    """Fit an equal-effects, random-effects or mixed-effects (meta-regression) model as metafor's rma.

    Parameters
    ----------
    yi, vi : array-like or str
        Effect sizes and sampling variances (column names when ``data`` is given).
    sei : array-like or str, optional
        Standard errors instead of ``vi``.
    mods : array-like or list of str, optional
        Moderators (meta-regression); column names when ``data`` is given.
    data : pandas.DataFrame or mapping, optional
        The table holding the named columns (e.g. the output of :func:`escalc`).
    slab : array-like or str, optional
        Study labels.
    method : str
        tau2 estimator: FE (equal effects), DL, REML (default), ML, PM, SJ, HE, EB.
    test : str
        ``"z"``, ``"knha"`` (Hartung-Knapp-Sidik-Jonkman, default) or ``"adhoc"``.
    level : float
        Confidence level, read as metafor does (:func:`~compendium.meta.settings.level_percent`):
        95, 0.95 and 0.05 all mean a 95% interval. Stored in percent.
    intercept : bool
        Include an intercept (default True).
    na_action : str
        ``"omit"`` (default, metafor's ``na.omit``): studies with a missing yi, vi/sei or
        moderator are left out with a warning, listed in ``notes`` and ``omitted_rows``;
        ``"fail"``: a missing value is an error naming its row and column.
    notes : sequence of str
        Extra notes to carry in the result.
    source : str
        The file the inputs came from, named in error messages.

    Returns
    -------
    MetaResult
        Coefficients, tau2, I2, H2, Q, the prediction interval and notes; the Q-profile CI of tau2
        is computed when first read (:meth:`MetaResult.confint`).

    References
    ----------
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. J Stat Softw
    36(3):1-48. Tested against metafor 3.8 (tests/test_meta_model.py, pinned values from
    tests/r/metafor_reference.R).

    Examples
    --------
    >>> res = rma([0.1, 0.3, 0.35, 0.6], [0.01, 0.02, 0.015, 0.03], method="DL", test="z")
    >>> round(res.estimate, 4), round(res.tau2, 4), round(res.i2, 2)  # metafor 3.8 gives the same
    (0.3089, 0.0224, 57.07)
    """
    if method not in METHODS:
        raise CompendiumError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if test not in TESTS:
        raise CompendiumError(f"test must be one of {', '.join(TESTS)}, got {test!r}")
    level = level_percent(level)
    y, v, X, names, labels, omitted, na_notes = prepare_inputs(
        yi, vi, sei=sei, mods=mods, data=data, slab=slab, intercept=intercept, source=source, na_action=na_action
    )
    return fit_model(
        y,
        v,
        X,
        names,
        labels,
        method=method,
        test=test,
        level=level,
        notes=list(notes) + na_notes,
        omitted_rows=omitted,
    )


def fit_model(
    y: np.ndarray,
    v: np.ndarray,
    X: np.ndarray,
    names: tuple[str, ...],
    labels: Sequence[str],
    *,
    method: str,
    test: str,
    level: float,
    notes: Sequence[str] = (),
    omitted_rows: tuple[int, ...] = (),
) -> MetaResult:
    """Fit validated arrays (see :func:`rma`); a numerically singular problem is a clear error."""
    try:
        return _fit_arrays(
            y, v, X, names, labels, method=method, test=test, level=level, notes=notes, omitted_rows=omitted_rows
        )
    except np.linalg.LinAlgError:
        raise CompendiumError(
            "the weighted design matrix is singular: the moderators (or the standard errors used as "
            "a moderator) do not vary enough across studies to be estimated"
        ) from None


def _fit_arrays(
    y: np.ndarray,
    v: np.ndarray,
    X: np.ndarray,
    names: tuple[str, ...],
    labels: Sequence[str],
    *,
    method: str,
    test: str,
    level: float,
    notes: Sequence[str],
    omitted_rows: tuple[int, ...],
) -> MetaResult:
    k, p = X.shape
    if method != "FE" and 1 < k <= p:
        raise CompendiumError(
            f"k = {k} studies cannot estimate {p} coefficients and tau2 ({method}): no residual degrees "
            "of freedom (metafor refuses too: 'Number of parameters to be estimated is larger than the "
            "number of observations'); use fewer moderators, or method='FE'"
        )
    if k == 1:
        test = "z"  # as metafor: no degrees of freedom for t
    batch = Batch.single(y, v, X)
    s = summarise(batch, method, test)
    beta, vb = s.fit.beta[0], s.vb[0]
    se = np.sqrt(vb.diagonal())
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = beta / se
    pvals = s.pvalues(stat[None, :])[0]
    crit = float(s.crit(level)[0])
    coefs = tuple(
        Coefficient(
            names[j],
            float(beta[j]),
            float(se[j]),
            float(stat[j]),
            float(pvals[j]),
            float(beta[j] - crit * se[j]),
            float(beta[j] + crit * se[j]),
        )
        for j in range(p)
    )
    tau2 = float(s.tau2[0])
    df_resid = k - p
    qm = qm_pval = r2 = None
    qm_df: tuple[int, ...] | None = None
    pi_low = pi_high = None
    if not batch.intercept_only:
        has_intercept = bool(np.all(X[:, 0] == 1.0))
        btt = np.arange(1 if has_intercept else 0, p)
        b, vbb = beta[btt], vb[np.ix_(btt, btt)]
        try:
            qm = float(b @ np.linalg.solve(vbb, b))
        except np.linalg.LinAlgError:  # a zero covariance: knha with no residual variation
            qm = float("nan")
        if s.ddf[0] == s.ddf[0]:  # t-based: F test
            qm /= len(btt)
            qm_df = (len(btt), df_resid)
            qm_pval = f_upper(qm, len(btt), df_resid) if df_resid > 0 else float("nan")
        else:
            qm_df = (len(btt),)
            qm_pval = float(chi2_upper(qm, len(btt)))
        if has_intercept and method != "FE":
            base = summarise(Batch(y=y, v=v, X=X[:, :1], mask=batch.mask), method, test)
            tau2_re = float(base.tau2[0])
            r2 = 0.0 if tau2_re == 0.0 else max(0.0, 100.0 * (tau2_re - tau2) / tau2_re)
    elif method != "FE":  # metafor's predict gives no prediction interval for FE models
        pi_se = np.sqrt(se[0] ** 2 + tau2)
        pi_low, pi_high = float(beta[0] - crit * pi_se), float(beta[0] + crit * pi_se)
    all_notes = _notes(k, p, method, test, tau2, y, v, float(s.s2w[0])) + list(notes)
    if p > 1:
        all_notes.append(
            "Meta-regression: 'estimate' is the intercept (all moderators at 0); no prediction interval is reported."
        )
    return MetaResult(
        k=k,
        method=method,
        test=test,
        level=level,
        coefficients=coefs,
        df=float(s.ddf[0]) if np.isfinite(s.ddf[0]) else None,
        tau2=tau2,
        i2=float(s.i2[0]),
        h2=float(s.h2[0]),
        q=float(s.qe[0]),
        q_df=df_resid,
        qm=qm,
        qm_df=qm_df,
        qm_pval=qm_pval,
        r2=r2,
        pi_low=pi_low,
        pi_high=pi_high,
        s2w=float(s.s2w[0]),
        yi=_frozen(y),
        vi=_frozen(v),
        X=_frozen(X),
        slab=labels,
        fitted=s,
        notes=tuple(all_notes),
        omitted_rows=omitted_rows,
    )


def _frozen(arr: np.ndarray) -> np.ndarray:
    """A read-only float array: ``arr`` itself when it already is one (no copy), else a copy."""
    if arr.dtype == float and not arr.flags.writeable:
        return arr
    out = np.array(arr, dtype=float)
    out.flags.writeable = False
    return out
