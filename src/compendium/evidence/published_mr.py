"""Published Mendelian randomization (MR) studies of the review's risk question (stage 04; in the
ALS review, physical activity and ALS).

Everything here is derived from the stage-01 tables ``mr_estimates``, ``mr_studies`` and
``studies`` by stated rules; nothing is re-estimated and nothing missing is filled in.

* :func:`published_estimates`  the MR summary (one row per printed result, with its role,
  direction and a display text); rows that print only a p-value or a verbal conclusion stay
  rows, with empty numbers.
* :func:`design_table`         instrument selection, GWAS sources and sizes, cases/controls,
  sample overlap, sensitivity methods.
* :func:`sensitivity_table`    which sensitivity analyses each study names and which it prints.
* :func:`strobe_mr_appraisal`  the STROBE-MR items that matter for a causal claim, each
  Yes / No / Not reported by the rules in :data:`APPRAISAL_ITEMS`.
* :func:`analyse_user_table`   runs the MR engine on a user's harmonised SNP table and returns
  rows in the same shapes, labelled ``user_supplied``.

Roles: ``primary`` (stream ``mendelian_randomization``), ``meta_analysis`` (stream
``mr_meta_analysis``: it reuses the primary studies, so it is shown separately and never
pooled or counted with them) and ``user_supplied`` (computed here from a user's table; not
published evidence).

STROBE-MR: Skrivankova VW, Richmond RC, Woolf BAR, et al. Strengthening the reporting of
observational studies in epidemiology using Mendelian randomization: the STROBE-MR statement.
JAMA 2021;326(16):1614-1621. doi:10.1001/jama.2021.18236. We appraise only the items on the
core instrumental-variable assumptions, sensitivity analyses, data sources and multiple testing;
"Not reported" means not found in the pages the curator read (often the abstract).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from compendium.errors import CompendiumError
from compendium.evidence.direction import CATEGORY_DIRECTION, classify_frame
from compendium.mr.analysis import mr_analysis
from compendium.mr.defaults import BX, BXSE, BY, BYSE, DEFAULTS, SNP, WEAK_F
from compendium.mr.results import MRResults
from compendium.mr.sensitivity import mr_leave_one_out
from compendium.shared import is_present
from compendium.vocabulary import (
    MR_NULL_VALUES,
    MR_ROLE_LABELS,
    MR_ROLE_META_ANALYSIS,
    MR_ROLE_PRIMARY,
    MR_ROLE_USER_SUPPLIED,
    NONE,
    direction_texts,
)

#: study stream -> role in the MR summary
STREAM_ROLES: dict[str, str] = {"mendelian_randomization": MR_ROLE_PRIMARY, "mr_meta_analysis": MR_ROLE_META_ANALYSIS}
#: the main result of a study for one exposure is its row whose method comes first here
MAIN_METHOD_PRIORITY: tuple[str, ...] = (
    "ivw_random",
    "ivw",
    "ivw_fixed",
    "meta_analysis",
    "not_reported",
    "weighted_median",
    "mr_egger",
    "weighted_mode",
    "simple_median",
    "mr_presso",
)
#: methods robust to some forms of horizontal pleiotropy
ROBUST_METHODS: tuple[str, ...] = ("mr_egger", "weighted_median", "simple_median", "weighted_mode", "mr_presso")
CONCLUSION_TEXT: dict[str, str] = {
    "causal_increase": "stated: causal increase",
    "no_causal_effect": "stated: no causal effect",
    "causal_decrease": "stated: causal decrease",
}

ESTIMATE_COLUMNS = [
    "study_id",
    "study",
    "year",
    "role",
    "exposure_category",
    "exposure",
    "method",
    "main",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "ci_level",
    "p_value",
    "p_relation",
    "n_snps",
    "reported_conclusion",
    "row_type",
    "category",
    "direction_code",
    "direction",
    "effect",
    "source_id",
    "locator",
    "notes",
]
DESIGN_COLUMNS = [
    "study_id",
    "study",
    "year",
    "role",
    "design",
    "exposures",
    "exposure_gwas",
    "exposure_n",
    "outcome_gwas",
    "cases",
    "controls",
    "ancestry",
    "n_snps",
    "p_threshold",
    "f_statistic",
    "instrument_selection",
    "sample_overlap",
    "sensitivity_methods",
    "source_id",
    "locator",
    "notes",
]
SENSITIVITY_COLUMNS = [
    "study_id",
    "study",
    "role",
    "analysis",
    "status",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "effect",
    "basis",
]
APPRAISAL_COLUMNS = ["study_id", "study", "role", "item", "question", "judgement", "basis", "rule"]

YES, NO, NOT_REPORTED = "Yes", "No", "Not reported"
#: genome-wide significance
GENOME_WIDE_P = 5e-8

#: sensitivity analyses we look for: code -> (label, pattern in ``sensitivity_methods``, method code)
SENSITIVITY_ANALYSES: dict[str, tuple[str, str, str | None]] = {
    "mr_egger_intercept": ("MR-Egger intercept", r"egger", None),
    "mr_egger": ("MR-Egger slope", r"egger", "mr_egger"),
    "weighted_median": ("Weighted median", r"weighted median", "weighted_median"),
    "weighted_mode": ("Weighted mode", r"weighted mode", "weighted_mode"),
    "mr_presso": ("MR-PRESSO", r"presso", "mr_presso"),
}
#: words in ``sensitivity_methods`` that show a check of horizontal pleiotropy
PLEIOTROPY_PATTERN = r"egger|median|mode|presso|pleiotrop|multivariable"
#: words in ``sensitivity_methods`` or ``notes`` that show a multiple-testing correction
MULTIPLE_TESTING_PATTERN = r"bonferroni|false discovery|\bfdr\b|multiple testing|multiple comparison"
#: a ``sample_overlap`` text that starts like this says the samples do not overlap
NO_OVERLAP_PATTERN = r"^\s*(none|no\b|no overlap|independent|non-overlapping)"

#: item -> (question, STROBE-MR topic, rule). Yes is the answer that supports a causal claim.
APPRAISAL_ITEMS: dict[str, tuple[str, str, str]] = {
    "instrument_strength": (
        "Instruments strong (F statistic >= 10)?",
        "assessment of assumptions: relevance",
        "f_statistic >= 10: Yes; < 10: No; empty: Not reported",
    ),
    "instrument_threshold": (
        "Instruments genome-wide significant (p <= 5e-8)?",
        "statistical methods: selection of genetic variants",
        "p_threshold <= 5e-8: Yes; larger: No; empty: Not reported",
    ),
    "pleiotropy_checked": (
        "Horizontal pleiotropy checked?",
        "assessment of assumptions: exclusion restriction; sensitivity analyses",
        "sensitivity_methods names MR-Egger, a median or mode method, MR-PRESSO, multivariable MR or a "
        "pleiotropy test, or a robust-method estimate is printed: Yes; sensitivity_methods 'none': No; "
        "otherwise Not reported",
    ),
    "robust_agreement": (
        "Pleiotropy-robust estimates agree in direction with the main estimate?",
        "sensitivity analyses: comparison of estimates from different methods",
        "every printed robust-method estimate has the direction of the main estimate (or is null when "
        "the main is null): Yes; one points the other way or is null while the main is not: No; no "
        "robust-method estimate with a direction printed: Not reported",
    ),
    "sample_overlap": (
        "Exposure and outcome samples independent (no overlap)?",
        "data sources: overlap between the samples",
        "sample_overlap states none/no overlap/independent: Yes; describes an overlap: No; empty: Not reported",
    ),
    "ancestry": (
        "Ancestry of the study populations stated?",
        "data sources: study populations",
        "ancestry given: Yes; empty: Not reported",
    ),
    "multiple_testing": (
        "Multiple testing accounted for?",
        "statistical methods: multiple testing",
        "sensitivity_methods or notes name a correction (Bonferroni, FDR): Yes; a main p-value that fails "
        "Bonferroni even for the exposures recorded here (p >= 0.05 / m, m > 1): No; otherwise Not reported",
    ),
}
#: the appraisal items a causal claim needs (used by the stage's conclusion rules)
CRITICAL_ITEMS: tuple[str, ...] = ("instrument_strength", "pleiotropy_checked", "sample_overlap")


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _p_text(p_value: object, p_relation: object) -> str:
    return f"p {p_relation} {float(p_value):.3g}" if is_present(p_value) else ""


def effect_text(row: pd.Series) -> str:
    """Display text of one MR row: ``OR 2.51 (1.22 to 5.16)``, ``p = 0.01; stated: causal increase``."""
    parts = []
    if is_present(row["estimate"]):
        measure = row["measure"] if is_present(row["measure"]) else "estimate"
        text = f"{measure} {_number(float(row['estimate']))}"
        if is_present(row["ci_low"]) and is_present(row["ci_high"]):
            text += f" ({_number(float(row['ci_low']))} to {_number(float(row['ci_high']))})"
        parts.append(text)
    if is_present(row["p_value"]):
        parts.append(_p_text(row["p_value"], row["p_relation"]))
    if is_present(row["reported_conclusion"]):
        parts.append(CONCLUSION_TEXT[str(row["reported_conclusion"])])
    if not parts:
        parts.append("no result printed")
    return "; ".join(parts)


def _row_type(row: pd.Series) -> str:
    if is_present(row["estimate"]) and is_present(row["ci_low"]):
        return "estimate with CI"
    if is_present(row["estimate"]):
        return "estimate without CI"
    if is_present(row["p_value"]):
        return "p-value only"
    if is_present(row["reported_conclusion"]):
        return "stated conclusion only"
    return "no result"


def _study_info(studies: pd.DataFrame, ids: pd.Series, table: str) -> pd.DataFrame:
    info = studies.set_index("study_id")
    missing = sorted(set(ids) - set(info.index))
    if missing:
        raise CompendiumError(f"{table}: study_id {', '.join(missing)} not found in studies")
    streams = info.loc[ids, "stream"]
    wrong = sorted(set(streams[~streams.isin(list(STREAM_ROLES))].index))
    if wrong:
        raise CompendiumError(
            f"{table}: study_id {', '.join(wrong)} has a stream other than {', '.join(STREAM_ROLES)} in studies"
        )
    out = info.loc[ids, ["label", "year", "design"]].reset_index(drop=True)
    out["role"] = streams.map(STREAM_ROLES).to_numpy()
    return out


def _sort_estimates(frame: pd.DataFrame, exposure_order: Sequence[str]) -> pd.DataFrame:
    keys = pd.DataFrame(
        {
            "role": frame["role"].map({role: i for i, role in enumerate(MR_ROLE_LABELS)}),
            "exposure": frame["exposure_category"].map({c: i for i, c in enumerate(exposure_order)}),
            "year": frame["year"],
            "study": frame["study"],
            "main": ~frame["main"].astype(bool),
            "method": frame["method"].map({m: i for i, m in enumerate(MAIN_METHOD_PRIORITY)}),
        }
    )
    order = keys.sort_values(list(keys.columns), kind="mergesort").index
    return frame.loc[order].reset_index(drop=True)


def annotate_estimates(frame: pd.DataFrame, *, condition: str, exposure_order: Sequence[str] = ()) -> pd.DataFrame:
    """Add ``main``, ``row_type``, ``category``, ``direction`` and ``effect`` to MR rows and order them
    (by role, then exposure category in ``exposure_order``, categories not in it last, then year,
    study, main row first and method).

    ``main`` marks, per study and exposure, the row whose method comes first in
    :data:`MAIN_METHOD_PRIORITY` (the others are sensitivity analyses of the same exposure).
    ``category``/``direction_code`` follow :mod:`compendium.evidence.direction` with the null of
    the row's measure (1 for OR, 0 for beta); ``direction`` is its display text, with the review's
    ``condition.noun`` (``"higher ALS risk"``).
    """
    out = frame.copy()
    rank = out["method"].map({m: i for i, m in enumerate(MAIN_METHOD_PRIORITY)})
    if rank.isna().any():
        bad = out.loc[rank.isna(), "method"].iloc[0]
        raise CompendiumError(f"mr_estimates: method {bad!r} is not one of {', '.join(MAIN_METHOD_PRIORITY)}")
    by_priority = rank.sort_values(kind="mergesort").index
    out["main"] = (~out.loc[by_priority, ["study_id", "exposure"]].duplicated()).reindex(out.index)
    out["row_type"] = out.apply(_row_type, axis=1)
    null = out["measure"].map(MR_NULL_VALUES).fillna(1.0)
    out["category"] = classify_frame(out, null)
    out["direction_code"] = out["category"].map(CATEGORY_DIRECTION)
    out["direction"] = out["direction_code"].map(direction_texts(condition)["human"])
    out["effect"] = out.apply(effect_text, axis=1)
    return _sort_estimates(out, exposure_order)


def published_estimates(
    mr_estimates: pd.DataFrame, studies: pd.DataFrame, *, condition: str, exposure_order: Sequence[str] = ()
) -> pd.DataFrame:
    """The MR summary: every row of ``mr_estimates`` with its study label, year and role, annotated
    by :func:`annotate_estimates` (``condition``: the review's ``condition.noun``; ``exposure_order``:
    the exposure categories in display order, the review's declared ``exposure_categories``); columns
    :data:`ESTIMATE_COLUMNS`."""
    info = _study_info(studies, mr_estimates["study_id"], "mr_estimates")
    out = mr_estimates.reset_index(drop=True).copy()
    out["study"], out["year"], out["role"] = info["label"], info["year"], info["role"]
    out = annotate_estimates(out, condition=condition, exposure_order=exposure_order)
    return out[ESTIMATE_COLUMNS]


def _instrument_selection(row: pd.Series) -> str:
    parts = []
    if is_present(row["n_snps"]):
        parts.append(f"{int(row['n_snps'])} SNPs")
    if is_present(row["p_threshold"]):
        parts.append(f"p < {float(row['p_threshold']):.0e}")
    if is_present(row["f_statistic"]):
        parts.append(f"F = {float(row['f_statistic']):.3g}")
    return ", ".join(parts) if parts else "not reported"


def design_table(mr_studies: pd.DataFrame, studies: pd.DataFrame, estimates: pd.DataFrame) -> pd.DataFrame:
    """Design of each MR study (``mr_studies`` with label, role, design and the exposures of its
    rows in ``estimates``); columns :data:`DESIGN_COLUMNS`. ``instrument_selection`` is display
    text built from ``n_snps``, ``p_threshold`` and ``f_statistic`` ("not reported" when all are empty)."""
    info = _study_info(studies, mr_studies["study_id"], "mr_studies")
    out = mr_studies.reset_index(drop=True).copy()
    out["study"], out["year"], out["role"], out["design"] = info["label"], info["year"], info["role"], info["design"]
    exposures = estimates.groupby("study_id", sort=False)["exposure"].agg(lambda s: "; ".join(dict.fromkeys(s)))
    out["exposures"] = out["study_id"].map(exposures)
    out["instrument_selection"] = out.apply(_instrument_selection, axis=1)
    order = out["role"].map({role: i for i, role in enumerate(MR_ROLE_LABELS)})
    out = out.assign(_order=order).sort_values(["_order", "year", "study"], kind="mergesort")
    return out[DESIGN_COLUMNS].reset_index(drop=True)


def _matches(text: object, pattern: str) -> bool:
    return is_present(text) and re.search(pattern, str(text), flags=re.IGNORECASE) is not None


def sensitivity_table(
    estimates: pd.DataFrame, design: pd.DataFrame, intercepts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Which sensitivity analyses each primary or user-supplied study names and prints.

    For each analysis of :data:`SENSITIVITY_ANALYSES`: ``printed`` when ``estimates`` has a row of
    that method with a number or conclusion (or, for the Egger intercept, ``intercepts`` has the
    study: columns ``study_id, estimate, ci_low, ci_high, p_value``); ``named, result not
    printed`` when ``sensitivity_methods`` names it; else ``not reported``. The data model has no
    column for a published Egger intercept, so for published studies it is at most "named".
    Columns :data:`SENSITIVITY_COLUMNS`.
    """
    intercepts = intercepts if intercepts is not None else pd.DataFrame(columns=["study_id"])
    rows = []
    for study in design[design["role"] != MR_ROLE_META_ANALYSIS].itertuples():
        for label, pattern, method in SENSITIVITY_ANALYSES.values():
            row = {"study_id": study.study_id, "study": study.study, "role": study.role, "analysis": label}
            printed = estimates[(estimates["study_id"] == study.study_id) & (estimates["method"] == method)]
            printed = printed[printed["row_type"] != "no result"]
            found = intercepts[intercepts["study_id"] == study.study_id] if method is None else printed
            if len(found):
                first = found.iloc[0]
                row.update(
                    status="printed",
                    estimate=first["estimate"],
                    ci_low=first["ci_low"],
                    ci_high=first["ci_high"],
                    p_value=first["p_value"],
                )
                if method is None:
                    row.update(
                        measure="intercept (outcome units)",
                        basis="computed by the MR engine",
                        effect=f"{first['estimate']:.3g} ({first['ci_low']:.3g} to {first['ci_high']:.3g}); "
                        f"p = {first['p_value']:.3g}",
                    )
                else:
                    row.update(
                        measure=first["measure"], effect=first["effect"], basis=f"mr_estimates, {first['locator']}"
                    )
            elif _matches(study.sensitivity_methods, pattern):
                row.update(
                    status="named, result not printed",
                    basis=f"mr_studies.sensitivity_methods: {study.sensitivity_methods}",
                )
            else:
                row.update(
                    status="not reported", basis="not named in mr_studies.sensitivity_methods; no row in mr_estimates"
                )
            rows.append(row)
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)


