"""Summary of findings tables in the Cochrane/GRADE form, one per question, from stage 03's tables.

Layout after the GRADE handbook, section 5.2 (Schünemann H, Brożek J, Guyatt G, Oxman A, eds.
GRADE handbook, updated October 2013) and Cochrane Handbook chapter 14 (Schünemann HJ et al.,
version 6.4, 2023): a header naming population, setting, intervention and comparison; at most
:data:`MAX_ROWS` outcomes, those declared ``importance: critical`` first, then in declared order;
columns outcome (with follow-up), anticipated absolute effects, relative effect, participants
(studies), certainty and comments; footnotes explain each change of certainty.

Anticipated absolute effects of a risk or odds ratio (Cochrane Handbook 14.1.5): the comparator
risk ``CR`` is the outcome's declared ``assumed_risk``, else the median control-group risk of the
included studies (events / total of their control arms); the risk with the intervention is
``CR x RR`` or ``CR x OR / (1 - CR + CR x OR)``, both per 1000. A mean difference is shown as the
difference itself beside the comparator mean: the declared ``assumed_risk``, else the median of the
included studies' control-group means (arm-level data).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import replace

import pandas as pd

from compendium.analysis.conclusion import outcome_direction
from compendium.analysis.pooling import fixed_effect, pooled_with_declared_settings
from compendium.analysis.treatment import CONTROL_ROLE
from compendium.bias.plain_language import informative_statement
from compendium.effects import DEFAULT_CI_LEVEL
from compendium.review import Comparison, Question, Review
from compendium.shared import ci_label
from compendium.vocabulary import CONDITION_RISK, RATIO_MEASURES

#: outcomes per table (GRADE: no more than seven)
MAX_ROWS = 7
NOT_STATED = "not stated"
#: the number a risk is expressed per
PER = 1000
#: footnotes of stage 03's summary_of_findings start with a letter, a full stop and a capital
_FOOTNOTE = re.compile(r"(?:^|\s)[a-z]\. (?=[A-Z])")
_EFFECT = re.compile(r"^(\S+) (-?[\d.]+) \(\d+% CI (-?[\d.]+) to (-?[\d.]+)\)")
#: the explanation a random-effects interval pooled from two studies carries wherever it is shown
K2_NOTE = (
    "Pooled from two studies only: the between-study variance rests on two results, so the interval "
    "is wide and uninformative."
)


def k2_note(k: object, method: object) -> str:
    """:data:`K2_NOTE` for a random-effects result of two studies; "" otherwise (a fixed-effect
    result, ``method`` ending in ``FE`` as in stage 03's ``pooled.method``, estimates no
    between-study variance)."""
    return K2_NOTE if k == 2 and not fixed_effect(method) else ""


def risk_with(control_risk: float, ratio: float, measure: str) -> float:
    """The risk with the intervention given the comparator risk and a risk ratio (``RR``), odds
    ratio (``OR``) (Cochrane Handbook 14.1.5) or risk difference (``RD``: the risk plus the
    difference, kept within 0 and 1).

    >>> round(risk_with(0.4, 0.75, "RR"), 3)
    0.3
    >>> round(risk_with(0.2, 2.0, "OR"), 4)
    0.3333
    >>> round(risk_with(0.2, 0.05, "RD"), 3), risk_with(0.02, -0.05, "RD")
    (0.25, 0.0)
    """
    if measure == "OR":
        return control_risk * ratio / (1 - control_risk + control_risk * ratio)
    if measure == "RD":
        return min(1.0, max(0.0, control_risk + ratio))
    return control_risk * ratio


def footnote_texts(text: object) -> list[str]:
    """The lettered footnotes of a stage-03 SoF row (``a. Risk of bias (-1): ...``) without their letters."""
    if not isinstance(text, str) or not text.strip():
        return []
    return [part.strip() for part in _FOOTNOTE.split(text) if part.strip()]


def control_risk(events: pd.DataFrame | None, outcome: str, studies: list[str]) -> float | None:
    """Median over ``studies`` of the control arms' risk (events / total) of ``outcome``; None without data.
    A control arm is one whose ``role`` is control (arms are named freely: ``placebo``); a table without
    the ``role`` column (:func:`compendium.analysis.treatment.with_arm_roles`) knows control arms only
    by the name ``control``."""
    if events is None or events.empty:
        return None
    control = events["role"] == CONTROL_ROLE if "role" in events.columns else events["arm"] == CONTROL_ROLE
    rows = events[(events["outcome"] == outcome) & control & events["study_id"].isin(studies)]
    rows = rows[pd.to_numeric(rows["total"], errors="coerce") > 0]
    if rows.empty:
        return None
    per_study = (pd.to_numeric(rows["events"]) / pd.to_numeric(rows["total"])).groupby(rows["study_id"]).mean()
    return float(statistics.median(per_study.dropna())) if per_study.notna().any() else None


def control_mean(study_effects: pd.DataFrame | None, analysis_id: str) -> float | None:
    """Median over the studies of a mean-difference analysis of their control groups' means (stage
    03's ``study_effects.control_mean``, from arm-level means); None when no study has one."""
    if study_effects is None or "control_mean" not in study_effects.columns or not analysis_id:
        return None
    means = pd.to_numeric(
        study_effects.loc[study_effects["analysis_id"] == analysis_id, "control_mean"], errors="coerce"
    ).dropna()
    return float(statistics.median(means)) if len(means) else None


