"""One plotting style: no side effects at import, ``ax=`` honoured, colours from the vocabulary,
quantiles from the fit's level.

Data: metadat's dat.bcg (test fixture, via tests/reference) and synthetic robvis rows.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from scipy import stats

from compendium.bias.vocabulary import HIGH, PALETTES
from compendium.meta import rma
from compendium.plots import forest, funnel, rob
from compendium.plots.evidence import studies_per_stream
from metafor_ref import arr, load

PLOT_MODULES = ("evidence", "forest", "funnel", "mr", "mr_published", "rob", "triangulation")


def _bcg(level: float = 95.0):
    ref = load("dat.bcg")  # test fixture: metadat dat.bcg
    return rma(arr(ref["yi"]), arr(ref["vi"]), slab=ref["inputs"]["author"], level=level)


def test_importing_the_plots_changes_no_matplotlib_state() -> None:
    code = (
        "import matplotlib; before = (matplotlib.get_backend(), dict(matplotlib.rcParams)); "
        + "; ".join(f"import compendium.plots.{name}" for name in PLOT_MODULES)
        + "; import matplotlib.pyplot as plt; "
        "assert (matplotlib.get_backend(), dict(matplotlib.rcParams)) == before; assert not plt.get_fignums()"
    )
    env = {**os.environ, "MPLBACKEND": "svg"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_single_panel_plots_draw_into_the_given_axes() -> None:
    res = _bcg()
    figure = Figure(figsize=(12, 8))
    left, right = figure.subplots(1, 2)
    assert forest.forest_plot(res, title="BCG", xlabel="log RR", ax=left) is figure
    assert funnel.funnel_plot(res, title="Funnel", xlabel="log RR", ax=right) is figure
    assert left.get_title(loc="left") == "BCG" and right.get_ylabel() == "Standard error"
    assert len(figure.axes) == 2


def test_rob_and_evidence_plots_accept_ax() -> None:
    frame = pd.DataFrame(  # synthetic robvis rows
        {
            "Study": ["a", "b"],
            **{f"D{i}": ["Low", HIGH] for i in range(1, 6)},
            "Overall": ["Low", HIGH],
            "Weight": [1, 2],
        }
    )
    figure = Figure()
    axes = figure.subplots(1, 3)
    assert rob.traffic_light_plot(frame, ax=axes[0]) is figure
    assert rob.summary_plot(frame, ax=axes[1]) is figure
    counts = pd.DataFrame({"stream": ["rct", "preclinical"], "question": ["treatment", "risk"], "studies": [3, 2]})
    assert studies_per_stream(counts, ax=axes[2]) is figure
    assert axes[0].get_title() and axes[1].get_title() and axes[2].get_title()


@pytest.mark.parametrize("level", [90.0, 95.0, 99.0])
def test_funnel_pseudo_limits_follow_the_level(level: float) -> None:
    res = _bcg(level)
    ax = funnel.funnel_plot(res, title="Funnel", xlabel="log RR").axes[0]
    line = next(line for line in ax.get_lines() if line.get_label() == f"pseudo {level:g}% limits")
    x, y = line.get_xdata(), line.get_ydata()
    z = stats.norm.isf((1 - level / 100) / 2)
    assert np.allclose([x[2] - x[1]], [z * y[2]])


@pytest.mark.parametrize("palette", sorted(PALETTES))
def test_forest_judgements_take_the_palette_colours(palette: str) -> None:
    res = _bcg()
    judgements = ["Low", "Some concerns", HIGH] * 4 + ["Low"]
    ax = forest.forest_plot(res, title="BCG", xlabel="RR", log_scale=True, extra=judgements, palette=palette).axes[0]
    colours = {to_hex(colour) for c in ax.collections if len(c.get_offsets()) == 1 for colour in c.get_facecolor()}
    assert {PALETTES[palette][j].lower() for j in ("Low", "Some concerns", HIGH)} <= colours
