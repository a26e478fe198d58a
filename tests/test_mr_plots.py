"""MR figures: each returns a Figure with a title and labelled axes, one line per available method.

Data: the real lipid table (tests/data/README.md); figures are checked, not compared to images.
"""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from compendium.mr.analysis import mr_analysis
from compendium.mr.sensitivity import mr_leave_one_out
from compendium.plots.mr import leave_one_out_plot, mr_funnel_plot, scatter_plot
from mr_reference import LIPID_COLUMNS, lipids

LABELS = {"exposure_label": "LDL-cholesterol", "outcome_label": "CHD"}


@pytest.fixture(scope="module")
def fitted():
    table = lipids()
    return table, mr_analysis(table, *LIPID_COLUMNS, snp="variant", n_bootstrap=100)


def check_axes(figure: Figure) -> None:
    assert isinstance(figure, Figure)
    axes = figure.axes[0]
    assert axes.get_title() and axes.get_xlabel() and axes.get_ylabel()


def test_scatter_plot(fitted):
    table, results = fitted
    figure = scatter_plot(table, results, *LIPID_COLUMNS, **LABELS)
    check_axes(figure)
    assert "LDL-cholesterol" in figure.axes[0].get_xlabel()
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert any(text.startswith("MR-Egger") for text in legend) and len(legend) == 5


def test_funnel_plot(fitted):
    table, results = fitted
    figure = mr_funnel_plot(table, results, *LIPID_COLUMNS, **LABELS)
    check_axes(figure)
    assert len(figure.axes[0].collections[0].get_offsets()) == 28


def test_leave_one_out_plot(fitted):
    table, results = fitted
    loo = mr_leave_one_out(table, *LIPID_COLUMNS, snp="variant")
    figure = leave_one_out_plot(loo, results, **LABELS)
    check_axes(figure)
    assert len(figure.axes[0].get_yticklabels()) == 28
