"""Contour-enhanced funnel plot (Peters et al. 2008, J Clin Epidemiol 61:991).

Effect sizes against their standard errors (inverted axis); shaded regions mark where a study
would be significant at two-sided p < 0.10, 0.05 and 0.01 around the null; the pooled estimate
with its pseudo 95% limits is drawn as lines. Returns the Figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from compendium.meta.model import MetaResult

#: significance contours (two-sided p) and the shade of the band just beyond each one
CONTOURS = ((0.10, "#d9d9d9"), (0.05, "#a6a6a6"), (0.01, "#737373"))


def funnel_plot(
    res: MetaResult, *, title: str, xlabel: str, null: float = 0.0,
    contours: Sequence[tuple[float, str]] = CONTOURS, filled: tuple[np.ndarray, np.ndarray] | None = None,
) -> Figure:
    """Draw the funnel of ``res`` (yi on the analysis scale, e.g. log OR); ``filled`` = (yi, vi) of trim-and-fill studies."""
    yi, sei = np.asarray(res.yi), np.sqrt(np.asarray(res.vi))
    top = sei.max() * 1.1 if filled is None else max(sei.max(), np.sqrt(np.max(filled[1]))) * 1.1
    se_grid = np.linspace(0, top, 200)
    fig, ax = plt.subplots(figsize=(7, 5.5))
    # regions by two-sided p of a study against the null: outermost first, white (p > largest) last
    levels = sorted(p for p, _ in contours)  # e.g. 0.01, 0.05, 0.10
    shades = {p: colour for p, colour in contours}
    ax.set_facecolor(shades[levels[0]])  # beyond the widest funnel: p < smallest level
    bands = [(levels[i], levels[i + 1] if i + 1 < len(levels) else None) for i in range(len(levels))]
    for lower, upper in bands:
        zc = stats.norm.isf(lower / 2)
        colour = shades[upper] if upper is not None else "white"
        label = f"{lower:g} < p < {upper:g}" if upper is not None else f"p > {lower:g}"
        ax.fill_betweenx(se_grid, null - zc * se_grid, null + zc * se_grid, color=colour, label=label, zorder=1)
    est = res.estimate
    ax.plot([est - 1.96 * top, est, est + 1.96 * top], [top, 0, top], color="black", lw=0.8, ls="--",
            label="pseudo 95% limits", zorder=2)
    ax.axvline(est, color="#b2182b", lw=1.2, label=f"pooled estimate ({res.method})", zorder=2)
    ax.scatter(yi, sei, color="#3b5b92", edgecolor="black", zorder=3, label="studies")
    if filled is not None and len(filled[0]):
        ax.scatter(filled[0], np.sqrt(filled[1]), facecolor="white", edgecolor="black", zorder=3,
                   label="filled (trim-and-fill)")
    ax.set_ylim(top, 0)
    span = max(np.max(np.abs(yi - null)), stats.norm.isf(0.005) * top) * 1.1
    ax.set_xlim(null - span, null + span)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Standard error")
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    ax.text(0.01, 0.01, f"Outside the funnels: p < {levels[0]:g}", transform=ax.transAxes, fontsize=8,
            color="black")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return fig
