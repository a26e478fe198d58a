"""Estimators of the between-study variance tau2, vectorised over a batch of problems.

Formulas (with moderators, X of rank p; k studies per problem):

* DL  DerSimonian-Laird (1986): ``(Q_E - (k - p)) / tr(P_0)`` with ``P_0`` at weights 1/v.
* HE  Hedges (1983) / Hedges-Olkin: ``(RSS_ols - tr(P_ols V)) / (k - p)``.
* SJ  Sidik-Jonkman (2005): ``tau0 * Q(tau0) / (k - p)`` with ``tau0 = mean((y - ybar)^2)``.
* PM  Paule-Mandel (1982): root of ``Q(tau2) = k - p``; EB (Morris 1983) has the same root,
  as metafor's documentation notes, so both use this solver.
* ML, REML  the root of the likelihood score by Newton steps from the HE value, safeguarded by
  a bracket (see :func:`_maximise_likelihood`); convergence |change| < 1e-10 (metafor 3.8
  uses Fisher scoring with threshold 1e-5).

All estimates are truncated at 0. Tested against metafor 3.8 (tests/test_meta_model.py).
"""

from __future__ import annotations

import numpy as np

from compendium.meta.gls import Batch, Fit, traces

#: convergence threshold on the absolute change of tau2 (relative when tau2 > 1)
TOLERANCE = 1e-10
MAX_ITER = 1000


def _hedges(batch: Batch) -> np.ndarray:
    ols = batch.fit(np.ones((1, len(batch.y))) if batch.full else batch.mask.astype(float))
    cinv = ols.a  # (X'X)^-1
    masked_v = batch.v[None, :] if batch.full else batch.mask * batch.v
    trace_pv = masked_v.sum(axis=1) - traces(cinv @ batch.cross(masked_v))
    return (ols.rss - trace_pv) / (batch.k - batch.p)


def _sidik_jonkman_start(batch: Batch) -> np.ndarray:
    mean = (batch.mask * batch.y).sum(axis=1) / batch.k
    return (batch.mask * (batch.y[None, :] - mean[:, None]) ** 2).sum(axis=1) / batch.k


def solve_q(
    batch: Batch, target: np.ndarray, start: np.ndarray | None = None, start_fit: Fit | None = None
) -> np.ndarray:
    """tau2 >= 0 with generalised Q(tau2) = target (0 where Q(0) <= target), by Newton's method.

    Q is decreasing and convex in tau2: from below the root Newton steps approach it
    monotonically, and from above (a ``start`` such as the tau2 estimate) the first step lands
    below it (or at 0), so the iteration converges from any start. ``start_fit``: the fit at
    ``start`` when the caller has it.
    """
    target = np.broadcast_to(np.asarray(target, dtype=float), batch.k.shape)
    tau2 = np.zeros(batch.k.shape) if start is None else np.array(start, dtype=float)
    done = np.zeros(tau2.shape, dtype=bool)
    fit = start_fit if start_fit is not None and start is not None else batch.fit_at(tau2)
    for _ in range(MAX_ITER):
        with np.errstate(divide="ignore", invalid="ignore"):
            step = (fit.rss - target) / fit.ypp_y
        new = np.maximum(tau2 + np.where(np.isfinite(step), step, 0.0), 0.0)
        converged = np.abs(new - tau2) <= TOLERANCE * np.maximum(1.0, tau2)
        tau2 = np.where(done, tau2, new)
        done |= converged
        if done.all():
            break
        fit = batch.fit_at(tau2)
    return tau2


