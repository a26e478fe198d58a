"""Where a plot draws (the caller's axes, or a new figure that belongs to no pyplot state) and the
risk-of-bias judgement marker that several figures share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import Transform

from compendium.bias.vocabulary import SYMBOLS


def figure_and_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes, bool]:
    """The figure and axes to draw on, and whether the plot made the figure itself.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
        The caller's axes; ``None`` makes a new :class:`~matplotlib.figure.Figure` of ``figsize``
        inches with one axes (not registered with pyplot, so nothing needs closing).
    figsize : tuple of float
        Width and height in inches of a new figure.

    Returns
    -------
    tuple
        ``(figure, axes, owned)``; ``owned`` is True when the figure is new, so the plot may set
        its layout and overall title.
    """
    if ax is not None:
        return cast(Figure, ax.get_figure(root=True)), ax, False
    figure = Figure(figsize=figsize)
    return figure, figure.add_subplot(), True


def symbol_colour(fill: str) -> str:
    """Black on a light fill, white on a dark one (relative luminance of the sRGB hex colour ``#rrggbb``)."""
    red, green, blue = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "black" if 0.2126 * red + 0.7152 * green + 0.0722 * blue > 0.4 else "white"


def judgement_marker(
    ax: Axes,
    x: float,
    y: float,
    judgement: str,
    colours: Mapping[str, str],
    *,
    size: float,
    fontsize: float,
    transform: Transform | None = None,
) -> None:
    """A risk-of-bias judgement as robvis draws it: a circle in the palette's colour with the
    judgement's symbol (so that colour is never the only cue)."""
    where: dict[str, Any] = {} if transform is None else {"transform": transform}
    fill = colours[judgement]
    ax.scatter([x], [y], s=size, color=fill, edgecolors="black", linewidths=0.6, clip_on=False, zorder=3, **where)
    ax.text(
        x,
        y,
        SYMBOLS[judgement],
        ha="center",
        va="center",
        fontsize=fontsize,
        fontweight="bold",
        color=symbol_colour(fill),
        zorder=4,
        **where,
    )
