"""Fitting a meta-analysis (equal-effects, random-effects, meta-regression): :func:`rma`.

Reproduces metafor 3.8 ``rma.uni`` (Viechtbauer 2010, J Stat Softw 36(3)):

* coefficients by weighted least squares with weights ``1 / (v_i + tau2)``;
* ``test="knha"`` multiplies the covariance by ``s2w = sum w_i r_i^2 / (k - p)`` and uses t with
  k - p df (Hartung & Knapp 2001; Sidik & Jonkman 2002); ``"adhoc"`` uses ``max(1, s2w)``;
* Q_E with weights 1/v_i; ``I2 = 100 tau2 / (vt + tau2)``, ``H2 = tau2 / vt + 1`` with the
  typical within-study variance ``vt = (k - p) / tr(P_0)`` (FE model: from Q_E);
* Q-profile confidence interval for tau2 (Viechtbauer 2007, Stat Med 26:37);
* prediction interval ``estimate +/- crit * sqrt(se^2 + tau2)``, crit from t(k - p) under knha and
  z otherwise (metafor ``predict.rma``).

Tested against metafor 3.8 on published datasets (tests/test_meta_model.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from compendium.errors import CompendiumError
from compendium.meta.gls import Batch, Fit
from compendium.meta.settings import DEFAULTS, METHODS, TESTS
from compendium.meta.tau2 import estimate_tau2, fit_at, solve_q, tau2_standard_error
from compendium.shared import clean_json


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
    qe_pval: np.ndarray
    vt: np.ndarray
    i2: np.ndarray
    h2: np.ndarray

    def crit(self, level: float) -> np.ndarray:
        """Critical values: t with ddf where finite, z elsewhere."""
        alpha = 1.0 - level / 100.0
        z = stats.norm.isf(alpha / 2)
        with np.errstate(invalid="ignore"):
            t = stats.t.isf(alpha / 2, np.where(np.isfinite(self.ddf), self.ddf, 1.0))
        return np.where(np.isfinite(self.ddf), t, z)

    def pvalues(self, stat: np.ndarray) -> np.ndarray:
        """Two-sided p-values of ``stat`` (shape (m,) or (m, p))."""
        ddf = self.ddf if stat.ndim == 1 else self.ddf[:, None]
        with np.errstate(invalid="ignore"):
            t = 2.0 * stats.t.sf(np.abs(stat), np.where(np.isfinite(ddf), ddf, 1.0))
        return np.where(np.isfinite(ddf), t, 2.0 * stats.norm.sf(np.abs(stat)))


def summarise(batch: Batch, method: str, test: str) -> BatchSummary:
    """Estimate tau2 and fit every problem of ``batch``; heterogeneity statistics as metafor."""
    k, p = batch.k, batch.p
    df = k - p
    tau2 = estimate_tau2(batch, method)
    fit = fit_at(batch, tau2)
    fit0 = fit if method == "FE" else fit_at(batch, np.zeros(k.shape))
    has_df = df > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        qe = np.where(has_df, np.maximum(0.0, fit0.rss), 0.0)
        qe_pval = np.where(has_df, stats.chi2.sf(qe, np.maximum(df, 1)), 1.0)
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
        batch=batch, method=method, test=test, tau2=tau2, fit=fit, vb=fit.a * s2w[:, None, None],
        s2w=s2w, ddf=ddf, qe=qe, qe_pval=qe_pval, vt=vt, i2=i2, h2=h2,
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


@dataclass(frozen=True, eq=False)
class MetaResult:
    """A fitted meta-analysis. ``estimate`` etc. refer to the first coefficient (the pooled effect)."""

    k: int
    method: str
    test: str
    level: float
    coefficients: tuple[Coefficient, ...]
    df: float | None
    tau2: float
    tau2_se: float
    tau2_ci_low: float
    tau2_ci_high: float
    i2: float
    i2_ci_low: float
    i2_ci_high: float
    h2: float
    q: float
    q_df: int
    q_pval: float
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
    weights: np.ndarray = field(repr=False)
    slab: tuple[str, ...] = field(repr=False)
    notes: tuple[str, ...] = ()

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
            "k": self.k, "method": self.method, "test": self.test,
            "estimate": self.estimate, "se": self.se, "ci_low": self.ci_low,
            "ci_high": self.ci_high, "pval": self.pval, "tau2": self.tau2,
            "tau2_ci_low": self.tau2_ci_low, "tau2_ci_high": self.tau2_ci_high,
            "i2": self.i2, "h2": self.h2, "q": self.q, "q_pval": self.q_pval,
            "pi_low": self.pi_low, "pi_high": self.pi_high,
        }
        if self.has_mods:
            out["coefficients"] = [
                {"name": c.name, "estimate": c.estimate, "se": c.se, "pval": c.pval}
                for c in self.coefficients
            ]
            out["qm"] = self.qm
            out["qm_pval"] = self.qm_pval
        out["notes"] = list(self.notes)
        return clean_json(out)

    def to_frame(self) -> pd.DataFrame:
        """One row per coefficient: name, estimate, se, stat, pval, ci_low, ci_high."""
        return pd.DataFrame([c.__dict__ for c in self.coefficients])

    def study_frame(self) -> pd.DataFrame:
        """One row per study: slab, yi, vi, sei and weight (percent)."""
        return pd.DataFrame(
            {"slab": list(self.slab), "yi": self.yi, "vi": self.vi, "sei": np.sqrt(self.vi),
             "weight": self.weights}
        )

    def __str__(self) -> str:
        return format_result(self)


def _fmt_p(p: float | None) -> str:
    if p is None or not np.isfinite(p):
        return "NA"
    return "< .0001" if p < 1e-4 else f"= {p:.4f}"


def format_result(res: MetaResult) -> str:
    """A summary laid out like metafor's print.rma.uni."""
    random = res.method != "FE"
    kind = "Mixed-Effects" if res.has_mods else ("Random-Effects" if random else "Fixed-Effects")
    amount = "residual" if res.has_mods else "total"
    head = f"{kind} Model (k = {res.k}" + (f"; tau^2 estimator: {res.method})" if random else ")")
    lines = [head, ""]
    if random:
        se = f" (SE = {res.tau2_se:.4f})" if np.isfinite(res.tau2_se) else ""
        ci = (f" [{res.level:g}% CI {res.tau2_ci_low:.4f}, {res.tau2_ci_high:.4f}]"
              if np.isfinite(res.tau2_ci_low) else "")
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
    lines += ["", "Test for " + ("Residual " if res.has_mods else "") + "Heterogeneity:",
              f"{'QE' if res.has_mods else 'Q'}(df = {res.q_df}) = {res.q:.4f}, p-val {_fmt_p(res.q_pval)}"]
    if res.has_mods and res.qm is not None:
        n_tested = res.qm_df[0] if res.qm_df else 0
        if res.df is not None:
            stat = f"F(df1 = {res.qm_df[0]}, df2 = {res.qm_df[1]}) = {res.qm:.4f}"
        else:
            stat = f"QM(df = {n_tested}) = {res.qm:.4f}"
        lines += ["", f"Test of Moderators (coefficients 2:{len(res.coefficients)}):",
                  f"{stat}, p-val {_fmt_p(res.qm_pval)}"]
    stat_name = "tval" if res.df is not None else "zval"
    table = pd.DataFrame({
        "estimate": [c.estimate for c in res.coefficients],
        "se": [c.se for c in res.coefficients],
        stat_name: [c.stat for c in res.coefficients],
        **({"df": [int(res.df)] * len(res.coefficients)} if res.df is not None else {}),
        "pval": [_fmt_p(c.pval).replace("= ", "").replace("< ", "<") for c in res.coefficients],
        "ci.lb": [c.ci_low for c in res.coefficients],
        "ci.ub": [c.ci_high for c in res.coefficients],
    }, index=[c.name if res.has_mods else "" for c in res.coefficients])
    lines += ["", "Model Results:", "", table.to_string(float_format=lambda x: f"{x:.4f}")]
    if res.pi_low is not None and random:
        lines += ["", f"Prediction interval ({res.level:g}%): {res.pi_low:.4f} to {res.pi_high:.4f}"]
    if res.notes:
        lines += ["", "Notes:"] + [f"- {note}" for note in res.notes]
    return "\n".join(lines) + "\n"