def _score_and_information(fit: Fit, method: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Twice the ML/REML score in tau2 and twice its observed and expected information.

    REML: score ``y'PPy - tr(P)``, expected ``tr(PP)``; ML: ``y'PPy - sum w``, expected
    ``sum w^2``; observed = ``2 y'PPPy - expected`` in both (Viechtbauer 2005).
    """
    if method == "REML":
        score = fit.ypp_y - fit.trace_p
        expected = fit.trace_pp
    else:  # ML
        score = fit.ypp_y - fit.w.sum(axis=1)
        expected = fit.w2.sum(axis=1)
    return score, 2.0 * fit.yppp_y - expected, expected


def _maximise_likelihood(batch: Batch, method: str) -> np.ndarray:
    """ML or REML tau2: the root of the score, or 0 when the score is <= 0 at tau2 = 0.

    Newton steps (observed information; Fisher scoring where the observed information is not
    positive) from the Hedges value, kept inside a bracket [low, high] of tau2 values whose
    scores are > 0 and < 0; a Newton step that leaves the bracket is replaced by metafor's Fisher
    scoring step, else by bisection, and the boundary 0 is tried only where the Fisher step
    crosses it. (The REML likelihood can have a local maximum at 0 and the global one inside:
    dat.gibson2002's mean differences, score < 0 at 0, metafor tau2 = 9.679.) Plain Fisher scoring (metafor's algorithm)
    oscillates without converging when tau2 is small relative to the sampling variances and k
    is large (metafor then stops with "Fisher scoring algorithm did not converge"); the bracket
    makes every problem converge, in a handful of iterations.
    """
    shape = batch.k.shape
    tau2 = np.maximum(0.0, _hedges(batch))
    tau2 = np.where(np.isfinite(tau2), tau2, 0.0)
    low, high = np.zeros(shape), np.full(shape, np.inf)
    zero_tried = tau2 <= 0.0
    done = np.zeros(shape, dtype=bool)
    for _ in range(MAX_ITER):
        score, observed, expected = _score_and_information(batch.fit_at(tau2), method)
        low = np.where(score > 0.0, np.maximum(low, tau2), low)
        high = np.where(score < 0.0, np.minimum(high, tau2), high)
        done |= (tau2 <= 0.0) & (score <= 0.0)  # the maximum is on the boundary
        done |= score == 0.0
        newton = tau2 + score / np.where(observed > 0.0, observed, expected)
        fisher = tau2 + score / expected  # metafor's step
        inside = np.isfinite(newton) & (newton > low) & (newton < high)
        fisher_inside = np.isfinite(fisher) & (fisher > low) & (fisher < high)
        # the boundary is tried only where metafor's own step would cross it (a Newton overshoot
        # alone must not: the score can be < 0 at 0 and still have an interior root above it)
        try_zero = ~inside & ~fisher_inside & ~zero_tried & (low <= 0.0) & (score < 0.0) & (fisher <= 0.0)
        zero_tried |= try_zero
        bisect = np.where(np.isfinite(high), 0.5 * (low + high), 2.0 * np.maximum(low, tau2) + 1.0)
        proposal = np.where(inside, newton, np.where(fisher_inside, fisher, np.where(try_zero, 0.0, bisect)))
        change = np.abs(proposal - tau2)
        # a tiny step from a point whose score is > 0 is no convergence when the step is not also
        # small against tau2 itself: near 0 a study with a tiny sampling variance (v = 1e-20) makes
        # the information enormous and the first steps tiny, though the root is far above (issue 24)
        converged = (change <= TOLERANCE * np.maximum(1.0, tau2)) & ((score <= 0.0) | (change <= 0.5 * tau2))
        tau2 = np.where(done, tau2, proposal)
        done |= converged
        if done.all():
            break
    # like metafor: an interior root whose likelihood is below the likelihood at 0 is a local
    # maximum, and tau2 = 0 is the estimate (metafor warns "may have gotten stuck at a local maximum")
    interior = tau2 > 0.0
    if interior.any():
        below_zero = _profile_loglik(batch, np.zeros(shape), method) > _profile_loglik(batch, tau2, method)
        tau2 = np.where(interior & below_zero, 0.0, tau2)
    return tau2


def _profile_loglik(batch: Batch, tau2: np.ndarray, method: str) -> np.ndarray:
    """The ML or REML log-likelihood at ``tau2``, up to a constant that depends only on k and p:
    ``-(sum log(v + tau2) + y'Py)/2``, REML adding ``-log|X'WX|/2`` (Viechtbauer 2005)."""
    fit = batch.fit_at(tau2)
    with np.errstate(divide="ignore"):
        log_w = np.where(batch.mask, np.log(fit.w), 0.0)
    loglik = 0.5 * (log_w.sum(axis=1) - fit.rss)
    if method == "REML":
        loglik = loglik + 0.5 * np.linalg.slogdet(fit.a)[1]
    return loglik


def estimate_tau2(batch: Batch, method: str) -> np.ndarray:
    """tau2 for every problem of ``batch`` by ``method`` (FE, DL, HE, SJ, PM, EB, ML, REML)."""
    enough = batch.k > batch.p
    if method == "FE" or not enough.any():
        return np.zeros(batch.k.shape)
    df = batch.k - batch.p
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "DL":
            fit0 = batch.fit_at(np.zeros(batch.k.shape))
            tau2 = (fit0.rss - df) / fit0.trace_p
        elif method == "HE":
            tau2 = _hedges(batch)
        elif method == "SJ":
            start = _sidik_jonkman_start(batch)
            tau2 = start * batch.fit_at(start).rss / df
        elif method in ("PM", "EB"):
            tau2 = solve_q(batch, df)
        elif method in ("ML", "REML"):
            tau2 = _maximise_likelihood(batch, method)
        else:
            raise ValueError(f"unknown tau2 method {method!r}")
    return np.where(enough & np.isfinite(tau2), np.maximum(0.0, tau2), 0.0)


def tau2_standard_error(batch: Batch, method: str, tau2: np.ndarray, fit: Fit | None = None) -> np.ndarray:
    """Standard error of tau2 as metafor 3.8 reports it, for DL, PM, EB, ML and REML (NaN otherwise).

    REML sqrt(2 / tr(PP)); ML sqrt(2 / sum w^2); PM and EB sqrt(2 k^2 / (k - p) / (sum w)^2);
    DL sqrt((2 (k-p) + 4 tau2 tr(P_0) + 2 tau2^2 tr(P_0 P_0)) / tr(P_0)^2). ``fit``: the fit at
    ``tau2`` when the caller has it.
    """
    df = batch.k - batch.p
    with np.errstate(divide="ignore", invalid="ignore"):
        if method in ("REML", "ML", "PM", "EB"):
            fit = batch.fit_at(tau2) if fit is None else fit
            if method == "REML":
                return np.sqrt(2.0 / fit.trace_pp)
            if method == "ML":
                return np.sqrt(2.0 / fit.w2.sum(axis=1))
            return np.sqrt(2.0 * batch.k**2 / df / fit.w.sum(axis=1) ** 2)
        if method == "DL":
            fit0 = batch.fit_at(np.zeros(batch.k.shape))
            tp = fit0.trace_p
            return np.sqrt((2.0 * df + 4.0 * tau2 * tp + 2.0 * tau2**2 * fit0.trace_pp) / tp**2)
    return np.full(batch.k.shape, np.nan)
