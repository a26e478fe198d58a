"""Leave-one-out, cumulative meta-analysis and influence diagnostics (metafor 3.8 definitions).

All refits are solved together as one masked batch (:mod:`compendium.meta.gls`): the k
leave-one-out problems of an iterative estimator (REML, ML, PM, EB) iterate in lock-step, with
no Python loop over studies. Problems are processed in chunks so memory stays O(chunk x k).

Influence statistics follow metafor ``influence.rma.uni`` (Viechtbauer & Cheung 2010,
Res Synth Methods 1:112): externally studentised residuals, DFFITS, Cook's distance, covariance
ratio, tau2 and Q_E after deletion, hat values and weights (percent). Tested against metafor 3.8.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from compendium.errors import CompendiumError
from compendium.meta.gls import Batch
from compendium.meta.model import BatchSummary, MetaResult, summarise

if TYPE_CHECKING:
    import pandas as pd

#: at most this many mask cells (problems x studies) per chunk: 512 KiB per (m, k) array, which
#: stays in cache and is recycled by the allocator from chunk to chunk; 4 million cells (32 MiB
#: arrays) made every call page-fault fresh memory and slowed later calls 2-4x (issue 25)
CHUNK_CELLS = 2**16


def _chunks(res: MetaResult, kind: str, order: np.ndarray) -> Iterator[tuple[np.ndarray, BatchSummary]]:
    k = res.k
    y, v, X = res.yi[order], res.vi[order], res.X[order]
    step = max(1, CHUNK_CELLS // k)
    for start in range(0, k, step):
        rows = np.arange(start, min(k, start + step))
        if kind == "leave1out":
            mask = np.ones((len(rows), k))
            mask[np.arange(len(rows)), rows] = 0.0
        else:  # cumulative: problem i holds studies 0..i
            mask = (np.arange(k)[None, :] <= rows[:, None]).astype(float)
        yield rows, summarise(Batch(y=y, v=v, X=X, mask=mask), res.method, res.test)


def _pooled_columns(s: BatchSummary, level: float) -> dict[str, np.ndarray]:
    est = s.fit.beta[:, 0]
    se = np.sqrt(s.vb[:, 0, 0])
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = est / se
    crit = s.crit(level)
    return {
        "estimate": est,
        "se": se,
        "stat": stat,
        "pval": s.pvalues(stat),
        "ci_low": est - crit * se,
        "ci_high": est + crit * se,
        "q": s.qe,
        "q_pval": s.qe_pval,
        "tau2": s.tau2,
        "i2": s.i2,
        "h2": s.h2,
    }


def _intercept_only(res: MetaResult, what: str) -> None:
    if res.has_mods:
        raise CompendiumError(f"{what} is only available for models without moderators (as metafor)")
    if res.k < 2:
        raise CompendiumError(f"{what} needs k >= 2 studies, got k = {res.k}")


def leave1out(res: MetaResult) -> pd.DataFrame:
    """Refit ``res`` without each study in turn (metafor ``leave1out``); one row per omitted study.

    Parameters
    ----------
    res : MetaResult
        A model without moderators.

    Returns
    -------
    pandas.DataFrame
        Columns omitted, estimate, se, stat, pval, ci_low, ci_high, q, q_pval, tau2, i2, h2.

    References
    ----------
    Viechtbauer W, Cheung MW-L (2010). Outlier and influence diagnostics for meta-analysis.
    Res Synth Methods 1:112-125. Tested against metafor 3.8 ``leave1out``.

    Examples
    --------
    >>> from compendium.meta import rma
    >>> res = rma([0.1, 0.3, 0.35, 0.6], [0.01, 0.02, 0.015, 0.03], method="DL", test="z")
    >>> leave1out(res)["estimate"].round(4).tolist()  # metafor 3.8 leave1out gives the same
    [0.3889, 0.323, 0.306, 0.2323]
    """
    import pandas as pd

    _intercept_only(res, "leave-one-out")
    parts = [
        pd.DataFrame({"omitted": [res.slab[i] for i in rows], **_pooled_columns(s, res.level)})
        for rows, s in _chunks(res, "leave1out", np.arange(res.k))
    ]
    return pd.concat(parts, ignore_index=True)


def cumul(res: MetaResult, order: np.ndarray | None = None) -> pd.DataFrame:
    """Cumulative meta-analysis (metafor ``cumul``): row i pools the first i studies of ``order``.

    Parameters
    ----------
    res : MetaResult
        A model without moderators.
    order : array of int, optional
        The order in which studies are added (default: as given).

    Returns
    -------
    pandas.DataFrame
        Columns added, k, then as :func:`leave1out`.

    References
    ----------
    Lau J et al. (1992). Cumulative meta-analysis of therapeutic trials for myocardial
    infarction. N Engl J Med 327:248-254. Tested against metafor 3.8 ``cumul``.

    Examples
    --------
    >>> from compendium.meta import rma
    >>> res = rma([0.1, 0.3, 0.35, 0.6], [0.01, 0.02, 0.015, 0.03], method="DL", test="z")
    >>> cumul(res)["k"].tolist()
    [1, 2, 3, 4]
    """
    import pandas as pd

    _intercept_only(res, "cumulative meta-analysis")
    order = np.arange(res.k) if order is None else np.asarray(order)
    parts = [
        pd.DataFrame({"added": [res.slab[order[i]] for i in rows], "k": rows + 1, **_pooled_columns(s, res.level)})
        for rows, s in _chunks(res, "cumulative", order)
    ]
    return pd.concat(parts, ignore_index=True)


def influence(res: MetaResult) -> pd.DataFrame:
    """Influence diagnostics as metafor ``influence.rma.uni``; one row per study.

    Parameters
    ----------
    res : MetaResult
        A fitted model (moderators allowed), k >= 2.

    Returns
    -------
    pandas.DataFrame
        Columns slab, rstudent, dffits, cook_d, cov_r, tau2_del, qe_del, hat, weight and
        ``dfbs_<coef>`` for every coefficient.

    References
    ----------
    Viechtbauer W, Cheung MW-L (2010). Res Synth Methods 1:112-125. Tested against metafor 3.8.

    Examples
    --------
    >>> from compendium.meta import rma
    >>> res = rma([0.1, 0.3, 0.35, 0.6], [0.01, 0.02, 0.015, 0.03], method="DL", test="z")
    >>> list(influence(res).columns[:4])
    ['slab', 'rstudent', 'dffits', 'cook_d']
    """
    import pandas as pd

    if res.k < 2:
        raise CompendiumError(f"influence diagnostics need k >= 2 studies, got k = {res.k}")
    y, v, X = res.yi, res.vi, res.X
    full = summarise(Batch(y=y, v=v, X=X, mask=np.ones((1, res.k))), res.method, res.test)
    beta, vb = full.fit.beta[0], full.vb[0]
    svb = np.linalg.inv(vb)
    hat = full.fit.leverage()[0]
    pred = X @ beta
    out: dict[str, list[np.ndarray]] = {
        key: [] for key in ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "qe_del", "dfbs")
    }
    for rows, s in _chunks(res, "leave1out", np.arange(res.k)):
        xi = X[rows]
        delpred = np.einsum("mp,mp->m", xi, s.fit.beta)
        vdelpred = np.einsum("mp,mpq,mq->m", xi, s.vb, xi)
        resid = y[rows] - delpred
        resid = np.where(np.abs(resid) < 100 * np.finfo(float).eps, 0.0, resid)
        out["rstudent"].append(resid / np.sqrt(v[rows] * s.s2w + vdelpred + s.tau2 * s.s2w))
        out["dffits"].append((pred[rows] - delpred) / np.sqrt(s.s2w * hat[rows] * (s.tau2 + v[rows])))
        dfb = beta[None, :] - s.fit.beta
        out["cook_d"].append(np.einsum("mp,pq,mq->m", dfb, svb, dfb))
        out["cov_r"].append(np.linalg.det(s.vb) / np.linalg.det(vb))
        out["tau2_del"].append(s.tau2)
        out["qe_del"].append(s.qe)
        all_studies = Batch(y=y, v=v, X=X, mask=np.ones((len(rows), res.k)))
        vb_del = np.linalg.inv(all_studies.cross(all_studies.weights(s.tau2)))
        out["dfbs"].append(dfb / np.sqrt(s.s2w[:, None] * np.diagonal(vb_del, axis1=1, axis2=2)))
    w = full.fit.w[0]
    frame = pd.DataFrame(
        {
            "slab": list(res.slab),
            **{key: np.concatenate(val) for key, val in out.items() if key != "dfbs"},
            "hat": hat,
            "weight": 100 * w / w.sum(),
        }
    )
    dfbs = np.concatenate(out["dfbs"])
    for j, coef in enumerate(res.coefficients):
        frame[f"dfbs_{coef.name}"] = dfbs[:, j]
    return frame


#: the names used before the API took metafor's names; kept so existing callers keep working
leave_one_out = leave1out
cumulative = cumul