def _numeric(values: object, name: str, n: int | None, where: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        series = pd.Series(list(values) if not isinstance(values, pd.Series) else values)
        bad = pd.to_numeric(series, errors="coerce").isna() & series.notna()
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 1 if bad.any() else 0
        raise CompendiumError(f"{where}row {row}, column {name!r}: expected a number, got {series.iloc[row - 1]!r}") from None
    if n is not None and len(arr) != n:
        raise CompendiumError(f"{where}column {name!r} has {len(arr)} values, expected {n}")
    return arr


def prepare_inputs(
    yi: object, vi: object = None, *, sei: object = None, mods: object = None,
    data: pd.DataFrame | None = None, slab: object = None, intercept: bool = True,
    source: str = "",
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], tuple[str, ...]]:
    """Validate inputs; returns y, v, X, coefficient names and study labels.

    With ``data``, ``yi``/``vi``/``sei``/``slab`` are column names and ``mods`` a list of column
    names. Errors name ``source`` (a file), the row (1-based data row) and the column.
    """
    where = f"{source}: " if source else ""
    names = {"yi": "yi", "vi": "vi", "sei": "sei", "slab": "slab"}
    if data is not None:
        columns = [c for c in (yi, vi, sei, slab) if c is not None] + list(mods or [])
        for col in columns:
            if col not in data.columns:
                raise CompendiumError(f"{where}missing column {col!r} (columns: {', '.join(map(str, data.columns))})")
        names.update({"yi": yi, "vi": vi, "sei": sei, "slab": slab})
        yi = data[yi]
        vi = data[vi] if vi is not None else None
        sei = data[sei] if sei is not None else None
        slab = data[slab] if slab is not None else None
        mod_cols = list(mods or [])
        mods = data[mod_cols] if mod_cols else None
    else:
        mod_cols = []
    y = _numeric(yi, str(names["yi"]), None, where)
    k = len(y)
    if k == 0:
        raise CompendiumError(f"{where}no studies (k = 0): nothing to meta-analyse")
    if (vi is None) == (sei is None):
        raise CompendiumError(f"{where}give exactly one of vi or sei")
    if vi is not None:
        v = _numeric(vi, str(names["vi"]), k, where)
        vname = str(names["vi"])
    else:
        v = _numeric(sei, str(names["sei"]), k, where) ** 2
        vname = str(names["sei"])
    for arr, name in ((y, str(names["yi"])), (v, vname)):
        missing = ~np.isfinite(arr)
        if missing.any():
            row = int(np.flatnonzero(missing)[0]) + 1
            raise CompendiumError(f"{where}row {row}, column {name!r}: missing or non-finite value")
    nonpos = v <= 0
    if nonpos.any():
        row = int(np.flatnonzero(nonpos)[0]) + 1
        raise CompendiumError(f"{where}row {row}, column {vname!r}: sampling variance must be > 0, got {v[row - 1]:g}")
    columns = [np.ones(k)] if intercept else []
    coef_names = ["intrcpt"] if intercept else []
    if mods is not None:
        frame = mods if isinstance(mods, pd.DataFrame) else pd.DataFrame(np.asarray(mods, dtype=object).reshape(k, -1))
        for j, col in enumerate(frame.columns):
            name = str(mod_cols[j]) if mod_cols else (str(col) if isinstance(col, str) else f"mod{j + 1}")
            values = _numeric(frame.iloc[:, j].to_numpy(), name, k, where)
            missing = ~np.isfinite(values)
            if missing.any():
                raise CompendiumError(f"{where}row {int(np.flatnonzero(missing)[0]) + 1}, column {name!r}: missing moderator value")
            columns.append(values)
            coef_names.append(name)
    if not columns:
        raise CompendiumError(f"{where}the model has no coefficients (no intercept and no moderators)")
    X = np.column_stack(columns)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise CompendiumError(f"{where}moderators are collinear (design matrix not of full rank)")
    if k < X.shape[1]:
        raise CompendiumError(f"{where}k = {k} studies cannot estimate {X.shape[1]} coefficients")
    labels = tuple(str(s) for s in slab) if slab is not None else tuple(f"Study {i + 1}" for i in range(k))
    if len(labels) != k:
        raise CompendiumError(f"{where}slab has {len(labels)} labels, expected {k}")
    return y, v, X, tuple(coef_names), labels


