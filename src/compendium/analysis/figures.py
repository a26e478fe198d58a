"""Forest plots for every pooled analysis and contour-enhanced funnel plots where k >= 10,
saved with :func:`compendium.results_io.save_figure` (title and alt text with the pooled
estimate, CI and k)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from compendium.analysis.pooling import AnalysisFit
from compendium.analysis.rob import RobLookup
from compendium.bias.grade import PUBLICATION_BIAS_MIN_K
from compendium.plots.forest import forest_plot
from compendium.plots.funnel import funnel_plot
from compendium.results_io import save_figure
from compendium.review import Comparison

#: funnel plots are drawn from this many studies (as the GRADE publication-bias rule)
FUNNEL_MIN_K = PUBLICATION_BIAS_MIN_K


def axis_label(fit: AnalysisFit, intervention: str = "intervention", comparator: str = "control") -> str:
    """x-axis label with the measure and its unit or scale (``intervention``, ``comparator``: the
    review's nouns)."""
    a = fit.analysis
    if a.log_scale:
        return f"{a.measure} (log scale; 1 = no difference from the comparison)"
    if a.measure == "SMD" and a.pooling is not None:
        return f"Standardised mean difference (Hedges' adjusted g, as RevMan), {intervention} minus {comparator}"
    if a.measure == "SMD":
        return f"Standardised mean difference (Hedges' g); positive favours {intervention}"
    instrument = str(a.data["outcome_measure"].iloc[0]) if "outcome_measure" in a.data else a.outcome
    return f"Mean difference, {intervention} minus {comparator} ({instrument})"


def summary_text(fit: AnalysisFit) -> str:
    """'pooled SMR 4.10 (95% CI 2.00 to 8.40), k = 2, I2 = 0%, prediction interval ...'."""
    a, res = fit.analysis, fit.result
    show = (lambda x: float(np.exp(x))) if a.log_scale else float
    text = (
        f"pooled {a.measure} {show(res.estimate):.2f} ({res.level:g}% CI {show(res.ci_low):.2f} to "
        f"{show(res.ci_high):.2f}), k = {res.k}, I2 = {res.i2:.0f}%"
    )
    if res.pi_low is not None and res.pi_high is not None:
        text += f", prediction interval {show(res.pi_low):.2f} to {show(res.pi_high):.2f}"
    return text


def forest_figures(
    fits: list[AnalysisFit],
    rob: RobLookup,
    output_dir: str | Path,
    intervention: str = "intervention",
    comparator: str = "control",
    comparisons: Mapping[str, Comparison] | None = None,
) -> list[str]:
    """Save a forest plot per analysis (with a risk-of-bias column when stage 02 has run); returns the names.
    ``comparisons``: outcome id -> its comparison, whose nouns label the axis (a review of several
    comparisons, :meth:`compendium.review.Review.comparison_of`); other outcomes use ``intervention`` and
    ``comparator``."""
    names = []
    for fit in fits:
        a = fit.analysis
        extra = [j or "" for j in rob.column(a.data, a.question)] if rob.available else None
        comparison = (comparisons or {}).get(a.outcome)
        sides = (comparison.intervention, comparison.comparator) if comparison else (intervention, comparator)
        figure = forest_plot(
            fit.result,
            title=a.label,
            xlabel=axis_label(fit, *sides),
            log_scale=a.log_scale,
            extra=extra,
            extra_label="Risk of bias",
        )
        name = f"forest-{a.analysis_id}"
        studies = ", ".join(a.data["study"].astype(str))
        rob_text = "" if rob.available else " Risk of bias not shown: stage 02 output absent."
        save_figure(
            figure,
            output_dir,
            name,
            title=f"Forest plot: {a.label}",
            alt=f"Forest plot of {studies}: {summary_text(fit)}.{rob_text}",
        )
        plt.close(figure)
        names.append(name)
    return names


#: the mark after a study label in a forest plot of the set with stated assumptions
ASSUMPTION_MARK = "†"


def assumption_forest_figures(
    fits: list[AnalysisFit],
    marks: dict[str, list[list[str]]],
    rob: RobLookup,
    output_dir: str | Path,
    intervention: str = "intervention",
    comparator: str = "control",
) -> list[str]:
    """Forest plots (``forest-assumptions-<analysis_id>``) of the analyses of the set with stated
    assumptions that rest on at least one: a study that depends on an assumption carries
    :data:`ASSUMPTION_MARK` and the footnote names the assumption ids. Returns the names."""
    names = []
    for fit in fits:
        a = fit.analysis
        rows = marks.get(a.analysis_id, [])
        if not any(rows):
            continue
        labels = [f"{study} {ASSUMPTION_MARK}" if ids else str(study) for study, ids in zip(fit.result.slab, rows)]
        extra = [j or "" for j in rob.column(a.data, a.question)] if rob.available else None
        figure = forest_plot(
            dataclasses.replace(fit.result, slab=tuple(labels)),
            title=f"{a.label}, with stated assumptions",
            xlabel=axis_label(fit, intervention, comparator),
            log_scale=a.log_scale,
            extra=extra,
            extra_label="Risk of bias",
        )
        used = "; ".join(f"{study}: {', '.join(ids)}" for study, ids in zip(a.data["study"].astype(str), rows) if ids)
        footnote = f"{ASSUMPTION_MARK} numbers rest on stated assumptions (assumption ledger): {used}"
        # below the axes (the saved figure is cropped to its content, so the line extends it)
        figure.text(0.01, -0.04, footnote, fontsize=8, ha="left", va="top")
        name = f"forest-assumptions-{a.analysis_id}"
        save_figure(
            figure,
            output_dir,
            name,
            title=f"Forest plot with stated assumptions (sensitivity analysis): {a.label}",
            alt=f"Forest plot of {', '.join(a.data['study'].astype(str))} using the assumption ledger: "
            f"{summary_text(fit)}. {footnote}.",
        )
        plt.close(figure)
        names.append(name)
    return names


def funnel_figures(
    fits: list[AnalysisFit], output_dir: str | Path, intervention: str = "intervention", comparator: str = "control"
) -> list[str]:
    """Save a contour-enhanced funnel plot where k >= 10; returns one line per analysis saying what was done."""
    lines = []
    for fit in fits:
        a, res = fit.analysis, fit.result
        if res.k < FUNNEL_MIN_K:
            lines.append(f"{a.analysis_id}: no funnel plot (k = {res.k}, fewer than {FUNNEL_MIN_K})")
            continue
        figure = funnel_plot(res, title=f"Funnel plot: {a.label}", xlabel=axis_label(fit, intervention, comparator))
        save_figure(
            figure,
            output_dir,
            f"funnel-{a.analysis_id}",
            title=f"Contour-enhanced funnel plot: {a.label}",
            alt=f"Contour-enhanced funnel plot of {res.k} studies: {summary_text(fit)}.",
        )
        plt.close(figure)
        lines.append(f"{a.analysis_id}: funnel plot drawn (k = {res.k})")
    return lines
