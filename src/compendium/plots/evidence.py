"""Figures of the evidence base (stage 01)."""

from __future__ import annotations

import pandas as pd
import seaborn as sns
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
    data = counts.assign(stream=counts["stream"].str.replace("_", " "))
    figure, ax, owned = figure_and_axes(ax, (7, 0.45 * len(data) + 1.2))
    sns.barplot(data=data, y="stream", x="studies", hue="question", dodge=False, ax=ax, palette=QUESTION_COLOURS)
    for container in ax.containers:
        ax.bar_label(container, padding=3)  # type: ignore[arg-type]  # typed Container; barplot's are BarContainers
    ax.set_title("Studies in the evidence base, by stream")
    ax.set_xlabel("Number of studies")
    ax.set_ylabel("")
    ax.margins(x=0.12)  # room for the count after the longest bar
    # beside the axes, never over a bar or its count (a review with one stream has one full-width bar)
    ax.legend(title="Question", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    sns.despine(ax=ax)
    if owned:
        figure.tight_layout()
    return figure
