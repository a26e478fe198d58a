"""Contour-enhanced funnel plot (Peters et al. 2008, J Clin Epidemiol 61:991).

Effect sizes against their standard errors (inverted axis); shaded regions mark where a study
would be significant at two-sided p < 0.10, 0.05 and 0.01 around the null; the pooled estimate
with its pseudo confidence limits (at the fit's ``level``) is drawn as lines. Returns the Figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy import stats

from compendium.meta.model import MetaResult
from compendium.plots.canvas import figure_and_axes

#: significance contours (two-sided p) and the shade of the band just beyond each one
CONTOURS = ((0.10, "#d9d9d9"), (0.05, "#a6a6a6"), (0.01, "#737373"))
#: colours of the studies and of the pooled estimate (shared with the forest plot)
STUDY_COLOUR = "#3b5b92"
POOLED_COLOUR = "#b2182b"


def funnel_plot(
    res: MetaResult,
    *,
    title: str,
    xlabel: str,
    null: float = 0.0,
    contours: Sequence[tuple[float, str]] = CONTOURS,
    filled: tuple[np.ndarray, np.ndarray] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw the funnel of ``res`` (``yi`` on the analysis scale, e.g. log OR).

    Parameters
    ----------
    res : MetaResult
        An intercept-only fit; its ``level`` sets the pseudo confidence limits.
    title, xlabel : str
        Axes title and x-axis label (with the measure and its scale).
    null : float
        No-effect value on the analysis scale, centre of the significance contours.
    contours : sequence of (p, colour)
        Two-sided p-values of the contours and the shade just beyond each.
    filled : (yi, vi), optional
        Studies added by trim-and-fill, drawn as open circles.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; by default a new 7 x 5.5 inch figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    yi, sei = np.asarray(res.yi), np.sqrt(np.asarray(res.vi))
    top = sei.max() * 1.1 if filled is None else max(sei.max(), np.sqrt(np.max(filled[1]))) * 1.1
    se_grid = np.linspace(0, top, 200)
    figure, ax, _ = figure_and_axes(ax, (7, 5.5))
    # regions by two-sided p of a study against the null: outermost first, white (p > largest) last
    levels = sorted(p for p, _ in contours)  # e.g. 0.01, 0.05, 0.10
    shades = dict(contours)
    ax.set_facecolor(shades[levels[0]])  # beyond the widest funnel: p < smallest level
    bands = [(levels[i], levels[i + 1] if i + 1 < len(levels) else None) for i in range(len(levels))]
    for lower, upper in bands:
        zc = stats.norm.isf(lower / 2)
        colour = shades[upper] if upper is not None else "white"
        label = f"{lower:g} < p < {upper:g}" if upper is not None else f"p > {lower:g}"
        ax.fill_betweenx(se_grid, null - zc * se_grid, null + zc * se_grid, color=colour, label=label, zorder=1)
    est = res.estimate
    z = stats.norm.isf((1 - res.level / 100) / 2)
    ax.plot(
        [est - z * top, est, est + z * top],
        [top, 0, top],
        color="black",
        lw=0.8,
        ls="--",
        label=f"pseudo {res.level:g}% limits",
        zorder=2,
    )
    ax.axvline(est, color=POOLED_COLOUR, lw=1.2, label=f"pooled estimate ({res.method})", zorder=2)
    ax.scatter(yi, sei, color=STUDY_COLOUR, edgecolor="black", zorder=3, label="studies")
    if filled is not None and len(filled[0]):
        ax.scatter(
            filled[0],
            np.sqrt(filled[1]),
            facecolor="white",
            edgecolor="black",
            zorder=3,
            label="filled (trim-and-fill)",
        )
    ax.set_ylim(top, 0)
    span = max(np.max(np.abs(yi - null)), stats.norm.isf(levels[0] / 2) * top) * 1.1
    ax.set_xlim(null - span, null + span)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Standard error")
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    ax.text(0.01, 0.01, f"Outside the funnels: p < {levels[0]:g}", transform=ax.transAxes, fontsize=8, color="black")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return figure