def _num(value: float) -> str:
    return f"{value:.2f}" if abs(value) < 100 else f"{value:,.0f}"


def _per(risk: float) -> str:
    return f"{risk * PER:,.0f}"


def _follow_up(window: object) -> str:
    text = "" if window is None or (isinstance(window, float) and pd.isna(window)) else str(window)
    if not text:
        return ""
    if text == "all time points":
        return "follow-up: all time points together"
    if text == "time point not recorded":
        return "follow-up: not recorded"
    return f"follow-up: {text}"


def sof_table(
    question: Question,
    review: Review,
    sof: pd.DataFrame | None,
    pooled: pd.DataFrame | None,
    study_effects: pd.DataFrame | None,
    events: pd.DataFrame | None,
    safety: str = "",
    reported: dict[str, int] | None = None,
    level: float = DEFAULT_CI_LEVEL,
    comparison_of: Comparison | None = None,
) -> dict:
    """One question's Summary of findings table as plain values for the template (module docstring);
    ``reported``: outcome -> number of studies with any row on it in the data package (a declared
    outcome without a GRADE row is "not measured" only when no study reported it); ``level``: the
    confidence level of stage 03's intervals, which the column headings name (``ci``);
    ``comparison_of``: for a review of several comparisons (:attr:`Review.comparisons
    <compendium.review.Review.comparisons>`), the table of that comparison's outcomes, named with its
    nouns (one table per comparison, Cochrane Handbook 14.1.4); None: every outcome of the question."""
    reported = reported or {}
    risk = question.id == "risk"
    review_comparisons = review.comparisons
    if comparison_of is not None and not risk:
        outcome_ids = {o.id for o in review.outcomes if o.comparison == comparison_of.id}
        review = replace(review, outcomes=tuple(o for o in review.outcomes if o.id in outcome_ids))
        if sof is not None and "outcome_id" in sof.columns:
            sof = sof[sof["outcome_id"].astype(str).isin(outcome_ids)]
    intervention = review.exposure if risk else (comparison_of.intervention if comparison_of else review.intervention)
    comparison = (
        "the reference groups of the studies"
        if risk
        else (comparison_of.comparator if comparison_of else review.comparator)
    )
    header = {
        "population": question.population or NOT_STATED,
        "setting": question.setting or NOT_STATED,
        "intervention": intervention,
        "comparison": comparison,
        "intervention_word": "Exposure" if risk else "Intervention",
    }
    rows = sof[sof["question"] == question.id] if sof is not None and "question" in sof.columns else None
    order = {o.id: i for i, o in enumerate(review.outcomes)}
    critical = {o.id for o in review.outcomes if o.importance == "critical"}
    candidates = []
    if rows is not None:
        for position, row in enumerate(rows.itertuples(index=False)):
            code = str(getattr(row, "outcome_id", "") or "")
            pooled_first = 0 if str(getattr(row, "analysis_id", "") or "") not in ("", "nan") else 1
            candidates.append(((code not in critical, order.get(code, len(order)), pooled_first, position), row))
    candidates.sort(key=lambda c: c[0])
    safety_codes = [] if risk else [o for o in review.safety_outcomes if o in order]
    measured_codes = {str(getattr(r, "outcome_id", "")) for _, r in candidates}
    narrative = [code for code in safety_codes if code not in measured_codes and safety]
    chosen = [row for _, row in candidates][: MAX_ROWS - len(narrative)]
    footnotes: list[str] = []
    table_rows = [_measured_row(row, review, intervention, pooled, study_effects, events, footnotes) for row in chosen]
    for code in narrative:
        table_rows.append(
            _text_row(review.outcome_label(code), "not pooled; described in the comments", safety, "see comments")
        )
    shown_codes = measured_codes | set(narrative)
    skipped = len(candidates) - len(chosen)
    for outcome in sorted(review.outcomes, key=lambda o: (o.importance != "critical", order[o.id])):
        if len(table_rows) >= MAX_ROWS:
            break
        if outcome.id in shown_codes or (outcome.id == CONDITION_RISK) != risk:
            continue
        n = reported.get(outcome.id, 0)
        if n:
            comment = (
                f"Reported by {n} {'study' if n == 1 else 'studies'} in numbers that could not be pooled or "
                "rated (see the coverage table)."
            )
            table_rows.append(_text_row(outcome.label, "", comment, "not rated"))
        else:
            table_rows.append(
                _text_row(outcome.label, "", "No study in the data measured this outcome.", "not measured")
            )
    several = comparison_of is not None and not risk and len(review_comparisons) > 1
    caption = (
        f"Summary of findings: {intervention} compared with {comparison}"
        + (f" for {question.population}" if question.population else "")
        + (f" (comparison {comparison_of.label})" if several and comparison_of else "")
        + f" ({question.text})"
    )
    return {
        "anchor": f"sof-{question.id}-{comparison_of.id}" if several and comparison_of else f"sof-{question.id}",
        "caption": caption,
        "header": header,
        "rows": table_rows,
        "footnotes": footnotes,
        "skipped": skipped,
        "per": f"{PER:,}",
        "ci": ci_label(level),
    }


