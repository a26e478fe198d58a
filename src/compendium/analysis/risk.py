"""Observational estimates of the risk of the review's condition: which are comparable, and which one
per study.

Rules (ours, stated in ``methods.json``):

* **Scale.** Ratio estimates are pooled on the log scale by generic inverse variance, the
  variance from the printed CI (:func:`compendium.effects.yi_vi_from_ci` with ``ratio=True``).
* **Comparable** means the same ``population_type``, ``exposure_category`` and ``measure`` and the
  same kind of contrast (:func:`exposure_contrast`): observed vs expected (SMR, SIR, PMR); a
  category against a named reference category; or per unit of exposure, pooled only when the
  unit is printed identically. A case-control estimate whose comparison names only "controls"
  or "without <condition>" (the review's ``condition.noun``; the contrast is not stated) is shown,
  not pooled.
* **Never pooled:** rows without an estimate and CI, without a named ratio type, whose printed
  numbers are inconsistent (``verified_as_printed``), with exposure category ``other`` (not a
  measure of the exposure), and meta-analyses (``design = meta_analysis``).
* **One estimate per study per analysis** (:func:`choose_study_estimate`): the primary report over
  a secondary source (so a number read in another paper's table never joins the study's own
  report), then the estimate with most cases (the whole study population rather than a
  subgroup), then an adjusted over a crude estimate, then the first listed.
* **One study per population** (the review's ``overlapping_populations``, a judgement it declares
  in ``review.yaml``): reports of overlapping cohorts never enter the same analysis; the report with
  most cases, then the most recent, is used.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from compendium.analysis.inputs import StageInputs, as_bool
from compendium.errors import CompendiumError
from compendium.meta.effects import DEFAULT_CI_LEVEL, yi_vi_from_ci
from compendium.review import Review
from compendium.shared import slug

#: measures whose contrast is observed against expected cases
OBSERVED_EXPECTED = ("SMR", "SIR", "PMR")
#: comparisons that name only the control group of a case-control design (contrast not stated),
#: with ``{condition}`` the review's ``condition.noun``
BARE_CONTROLS = r"^(matched )?controls$|without {condition}"
PER_UNIT = re.compile(r"\bper (?:unit |extra )?(.+)$", re.IGNORECASE)
NOT_POOLED_CATEGORY = "other"

RISK_COLUMNS = [
    "question",
    "study_id",
    "study",
    "year",
    "estimate_label",
    "population_type",
    "population",
    "design",
    "exposure_category",
    "exposure",
    "comparison",
    "contrast",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "yi",
    "vi",
    "cases",
    "participants",
    "secondary_source",
    "population_group",
    "analysis_key",
    "status",
    "reason",
    "source_id",
]


def exposure_contrast(measure: str, exposure: str, comparison: str, *, condition: str) -> tuple[str, str]:
    """(kind, unit): ``observed_vs_expected``, ``per_unit`` (with the unit as printed),
    ``category_vs_reference`` or ``not_stated`` (:data:`BARE_CONTROLS`, ``condition`` the review's
    ``condition.noun``)."""
    if measure in OBSERVED_EXPECTED:
        return "observed_vs_expected", ""
    for text in (exposure, comparison):
        found = PER_UNIT.search(str(text))
        if found:
            return "per_unit", found.group(1).strip().lower()
    bare = BARE_CONTROLS.format(condition=re.escape(condition.lower()))
    if re.search(bare, str(comparison).strip(), re.IGNORECASE):
        return "not_stated", ""
    return "category_vs_reference", ""


def population_group(study_id: str, populations: dict[str, tuple[str, ...]]) -> str:
    """The overlapping population of a study ('' when none); ``populations`` maps each population
    to its reports' study ids (:attr:`compendium.review.Review.population_groups`)."""
    for name, members in populations.items():
        if study_id in members:
            return name
    return ""


def check_overlapping_populations(review: Review, study_ids: set[str]) -> None:
    """CompendiumError naming the field of the first study of the review's ``overlapping_populations``
    that is not one of ``study_ids`` (``studies.study_id``): a misspelt id would silently let
    overlapping reports into the same analysis."""
    for i, population in enumerate(review.overlapping_populations):
        for j, study_id in enumerate(population.studies):
            if study_id not in study_ids:
                raise CompendiumError(
                    f"{review.source}, field 'overlapping_populations[{i}].studies[{j}]': "
                    f"expected a study_id of studies.csv, got {study_id!r}"
                )


