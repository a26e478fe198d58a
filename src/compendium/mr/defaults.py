"""Defaults of the MR engine, defined once: column names, minimum SNP counts and method choices.

Where the two reference R packages disagree, :data:`DEFAULTS` records our choice and every
estimator takes the choice as a keyword argument:

* weighted-median weights: MendelianRandomization (``mr_median``) uses first-order weights
  ``bx^2 / byse^2``; TwoSampleMR (``mr_weighted_median``) uses second-order weights
  ``1 / (byse^2/bx^2 + by^2 bxse^2/bx^4)``. Default ``"first"``: it reproduces the published
  vignette value (2.683) we validate against.
* MR-Egger p-values and intervals: MendelianRandomization uses the normal distribution,
  TwoSampleMR a t distribution with ``k - 2`` degrees of freedom. Default ``"normal"``: it
  reproduces the published intercept p-value (0.451; the t gives 0.457).
* bootstrap replicates: MendelianRandomization 10 000, TwoSampleMR 1 000. Default 10 000
  (our bootstraps are vectorised, so the larger number costs well under a second).
* weighted-mode ratio standard errors: first-order ("NOME") or second-order. Default
  ``"second"``, the method-dispatched default of MendelianRandomization's ``mr_mbe`` and the
  plain "Weighted mode" of TwoSampleMR (Hartwig et al. 2017 recommend not assuming NOME).
* weighted-mode p-values: MendelianRandomization uses the normal distribution, TwoSampleMR a
  t distribution with ``k - 1`` degrees of freedom. Default ``"normal"``.
* confidence: ``level`` in percent (95), as in metafor and ``compendium.meta``.

Limits on input (refused with a message, never computed into overflow): bootstrap replicates at
most :data:`MAX_BOOTSTRAP`; associations and standard errors at most
:data:`MAX_ABS_ASSOCIATION` in absolute value, exposure effects and standard errors at least
:data:`MIN_ABS_ASSOCIATION`; the seed a non-negative integer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Distribution = Literal["normal", "t"]
SeOrder = Literal["first", "second"]
IvwModel = Literal["random", "fixed"]

#: default column names of a harmonised MR table (``harmonise`` output and ``compendium mr`` input)
BX = "beta_exposure"
BXSE = "se_exposure"
BY = "beta_outcome"
BYSE = "se_outcome"
SNP = "snp"

#: largest number of bootstrap replicates: 10x the default. The bootstrap SE is already stable to
#: about 1 % at the default; larger numbers only cost time (about 1 s per 10 000 for the mode).
MAX_BOOTSTRAP = 100_000
#: largest absolute SNP association or standard error accepted. Per-allele effects on any reported
#: scale (log odds, SD units, natural units) are orders of magnitude smaller; larger values are
#: unit or typing errors, and their squares and fourth powers in the weights overflow.
MAX_ABS_ASSOCIATION = 1e6
#: smallest absolute SNP-exposure effect or standard error accepted (an outcome effect may be 0).
#: Smaller values are not measurements; with them the ratio's variance (``bx^-4``) and the weights
#: (``se^-2``) overflow. Between the two limits every step of every method stays finite.
MIN_ABS_ASSOCIATION = 1e-12

#: an instrument with F = bx^2 / bxse^2 below this is weak (Staiger & Stock, Econometrica 1997;65:557-86,
#: the rule of thumb used in MR: Burgess & Thompson, Int J Epidemiol 2011;40:755-64); weak instruments
#: bias the ratio estimates (towards the null in two-sample MR without sample overlap)
WEAK_F = 10.0

#: fewest SNPs each method needs; below it the method is reported as null with a reason
MIN_SNPS: dict[str, int] = {
    "ivw": 2,
    "ivw_fixed": 2,
    "egger": 3,
    "weighted_median": 3,
    "simple_median": 3,
    "weighted_mode": 3,
    "q_ivw": 2,
    "q_egger": 3,
    "i2gx": 2,
}


@dataclass(frozen=True)
class MRDefaults:
    """Method choices of :func:`compendium.mr.mr_analysis` (see the module docstring for why)."""

    level: float = 95.0
    ivw_model: IvwModel = "random"
    egger_distribution: Distribution = "normal"
    median_weights: SeOrder = "first"
    mode_se: SeOrder = "second"
    mode_distribution: Distribution = "normal"
    mode_phi: float = 1.0
    wald_se: SeOrder = "first"
    i2gx_weighted: bool = True
    n_bootstrap: int = 10_000
    seed: int = 314159265
    palindromic_tolerance: float = 0.08


#: the single source of the engine's defaults
DEFAULTS = MRDefaults()
