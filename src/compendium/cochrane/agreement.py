"""A re-analysed Cochrane review as two flat tables (stage 03's ``revman_agreement`` and ``revman_sensitivity``).

* :func:`agreement_table`: the records of :func:`compendium.cochrane.reanalyse.reanalyse` (the
  ``analyses`` of ``compendium cochrane --json``), one row per analysis and subgroup; the nested
  ``subgroup_test`` and ``stored`` objects flattened into ``subgroup_test_*`` and ``stored_*`` columns,
  the excluded study rows as one text column.
* :func:`forest_figures`: a forest plot of every analysis whose data the import could not turn into
  the data package's tables (generic inverse variance, O-E), pooled by inverse variance as RevMan does.
* :func:`sensitivity_table`: each analysis and subgroup pooled as RevMan stored it beside today's
  Cochrane defaults: random effects with the REML estimate of tau^2, the Knapp-Hartung (Hartung-Knapp-
  Sidik-Jonkman) interval and a prediction interval (:func:`compendium.meta.rma`), from the same study
  estimates and variances as RevMan's method (:func:`compendium.cochrane.reanalyse.pool`).

References
----------
Higgins JPT, Thomas J, et al., editors. Cochrane Handbook for Systematic Reviews of Interventions,
chapter 10 (Analysing data and undertaking meta-analyses): random-effects methods, the estimators of
tau^2, the Hartung-Knapp-Sidik-Jonkman interval and prediction intervals. The defaults named here are
those of issue 20 ("today's Cochrane defaults": REML, Knapp-Hartung, prediction interval).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from compendium.cochrane.model import RESULT_KEYS, SUBGROUP_TEST_KEYS, Review
from compendium.cochrane.reanalyse import _usable, pool, pooled_random, reanalyse

#: the columns that say which analysis or subgroup a row is and how RevMan pooled it
KEY_COLUMNS = ("comparison", "outcome", "name", "subgroup_number", "subgroup")
SETTING_COLUMNS = ("data_type", "pooling", "measure", "model", "tau2_method", "level", "k")
AGREEMENT_COLUMNS = (
    *KEY_COLUMNS,
    *SETTING_COLUMNS,
    *RESULT_KEYS,
    *(f"subgroup_test_{key}" for key in SUBGROUP_TEST_KEYS),
    *(f"stored_{key}" for key in RESULT_KEYS),
    *(f"stored_subgroup_test_{key}" for key in SUBGROUP_TEST_KEYS),
    "agrees",
    "reason",
    "excluded",
    "analysis_id",
)
#: today's Cochrane defaults, as the sensitivity table names them
DEFAULT_METHOD = "random effects, REML tau2, Knapp-Hartung CI, prediction interval"
SENSITIVITY_COLUMNS = (
    *KEY_COLUMNS,
    "measure",
    "level",
    "revman_method",
    "revman_k",
    "revman_estimate",
    "revman_ci_low",
    "revman_ci_high",
    "revman_tau2",
    "default_method",
    "k",
    "estimate",
    "ci_low",
    "ci_high",
    "pi_low",
    "pi_high",
    "tau2",
    "i2",
    "pval",
    "note",
)


def agreement_table(review: Review) -> pd.DataFrame:
    """One row per analysis and subgroup: RevMan's settings, the reproduced results, the stored ones
    (``stored_*``) and ``agrees`` (None where the file stores no result)."""
    rows = []
    for record in reanalyse(review):
        stored = record["stored"]
        test = record.get("subgroup_test") or {}
        stored_test = stored.get("subgroup_test") or {}
        row = {key: record[key] for key in (*KEY_COLUMNS, *SETTING_COLUMNS, *RESULT_KEYS)}
        row |= {f"subgroup_test_{key}": test.get(key) for key in SUBGROUP_TEST_KEYS}
        row |= {f"stored_{key}": stored.get(key) for key in RESULT_KEYS}
        row |= {f"stored_subgroup_test_{key}": stored_test.get(key) for key in SUBGROUP_TEST_KEYS}
        row |= {
            "agrees": record["agrees"],
            "reason": record["reason"],
            "excluded": "; ".join(f"{item['study']} ({item['reason']})" for item in record["excluded"]),
            "analysis_id": record["analysis_id"],
        }
        rows.append(row)
    return _frame(rows, AGREEMENT_COLUMNS)


def sensitivity_table(review: Review) -> pd.DataFrame:
    """Each analysis and subgroup as RevMan pooled it beside today's Cochrane defaults (module docstring)."""
    from compendium.meta import rma

    rows = []
    for analysis in review.analyses:
        groups = [(None, None, analysis.rows)] + [(g.number, g.name, g.rows) for g in analysis.subgroups]
        for number, name, study_rows in groups:
            result, _, reason = pool(analysis, study_rows)
            scale = math.exp if analysis.log_scale else float
            row: dict[str, Any] = {
                "comparison": analysis.comparison,
                "outcome": analysis.outcome,
                "name": analysis.name,
                "subgroup_number": number,
                "subgroup": name,
                "measure": analysis.measure,
                "level": analysis.ci_total,
                "revman_method": f"{analysis.pooling}, "
                + ("random effects (DL)" if pooled_random(analysis) else "fixed effect"),
                "default_method": DEFAULT_METHOD,
            }
            if result is None:
                rows.append(row | {"revman_k": 0, "k": 0, "note": reason})
                continue
            row |= {
                "revman_k": result.k,
                "revman_estimate": scale(result.estimate),
                "revman_ci_low": scale(result.ci_low),
                "revman_ci_high": scale(result.ci_high),
                "revman_tau2": result.tau2,
            }
            finite = [(y, v) for y, v in zip(result.yi, result.vi) if math.isfinite(y) and math.isfinite(v)]
            if len(finite) < 2:
                rows.append(row | {"k": len(finite), "note": "fewer than two estimable studies: not pooled"})
                continue
            fit = rma(
                [y for y, _ in finite], [v for _, v in finite], method="REML", test="knha", level=analysis.ci_total
            )
            pi_low, pi_high = fit.pi_low, fit.pi_high
            row |= {
                "k": fit.k,
                "estimate": scale(fit.estimate),
                "ci_low": scale(fit.ci_low),
                "ci_high": scale(fit.ci_high),
                "pi_low": None if pi_low is None else scale(pi_low),
                "pi_high": None if pi_high is None else scale(pi_high),
                "tau2": fit.tau2,
                "i2": fit.i2,
                "pval": fit.pval,
                "note": " ".join(fit.notes),
            }
            rows.append(row)
    return _frame(rows, SENSITIVITY_COLUMNS)


