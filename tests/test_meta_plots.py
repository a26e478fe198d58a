"""Forest and funnel plots: they draw, return Figures, and carry title and axis labels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from compendium.meta import rma
from compendium.meta.small_study import trim_and_fill
from compendium.plots.forest import forest_plot
from compendium.plots.funnel import funnel_plot
from metafor_ref import arr, load


def _bcg():
    ref = load("dat.bcg")  # test fixture: metadat dat.bcg
    return rma(arr(ref["yi"]), arr(ref["vi"]), slab=ref["inputs"]["author"])


def test_forest_plot() -> None:
    res = _bcg()
    rob = ["Low", "Some concerns", "High"] * 4 + ["Low"]
    fig = forest_plot(res, title="BCG vaccine", xlabel="Risk ratio (log scale)", log_scale=True, extra=rob)
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "BCG vaccine" and ax.get_xscale() == "log"
    texts = [t.get_text() for t in ax.texts]
    assert "Aronson" in texts and "Risk of bias" in texts and "Prediction interval" in texts
    assert any(t.endswith("%") for t in texts)
    fig.canvas.draw()
    plt.close(fig)


def test_funnel_plot_with_fill() -> None:
    res = _bcg()
    tf = trim_and_fill(res)
    fig = funnel_plot(
        res, title="Funnel", xlabel="log risk ratio", filled=(tf.filled["yi"].to_numpy(), tf.filled["vi"].to_numpy())
    )
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Standard error" and ax.get_ylim()[0] > ax.get_ylim()[1]
    assert np.isfinite(ax.get_xlim()).all()
    fig.canvas.draw()
    plt.close(fig)