def _notes(k: int, p: int, method: str, test: str, tau2: float, v: np.ndarray, s2w: float) -> list[str]:
    notes = []
    if k == 1:
        notes.append("k = 1: a single study, no pooling; the result is that study's own estimate "
                     "with a z-based interval (tau2 cannot be estimated).")
        return notes
    if k == 2:
        notes.append("k = 2: tau2 rests on two studies and is very imprecise"
                     + ("; the t-based (knha) interval has 1 df and is very wide." if test != "z" else "."))
    if k - p == 0:
        notes.append("k - p = 0: no residual degrees of freedom; heterogeneity cannot be assessed.")
    elif method != "FE" and tau2 == 0.0:
        notes.append("tau2 was estimated at 0: the random-effects model equals the equal-effects "
                     "(fixed-effect) model.")
    if np.ptp(v) == 0.0:
        notes.append("All studies have the same sampling variance: every study gets the same weight, "
                     "so random-effects and equal-effects estimates coincide.")
    if method == "FE" and test != "z":
        notes.append("The Knapp-Hartung adjustment is not meant for equal-effects models (as metafor warns).")
    if test == "knha" and k - p > 0 and s2w < 1.0 - KNHA_FACTOR_TOLERANCE:
        notes.append(f"The knha variance factor is {s2w:.3f} < 1, so the interval is narrower than the "
                     "z-based one; test='adhoc' never is.")
    return notes