def _judge_instrument_strength(study: pd.Series, _: pd.DataFrame) -> tuple[str, str]:
    f = study["f_statistic"]
    if not is_present(f):
        return NOT_REPORTED, "f_statistic empty"
    return (YES if float(f) >= WEAK_F else NO), f"F = {float(f):.3g}"


def _judge_instrument_threshold(study: pd.Series, _: pd.DataFrame) -> tuple[str, str]:
    p = study["p_threshold"]
    if not is_present(p):
        return NOT_REPORTED, "p_threshold empty"
    return (YES if float(p) <= GENOME_WIDE_P else NO), f"p_threshold = {float(p):.3g}"


def _judge_pleiotropy(study: pd.Series, rows: pd.DataFrame) -> tuple[str, str]:
    robust = rows[rows["method"].isin(ROBUST_METHODS) & (rows["row_type"] != "no result")]
    text = study["sensitivity_methods"]
    if _matches(text, PLEIOTROPY_PATTERN) or len(robust):
        shown = text if is_present(text) else "robust-method rows: " + ", ".join(robust["method"])
        return YES, str(shown)
    if is_present(text) and str(text).strip().lower() == "none":
        return NO, "sensitivity_methods: none"
    return NOT_REPORTED, "sensitivity_methods empty and no robust-method estimate printed"


