"""Mendelian randomization figures: scatter plot with method lines, funnel plot, leave-one-out plot.

Each function draws on ``ax`` when given (else on a new figure), returns the
:class:`matplotlib.figure.Figure` with a title and labelled axes and does not save it; callers use
``results_io.save_figure(fig, output_dir, name, title=..., alt=...)``. Figures are built without
``pyplot`` so that no global figure state is kept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from compendium.mr.defaults import BX, BXSE, BY, BYSE, SNP
from compendium.mr.estimators import ratio_estimates
from compendium.mr.inputs import mr_input
from compendium.mr.results import METHOD_LABELS, MRResults
from compendium.plots.canvas import figure_and_axes

#: one colour per MR method (colour-blind-safe Okabe-Ito colours), used by every MR figure
METHOD_COLOURS: dict[str, str] = {
    "ivw": "#0072B2",
    "ivw_fixed": "#56B4E9",
    "egger": "#D55E00",
    "weighted_median": "#009E73",
    "simple_median": "#F0E442",
    "weighted_mode": "#CC79A7",
}
POINT_COLOUR = "#333333"


def scatter_plot(
    frame: pd.DataFrame,
    results: MRResults,
    bx: str = BX,
    bxse: str = BXSE,
    by: str = BY,
    byse: str = BYSE,
    *,
    exposure_label: str = "exposure",
    outcome_label: str = "outcome",
    methods: tuple[str, ...] = ("ivw", "egger", "weighted_median", "weighted_mode"),
    ax: Axes | None = None,
) -> Figure:
    """SNP-outcome against SNP-exposure effects (±1 SE bars), with a line per method.

    SNPs are oriented so that the exposure effect is positive (as MR-Egger assumes); IVW,
    median and mode lines pass through the origin, the MR-Egger line has its intercept.
    """
    data = mr_input(frame, bx, bxse, by, byse, None)
    sign = np.sign(data.bx)
    x, y = data.bx * sign, data.by * sign
    figure, axes, owned = figure_and_axes(ax, (7, 5.5))
    axes.errorbar(
        x,
        y,
        xerr=data.bxse,
        yerr=data.byse,
        fmt="o",
        color=POINT_COLOUR,
        ecolor="#999999",
        markersize=4,
        elinewidth=0.8,
        label="SNPs (bars: ±1 SE)",
    )
    line_x = np.array([0.0, float(np.max(x + data.bxse)) * 1.05])
    for name in methods:
        result = results.method(name)
        if result is None:
            continue
        intercept = getattr(result, "intercept", 0.0)
        axes.plot(
            line_x,
            intercept + result.estimate * line_x,
            color=METHOD_COLOURS[name],
            linewidth=1.8,
            label=f"{METHOD_LABELS[name]}: {result.estimate:.3g}",
        )
    axes.axhline(0, color="#bbbbbb", linewidth=0.8, zorder=0)
    axes.set_xlim(left=0)
    axes.set_xlabel(f"SNP effect on {exposure_label} (per effect allele, exposure units)")
    axes.set_ylabel(f"SNP effect on {outcome_label} (per effect allele, outcome units)")
    axes.set_title(f"MR scatter plot: {exposure_label} → {outcome_label} ({data.k} SNPs)")
    axes.legend(fontsize="small", frameon=False)
    if owned:
        figure.tight_layout()
    return figure


def mr_funnel_plot(
    frame: pd.DataFrame,
    results: MRResults,
    bx: str = BX,
    bxse: str = BXSE,
    by: str = BY,
    byse: str = BYSE,
    *,
    exposure_label: str = "exposure",
    outcome_label: str = "outcome",
    methods: tuple[str, ...] = ("ivw", "egger"),
    ax: Axes | None = None,
) -> Figure:
    """Per-SNP Wald ratios against their precision ``1 / se`` (first-order SE), with method estimates."""
    data = mr_input(frame, bx, bxse, by, byse, None)
    ratio, se = ratio_estimates(data.bx, data.bxse, data.by, data.byse, se_order="first")
    figure, axes, owned = figure_and_axes(ax, (7, 5.5))
    axes.scatter(ratio, 1 / se, color=POINT_COLOUR, s=16, label="SNPs (Wald ratios)")
    for name in methods:
        result = results.method(name)
        if result is not None:
            axes.axvline(
                result.estimate,
                color=METHOD_COLOURS[name],
                linewidth=1.5,
                label=f"{METHOD_LABELS[name]}: {result.estimate:.3g}",
            )
    axes.axvline(0, color="#bbbbbb", linewidth=0.8, zorder=0)
    axes.set_xlabel(f"Causal estimate (Wald ratio; {outcome_label} units per {exposure_label} unit)")
    axes.set_ylabel("Precision of the Wald ratio (1 / SE)")
    axes.set_title(f"MR funnel plot: {exposure_label} → {outcome_label} ({data.k} SNPs)")
    axes.legend(fontsize="small", frameon=False)
    if owned:
        figure.tight_layout()
    return figure


def leave_one_out_plot(
    loo: pd.DataFrame,
    results: MRResults | None = None,
    *,
    exposure_label: str = "exposure",
    outcome_label: str = "outcome",
    ax: Axes | None = None,
) -> Figure:
    """IVW estimate and CI with each SNP left out (``sensitivity.mr_leave_one_out`` table), all-SNP line."""
    figure, axes, owned = figure_and_axes(ax, (7, max(3.0, 0.25 * len(loo) + 1.5)))
    positions = np.arange(len(loo))[::-1]
    axes.errorbar(
        loo["estimate"],
        positions,
        xerr=[loo["estimate"] - loo["ci_low"], loo["ci_high"] - loo["estimate"]],
        fmt="s",
        color=POINT_COLOUR,
        ecolor="#777777",
        markersize=4,
        elinewidth=1,
        label="SNP left out (estimate and CI)",
    )
    if results is not None and results.ivw is not None:
        axes.axvline(
            results.ivw.estimate,
            color=METHOD_COLOURS["ivw"],
            linestyle="--",
            label=f"All SNPs, {METHOD_LABELS['ivw']}: {results.ivw.estimate:.3g}",
        )
    axes.axvline(0, color="#bbbbbb", linewidth=0.8, zorder=0)
    axes.set_yticks(positions, [f"without {label}" for label in loo[SNP]], fontsize="small")
    axes.set_ylim(-1, len(loo))
    axes.set_xlabel(f"IVW causal estimate ({outcome_label} units per {exposure_label} unit)")
    axes.set_ylabel("SNP left out")
    axes.set_title(f"Leave-one-out analysis: {exposure_label} → {outcome_label}")
    axes.legend(fontsize="small", frameon=False, loc="best")
    if owned:
        figure.tight_layout()
    return figure