def risk_estimates(inputs: StageInputs) -> pd.DataFrame:
    """Every observational row with ``yi``, ``vi`` (log scale), its contrast, its analysis key and
    whether it is pooled or shown, with the reason (:data:`RISK_COLUMNS`). A study of the review's
    ``overlapping_populations`` that is not in ``studies`` is a CompendiumError
    (:func:`check_overlapping_populations`)."""
    check_overlapping_populations(inputs.review, set(inputs.tables["studies"]["study_id"].astype(str)))
    obs = inputs.tables["observational"].copy().reset_index(drop=True)
    if obs.empty:
        return pd.DataFrame(columns=RISK_COLUMNS)
    labels = inputs.labels()
    years = dict(zip(inputs.tables["studies"]["study_id"].astype(str), inputs.tables["studies"]["year"]))
    obs["study_id"] = obs["study_id"].astype(str)
    obs["secondary_source"] = as_bool(obs["secondary_source"])
    inconsistent = as_bool(obs["verified_as_printed"])
    measure = obs["measure"].astype("string").fillna("")
    populations = inputs.review.population_groups
    contrasts = [
        exposure_contrast(m, e, c, condition=inputs.review.condition)
        for m, e, c in zip(measure, obs["exposure"], obs["comparison"])
    ]
    has_numbers = obs["estimate"].notna() & obs["ci_low"].notna() & obs["ci_high"].notna()
    yi, vi = (
        yi_vi_from_ci(
            obs["estimate"].to_numpy(), obs["ci_low"].to_numpy(), obs["ci_high"].to_numpy(), level=95.0, ratio=True
        )
        if len(obs)
        else (np.array([]), np.array([]))
    )
    levels = pd.to_numeric(obs["ci_level"]).fillna(DEFAULT_CI_LEVEL)
    for level in sorted(set(levels[levels != 95.0])):
        rows = (levels == level).to_numpy()
        yi[rows], vi[rows] = yi_vi_from_ci(
            obs.loc[rows, "estimate"], obs.loc[rows, "ci_low"], obs.loc[rows, "ci_high"], level=float(level), ratio=True
        )
    design = obs["design"].astype(str)
    case_control = design == "case_control"
    participants = np.where(case_control, obs["cases"] + obs["controls"], obs["n"])
    out = pd.DataFrame(
        {
            "question": "risk",
            "study_id": obs["study_id"],
            "study": obs["study_id"].map(lambda s: labels.get(s, s)),
            "year": obs["study_id"].map(years),
            "estimate_label": obs["estimate_label"],
            "population_type": obs["population_type"].astype(str),
            "population": obs["population"],
            "design": design,
            "exposure_category": obs["exposure_category"].astype(str),
            "exposure": obs["exposure"],
            "comparison": obs["comparison"],
            "contrast": [c[0] for c in contrasts],
            # pandas-stubs type Series[str].replace's value as text only; pandas turns "" into <NA> here
            "measure": measure.replace("", np.nan),  # type: ignore[call-overload]
            "estimate": obs["estimate"],
            "ci_low": obs["ci_low"],
            "ci_high": obs["ci_high"],
            "yi": np.where(has_numbers, yi, np.nan),
            "vi": np.where(has_numbers, vi, np.nan),
            "cases": obs["cases"],
            "participants": participants,
            "secondary_source": obs["secondary_source"],
            "population_group": obs["study_id"].map(lambda s: population_group(s, populations)),
            "source_id": obs["source_id"],
            "adjusted": obs["adjusted_for"].notna(),
        }
    )
    out["analysis_key"] = [
        "-".join(filter(None, ("risk", slug(p), slug(e), slug(m), slug(unit) and f"per_{slug(unit)}")))
        for p, e, m, (_, unit) in zip(out["population_type"], out["exposure_category"], measure, contrasts)
    ]
    reasons = pd.Series("", index=out.index, dtype=object)
    checks = [
        (out["design"] == "meta_analysis", "a meta-analysis: never pooled with primary studies"),
        (out["contrast"] == "not_stated", "contrast not stated (the comparison names only the controls)"),
        (
            out["exposure_category"] == NOT_POOLED_CATEGORY,
            f"exposure category 'other': not a measure of {inputs.review.exposure}",
        ),
        (inconsistent, "printed numbers inconsistent (verified_as_printed): shown, not pooled"),
        (~has_numbers, "no estimate with a CI"),
        (measure == "", "ratio type not named (measure empty)"),
    ]
    for mask, reason in checks:  # the last matching check wins: the most basic reason is shown
        reasons[np.asarray(mask, dtype=bool)] = reason
    out["status"], out["reason"] = "shown", reasons
    candidates = out[reasons == ""]
    for _, group in candidates.groupby("analysis_key", sort=True):
        chosen = choose_study_estimate(group)
        for index in group.index.difference(chosen.index):
            out.loc[index, "reason"] = (
                "another estimate of the same study is used in this analysis "
                "(rule: primary report, most cases, adjusted, first listed)"
            )
        kept = choose_population_report(chosen)
        for index in chosen.index.difference(kept.index):
            other = kept.loc[kept["population_group"] == out.loc[index, "population_group"], "study"].iloc[0]
            out.loc[index, "reason"] = (
                f"population overlaps {other}, which is used (rule: most cases, then most recent)"
            )
        if len(kept) >= 2:
            out.loc[kept.index, "status"] = "pooled"
        else:
            out.loc[kept.index, "reason"] = "the only study with a comparable estimate: shown, not pooled"
    return out.drop(columns="adjusted")[RISK_COLUMNS]


def choose_study_estimate(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per study: primary report over secondary source, then most cases, then adjusted, then first listed."""
    order = rows.assign(
        _secondary=rows["secondary_source"].astype(int),
        _cases=-rows["cases"].fillna(-1),
        _crude=(~rows["adjusted"]).astype(int),
        _listed=np.arange(len(rows)),
    )
    order = order.sort_values(["study_id", "_secondary", "_cases", "_crude", "_listed"], kind="mergesort")
    return rows.loc[order.drop_duplicates("study_id").index]


def choose_population_report(rows: pd.DataFrame) -> pd.DataFrame:
    """One study per overlapping population: most cases, then the most recent."""
    grouped = rows[rows["population_group"] != ""]
    order = grouped.assign(_cases=-grouped["cases"].fillna(-1), _year=-grouped["year"].astype(float))
    order = order.sort_values(["population_group", "_cases", "_year"], kind="mergesort")
    keep = order.drop_duplicates("population_group").index.union(rows.index[rows["population_group"] == ""])
    return rows.loc[sorted(keep)]
