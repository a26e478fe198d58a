"""Meta-analysis engine reproducing R's metafor 3.8 (rma.uni and its companions).

Public entry points: :func:`rma` (fit), :mod:`~compendium.meta.regression` (subgroups),
:mod:`~compendium.meta.diagnostics` (leave-one-out, cumulative, influence),
:mod:`~compendium.meta.small_study` (Egger, Begg, trim-and-fill) and the defaults in
:mod:`~compendium.meta.settings`.
"""

from compendium.meta.model import Coefficient, MetaResult, rma
from compendium.meta.settings import DEFAULTS, SENSITIVITY, MetaSettings

__all__ = ["DEFAULTS", "SENSITIVITY", "Coefficient", "MetaResult", "MetaSettings", "rma"]
