"""Forest plot of a fitted meta-analysis (:class:`compendium.meta.MetaResult`).

Study rows show label, weight (%), estimate with CI as text and a square sized by weight with its
CI line; the pooled estimate is a diamond, the prediction interval a line below it. Ratio
measures are drawn on a log axis with back-transformed (exp) labels. An optional extra column
(risk of bias) shows each judgement as a coloured circle with its symbol, in the colours of
:data:`compendium.bias.vocabulary.PALETTES`, and its name. Returns the Figure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import Transform, blended_transform_factory
from scipy import stats

from compendium.bias.vocabulary import DEFAULT_PALETTE, PALETTES
from compendium.errors import CompendiumError
from compendium.meta.model import MetaResult
from compendium.plots.canvas import figure_and_axes, judgement_marker
from compendium.plots.funnel import POOLED_COLOUR, STUDY_COLOUR

#: x positions of the text columns, as fractions of the axes width (the axes span the middle of
#: the default figure; the study labels stand to its left, weight, estimate and extra to its right)
STUDY_X, WEIGHT_X, ESTIMATE_X, EXTRA_X = -1.04, 1.07, 1.32, 1.93


def forest_plot(
    res: MetaResult,
    *,
    title: str,
    xlabel: str,
    log_scale: bool = False,
    extra: Sequence[str] | None = None,
    extra_label: str = "Risk of bias",
    palette: str = DEFAULT_PALETTE,
    show_pi: bool = True,
    ax: Axes | None = None,
) -> Figure:
    """Draw the forest plot of an intercept-only ``res``.

    Parameters
    ----------
    res : MetaResult
        The fit; its ``level`` sets the study CIs.
    title, xlabel : str
        Axes title and x-axis label (with the measure and its unit).
    log_scale : bool
        True for OR, RR, ROM (``yi`` on the log scale): log axis, exp labels.
    extra : sequence of str, optional
        One text per study for an extra column (e.g. overall risk-of-bias judgements).
    extra_label : str
        Heading of the extra column.
    palette : str
        Judgement palette of :data:`compendium.bias.vocabulary.PALETTES` for the extra column.
    show_pi : bool
        Draw the prediction interval when the fit has one.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (text columns stand beside it, so leave room); by default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if palette not in PALETTES:
        raise CompendiumError(f"palette {palette!r} is not defined; expected one of {', '.join(PALETTES)}")
    colours = PALETTES[palette]
    k = res.k
    z = stats.norm.isf((1 - res.level / 100) / 2)
    yi, sei = np.asarray(res.yi), np.sqrt(np.asarray(res.vi))
    lo, hi = yi - z * sei, yi + z * sei
    show: Callable[[np.ndarray], np.ndarray] = np.exp if log_scale else np.asarray
    rows = np.arange(k, 0, -1) + 2.0
    figure, ax, owned = figure_and_axes(ax, (13 if extra is not None else 11.5, 0.38 * (k + 5) + 1.2))
    if owned:
        figure.subplots_adjust(left=0.30, right=0.58)
    weights = np.asarray(res.weights)
    sizes = 30 + 170 * weights / max(weights.max(), 1e-12)
    ax.hlines(rows, show(lo), show(hi), color="black", lw=1)
    ax.scatter(show(yi), rows, s=sizes, marker="s", color=STUDY_COLOUR, zorder=3)
    est, cl, ch = (float(show(np.asarray(v))) for v in (res.estimate, res.ci_low, res.ci_high))
    ax.add_patch(Polygon([[cl, 1.5], [est, 1.85], [ch, 1.5], [est, 1.15]], closed=True, color=POOLED_COLOUR, zorder=3))
    pi = None
    if show_pi and res.pi_low is not None and res.pi_high is not None:
        pi = (float(show(np.asarray(res.pi_low))), float(show(np.asarray(res.pi_high))))
        ax.hlines(0.6, *pi, color=POOLED_COLOUR, lw=2.5)
    ax.axvline(1.0 if log_scale else 0.0, color="grey", lw=0.8, ls="--")
    if log_scale:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.set_ylim(0, k + 3.5)
    ax.set_yticks([])
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    trans = blended_transform_factory(ax.transAxes, ax.transData)  # x: axes fraction, y: row
    header = k + 3.0
    bold: dict[str, Any] = {"transform": trans, "va": "center", "fontweight": "bold"}
    ax.text(STUDY_X, header, "Study", **bold)
    ax.text(WEIGHT_X, header, "Weight", **bold)
    ax.text(ESTIMATE_X, header, f"Estimate [{res.level:g}% CI]", **bold)
    if extra is not None:
        ax.text(EXTRA_X, header, extra_label, **bold)
    shown_yi, shown_lo, shown_hi = show(yi), show(lo), show(hi)
    for i, row in enumerate(rows):
        ax.text(STUDY_X, row, res.slab[i], transform=trans, va="center")
        ax.text(WEIGHT_X, row, f"{weights[i]:.1f}%", transform=trans, va="center")
        ax.text(
            ESTIMATE_X, row, f"{shown_yi[i]:.2f} [{shown_lo[i]:.2f}, {shown_hi[i]:.2f}]", transform=trans, va="center"
        )
        if extra is not None:
            _judgement_cell(ax, trans, row, str(extra[i]), colours)
    model = "Random-effects" if res.method != "FE" else "Equal-effects"
    ax.text(STUDY_X, 1.5, f"{model} model ({res.method}, {res.test})", **bold)
    ax.text(ESTIMATE_X, 1.5, f"{est:.2f} [{cl:.2f}, {ch:.2f}]", **bold)
    ax.text(WEIGHT_X, 1.5, "100%", **bold)
    if pi is not None:
        ax.text(STUDY_X, 0.6, "Prediction interval", transform=trans, va="center")
        ax.text(ESTIMATE_X, 0.6, f"[{pi[0]:.2f}, {pi[1]:.2f}]", transform=trans, va="center")
    het = (
        f"Heterogeneity: tau² = {res.tau2:.3f}, I² = {res.i2:.0f}%\n"
        f"Q = {res.q:.2f} (df = {res.q_df}, p = {res.q_pval:.3g})"
    )
    ax.text(STUDY_X, 0.0, het, transform=trans, va="top", fontsize=8, color="dimgrey")  # below the rows
    return figure


def _judgement_cell(ax: Axes, trans: Transform, row: float, label: str, colours: dict[str, str]) -> None:
    """A judgement's name, after its coloured circle with the symbol when the palette has it."""
    if label in colours:
        judgement_marker(ax, EXTRA_X, row, label, colours, size=110, fontsize=8, transform=trans)
    ax.text(EXTRA_X + 0.1, row, label, transform=trans, va="center")
