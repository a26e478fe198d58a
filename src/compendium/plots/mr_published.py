"""Forest-style plot of published MR estimates (stage 04), with its alt text.

One panel per role (primary MR studies; the MR meta-analysis, shown apart and never pooled;
a user-supplied SNP table), rows grouped by exposure. A row with an estimate and CI is a point
with its CI on a log odds-ratio axis (beta: linear axis); a row that prints only a p-value or a
stated conclusion is shown as that text, never as a point. Colour gives the row's direction.
Returns the Figure (no pyplot state).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from matplotlib.transforms import blended_transform_factory

from compendium.vocabulary import (
    BENEFIT,
    HARM,
    MR_NULL_VALUES,
    MR_ROLE_LABELS,
    NONE,
    NULL,
    PUBLISHED_MR_METHOD_LABELS,
    direction_texts,
    exposure_label,
)

#: colour of a result by direction (Okabe-Ito), shared by the stage-04 figures
DIRECTION_COLOURS: dict[str, str] = {
    HARM: "#D55E00",
    BENEFIT: "#0072B2",
    NULL: "#555555",
    NONE: "#999999",
    "both": "#CC79A7",
}


def _lines(rows: pd.DataFrame, exposure_labels: Mapping[str, str] | None) -> list[str | dict[str, Any]]:
    """Lines of one panel, top to bottom: an exposure header (text) or a result row (a record)."""
    lines: list[str | dict[str, Any]] = []
    for exposure, group in rows.groupby("exposure_category", sort=False):
        header = exposure_label(str(exposure), exposure_labels)
        if group["role"].iloc[0] == "user_supplied":
            header = str(group["exposure"].iloc[0])
        lines.append(header)
        lines += [{str(key): value for key, value in row.items()} for row in group.to_dict(orient="records")]
    return lines


def _has_ci(row: Mapping[str, Any]) -> bool:
    return bool(pd.notna(row["estimate"]) and pd.notna(row["ci_low"]) and pd.notna(row["ci_high"]))


def published_mr_forest(
    estimates: pd.DataFrame, *, condition: str, title: str, exposure_labels: Mapping[str, str] | None = None
) -> Figure:
    """Forest plot of the MR summary (:func:`compendium.evidence.published_mr.published_estimates`, plus
    any user-supplied rows); columns used: role, exposure_category, exposure, study, method, main,
    measure, estimate, ci_low, ci_high, direction_code, effect. ``condition`` is the review's
    ``condition.noun`` (axis label and legend); ``exposure_labels`` the display labels of the
    exposure categories (:func:`compendium.vocabulary.exposure_label`)."""
    roles = [role for role in MR_ROLE_LABELS if (estimates["role"] == role).any()]
    panels = [(role, _lines(estimates[estimates["role"] == role], exposure_labels)) for role in roles]
    heights = [len(lines) + 1.2 for _, lines in panels]
    figure = Figure(figsize=(12.5, 0.34 * sum(heights) + 1.6))
    grid = figure.add_gridspec(
        len(panels),
        1,
        height_ratios=heights,
        hspace=0.55,
        left=0.30,
        right=0.70,
        top=1 - 0.75 / figure.get_figheight(),
        bottom=0.9 / figure.get_figheight(),
    )
    for index, (role, lines) in enumerate(panels):
        axes = figure.add_subplot(grid[index])
        text_transform = blended_transform_factory(axes.transAxes, axes.transData)
        data = estimates[estimates["role"] == role]
        with_ci = data[data[["estimate", "ci_low", "ci_high"]].notna().all(axis=1)]
        log_scale = bool(len(with_ci) == 0 or (with_ci["measure"] == "OR").all())
        null = 1.0 if log_scale else MR_NULL_VALUES["beta"]
        labels, positions = [], []
        for position, row in zip(range(len(lines), 0, -1), lines):
            if isinstance(row, str):
                axes.text(
                    -0.01,
                    position,
                    row,
                    transform=text_transform,
                    ha="right",
                    va="center",
                    fontweight="bold",
                    fontsize=9,
                )
                continue
            labels.append(
                f"{row['study']}, {PUBLISHED_MR_METHOD_LABELS.get(row['method'], row['method'])}"
                + ("" if row["main"] else " (sensitivity)")
            )
            positions.append(position)
            colour = DIRECTION_COLOURS[row["direction_code"]]
            if _has_ci(row):
                axes.plot([row["ci_low"], row["ci_high"]], [position, position], color=colour, linewidth=1.6)
                axes.plot(
                    row["estimate"],
                    position,
                    marker="s" if row["main"] else "o",
                    markersize=7 if row["main"] else 5,
                    color=colour,
                    markerfacecolor=colour if row["main"] else "white",
                )
                axes.text(1.02, position, row["effect"], transform=text_transform, va="center", fontsize=8.5)
            else:
                axes.text(
                    0.02,
                    position,
                    f"{row['effect']} (no estimate with CI printed)",
                    transform=text_transform,
                    va="center",
                    fontsize=8.5,
                    style="italic",
                    color=colour,
                )
        axes.set_yticks(positions, labels, fontsize=8.5)
        axes.set_ylim(0.3, len(lines) + 0.7)
        axes.axvline(null, color="#777777", linestyle="--", linewidth=0.8)
        if log_scale:
            axes.set_xscale("log")
            values = np.concatenate([with_ci["ci_low"].to_numpy(float), with_ci["ci_high"].to_numpy(float), [1.0]])
            axes.set_xlim(values.min() / 1.3, values.max() * 1.3)
            axes.xaxis.set_major_locator(LogLocator(base=10, subs=(1, 2, 5)))
            axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
            axes.xaxis.set_minor_formatter(NullFormatter())
            axes.set_xlabel(
                f"Odds ratio for {condition} per unit of genetically predicted exposure (log scale, CI as printed)"
                if role != "user_supplied"
                else "Odds ratio (log scale, CI from the user's table)",
                fontsize=9,
            )
        else:
            axes.set_xlabel("Causal estimate (outcome units per exposure unit, CI as printed)", fontsize=9)
        axes.set_title(MR_ROLE_LABELS[role], loc="left", fontsize=10)
        axes.spines[["top", "right"]].set_visible(False)
    present = [code for code in DIRECTION_COLOURS if (estimates["direction_code"] == code).any()]
    figure.legend(
        handles=[
            Line2D([], [], color=DIRECTION_COLOURS[code], marker="s", label=direction_texts(condition)["human"][code])
            for code in present
        ]
        + [
            Line2D(
                [],
                [],
                color="#555555",
                marker="o",
                markerfacecolor="white",
                linestyle="none",
                label="sensitivity analysis (open circle)",
            )
        ],
        loc="upper right",
        fontsize=8,
        frameon=False,
        title="Direction (colour)",
        title_fontsize=8,
    )
    figure.suptitle(title, x=0.02, ha="left", fontsize=12, fontweight="bold")
    return figure


def published_mr_forest_alt(
    estimates: pd.DataFrame, *, intervention: str, condition: str, exposure_labels: Mapping[str, str] | None = None
) -> str:
    """Alt text of :func:`published_mr_forest`: every row with its printed result, by panel, in the
    review's words (``intervention`` and ``condition``: its nouns; ``exposure_labels`` as for the figure)."""
    parts = [
        f"Forest plot of Mendelian randomization results for {intervention} and {condition}, odds ratios on a "
        "log axis with their CIs as printed; rows without an estimate are shown as text."
    ]
    for role in MR_ROLE_LABELS:
        rows = estimates[estimates["role"] == role]
        if len(rows):
            items = "; ".join(
                f"{row['study']}, {_exposure_text(row, role, exposure_labels)}, "
                f"{PUBLISHED_MR_METHOD_LABELS.get(row['method'], row['method'])}: {row['effect']}"
                for row in rows.to_dict(orient="records")
            )
            parts.append(f"{MR_ROLE_LABELS[role]}: {items}.")
    return " ".join(parts)


def _exposure_text(row: Mapping[Hashable, Any], role: str, exposure_labels: Mapping[str, str] | None) -> str:
    """The exposure as shown: its category's label, or a user-supplied row's own wording."""
    if role == "user_supplied":
        return str(row["exposure"])
    return exposure_label(str(row["exposure_category"]), exposure_labels)
