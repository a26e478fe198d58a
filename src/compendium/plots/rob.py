"""Risk-of-bias figures: traffic-light plot and weighted summary bar plot.

Both take a robvis table (``Study, D1 .. Dk, Overall, Weight``; see
:func:`compendium.bias.robvis.to_robvis`) so the figures match what robvis draws from the exported
file. Colours come from :data:`compendium.bias.vocabulary.PALETTES` (``palette="cochrane"`` or
``"colourblind"``); judgements are also marked by symbol. The functions draw on ``ax`` when given
(else on a new figure), return the Figure and do not save it: use ``results_io.save_figure``.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from compendium.bias.robvis import robvis_judgements
from compendium.bias.vocabulary import DEFAULT_PALETTE, PALETTES, ROB2, SYMBOLS, TOOL_DOMAINS
from compendium.errors import CompendiumError
from compendium.plots.canvas import figure_and_axes, judgement_marker


def _colours(palette: str) -> dict[str, str]:
    if palette not in PALETTES:
        raise CompendiumError(f"palette {palette!r} is not defined; expected one of {', '.join(PALETTES)}")
    return PALETTES[palette]


def _check_judgements(frame: pd.DataFrame, columns: list[str], tool: str) -> None:
    allowed = robvis_judgements(tool)
    for column in columns:
        unknown = sorted(set(frame[column]) - set(allowed))
        if unknown:
            raise CompendiumError(f"robvis table, column {column!r}: {unknown[0]!r} is not a judgement for {tool}")


def _legend_handles(colours: dict[str, str], present: list[str]) -> list[Patch]:
    return [Patch(facecolor=colours[j], edgecolor="black", linewidth=0.5, label=f"{SYMBOLS[j]}  {j}") for j in present]


def _domain_key(tool: str) -> str:
    return "\n".join(f"{key}: {name}" for key, name in TOOL_DOMAINS[tool].items())


def traffic_light_plot(
    frame: pd.DataFrame,
    *,
    tool: str = ROB2,
    palette: str = DEFAULT_PALETTE,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """One row per study, one coloured circle (with symbol) per domain and overall.

    Parameters
    ----------
    frame : pandas.DataFrame
        A robvis table (``Study, D1 .. Dk, Overall``).
    tool : str
        ``"ROB2"`` or ``"ROBINS-E"`` (its domains and judgements).
    palette : str
        A palette of :data:`compendium.bias.vocabulary.PALETTES`.
    title : str, optional
        Title; by default it names the tool.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (the title and domain key then go on the axes); by default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    colours = _colours(palette)
    columns = [*TOOL_DOMAINS[tool], "Overall"]
    _check_judgements(frame, columns, tool)
    n_studies = len(frame)
    figure, axes, owned = figure_and_axes(ax, (4.2 + 0.6 * len(columns), 1.4 + 0.42 * max(n_studies, 1)))
    for row, record in enumerate(frame.to_dict(orient="records")):
        for col, column in enumerate(columns):
            judgement_marker(axes, col, row, str(record[column]), colours, size=380, fontsize=11)
    axes.set_xticks(range(len(columns)), columns)
    axes.set_yticks(range(n_studies), frame["Study"].tolist())
    axes.set_xlim(-0.6, len(columns) - 0.4)
    axes.set_ylim(n_studies - 0.5, -0.5)
    axes.xaxis.tick_top()
    axes.xaxis.set_label_position("top")
    axes.axvline(len(columns) - 1.5, color="grey", linewidth=0.8)
    axes.set_xlabel("Risk-of-bias domain")
    axes.set_ylabel("Study")
    axes.tick_params(length=0)
    for side in axes.spines.values():
        side.set_visible(False)
    present = [j for j in robvis_judgements(tool) if (frame[columns] == j).to_numpy().any()]
    axes.legend(
        handles=_legend_handles(colours, present),
        title="Judgement",
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        frameon=False,
    )
    title = title or f"Risk of bias by study and domain ({tool})"
    if owned:
        figure.text(0.02, 0.0, _domain_key(tool), ha="left", va="top", fontsize=8)
        figure.suptitle(title)
        figure.tight_layout()
    else:
        axes.text(0.0, -0.02, _domain_key(tool), transform=axes.transAxes, ha="left", va="top", fontsize=8)
        axes.set_title(title, pad=28)
    return figure


def summary_plot(
    frame: pd.DataFrame,
    *,
    tool: str = ROB2,
    palette: str = DEFAULT_PALETTE,
    weighted: bool = True,
    title: str | None = None,
    weight_label: str = "meta-analysis weight",
    ax: Axes | None = None,
) -> Figure:
    """Stacked horizontal bars: share of total weight (or of studies) in each judgement, per domain.

    Parameters
    ----------
    frame : pandas.DataFrame
        A robvis table (``Study, D1 .. Dk, Overall, Weight``).
    tool : str
        ``"ROB2"`` or ``"ROBINS-E"``.
    palette : str
        A palette of :data:`compendium.bias.vocabulary.PALETTES`.
    weighted : bool
        Shares of total ``Weight`` (True) or of studies (False).
    title : str, optional
        Title; by default it names the tool and the weighting.
    weight_label : str
        What ``Weight`` holds, for the x-axis label (e.g. "participants randomised").
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (the title then goes on the axes); by default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    colours = _colours(palette)
    domains = TOOL_DOMAINS[tool]
    columns = [*domains, "Overall"]
    _check_judgements(frame, columns, tool)
    weight = frame["Weight"].astype(float) if weighted else pd.Series(1.0, index=frame.index)
    if weight.sum() <= 0:
        raise CompendiumError("robvis table, column 'Weight': weights sum to zero")
    labels = [f"{key}: {name}" for key, name in domains.items()] + ["Overall risk of bias"]
    judgements = list(robvis_judgements(tool))
    shares = pd.DataFrame(
        {j: [100.0 * weight[frame[c] == j].sum() / weight.sum() for c in columns] for j in judgements}, index=labels
    )
    present = [j for j in judgements if shares[j].sum() > 0]
    figure, axes, owned = figure_and_axes(ax, (9.0, 1.4 + 0.45 * len(columns)))
    positions = list(range(len(columns)))[::-1]
    left = pd.Series(0.0, index=labels)
    for judgement in present:
        axes.barh(positions, shares[judgement], left=left, color=colours[judgement], edgecolor="black", linewidth=0.5)
        left += shares[judgement]
    axes.set_yticks(positions, labels)
    axes.set_xlim(0, 100)
    axes.set_xlabel(f"Share of total {weight_label} (%)" if weighted else "Share of studies (%)")
    axes.set_ylabel("Risk-of-bias domain")
    axes.legend(
        handles=_legend_handles(colours, present),
        title="Judgement",
        loc="upper center",
        bbox_to_anchor=(0.5, -0.18),
        ncol=len(present),
        frameon=False,
    )
    title = title or f"Risk of bias summary ({tool}, {'weighted' if weighted else 'unweighted'})"
    if owned:
        figure.suptitle(title)
        figure.tight_layout()
    else:
        axes.set_title(title)
    return figure