#: the knha factor is called "below 1" only when it is below 1 by more than rounding error
KNHA_FACTOR_TOLERANCE = 1e-9


def rma(
    yi: object, vi: object = None, *, sei: object = None, mods: object = None,
    data: pd.DataFrame | None = None, slab: object = None, method: str = DEFAULTS.method,
    test: str = DEFAULTS.test, level: float = DEFAULTS.level, intercept: bool = True,
    notes: Sequence[str] = (), source: str = "",
) -> MetaResult:
    """Fit an equal-effects, random-effects or mixed-effects (meta-regression) model as metafor's rma.

    ``method`` in FE, DL, REML, ML, PM, SJ, HE, EB; ``test`` in z, knha, adhoc; ``level`` in
    percent. Defaults: :data:`compendium.meta.settings.DEFAULTS` (REML, knha, 95).
    """
    if method not in METHODS:
        raise CompendiumError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if test not in TESTS:
        raise CompendiumError(f"test must be one of {', '.join(TESTS)}, got {test!r}")
    if not 0.0 < level < 100.0:
        raise CompendiumError(f"level must be a percentage between 0 and 100, got {level!r}")
    y, v, X, names, labels = prepare_inputs(
        yi, vi, sei=sei, mods=mods, data=data, slab=slab, intercept=intercept, source=source)
    return fit_model(y, v, X, names, labels, method=method, test=test, level=level, notes=notes)


