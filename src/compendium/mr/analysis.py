"""One call for the standard set of MR estimates: :func:`mr_analysis` -> :class:`MRResults`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypedDict

import numpy as np
import pandas as pd

from compendium.errors import CompendiumError
from compendium.mr.defaults import BX, BXSE, BY, BYSE, DEFAULTS, MIN_SNPS, SNP, WEAK_F, MRDefaults
from compendium.mr.estimators import (
    check_bootstrap,
    check_level,
    egger,
    ivw,
    simple_median,
    weighted_median,
    weighted_mode,
)
from compendium.mr.heterogeneity import f_statistics, heterogeneity
from compendium.mr.inputs import MRInput, mr_input
from compendium.mr.results import RESULT_FIELDS, EstimateResult, MRResults


class _BootstrapOptions(TypedDict):
    """The bootstrap settings shared by the median and mode estimators."""

    n_bootstrap: int
    seed: int
    level: float


def _run(name: str, data: MRInput, notes: dict[str, str], fit: Callable[[], EstimateResult]) -> EstimateResult | None:
    """``fit()``, or None with the reason in ``notes``; a result with a non-finite field is kept
    and ``notes`` says which fields could not be computed (never a silent null)."""
    if data.k < MIN_SNPS[name]:
        notes[name] = f"needs at least {MIN_SNPS[name]} SNPs, got {data.k}"
        return None
    try:
        with np.errstate(all="ignore"):
            result = fit()
    except CompendiumError as error:
        notes[name] = str(error)
        return None
    missing = [field for field in RESULT_FIELDS if not np.isfinite(getattr(result, field))]
    if missing and result.se == 0:
        notes[name] = (
            f"unreliable: {', '.join(missing)} could not be computed because the standard error is 0 "
            "(one SNP carries practically all the weight)"
        )
    elif missing:
        notes[name] = (
            f"unreliable: {', '.join(missing)} could not be computed (not finite); the SNP associations "
            "are too extreme for this method (check for a near-zero exposure effect or a tiny standard error)"
        )
    return result


def mr_analysis(
    frame: pd.DataFrame,
    bx: str = BX,
    bxse: str = BXSE,
    by: str = BY,
    byse: str = BYSE,
    snp: str | None = SNP,
    *,
    source: str = "input table",
    settings: MRDefaults = DEFAULTS,
    **overrides: object,
) -> MRResults:
    """Run IVW (random and fixed), MR-Egger, weighted and simple median and weighted mode.

    ``settings`` holds every method choice (:class:`~compendium.mr.defaults.MRDefaults`);
    keyword ``overrides`` replace single fields, e.g. ``seed=1, n_bootstrap=1000``. A method
    with too few SNPs (or an unidentifiable fit) is ``None`` with its reason in ``notes``;
    the others still run; a result whose estimate, SE, interval or p-value is not finite keeps
    its place and ``notes`` says so. Bad input raises :class:`~compendium.errors.CompendiumError`
    naming ``source``, row and column.
    """
    try:
        settings = replace(settings, **overrides)  # type: ignore[arg-type]  # checked at run time: TypeError below
    except TypeError as error:
        raise CompendiumError(f"mr_analysis: unknown setting ({error})") from None
    check_bootstrap(settings.n_bootstrap, settings.seed)
    check_level(settings.level)
    data = mr_input(frame, bx, bxse, by, byse, snp, source=source)
    arrays = (data.bx, data.bxse, data.by, data.byse)
    boot: _BootstrapOptions = {"n_bootstrap": settings.n_bootstrap, "seed": settings.seed, "level": settings.level}
    notes: dict[str, str] = {}
    results = {
        "ivw": _run("ivw", data, notes, lambda: ivw(*arrays, model="random", level=settings.level)),
        "ivw_fixed": _run("ivw_fixed", data, notes, lambda: ivw(*arrays, model="fixed", level=settings.level)),
        "egger": _run(
            "egger",
            data,
            notes,
            lambda: egger(
                *arrays,
                distribution=settings.egger_distribution,
                level=settings.level,
                i2gx_weighted=settings.i2gx_weighted,
            ),
        ),
        "weighted_median": _run(
            "weighted_median", data, notes, lambda: weighted_median(*arrays, weights=settings.median_weights, **boot)
        ),
        "simple_median": _run("simple_median", data, notes, lambda: simple_median(*arrays, **boot)),
        "weighted_mode": _run(
            "weighted_mode",
            data,
            notes,
            lambda: weighted_mode(
                *arrays,
                se_order=settings.mode_se,
                phi=settings.mode_phi,
                distribution=settings.mode_distribution,
                **boot,
            ),
        ),
    }
    for statistic in ("q_ivw", "q_egger", "i2gx"):
        if data.k < MIN_SNPS[statistic]:
            notes[statistic] = f"needs at least {MIN_SNPS[statistic]} SNPs, got {data.k}"
    with np.errstate(all="ignore"):
        het = heterogeneity(*arrays, i2gx_weighted=settings.i2gx_weighted)
    f = f_statistics(data.bx, data.bxse)
    return MRResults(
        n_snps=data.k,
        heterogeneity=het,
        f_mean=float(np.mean(f)),
        weak_snps=tuple(str(label) for label, value in zip(data.snp, f) if not value >= WEAK_F),
        settings=settings,
        notes=notes,
        **results,  # type: ignore[arg-type]  # one EstimateResult | None per method field, by construction
    )
