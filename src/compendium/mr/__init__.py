"""Mendelian randomization engine for two-sample summary data.

One concept per module:

* ``harmonise``      align exposure and outcome alleles; dropped SNPs with reasons
* ``inputs``         validated association arrays (``MRInput``) from a table
* ``regression``     the weighted least-squares fits behind IVW and MR-Egger
* ``estimators``     Wald ratio, IVW, MR-Egger, simple/weighted median, weighted mode
* ``heterogeneity``  Cochran's Q, Rücker's Q', I2GX, F statistics
* ``sensitivity``    leave-one-out (``mr_leave_one_out``), single-SNP, MR Steiger directionality
* ``results``        frozen result objects; ``MRResults.to_dict()`` is the CLI JSON
* ``analysis``       ``mr_analysis``: all standard estimates in one call
* ``defaults``       every default and method choice, in one place (``DEFAULTS``)
* ``cli``            ``compendium mr``

Names that ``compendium.meta`` also uses carry an ``mr_``/``MR`` prefix here
(``mr_leave_one_out``, ``MREggerResult``); confidence is ``level`` in percent, as in
``compendium.meta`` and metafor.

Public names are imported lazily (on first use), so that ``compendium --help``, which imports
``compendium.mr.cli``, does not load numpy, scipy and pandas.

Validated against the MendelianRandomization package vignette (Waterworth et al. 2010 lipid
data); see ``tests/test_mr_*.py``.
"""

from __future__ import annotations

import importlib

#: public name -> the module that defines it
_EXPORTS = {
    "mr_analysis": "analysis",
    **dict.fromkeys(
        ("DEFAULTS", "MAX_ABS_ASSOCIATION", "MAX_BOOTSTRAP", "MIN_ABS_ASSOCIATION", "MIN_SNPS", "MRDefaults"),
        "defaults",
    ),
    **dict.fromkeys(
        (
            "egger",
            "interval",
            "ivw",
            "ratio_estimates",
            "simple_median",
            "wald_ratio",
            "weighted_median",
            "weighted_mode",
        ),
        "estimators",
    ),
    **dict.fromkeys(("Harmonised", "harmonise"), "harmonise"),
    **dict.fromkeys(("cochran_q", "f_statistics", "heterogeneity", "i2gx", "rucker_q"), "heterogeneity"),
    **dict.fromkeys(("MRInput", "mr_input"), "inputs"),
    **dict.fromkeys(
        (
            "MREggerResult",
            "EstimateResult",
            "Heterogeneity",
            "IVWResult",
            "MedianResult",
            "ModeResult",
            "MRResults",
            "SteigerResult",
            "WaldResult",
        ),
        "results",
    ),
    **dict.fromkeys(("mr_leave_one_out", "single_snp", "steiger_directionality"), "sensitivity"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'compendium.mr' has no attribute {name!r}")
    return getattr(importlib.import_module(f"compendium.mr.{_EXPORTS[name]}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
