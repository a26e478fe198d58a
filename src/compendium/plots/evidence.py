"""Figures of the evidence base (stage 01)."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from compendium.plots.canvas import figure_and_axes
from compendium.vocabulary import QUESTION_COLOURS


def studies_per_stream(counts: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Horizontal bars: number of studies per evidence stream, coloured by question.

    Parameters
    ----------
    counts : pandas.DataFrame
        The columns of :func:`compendium.data.summary.stream_counts` (``stream``, ``question``,
        ``studies``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; by default a new figure sized to the number of streams.

    Returns
    -------
    matplotlib.figure.Figure
    """
    data = counts.assign(stream=counts["stream"].str.replace("_", " ")).reset_index(drop=True)
    figure, ax, owned = figure_and_axes(ax, (7, 0.45 * len(data) + 1.2))
    for question, rows in data.groupby("question", sort=False):
        bars = ax.barh(
            rows.index, rows["studies"], height=0.8, color=QUESTION_COLOURS.get(str(question)), label=question
        )
        ax.bar_label(bars, padding=3)
    ax.set_yticks(data.index, data["stream"])
    ax.set_ylim(len(data) - 0.5, -0.5)  # the first stream at the top
    ax.set_title("Studies in the evidence base, by stream")
    ax.set_xlabel("Number of studies")
    ax.set_ylabel("")
    ax.legend(title="Question", loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    if owned:
        figure.tight_layout()
    return figure
