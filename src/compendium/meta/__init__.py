"""Meta-analysis engine reproducing R's metafor 3.8 (rma.uni and its companions), metafor's names.

Everything a student needs is importable from here (loaded on first use, so that
``import compendium.meta`` and ``compendium meta`` stay fast):

* effect sizes: :func:`escalc` (from :mod:`compendium.meta.effects`)
* fitting: :func:`rma` -> :class:`MetaResult` (metafor's print as its repr, ``summary_frame()``,
  ``to_dict()``)
* sensitivity: :func:`leave1out`, :func:`cumul`, :func:`influence`
* small-study effects: :func:`regtest` (Egger), :func:`ranktest` (Begg), :func:`trimfill`
* RevMan 5's methods: :func:`rma_mh` (Mantel-Haenszel), :func:`rma_peto`, :func:`rma_iv`, :func:`rma_oe`
  -> :class:`RevManResult` (RevMan's zero-cell and heterogeneity conventions)
* subgroups: :func:`subgroup_analysis`, :func:`moderator_dummies`
* defaults: :data:`DEFAULTS`, :data:`SENSITIVITY`, :class:`MetaSettings`, :func:`level_percent`

Confidence levels are percentages everywhere (``level=95``), read with metafor's rule
(0.95 and 0.05 also mean 95%).

Examples
--------
Quick start (effect sizes, fit, print) on the first four trials of metafor's BCG vaccine data
(Colditz et al. 1994, JAMA 271:698; metadat ``dat.bcg``); metafor 3.8 prints the same numbers:

>>> from compendium.meta import escalc, rma
>>> dat = escalc("RR", ai=[4, 6, 3, 62], bi=[119, 300, 228, 13536], ci=[11, 29, 11, 248], di=[128, 274, 209, 12619])
>>> print(rma("yi", "vi", data=dat))  # doctest: +ELLIPSIS
Random-Effects Model (k = 4; tau^2 estimator: REML)
...
Q(df = 3) = 1.0410, p-val = 0.7913
...
 estimate     se     tval df   pval   ci.lb   ci.ub
  -1.4220 0.0757 -18.7915  3 0.0003 -1.6629 -1.1812
...
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

#: public name -> module defining it
_EXPORTS = {
    "escalc": "compendium.meta.effects",
    "rma": "compendium.meta.model",
    "MetaResult": "compendium.meta.model",
    "Coefficient": "compendium.meta.model",
    "leave1out": "compendium.meta.diagnostics",
    "cumul": "compendium.meta.diagnostics",
    "influence": "compendium.meta.diagnostics",
    "regtest": "compendium.meta.small_study",
    "ranktest": "compendium.meta.small_study",
    "trimfill": "compendium.meta.small_study",
    "EggerResult": "compendium.meta.small_study",
    "RankResult": "compendium.meta.small_study",
    "TrimFillResult": "compendium.meta.small_study",
    "subgroup_analysis": "compendium.meta.regression",
    "moderator_dummies": "compendium.meta.regression",
    "SubgroupResult": "compendium.meta.regression",
    "rma_mh": "compendium.meta.revman",
    "rma_peto": "compendium.meta.revman",
    "rma_iv": "compendium.meta.revman",
    "rma_oe": "compendium.meta.revman",
    "RevManResult": "compendium.meta.revman",
    "DEFAULTS": "compendium.meta.settings",
    "SENSITIVITY": "compendium.meta.settings",
    "MetaSettings": "compendium.meta.settings",
    "level_percent": "compendium.meta.settings",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    # `name as name` marks an explicit re-export (PEP 484) for the checkers; at run time __getattr__ loads it
    from compendium.meta.diagnostics import cumul as cumul
    from compendium.meta.diagnostics import influence as influence
    from compendium.meta.diagnostics import leave1out as leave1out
    from compendium.meta.effects import escalc as escalc
    from compendium.meta.model import Coefficient as Coefficient
    from compendium.meta.model import MetaResult as MetaResult
    from compendium.meta.model import rma as rma
    from compendium.meta.regression import SubgroupResult as SubgroupResult
    from compendium.meta.regression import moderator_dummies as moderator_dummies
    from compendium.meta.regression import subgroup_analysis as subgroup_analysis
    from compendium.meta.revman import RevManResult as RevManResult
    from compendium.meta.revman import rma_iv as rma_iv
    from compendium.meta.revman import rma_mh as rma_mh
    from compendium.meta.revman import rma_oe as rma_oe
    from compendium.meta.revman import rma_peto as rma_peto
    from compendium.meta.settings import DEFAULTS as DEFAULTS
    from compendium.meta.settings import SENSITIVITY as SENSITIVITY
    from compendium.meta.settings import MetaSettings as MetaSettings
    from compendium.meta.settings import level_percent as level_percent
    from compendium.meta.small_study import EggerResult as EggerResult
    from compendium.meta.small_study import RankResult as RankResult
    from compendium.meta.small_study import TrimFillResult as TrimFillResult
    from compendium.meta.small_study import ranktest as ranktest
    from compendium.meta.small_study import regtest as regtest
    from compendium.meta.small_study import trimfill as trimfill


def __getattr__(name: str) -> object:
    """Import a public name's module on first use (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'compendium.meta' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
