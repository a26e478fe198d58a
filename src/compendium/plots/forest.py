"""Forest plot of a fitted meta-analysis (:class:`compendium.meta.MetaResult`).

Study rows show label, weight (%), estimate with CI as text and a square sized by weight with its
CI line; the pooled estimate is a diamond, the prediction interval a line below it. Ratio
measures are drawn on a log axis with back-transformed (exp) labels. Returns the Figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import blended_transform_factory
from scipy import stats

from compendium.meta.model import MetaResult

#: default colours of an extra text column such as risk of bias (RoB 2 judgements)
JUDGEMENT_COLOURS = {"Low": "#1b9e77", "Some concerns": "#e6ab02", "High": "#d95f02"}


def forest_plot(
    res: MetaResult, *, title: str, xlabel: str, log_scale: bool = False,
    extra: Sequence[str] | None = None, extra_label: str = "Risk of bias",
    extra_colours: Mapping[str, str] = JUDGEMENT_COLOURS, show_pi: bool = True,
) -> Figure:
    """Draw the forest plot of an intercept-only ``res``; ``log_scale`` for OR, RR, ROM (yi on log scale)."""
    k = res.k
    z = stats.norm.isf((1 - res.level / 100) / 2)
    yi, sei = np.asarray(res.yi), np.sqrt(np.asarray(res.vi))
    lo, hi = yi - z * sei, yi + z * sei
    show = np.exp if log_scale else (lambda x: x)
    rows = np.arange(k, 0, -1) + 2.0
    fig, ax = plt.subplots(figsize=(13 if extra is not None else 11.5, 0.38 * (k + 5) + 1.2))
    fig.subplots_adjust(left=0.30, right=0.58)
    weights = np.asarray(res.weights)
    sizes = 30 + 170 * weights / max(weights.max(), 1e-12)
    ax.hlines(rows, show(lo), show(hi), color="black", lw=1)
    ax.scatter(show(yi), rows, s=sizes, marker="s", color="#3b5b92", zorder=3)
    est, cl, ch = res.estimate, res.ci_low, res.ci_high
    ax.add_patch(Polygon([[show(cl), 1.5], [show(est), 1.85], [show(ch), 1.5], [show(est), 1.15]],
                         closed=True, color="#b2182b", zorder=3))
    if show_pi and res.pi_low is not None:
        ax.hlines(0.6, show(res.pi_low), show(res.pi_high), color="#b2182b", lw=2.5)
    null = 1.0 if log_scale else 0.0
    ax.axvline(null, color="grey", lw=0.8, ls="--")
    if log_scale:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.set_ylim(0, k + 3.5)
    ax.set_yticks([])
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    trans = blended_transform_factory(fig.transFigure, ax.transData)  # x: figure fraction, y: row
    x_study, x_weight, x_est, x_extra = 0.01, 0.60, 0.67, 0.84
    header = k + 3.0
    ax.text(x_study, header, "Study", transform=trans, fontweight="bold", va="center")
    ax.text(x_weight, header, "Weight", transform=trans, fontweight="bold", va="center")
    ax.text(x_est, header, f"Estimate [{res.level:g}% CI]", transform=trans, fontweight="bold", va="center")
    if extra is not None:
        ax.text(x_extra, header, extra_label, transform=trans, fontweight="bold", va="center")
    for i, row in enumerate(rows):
        ax.text(x_study, row, res.slab[i], transform=trans, va="center")
        ax.text(x_weight, row, f"{weights[i]:.1f}%", transform=trans, va="center")
        ax.text(x_est, row, f"{show(yi[i]):.2f} [{show(lo[i]):.2f}, {show(hi[i]):.2f}]", transform=trans, va="center")
        if extra is not None:
            label = str(extra[i])
            ax.text(x_extra, row, label, transform=trans, va="center",
                    color=extra_colours.get(label, "black"), fontweight="bold")
    model = "Random-effects" if res.method != "FE" else "Equal-effects"
    ax.text(x_study, 1.5, f"{model} model ({res.method}, {res.test})", transform=trans, va="center", fontweight="bold")
    ax.text(x_est, 1.5, f"{show(est):.2f} [{show(cl):.2f}, {show(ch):.2f}]", transform=trans, va="center", fontweight="bold")
    ax.text(x_weight, 1.5, "100%", transform=trans, va="center", fontweight="bold")
    if show_pi and res.pi_low is not None:
        ax.text(x_study, 0.6, "Prediction interval", transform=trans, va="center")
        ax.text(x_est, 0.6, f"[{show(res.pi_low):.2f}, {show(res.pi_high):.2f}]", transform=trans, va="center")
    het = f"Heterogeneity: tau² = {res.tau2:.3f}, I² = {res.i2:.0f}%\nQ = {res.q:.2f} (df = {res.q_df}, p = {res.q_pval:.3g})"
    ax.text(x_study, 0.0, het, transform=trans, va="top", fontsize=8, color="dimgrey")  # left column, below the rows
    return fig
