"""Effect sizes and standard-deviation conversions: the public name of :mod:`compendium.meta.effects`.

The functions live in the meta-analysis engine (``compendium.meta.effects``), which needs them and
imports nothing of the review layer; this module re-exports them so that ``compendium.effects``
keeps working for users and examples.
"""

from __future__ import annotations

from compendium.meta.effects import (
    DEFAULT_CI_LEVEL,
    OUTCOME_TYPES,
    SD_METHODS,
    SMALL_SAMPLE_N,
    ZERO_CELL_ADD,
    check_outcome_types,
    escalc,
    fill_sd,
    generic_inverse_variance,
    mean_sd_from_quantiles,
    sd_from_ci,
    sd_from_p_value,
    sd_from_se,
    sd_from_t_statistic,
    smd_correction,
    wan_eta,
    wan_xi,
    yi_vi_from_ci,
)

__all__ = [
    "DEFAULT_CI_LEVEL",
    "OUTCOME_TYPES",
    "SD_METHODS",
    "SMALL_SAMPLE_N",
    "ZERO_CELL_ADD",
    "check_outcome_types",
    "escalc",
    "fill_sd",
    "generic_inverse_variance",
    "mean_sd_from_quantiles",
    "sd_from_ci",
    "sd_from_p_value",
    "sd_from_se",
    "sd_from_t_statistic",
    "smd_correction",
    "wan_eta",
    "wan_xi",
    "yi_vi_from_ci",
]