def _judge_robust_agreement(_: pd.Series, rows: pd.DataFrame) -> tuple[str, str]:
    robust = rows[rows["method"].isin(ROBUST_METHODS) & (rows["direction_code"] != NONE)]
    if not len(robust):
        return NOT_REPORTED, "no robust-method estimate with a direction printed"
    disagreements, checks = [], []
    for exposure, group in robust.groupby("exposure", sort=False):
        main = rows[(rows["exposure"] == exposure) & rows["main"].astype(bool)]
        if not len(main) or main.iloc[0]["direction_code"] == NONE:
            continue
        for row in group.itertuples():
            checks.append(f"{row.method} {row.direction} vs main {main.iloc[0]['direction']}")
            if row.direction_code != main.iloc[0]["direction_code"]:
                disagreements.append(row.method)
    if not checks:
        return NOT_REPORTED, "no main estimate with a direction to compare with"
    return (NO if disagreements else YES), "; ".join(checks)


def _judge_overlap(study: pd.Series, _: pd.DataFrame) -> tuple[str, str]:
    text = study["sample_overlap"]
    if not is_present(text):
        return NOT_REPORTED, "sample_overlap empty"
    return (YES if _matches(text, NO_OVERLAP_PATTERN) else NO), f"sample_overlap: {text}"