def fit_model(
    y: np.ndarray, v: np.ndarray, X: np.ndarray, names: tuple[str, ...], labels: tuple[str, ...],
    *, method: str, test: str, level: float, notes: Sequence[str] = (),
) -> MetaResult:
    """Fit validated arrays (see :func:`rma`)."""
    k, p = X.shape
    if k == 1:
        test = "z"  # as metafor: no degrees of freedom for t
    batch = Batch(y=y, v=v, X=X, mask=np.ones((1, k)))
    s = summarise(batch, method, test)
    beta, vb = s.fit.beta[0], s.vb[0]
    se = np.sqrt(np.diag(vb))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = beta / se
    pvals = s.pvalues(stat[None, :])[0]
    crit = float(s.crit(level)[0])
    coefs = tuple(
        Coefficient(names[j], float(beta[j]), float(se[j]), float(stat[j]), float(pvals[j]),
                    float(beta[j] - crit * se[j]), float(beta[j] + crit * se[j]))
        for j in range(p)
    )
    tau2 = float(s.tau2[0])
    df_resid = k - p
    if method != "FE" and df_resid > 0:
        alpha = 1.0 - level / 100.0
        bounds = solve_q(batch, np.array([stats.chi2.isf(alpha / 2, df_resid)]))
        upper = solve_q(batch, np.array([stats.chi2.ppf(alpha / 2, df_resid)]))
        tau2_ci = (float(bounds[0]), float(upper[0]))
        vt = float(s.vt[0])
        i2_ci = tuple(100.0 * t / (vt + t) for t in tau2_ci)
        tau2_se = float(tau2_standard_error(batch, method, s.tau2)[0])
    else:
        tau2_ci = i2_ci = (float("nan"), float("nan"))
        tau2_se = float("nan")
    qm = qm_df = qm_pval = r2 = None
    pi_low = pi_high = None
    intercept_only = p == 1 and bool(np.all(X[:, 0] == 1.0))
    if not intercept_only:
        has_intercept = bool(np.all(X[:, 0] == 1.0))
        btt = np.arange(1 if has_intercept else 0, p)
        b, vbb = beta[btt], vb[np.ix_(btt, btt)]
        qm = float(b @ np.linalg.solve(vbb, b))
        if s.ddf[0] == s.ddf[0]:  # t-based: F test
            qm /= len(btt)
            qm_df = (len(btt), df_resid)
            qm_pval = float(stats.f.sf(qm, len(btt), df_resid)) if df_resid > 0 else float("nan")
        else:
            qm_df = (len(btt),)
            qm_pval = float(stats.chi2.sf(qm, len(btt)))
        if has_intercept and method != "FE":
            base = summarise(Batch(y=y, v=v, X=X[:, :1], mask=batch.mask), method, test)
            tau2_re = float(base.tau2[0])
            r2 = 0.0 if tau2_re == 0.0 else max(0.0, 100.0 * (tau2_re - tau2) / tau2_re)
    elif method != "FE":  # metafor's predict gives no prediction interval for FE models
        pi_se = np.sqrt(se[0] ** 2 + tau2)
        pi_low, pi_high = float(beta[0] - crit * pi_se), float(beta[0] + crit * pi_se)
    w = s.fit.w[0]
    all_notes = _notes(k, p, method, test, tau2, v, float(s.s2w[0])) + list(notes)
    if p > 1:
        all_notes.append("Meta-regression: 'estimate' is the intercept (all moderators at 0); "
                         "no prediction interval is reported.")
    return MetaResult(
        k=k, method=method, test=test, level=level, coefficients=coefs,
        df=float(s.ddf[0]) if np.isfinite(s.ddf[0]) else None,
        tau2=tau2, tau2_se=tau2_se, tau2_ci_low=tau2_ci[0], tau2_ci_high=tau2_ci[1],
        i2=float(s.i2[0]), i2_ci_low=i2_ci[0], i2_ci_high=i2_ci[1], h2=float(s.h2[0]),
        q=float(s.qe[0]), q_df=df_resid, q_pval=float(s.qe_pval[0]),
        qm=qm, qm_df=qm_df, qm_pval=qm_pval, r2=r2, pi_low=pi_low, pi_high=pi_high,
        s2w=float(s.s2w[0]), yi=_frozen(y), vi=_frozen(v), X=_frozen(X),
        weights=_frozen(100.0 * w / w.sum()), slab=labels, notes=tuple(all_notes),
    )


def _frozen(arr: np.ndarray) -> np.ndarray:
    out = np.array(arr, dtype=float)
    out.flags.writeable = False
    return out
