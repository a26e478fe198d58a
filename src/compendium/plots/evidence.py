"""Figures of the evidence base (stage 01)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402


def studies_per_stream(counts: pd.DataFrame):
    """Horizontal bars: number of studies per evidence stream, coloured by question.

    ``counts`` has the columns of :func:`compendium.data.summary.stream_counts`.
    """
    data = counts.assign(stream=counts["stream"].str.replace("_", " "))
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(data) + 1.2))
    sns.barplot(data=data, y="stream", x="studies", hue="question", dodge=False, ax=ax,
                palette={"risk": "#0072B2", "treatment": "#E69F00"})
    for container in ax.containers:
        ax.bar_label(container, padding=3)
    ax.set_title("Studies in the evidence base, by stream")
    ax.set_xlabel("Number of studies")
    ax.set_ylabel("")
    ax.legend(title="Question", loc="lower right")
    sns.despine(ax=ax)
    fig.tight_layout()
    return fig