def _judge_ancestry(study: pd.Series, _: pd.DataFrame) -> tuple[str, str]:
    text = study["ancestry"]
    return (YES, f"ancestry: {text}") if is_present(text) else (NOT_REPORTED, "ancestry empty")


def _judge_multiple_testing(study: pd.Series, rows: pd.DataFrame) -> tuple[str, str]:
    for column in ("sensitivity_methods", "notes"):
        if _matches(study[column], MULTIPLE_TESTING_PATTERN):
            return YES, f"{column}: {study[column]}"
    main = rows[rows["main"].astype(bool)]
    m = int(main["exposure"].nunique())
    pvalues = main["p_value"].dropna()
    if m > 1 and len(pvalues) and (pvalues >= 0.05 / m).any():
        return NO, f"a main p-value >= 0.05/{m} ({m} exposures recorded); no correction named"
    return NOT_REPORTED, f"no correction named; {m} exposure(s) recorded in mr_estimates"


_JUDGES = {
    "instrument_strength": _judge_instrument_strength,
    "instrument_threshold": _judge_instrument_threshold,
    "pleiotropy_checked": _judge_pleiotropy,
    "robust_agreement": _judge_robust_agreement,
    "sample_overlap": _judge_overlap,
    "ancestry": _judge_ancestry,
    "multiple_testing": _judge_multiple_testing,
}