def _text_row(label: str, follow_up: str, comment: str, certainty: str) -> dict:
    return {
        "outcome": label,
        "follow_up": follow_up,
        "comparator": "–",
        "intervention": "–",
        "relative": "–",
        "participants": "–",
        "certainty": certainty,
        "symbols": "",
        "marks": [],
        "comment": comment,
    }


def _measured_row(
    row: object,
    review: Review,
    intervention: str,
    pooled: pd.DataFrame | None,
    study_effects: pd.DataFrame | None,
    events: pd.DataFrame | None,
    footnotes: list[str],
) -> dict:
    code = str(getattr(row, "outcome_id", "") or "")
    outcome = review.outcome(code)
    analysis_id = str(getattr(row, "analysis_id", "") or "")
    certainty = str(getattr(row, "certainty", ""))
    match = _EFFECT.match(str(getattr(row, "effect", "")))
    measure = str(getattr(row, "measure", "") or (match.group(1) if match else ""))
    estimate = low = high = None
    k = int(getattr(row, "k", 1) or 1)
    studies: list[str] = []
    method_used = ""
    declared = False
    if pooled is not None and analysis_id and analysis_id in set(pooled["analysis_id"]):
        fit = pooled[(pooled["analysis_id"] == analysis_id) & (pooled.get("subgroup", "all") == "all")].iloc[0]
        estimate, low, high = float(fit["estimate"]), float(fit["ci_low"]), float(fit["ci_high"])
        method_used = str(fit.get("method", ""))
        declared = pooled_with_declared_settings(fit)
        if study_effects is not None:
            studies = list(study_effects.loc[study_effects["analysis_id"] == analysis_id, "study_id"].astype(str))
    elif match:
        estimate, low, high = (float(match.group(i)) for i in (2, 3, 4))
    marks = []
    for text in footnote_texts(getattr(row, "footnotes", "")):
        if text not in footnotes:
            footnotes.append(text)
        marks.append(chr(ord("a") + footnotes.index(text)))
    comparator_text = intervention_text = relative = "–"
    # event measures (a risk difference too) get the comparator's risk and the risk with the intervention
    ratio = measure in RATIO_MEASURES or measure == "RD"
    if estimate is not None and low is not None and high is not None:
        if ratio:
            relative = f"{measure} {_num(estimate)} ({_num(low)} to {_num(high)})"
            cr = outcome.assumed_risk if outcome and outcome.assumed_risk is not None else None
            source = "assumed (declared)" if cr is not None else "median of the control groups"
            if cr is None and measure in ("RR", "OR", "RD"):
                cr = control_risk(events, code, studies)
            if cr is not None and measure in ("RR", "OR", "RD"):
                comparator_text = f"{_per(cr)} per {PER:,} ({source})"
                intervention_text = (
                    f"{_per(risk_with(cr, estimate, measure))} per {PER:,} "
                    f"({_per(risk_with(cr, low, measure))} to {_per(risk_with(cr, high, measure))})"
                )
        else:
            if outcome and outcome.assumed_risk is not None:
                comparator_text = f"mean {_num(outcome.assumed_risk)} {outcome.unit}".strip() + " (assumed, declared)"
            elif measure == "MD" and (mean := control_mean(study_effects, analysis_id)) is not None:
                unit = outcome.unit if outcome else ""
                comparator_text = f"mean {_num(mean)} {unit}".strip() + " (median of the control groups)"
            intervention_text = f"{measure} {_num(estimate)} ({_num(low)} to {_num(high)})"
    # the risk question's analyses share one declared outcome: their own labels tell them apart
    label = review.outcome_label(code) if code and code != CONDITION_RISK else str(getattr(row, "outcome", ""))
    comment = ""
    if estimate is not None and low is not None and high is not None and certainty:
        try:
            way = outcome_direction(measure, low, high, outcome, oriented=not declared)
            comment = informative_statement(intervention, label, way, certainty) + "."
        except ValueError:
            comment = ""
    if k == 1:
        comment += " One study."
    elif k == 2 and analysis_id and (note := k2_note(k, method_used)):
        comment += " " + note
    return {
        "outcome": label,
        "follow_up": _follow_up(getattr(row, "window", "")),
        "comparator": comparator_text,
        "intervention": intervention_text,
        "relative": relative,
        "participants": str(getattr(row, "participants_studies", "–")),
        "certainty": certainty,
        "symbols": str(getattr(row, "certainty_symbols", "")),
        "marks": marks,
        "comment": comment.strip(),
    }
