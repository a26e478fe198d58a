"""Triangulation figure (stage 04), with its alt text.

Three panels side by side: (A) the studies of each stream by direction, with the stream's
strength; (B) every counted estimate that has a CI, by stream, on a log ratio axis (described,
not pooled); (C) mouse results by sex and intensity, stacked by direction. Returns the Figure.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from compendium.plots.mr_published import DIRECTION_COLOURS
from compendium.vocabulary import (
    BENEFIT,
    BOTH,
    HARM,
    NONE,
    NULL,
    PRECLINICAL,
    PRECLINICAL_DIRECTIONS,
    STREAM_SHORT_LABELS,
    TRIANGULATION_STREAMS,
    direction_texts,
)

STUDY_DIRECTION_ORDER = (HARM, NULL, BENEFIT, BOTH, NONE)


def triangulation_plot(
    rows: pd.DataFrame,
    triangulation: pd.DataFrame,
    preclinical_counts: pd.DataFrame,
    *,
    question: str,
    intervention: str,
    condition: str,
    stream_labels: Mapping[str, str] | None = None,
) -> Figure:
    """The triangulation figure from :func:`~compendium.evidence.triangulation.evidence_rows`,
    :func:`~compendium.evidence.triangulation.triangulation_table` and
    :func:`~compendium.evidence.triangulation.preclinical_counts`, in the review's words:
    ``question`` (the risk question's text, in the title), ``intervention`` and ``condition`` (its nouns),
    ``stream_labels`` the streams' short labels (axes and panel C's title; default
    :data:`compendium.vocabulary.STREAM_SHORT_LABELS`)."""
    texts = direction_texts(condition)
    short_labels = {**STREAM_SHORT_LABELS, **(stream_labels or {})}
    figure = Figure(figsize=(17, 6.8))
    grid = figure.add_gridspec(
        1, 3, width_ratios=[1.05, 1.2, 1.0], wspace=0.55, left=0.09, right=0.98, top=0.84, bottom=0.2
    )

    # A: studies per stream by direction
    axes = figure.add_subplot(grid[0])
    streams = list(triangulation["stream"])[::-1]
    positions = np.arange(len(streams))
    left = np.zeros(len(streams))
    column = {
        HARM: "studies_harm",
        NULL: "studies_null",
        BENEFIT: "studies_benefit",
        BOTH: "studies_both",
        NONE: "studies_none",
    }
    table = triangulation.set_index("stream").loc[streams]
    for direction in STUDY_DIRECTION_ORDER:
        counts = table[column[direction]].to_numpy(float)
        axes.barh(
            positions,
            counts,
            left=left,
            color=DIRECTION_COLOURS[direction],
            edgecolor="white",
            label=f"{texts['human'][direction]} / animals: {texts['mouse'][direction].split(' (')[0]}",
        )
        for y, (start, n) in enumerate(zip(left, counts)):
            if n:
                axes.text(
                    start + n / 2,
                    y,
                    f"{int(n)}",
                    ha="center",
                    va="center",
                    color="white",
                    fontsize=9,
                    fontweight="bold",
                )
        left += counts
    for y, stream in enumerate(streams):
        axes.text(left[y] + 0.2, y, table.loc[stream, "strength"], va="center", fontsize=8.5, style="italic")
    axes.set_yticks(positions, [short_labels.get(s, s) for s in streams], fontsize=9)
    axes.set_xlim(0, left.max() + 3.5)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("Number of studies (direction of each study's counted results)")
    axes.set_title("A. Studies by direction (strength in italics)", loc="left", fontsize=10)
    axes.legend(fontsize=7.5, frameon=False, loc="upper center", bbox_to_anchor=(0.45, -0.12), ncol=2)
    axes.spines[["top", "right"]].set_visible(False)

    # B: estimates with CI by stream
    axes = figure.add_subplot(grid[1])
    ratio_streams = [s for s in TRIANGULATION_STREAMS if s != PRECLINICAL and s in set(triangulation["stream"])][::-1]
    shown = rows[
        rows["counted"]
        & rows["stream"].isin(ratio_streams)
        & rows["ci_low"].notna()
        & rows["ci_high"].notna()
        & rows["measure"].fillna("ratio").ne("beta")
    ]
    for band, stream in enumerate(ratio_streams):
        group = shown[shown["stream"] == stream]
        offsets = np.linspace(-0.38, 0.38, len(group)) if len(group) > 1 else np.zeros(len(group))
        for offset, row in zip(offsets, group.to_dict(orient="records")):
            colour = DIRECTION_COLOURS[row["direction"]]
            axes.plot([row["ci_low"], row["ci_high"]], [band + offset] * 2, color=colour, linewidth=1.1)
            axes.plot(row["estimate"], band + offset, "o", color=colour, markersize=3.5)
        if band:
            axes.axhline(band - 0.5, color="#dddddd", linewidth=0.8)
    axes.axvline(1, color="#777777", linestyle="--", linewidth=0.8)
    axes.set_xscale("log")
    if len(shown):
        axes.set_xlim(min(shown["ci_low"].min(), 1) / 1.3, max(shown["ci_high"].max(), 1) * 1.3)
    axes.xaxis.set_major_locator(LogLocator(base=10, subs=(1, 2, 5)))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    axes.xaxis.set_minor_formatter(NullFormatter())
    axes.set_yticks(range(len(ratio_streams)), [short_labels.get(s, s) for s in ratio_streams], fontsize=9)
    axes.set_ylim(-0.6, len(ratio_streams) - 0.4)
    axes.set_xlabel("Ratio estimate (OR, HR, SMR, SIR; log scale, CI as printed)")
    axes.set_title("B. Every counted estimate with a CI (not pooled)", loc="left", fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)

    # C: mouse results by sex and intensity
    axes = figure.add_subplot(grid[2])
    wide = preclinical_counts.pivot_table(
        index=["sex", "intensity"], columns="direction", values="results", aggfunc="sum", fill_value=0, sort=False
    )
    labels = [f"{sex.replace('_', ' ')} · {intensity.replace('_', ' ')}" for sex, intensity in wide.index][::-1]
    positions = np.arange(len(wide))
    left = np.zeros(len(wide))
    for direction, code in PRECLINICAL_DIRECTIONS.items():
        counts = (wide[direction] if direction in wide.columns else pd.Series(0, index=wide.index)).to_numpy(float)[
            ::-1
        ]
        axes.barh(positions, counts, left=left, color=DIRECTION_COLOURS[code], edgecolor="white")
        left += counts
    axes.set_yticks(positions, labels, fontsize=8.5)
    axes.set_xlabel("Number of animal results")
    axes.set_ylabel(f"Sex · {intervention} intensity")
    axes.set_title(f"C. {short_labels[PRECLINICAL]} by sex and intensity", loc="left", fontsize=10)
    axes.legend(
        handles=[
            Patch(color=DIRECTION_COLOURS[code], label=name.replace("_", " "))
            for name, code in PRECLINICAL_DIRECTIONS.items()
        ],
        fontsize=8,
        frameon=False,
        loc="upper center",
        bbox_to_anchor=(0.45, -0.12),
        ncol=4,
    )
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    figure.suptitle(
        f"Triangulation: {question + ' ' if question else ''}MR, observational and animal evidence side by side",
        x=0.01,
        ha="left",
        fontsize=12,
        fontweight="bold",
    )
    return figure


def triangulation_alt(triangulation: pd.DataFrame, preclinical_counts: pd.DataFrame) -> str:
    """Alt text of :func:`triangulation_plot` with the counts of each stream."""
    parts = ["Three-panel figure."]
    streams = "; ".join(
        f"{row['stream_label']}: {row['studies']} {'study' if row['studies'] == 1 else 'studies'} "
        f"({row['studies_harm']} harm or higher risk, {row['studies_null']} null, "
        f"{row['studies_benefit']} benefit or lower risk, {row['studies_both']} both, "
        f"{row['studies_none']} not estimable), "
        f"{row['strength']}"
        for row in triangulation.to_dict(orient="records")
    )
    parts.append(f"Panel A, studies by direction: {streams}.")
    ratio = triangulation[triangulation["stream"] != PRECLINICAL]
    estimates = "; ".join(
        f"{row['stream_label']}: {row['rows_ci_above']} above 1, {row['rows_ci_below']} below 1, "
        f"{row['rows_ci_includes']} including 1"
        + (
            f", point estimates {row['estimate_min']:.3g} to {row['estimate_max']:.3g}"
            if pd.notna(row["estimate_min"])
            else ""
        )
        for row in ratio.to_dict(orient="records")
    )
    parts.append(f"Panel B, estimates with their CI as printed, on a log axis: {estimates}.")
    mice = "; ".join(
        f"{_words(row['sex'])}, {_words(row['intensity'])}: {row['results']} {_words(row['direction'])}"
        for row in preclinical_counts.to_dict(orient="records")
    )
    parts.append(f"Panel C, animal results by sex and intensity: {mice}.")
    return " ".join(parts)


def _words(code: object) -> str:
    """A vocabulary code as words (``not_reported`` -> ``not reported``)."""
    return str(code).replace("_", " ")