def strobe_mr_appraisal(design: pd.DataFrame, estimates: pd.DataFrame) -> pd.DataFrame:
    """The STROBE-MR items of :data:`APPRAISAL_ITEMS` for every primary and user-supplied study.

    One row per study and item (columns :data:`APPRAISAL_COLUMNS`): the judgement (Yes / No /
    Not reported) by the item's stated rule, the data it rests on (``basis``) and the rule. An
    empty cell is always "Not reported", never a guess. The MR meta-analysis is not appraised:
    STROBE-MR is a guideline for primary MR studies.
    """
    rows = []
    for _, study in design[design["role"] != MR_ROLE_META_ANALYSIS].iterrows():
        own = estimates[estimates["study_id"] == study["study_id"]]
        for item, (question, topic, rule) in APPRAISAL_ITEMS.items():
            judgement, basis = _JUDGES[item](study, own)
            rows.append(
                [
                    study["study_id"],
                    study["study"],
                    study["role"],
                    item,
                    question,
                    judgement,
                    basis,
                    f"{rule} (STROBE-MR: {topic})",
                ]
            )
    return pd.DataFrame(rows, columns=APPRAISAL_COLUMNS)


def appraisal_matrix(appraisal: pd.DataFrame) -> pd.DataFrame:
    """The appraisal as a study x item table of judgements (for display)."""
    matrix = appraisal.pivot(index="study", columns="item", values="judgement")
    order = list(dict.fromkeys(appraisal["study"]))
    return matrix.loc[order, [item for item in APPRAISAL_ITEMS if item in matrix.columns]].rename_axis(None, axis=1)


