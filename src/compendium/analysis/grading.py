"""GRADE for stage 03: one :class:`compendium.bias.grade.GradeInput` per pooled analysis and per
single-trial result, then the Summary-of-Findings and domain tables.

Inputs come from the results (k, participants, estimate, CI, prediction interval, I2) and from
stage 02 (weight shares at high / not-low risk of bias, :func:`compendium.bias.grade.rob_weight_shares`;
RoB 2, or for a trial without it the Cochrane RoB 1 summary an imported review file gives, said so in the
domain's explanation).
When stage 02 has not run, the risk-of-bias domain is marked "not assessed" (never a judgement we
did not make). Stated indirectness rules (ours; GRADE 8, Guyatt GH et al. J Clin Epidemiol
2011;64:1303-1310), one level each, at most two:

* **surrogate outcome**: outcomes the review declares ``surrogate`` (``review.yaml``; in the ALS
  review respiratory-muscle strength and lung-function measures, which stand in for
  patient-important outcomes: function, ventilation, survival), with the declared ``surrogate_note``;
* **indirect exposure**: a risk analysis that includes an exposure category the review declares
  indirect (``review.yaml`` ``indirect_exposures``; in the ALS review professional-sport cohorts,
  which measure participation in a sport, with head impacts, doping and selection, not physical
  activity), with the declared reason; one level however many such categories it includes;
* **secondary source**: more than :data:`SECONDARY_SOURCE_SHARE` of the weight comes from
  numbers read in another document than the study's own report.

Publication bias is assessed only with k >= 10 (Egger's test, :func:`compendium.meta.small_study.egger_test`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from compendium.analysis.inputs import ROB_ABSENT, ROB_ABSENT_REASON
from compendium.analysis.pooling import AnalysisFit
from compendium.analysis.rob import NOT_ASSESSED, ROB1_SHOWN, RobLookup
from compendium.analysis.treatment import PRIMARY
from compendium.bias.grade import (
    PUBLICATION_BIAS_MIN_K,
    GradeInput,
    GradeResult,
    grade_domains_table,
    grade_outcome,
    rob_weight_shares,
    summary_of_findings,
)
from compendium.bias.vocabulary import CONCERN_LEVELS, DOMAIN_NOT_ASSESSED
from compendium.meta.small_study import egger_test

SECONDARY_SOURCE_SHARE = 0.5
SOF_EXTRA_COLUMNS = ["question", "analysis_id", "design", "k", "outcome_id", "window", "measure"]


def indirectness(
    outcome: str,
    exposure_categories: set[str],
    secondary_share: float,
    surrogates: dict[str, str] | None = None,
    indirect_exposures: dict[str, str] | None = None,
) -> tuple[int, str]:
    """Levels (0-2) and reason by the stated rules (module docstring); ``surrogates`` maps the
    review's surrogate outcome codes to their note, ``indirect_exposures`` its indirect exposure
    categories to the reason (:attr:`compendium.review.Review.indirect_exposure_reasons`); either may be empty."""
    reasons = []
    surrogates = surrogates or {}
    indirect_exposures = indirect_exposures or {}
    if outcome in surrogates:
        note = f" ({surrogates[outcome]})" if surrogates[outcome] else ""
        reasons.append(f"{outcome.upper()} is a surrogate{note} for patient-important outcomes")
    indirect = sorted(exposure_categories & set(indirect_exposures))
    if indirect:
        reasons.append("; ".join(dict.fromkeys(indirect_exposures[c] for c in indirect)))
    if secondary_share > SECONDARY_SOURCE_SHARE:
        reasons.append(f"{100 * secondary_share:.0f}% of the weight from numbers read in a secondary source")
    if not reasons:
        return 0, ""
    text = "; ".join(reasons)
    return min(2, len(reasons)), text[0].upper() + text[1:] + "."


def _shares(judgements: list[str | None], weights: np.ndarray) -> tuple[dict[str, float], str]:
    if any(j is None for j in judgements):
        return {"share_not_low_rob": 0.0, "share_high_rob": 0.0}, ROB_ABSENT
    missing = sum(j == NOT_ASSESSED for j in judgements)
    rob1 = sum(j in ROB1_SHOWN for j in judgements)
    notes = []
    if missing:
        notes.append(f"{missing} of {len(judgements)} studies without a stage-02 judgement, counted as not low risk")
    if rob1:
        notes.append(
            f"{rob1} of {len(judgements)} studies judged with Cochrane RoB 1 as given in the review file (the "
            "study's summary across key domains: high risk counted as high, unclear risk as not low)"
        )
    return rob_weight_shares([str(j) for j in judgements], list(weights)), "; ".join(notes)


def _mark(result: GradeResult, rob_note: str, absent: bool) -> GradeResult:
    """Mark the risk-of-bias domain not assessed (stage 02 absent) or add a note to it."""
    if not rob_note:
        return result
    domains = []
    for d in result.domains:
        if d.domain == "risk_of_bias":
            d = (
                replace(
                    d,
                    proposed=0,
                    final=0,
                    status=DOMAIN_NOT_ASSESSED,
                    explanation=f"Not assessed: {ROB_ABSENT_REASON}.",
                )
                if absent
                else replace(d, explanation=(d.explanation + " " if d.explanation else "") + f"{rob_note}.")
            )
        domains.append(d)
    return replace(result, domains=tuple(domains))


def _grade(values: dict, rob_note: str, absent: bool) -> GradeResult:
    return _mark(grade_outcome(GradeInput(**values)), rob_note, absent)


def grade_pooled(
    fit: AnalysisFit,
    rob: RobLookup,
    surrogates: dict[str, str] | None = None,
    indirect_exposures: dict[str, str] | None = None,
    mids: dict[str, float] | None = None,
) -> GradeResult:
    """GRADE for one pooled analysis (``surrogates``, ``indirect_exposures``: :func:`indirectness`)."""
    a, res = fit.analysis, fit.result
    data = a.data
    weights = np.asarray(res.weights) / 100.0
    shares, rob_note = _shares(rob.column(data, a.question), weights)
    secondary = float(weights[data["secondary_source"].astype(bool).to_numpy()].sum())
    categories = set(data["exposure_category"].astype(str)) if "exposure_category" in data else set()
    levels, reason = indirectness(
        a.outcome if a.question == "treatment" else "", categories, secondary, surrogates, indirect_exposures
    )
    participants = pd.to_numeric(data["participants"])
    show = np.exp if a.log_scale else (lambda x: x)
    small_study = None
    if res.k >= PUBLICATION_BIAS_MIN_K:
        small_study = egger_test(res).pval
    values = dict(
        outcome=a.label,
        design="rct" if a.question == "treatment" else "observational",
        k=res.k,
        participants=int(participants.sum(skipna=True)) if participants.notna().any() else None,
        effect_measure=a.measure,
        estimate=float(show(res.estimate)),
        ci_low=float(show(res.ci_low)),
        ci_high=float(show(res.ci_high)),
        ci_level=float(res.level),
        # events (e.g. the cases of case-control studies) count even when no study reports its participants
        events=(
            int(a.events)
            if a.events is not None and (participants.isna().all() or a.events <= participants.sum(skipna=True))
            else None
        ),
        i2=float(res.i2),
        pi_low=float(show(res.pi_low)) if res.pi_low is not None else None,
        pi_high=float(show(res.pi_high)) if res.pi_high is not None else None,
        indirectness=levels,
        indirectness_reason=reason,
        small_study_pval=small_study,
        mid=(mids or {}).get(a.outcome) if a.question == "treatment" else None,
        **shares,
    )
    return _grade(values, rob_note, rob_note == ROB_ABSENT)


#: GRADE's risk-of-bias domain rates down at most this many levels
MAX_DOMAIN_LEVELS = 2


def add_risk_of_bias_levels(result: GradeResult, levels: int, reason: str) -> GradeResult:
    """``result`` with ``levels`` more in the risk-of-bias domain (at most :data:`MAX_DOMAIN_LEVELS`
    in all) and ``reason`` added to its explanation; the certainty follows. Used for results that
    rest on stated assumptions (:func:`compendium.assumptions.assumption_downgrade`)."""
    if not reason:
        return result
    domains = []
    for d in result.domains:
        if d.domain == "risk_of_bias":
            final = min(MAX_DOMAIN_LEVELS, d.final + levels)
            explanation = (d.explanation + " " if d.explanation else "") + reason
            if final - d.final < levels:
                explanation += f" The domain stays at its maximum of {MAX_DOMAIN_LEVELS} levels."
            status = CONCERN_LEVELS[final] if final else d.status
            d = replace(
                d,
                proposed=min(MAX_DOMAIN_LEVELS, d.proposed + levels),
                final=final,
                status=status,
                explanation=explanation,
            )
        domains.append(d)
    down = sum(d.final for d in domains if d.direction == "down")
    up = sum(d.final for d in domains if d.direction == "up")
    return replace(result, domains=tuple(domains), level=min(4, max(1, result.start_level - down + up)))


def grade_single(
    row: pd.Series,
    rob: RobLookup,
    surrogates: dict[str, str] | None = None,
    mids: dict[str, float] | None = None,
    level: float = 95.0,
) -> GradeResult:
    """GRADE for one single-trial result (a row of ``single_trial_results``, whose CI is at ``level``
    percent); ``mids``: outcome -> its declared minimal important difference."""
    judgement = rob.judgement("treatment", str(row["study_id"]), str(row["outcome"]))
    shares, rob_note = _shares([judgement], np.array([1.0]))
    levels, reason = indirectness(str(row["outcome"]), set(), 1.0 if bool(row["secondary_source"]) else 0.0, surrogates)
    participants = row["participants"]
    values = dict(
        outcome=single_label(row),
        design="rct",
        k=1,
        participants=int(participants) if pd.notna(participants) else None,
        effect_measure=str(row["measure"]),
        estimate=float(row["estimate"]),
        ci_low=float(row["ci_low"]),
        ci_high=float(row["ci_high"]),
        ci_level=float(level),
        indirectness=levels,
        indirectness_reason=reason,
        mid=(mids or {}).get(str(row["outcome"])),
        **shares,
    )
    return _grade(values, rob_note, rob_note == ROB_ABSENT)


def single_label(row: pd.Series) -> str:
    """SoF label of a single-trial result: instrument, value type, window and trial."""
    value_type = str(row["value_type"]).replace("_", " ")
    return f"{row['outcome_measure']}, {value_type}, {row['window']} ({row['study']})"


def grade_tables(
    fits: list[AnalysisFit],
    singles: pd.DataFrame,
    rob: RobLookup,
    surrogates: dict[str, str] | None = None,
    *,
    indirect_exposures: dict[str, str] | None = None,
    extra_rob: dict[str, tuple[int, str]] | None = None,
    mids: dict[str, float] | None = None,
    level: float = 95.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(summary_of_findings, grade_domains) for every pooled analysis (the 'all' row) and every
    primary single-trial result. SoF has the contract columns, then question, analysis_id, design, k,
    outcome_id (the declared outcome), window (its time window) and measure.
    ``surrogates``: the review's surrogate outcomes and their notes (:attr:`compendium.review.Review.surrogates`);
    ``indirect_exposures``: its indirect exposure categories and their reasons
    (:attr:`compendium.review.Review.indirect_exposure_reasons`);
    ``extra_rob``: analysis_id -> (levels, reason) added to the risk-of-bias domain
    (:func:`add_risk_of_bias_levels`); ``mids``: outcome -> its declared minimal important
    difference (:attr:`compendium.review.Review.mids`), used by GRADE's imprecision rule; ``level``: the
    CI level of the single-trial results."""
    results: list[GradeResult] = []
    extra: list[dict] = []
    counts: list[str] = []
    for fit in fits:
        a = fit.analysis
        result = grade_pooled(fit, rob, surrogates, indirect_exposures, mids)
        if extra_rob and a.analysis_id in extra_rob:
            result = add_risk_of_bias_levels(result, *extra_rob[a.analysis_id])
        results.append(result)
        extra.append(
            {
                "question": a.question,
                "analysis_id": a.analysis_id,
                "design": "rct" if a.question == "treatment" else "observational",
                "k": fit.result.k,
                "outcome_id": a.outcome,
                "window": str(a.data["window"].iloc[0]) if "window" in a.data and len(a.data) else "",
                "measure": a.measure,
            }
        )
        _, missing = a.participants()
        if pd.to_numeric(a.data["participants"]).isna().all():
            counts.append("Participants not reported by any study.")
        else:
            counts.append(f"Participants: {missing}; the count is of the other studies." if missing else "")
    primary = singles[singles["analysis_set"] == PRIMARY]
    for _, row in primary.iterrows():
        results.append(grade_single(row, rob, surrogates, mids, level))
        extra.append(
            {
                "question": "treatment",
                "analysis_id": "",
                "design": "rct",
                "k": 1,
                "outcome_id": row["outcome"],
                "window": row.get("window", ""),
                "measure": row["measure"],
            }
        )
        counts.append("" if pd.notna(row["participants"]) else "Participants not reported.")
    sof = summary_of_findings(results)
    sof["footnotes"] = [" ".join(filter(None, (f, c))) for f, c in zip(sof["footnotes"], counts)]
    sof = pd.concat([sof, pd.DataFrame(extra, columns=SOF_EXTRA_COLUMNS)], axis=1)
    domains = grade_domains_table(results)
    sof = sof.sort_values(["question", "outcome"], kind="mergesort").reset_index(drop=True)
    domains = domains.sort_values(["outcome"], kind="mergesort").reset_index(drop=True)
    return sof, domains