def forest_figures(review: Review, output_dir: str | Path) -> list[str]:
    """A forest plot (``revman-forest-<comparison>-<outcome>``) of each analysis of a data type that the
    data package's tables do not hold (:data:`compendium.cochrane.importer.IMPORTED_DATA_TYPES`): its
    studies' estimates and the inverse-variance pool with RevMan's model (fixed effect, or DerSimonian and
    Laird's tau^2 with a z-based interval) and confidence level; returns the figure names."""
    import matplotlib.pyplot as plt

    from compendium.cochrane.importer import IMPORTED_DATA_TYPES
    from compendium.meta import rma
    from compendium.plots.forest import forest_plot
    from compendium.results_io import save_figure

    names = []
    for analysis in review.analyses:
        if analysis.data_type in IMPORTED_DATA_TYPES:
            continue
        result, _, _ = pool(analysis, analysis.rows)
        if result is None:
            continue
        usable = _usable(analysis, analysis.rows)  # the rows of result.yi, in order
        keep = [
            (row.study, y, v)
            for row, y, v in zip(usable, result.yi, result.vi)
            if math.isfinite(y) and math.isfinite(v)
        ]
        if not keep:
            continue
        fit = rma(
            [y for _, y, _ in keep],
            [v for _, _, v in keep],
            slab=[s for s, _, _ in keep],
            method="DL" if pooled_random(analysis) else "FE",
            test="z",
            level=analysis.ci_total,
        )
        title = f"Analysis {analysis.comparison}.{analysis.outcome}: {analysis.name}"
        labels = analysis.group_labels
        figure = forest_plot(
            fit,
            title=title,
            xlabel=analysis.measure.replace("_", " ") + (f" ({' versus '.join(labels)})" if all(labels) else ""),
            log_scale=analysis.log_scale,
            show_pi=False,
        )
        name = f"revman-forest-{analysis.comparison}-{analysis.outcome}"
        model = "random effects (DerSimonian-Laird)" if pooled_random(analysis) else "fixed effect"
        save_figure(
            figure,
            output_dir,
            name,
            title=f"Forest plot: {title}",
            alt=f"Forest plot of {', '.join(s for s, _, _ in keep)}: "
            f"{analysis.measure.replace('_', ' ')} pooled by inverse variance, {model}.",
        )
        plt.close(figure)
        names.append(name)
    return names


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    for column in (
        "subgroup_number",
        "k",
        "revman_k",
        "df",
        "subgroup_test_df",
        "stored_df",
        "stored_subgroup_test_df",
    ):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame


def _analyses(n: int) -> str:
    return f"{n} analysis" if n == 1 else f"{n} analyses"


def reproduction_sentence(agreement: pd.DataFrame) -> str:
    """How many analyses of ``agreement`` (:func:`agreement_table`) reproduce the stored results.

    An analysis reproduces them when its own row and each of its subgroups' rows that the file stores
    results for agree; analyses whose file stores no results are counted apart.

    Examples
    --------
    >>> rows = [(1, 1, None, True), (1, 2, None, True), (1, 2, 1, False), (1, 3, None, None)]
    >>> frame = pd.DataFrame(rows, columns=["comparison", "outcome", "subgroup_number", "agrees"])
    >>> reproduction_sentence(frame)
    "1 of 2 analyses reproduce RevMan's stored results (not: 1.2); 1 analysis stores no results to compare with."
    """
    verdicts: dict[str, bool] = {}
    uncompared = 0
    for (comparison, outcome), rows in agreement.groupby(["comparison", "outcome"], sort=False):
        known = [bool(v) for v in rows["agrees"] if not pd.isna(v)]
        if known:
            verdicts[f"{comparison}.{outcome}"] = all(known)
        else:
            uncompared += 1
    parts = []
    if verdicts:
        failing = [name for name, ok in verdicts.items() if not ok]
        verb = "reproduces" if len(verdicts) == 1 else "reproduce"
        parts.append(
            f"{sum(verdicts.values())} of {_analyses(len(verdicts))} {verb} RevMan's stored results"
            + (f" (not: {', '.join(failing)})" if failing else "")
        )
    if uncompared:
        parts.append(f"{_analyses(uncompared)} {'stores' if uncompared == 1 else 'store'} no results to compare with")
    if not parts:
        return "The review file holds no analysis."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."