# --- a user's harmonised SNP table -------------------------------------------------------------

#: columns a user's SNP table must have (``snp`` is optional)
USER_TABLE_COLUMNS: tuple[str, ...] = (BX, BXSE, BY, BYSE)
USER_STUDY_ID = "user_snp_table"
#: engine method -> method code of the MR summary
ENGINE_METHODS: dict[str, str] = {
    "ivw": "ivw_random",
    "ivw_fixed": "ivw_fixed",
    "egger": "mr_egger",
    "weighted_median": "weighted_median",
    "simple_median": "simple_median",
    "weighted_mode": "weighted_mode",
}


@dataclass(frozen=True)
class UserMR:
    """The MR engine's results on a user's SNP table, with rows shaped like the published ones."""

    results: MRResults
    leave_one_out: pd.DataFrame | None
    estimates: pd.DataFrame
    design: pd.DataFrame
    intercepts: pd.DataFrame
    label: str


def analyse_user_table(
    frame: pd.DataFrame,
    *,
    condition: str,
    label: str = "User-supplied SNP table",
    exposure: str = "exposure (user-supplied)",
    outcome_scale: str = "log_odds",
    source: str = "snp_table",
    seed: int = DEFAULTS.seed,
    n_bootstrap: int = DEFAULTS.n_bootstrap,
) -> UserMR:
    """Run :func:`compendium.mr.mr_analysis` (and leave-one-out when there are 3+ SNPs) on a
    harmonised table with columns :data:`USER_TABLE_COLUMNS` (and optionally ``snp``).

    ``condition`` is the review's ``condition.noun`` (the rows' direction texts).
    ``outcome_scale="log_odds"`` (a binary outcome such as a disease) reports each estimate as an OR
    (``exp`` of the estimate and its CI); ``"beta"`` keeps the outcome's units. The rows are
    labelled role ``user_supplied``; they join the MR summary but never the triangulation.
    """
    if outcome_scale not in ("log_odds", "beta"):
        raise CompendiumError(f"outcome_scale: expected 'log_odds' or 'beta', got {outcome_scale!r}")
    missing = [column for column in USER_TABLE_COLUMNS if column not in frame.columns]
    if missing:
        raise CompendiumError(
            f"{source}: column(s) {', '.join(missing)} missing; expected {', '.join(USER_TABLE_COLUMNS)} "
            f"(and optionally {SNP}); found {', '.join(map(str, frame.columns))}"
        )
    if SNP not in frame.columns:
        frame = frame.assign(**{SNP: [f"row {i + 1}" for i in range(len(frame))]})
    results = mr_analysis(frame, source=source, seed=seed, n_bootstrap=n_bootstrap)
    loo = mr_leave_one_out(frame) if results.n_snps >= 3 else None
    transform = np.exp if outcome_scale == "log_odds" else (lambda x: x)
    level = results.settings.level
    rows = []
    for name, code in ENGINE_METHODS.items():
        result = results.method(name)
        base: dict[str, Any] = {
            "study_id": USER_STUDY_ID,
            "exposure_category": "other",
            "exposure": exposure,
            "method": code,
            "measure": "OR" if outcome_scale == "log_odds" else "beta",
            "n_snps": results.n_snps,
            "source_id": source,
            "locator": "computed by compendium.mr.mr_analysis",
            "notes": "user-supplied SNP table; not published evidence",
        }
        if result is None:
            base["notes"] += f"; not estimated: {results.notes.get(name, '')}"
            rows.append(base)
            continue
        rows.append(
            {
                **base,
                "estimate": float(transform(result.estimate)),
                "ci_low": float(transform(result.ci_low)),
                "ci_high": float(transform(result.ci_high)),
                "ci_level": level,
                "p_value": result.pval,
                "p_relation": "=",
            }
        )
    estimates = pd.DataFrame(rows).reindex(
        columns=[
            c
            for c in ESTIMATE_COLUMNS
            if c not in ("main", "row_type", "category", "direction_code", "direction", "effect")
        ]
    )
    estimates["study"], estimates["year"], estimates["role"] = label, pd.NA, MR_ROLE_USER_SUPPLIED
    estimates = annotate_estimates(estimates, condition=condition)[ESTIMATE_COLUMNS]
    design = pd.DataFrame(
        [
            {
                "study_id": USER_STUDY_ID,
                "study": label,
                "year": pd.NA,
                "role": MR_ROLE_USER_SUPPLIED,
                "design": "two-sample MR on the user's harmonised SNP table",
                "exposures": exposure,
                "n_snps": results.n_snps,
                "f_statistic": results.f_mean,
                "sensitivity_methods": "MR-Egger (with intercept), weighted median, simple median, weighted mode, "
                "leave-one-out (compendium engine)",
                "source_id": source,
                "locator": "computed by compendium.mr.mr_analysis",
                "notes": "; ".join(
                    filter(
                        None,
                        [
                            "sample overlap, ancestry and instrument selection are not known from the table",
                            results.instrument_note,
                        ],
                    )
                ),
            }
        ]
    ).reindex(columns=DESIGN_COLUMNS)
    design["instrument_selection"] = design.apply(_instrument_selection, axis=1)
    intercepts = pd.DataFrame(columns=["study_id", "estimate", "ci_low", "ci_high", "p_value"])
    if results.egger is not None:
        egger = results.egger
        intercepts = pd.DataFrame(
            [
                {
                    "study_id": USER_STUDY_ID,
                    "estimate": egger.intercept,
                    "ci_low": egger.intercept_ci_low,
                    "ci_high": egger.intercept_ci_high,
                    "p_value": egger.intercept_pval,
                }
            ]
        )
    return UserMR(results, loo, estimates, design, intercepts, label)


def combine(*frames: pd.DataFrame) -> pd.DataFrame:
    """Stack tables of the same shape (published rows first), skipping empty ones."""
    kept = [frame for frame in frames if frame is not None and len(frame)]
    return pd.concat(kept, ignore_index=True) if kept else frames[0].iloc[0:0]
