"""Build the consensus report: compute the report's own tables, assemble the template context
from the stage results, render ``templates/consensus_report.html`` with Jinja2 (autoescape on).

Output is deterministic: the same results, data files and environment give the same bytes
except the one line that carries the date of the run (``RUN_DATE_MARKER``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from compendium import vocabulary
from compendium.analysis.pooling import fixed_effect
from compendium.analysis.treatment import with_arm_roles
from compendium.bias.vocabulary import CERTAINTY_LEVELS, ROB1_LABELS, ROB2, ROBINS_E, TOOL_DOMAINS
from compendium.data.identifiers import identifier_links, is_ip_address
from compendium.data.summary import STREAM_ORDER
from compendium.data.validate import is_web_address
from compendium.effects import DEFAULT_CI_LEVEL
from compendium.evidence import consensus
from compendium.pipeline.scratch import final_folder
from compendium.report import guidance as guidance_data
from compendium.report.inputs import INGEST, META, MR, RISK_OF_BIAS, Figure, ResultSet, load_results
from compendium.report.provenance import Provenance, collect
from compendium.report.sof import k2_note, sof_table
from compendium.results_io import FLOAT_FORMAT, write_table
from compendium.review import Question, Review, review_for
from compendium.shared import study_labels

REPORT_FILE = "consensus_report.html"
TEMPLATE = "consensus_report.html"
#: the only line of the report that differs between runs carries this id
RUN_DATE_MARKER = 'id="run-date"'

#: what each GRADE certainty level means, in our words after the GRADE handbook, section 5
CERTAINTY_MEANINGS: dict[str, str] = {
    "high": "we are very confident that the true effect is close to the estimate",
    "moderate": "the true effect is probably close to the estimate, but it may differ",
    "low": "the true effect may be substantially different from the estimate",
    "very low": "the true effect is likely to be substantially different from the estimate",
}

# --- the report's own tables ---------------------------------------------------------------------


def report_tables(results: ResultSet) -> dict[str, pd.DataFrame]:
    """Tables the report computes (written by stage 05 to ``tables/``); the studies the reviewer left
    out in stage 03 or 04 (``exclude_studies``, :func:`left_out_studies`) are not counted here either."""
    studies = results.required(INGEST, "studies")
    weights = consensus.study_weights(
        studies,
        results.table(RISK_OF_BIAS, "rob2_judgements"),
        results.table(RISK_OF_BIAS, "observational_rob"),
        results.table(RISK_OF_BIAS, "rob1_summary"),
    )
    left_out = {study for ids in left_out_studies(results).values() for study in ids}
    conclusions = results.required(INGEST, "conclusions")
    meter = consensus.consensus_meter(conclusions[~conclusions["study_id"].isin(left_out)], studies, weights)
    statements = guidance_data.statements(results.table(INGEST, "guidance"))
    tables = {"consensus_meter": meter, "study_weights": weights, "guidance": guidance_data.guidance_table(statements)}
    preclinical = results.table(INGEST, "preclinical")
    if preclinical is not None:
        tables["sex_differences_mouse"] = mouse_by_sex(preclinical[~preclinical["study_id"].isin(left_out)])
    return tables


def left_out_studies(results: ResultSet) -> dict[str, list[str]]:
    """Stage -> the study ids the reviewer left out there (``exclude_studies``): stage 03 records them
    in its methods, stage 04 in ``left_out.json``; empty lists where none (or the stage did not run)."""
    methods = results.json.get((META, "methods"))
    meta = methods.get("parameters", {}) if isinstance(methods, dict) else {}
    mr = results.json.get((MR, "left_out"))
    return {
        META: [str(s) for s in meta.get("exclude_studies", [])],
        MR: [str(s) for s in mr.get("exclude_studies", [])] if isinstance(mr, dict) else [],
    }


def left_out_sentence(results: ResultSet, labels: Mapping[str, str]) -> str:
    """One sentence per set of studies the reviewer left out (``exclude_studies``) naming them
    (``labels``: study id -> label) and what does not use them; "" when none was left out."""
    where = {META: "the pooled analyses", MR: "the Mendelian randomization summary and the triangulation"}
    groups: dict[tuple[str, ...], list[str]] = {}
    for stage, ids in left_out_studies(results).items():
        if ids:
            groups.setdefault(tuple(ids), []).append(where[stage])
    sentences = []
    for group, parts in groups.items():
        names = [f"{labels.get(s, s)} ({s})" for s in group]
        named = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        sentences.append(
            f"The reviewer left out {named} (parameter exclude_studies): {', '.join(parts)} and the count of "
            f"study directions do not use {'it' if len(group) == 1 else 'them'}."
        )
    return " ".join(sentences)


def mouse_by_sex(preclinical: pd.DataFrame) -> pd.DataFrame:
    """Mouse results (rows of ``preclinical``) by sex and direction of effect: counts of results
    and of distinct studies."""
    rows = []
    for sex in vocabulary.MOUSE_SEX_ORDER:
        of_sex = preclinical[preclinical["sex"] == sex]
        for direction in vocabulary.PRECLINICAL_DIRECTIONS:
            chosen = of_sex[of_sex["direction"] == direction]
            rows.append((sex, direction, len(chosen), chosen["study_id"].nunique()))
    return pd.DataFrame(rows, columns=["sex", "direction", "results", "studies"])


# --- formatting ------------------------------------------------------------------------------------


def format_value(value: object) -> str:
    """A table cell as text: integers without decimals, other numbers to 3 significant digits,
    missing as an en dash, booleans as yes/no."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return format_value(int(value))
        if abs(value) >= 100:
            return f"{value:.0f}"
        if abs(value) >= 0.001:
            return f"{value:.3g}"
        return f"{value:.2e}"
    return str(value)


def bounds(low: object, high: object) -> str:
    """``low to high``, or an en dash when either bound is missing."""
    low_text, high_text = format_value(low), format_value(high)
    return "–" if "–" in (low_text, high_text) else f"{low_text} to {high_text}"


def interval(estimate: object, low: object, high: object) -> str:
    """``estimate (low to high)``; only the estimate when the interval is missing."""
    limits = bounds(low, high)
    return format_value(estimate) + ("" if limits == "–" else f" ({limits})")


#: readable headers of the code-named columns the report's tables show (metafor's names and ours)
COLUMN_LABELS: dict[str, str] = {
    "study_id": "study ID",
    "analysis_id": "analysis",
    "estimate_ci": "estimate (CI)",
    "effect_ci": "estimate (CI)",
    "prediction": "prediction interval",
    "ci_low": "CI lower bound",
    "ci_high": "CI upper bound",
    "pi_low": "prediction interval, lower bound",
    "pi_high": "prediction interval, upper bound",
    "k": "studies",
    "pval": "p",
    "tau2": "τ² (between-study variance)",
    "i2": "I² (%)",
    "q": "Q (heterogeneity)",
    "q_pval": "p (heterogeneity)",
    "duration_weeks": "duration (weeks)",
    "n_randomised_total": "participants randomised",
    "rob_tool": "risk-of-bias tool",
    "rob_overall": "overall risk of bias",
    "source_id": "source",
    "analysis_ids": "analyses",
    "value_before": "value before",
    "value_after": "value after",
}


def domain_labels(tool: str) -> dict[str, str]:
    """Headers of a risk-of-bias table's domain columns (``d1`` -> ``D1: Randomisation process``).

    >>> domain_labels("ROB2")["d3"]
    'D3: Missing outcome data'
    """
    return {key.lower(): f"{key}: {name}" for key, name in TOOL_DOMAINS[tool].items()}


def table_view(
    table: pd.DataFrame | None,
    columns: list[str] | None = None,
    *,
    caption: str,
    anchor: str,
    missing: str = "",
    labels: dict[str, str] | None = None,
    empty: str = "No rows.",
) -> dict:
    """A table ready for the template: caption, anchor, header labels and formatted rows.

    ``columns`` picks and orders the columns (those absent from ``table`` are skipped); a column's
    header is its entry in ``labels``, else in :data:`COLUMN_LABELS`, else its name in words;
    ``missing`` is the sentence shown when ``table`` is None, ``empty`` when it has no rows.
    """
    if table is None:
        return {
            "caption": caption,
            "anchor": anchor,
            "missing": missing or "This result was not available.",
            "header": [],
            "rows": [],
        }
    if table.empty:
        return {"caption": caption, "anchor": anchor, "missing": empty, "header": [], "rows": []}
    chosen = [c for c in (columns or list(table.columns)) if c in table.columns]
    labels = {**COLUMN_LABELS, **(labels or {})}
    header = [labels.get(c, c.replace("_", " ")) for c in chosen]
    rows = [[format_value(v) for v in record] for record in table[chosen].itertuples(index=False, name=None)]
    return {"caption": caption, "anchor": anchor, "missing": "", "header": header, "rows": rows}


def _sensitivity_view(sensitivity: pd.DataFrame | None, pooled: pd.DataFrame | None) -> pd.DataFrame | None:
    """Stage 03's ``sensitivity`` rows with each analysis named by its label (``pooled``'s
    ``outcome_label``; its id where there is none), the estimate with its CI and the prediction interval."""
    if sensitivity is None or sensitivity.empty:
        return sensitivity
    names: dict[str, str] = (
        dict(zip(pooled["analysis_id"].astype(str), pooled["outcome_label"].astype(str)))
        if pooled is not None and {"analysis_id", "outcome_label"} <= set(pooled.columns)
        else {}
    )
    rows = sensitivity.to_dict("records")
    return sensitivity.assign(
        analysis=[names.get(str(r["analysis_id"]), str(r["analysis_id"])) for r in rows],
        estimate_ci=[interval(r.get("estimate"), r.get("ci_low"), r.get("ci_high")) for r in rows],
        prediction=[bounds(r.get("pi_low"), r.get("pi_high")) for r in rows],
    )


def _missing(stage: str, name: str) -> str:
    return f"Not available: stage {stage} did not write {name} (see Limitations)."


# --- sections --------------------------------------------------------------------------------------


def stream_texts(review: Review) -> dict[str, str]:
    """stream -> its words in running text (the review's ``stream_labels``, else the generic ones),
    and the consensus meter's all-streams row."""
    return {**review.stream_labels_of("text"), consensus.ALL_STREAMS: "all studies"}


#: the count of study directions shows percentages only from this many studies on
MIN_STUDIES_FOR_PERCENT = 5


def _meter_view(meter: pd.DataFrame, question: str, labels: dict[str, str], stream_words: dict[str, str]) -> dict:
    """Bars (plain and weighted) per stream for one question, plus the sentence with the leading
    conclusion; ``stream_words``: the streams' words (:func:`stream_texts`)."""
    rows = meter[meter["question"] == question]
    bars = []
    streams = list(dict.fromkeys(rows["stream"]))
    for stream in sorted(streams, key=lambda s: s != consensus.ALL_STREAMS):
        group = rows[rows["stream"] == stream]
        for weighted in (False, True):
            column = "weighted_share" if weighted else "share"
            segments = [
                {
                    "conclusion": r.conclusion,
                    "label": labels[r.conclusion],
                    "width": f"{100 * getattr(r, column):.1f}",
                    # fewer than MIN_STUDIES_FOR_PERCENT studies: counts, not percentages
                    "text": (
                        f"{100 * getattr(r, column):.1f}%"
                        if int(group["stream_studies"].iloc[0]) >= MIN_STUDIES_FOR_PERCENT
                        else (f"{int(r.studies)} of {int(group['stream_studies'].iloc[0])}" if not weighted else "")
                    ),
                    "count": int(r.studies),
                    "weight": format_value(r.weight),
                }
                for r in group.itertuples()
                if getattr(r, column) > 0
            ]
            bars.append(
                {
                    "stream": stream_words.get(stream, stream.replace("_", " ")),
                    "weighted": weighted,
                    "total": int(group["stream_studies"].iloc[0]),
                    "total_weight": format_value(float(group["stream_weight"].iloc[0])),
                    "segments": segments,
                    "is_all": stream == consensus.ALL_STREAMS,
                }
            )
    lead = consensus.leading_conclusion(meter, question)
    lead_weighted = consensus.leading_conclusion(meter, question, weighted=True)
    sentence = ""
    if lead is not None and lead_weighted is not None and int(lead.stream_studies) < MIN_STUDIES_FOR_PERCENT:
        sentence = (
            f"Of {int(lead.stream_studies)} studies that state a conclusion on this question, "
            f"{int(lead.studies)} concluded “{labels[lead.conclusion]}” (too few studies for percentages)."
        )
    elif lead is not None and lead_weighted is not None:
        sentence = (
            f"Of {int(lead.stream_studies)} studies that state a conclusion on this question, "
            "the most common conclusion is "
            f"“{labels[lead.conclusion]}”: {int(lead.studies)} studies ({100 * lead.share:.0f}%). "
            f"Weighted by study quality, the largest share is “{labels[lead_weighted.conclusion]}” "
            f"({100 * lead_weighted.weighted_share:.0f}% of the weight)."
        )
    legend = [{"conclusion": c, "label": labels[c]} for c in consensus.CONCLUSIONS[question]]
    table = rows.assign(
        stream=rows["stream"].map(lambda s: stream_words.get(s, s)), conclusion=rows["conclusion"].map(labels)
    )
    return {
        "bars": bars,
        "sentence": sentence,
        "legend": legend,
        "table": table_view(
            table,
            ["stream", "conclusion", "studies", "share", "weight", "weighted_share"],
            caption="Consensus meter in numbers (shares are fractions of 1)",
            anchor=f"table-consensus-{question}",
        ),
    }


def _sof_by_question(results: ResultSet, questions: list[str]) -> dict[str, pd.DataFrame | None]:
    """Summary-of-findings rows per question: its own ``question`` column if present, else the
    question of the pooled analysis with the same outcome, else treatment (the trials)."""
    sof = results.table(META, "summary_of_findings")
    if sof is None:
        return dict.fromkeys(questions)
    if "question" in sof.columns:
        of_row = sof["question"]
    else:
        pooled = results.table(META, "pooled")
        lookup = {} if pooled is None else dict(zip(pooled["outcome"].astype(str), pooled["question"].astype(str)))
        of_row = sof["outcome"].astype(str).map(lambda o: lookup.get(o, "treatment"))
    return {q: pd.DataFrame(sof[of_row.values == q]) for q in questions}


def _certainty_lines(sof: pd.DataFrame | None) -> list[dict]:
    if sof is None:
        return []
    lines = []
    for row in sof.itertuples():
        certainty = str(getattr(row, "certainty", "")).strip()
        lines.append(
            {
                "outcome": format_value(row.outcome),
                "effect": format_value(getattr(row, "effect", None)),
                "certainty": certainty,
                "symbols": format_value(getattr(row, "certainty_symbols", None)),
                "meaning": CERTAINTY_MEANINGS.get(certainty.lower(), ""),
            }
        )
    return lines


#: GRADE levels, best first (compendium.bias.vocabulary.CERTAINTY_LEVELS, highest level first)
CERTAINTY_ORDER: tuple[str, ...] = tuple(CERTAINTY_LEVELS[level] for level in sorted(CERTAINTY_LEVELS, reverse=True))


def certainty_summary(lines: list[dict]) -> str:
    """One plain sentence on how certain the evidence of a question is, from its GRADE ratings
    (no direction of effect is claimed: that is in each outcome's effect)."""
    rated = [line["certainty"] for line in lines if line["certainty"] in CERTAINTY_ORDER]
    if not rated:
        return ""
    best = min(rated, key=CERTAINTY_ORDER.index)
    counts = ", ".join(f"{rated.count(level)} {level.lower()}" for level in CERTAINTY_ORDER if level in rated)
    if best == "Very low":
        results = "the one result" if len(rated) == 1 else f"all {len(rated)} results"
        verb = "has" if len(rated) == 1 else "have"
        return f"We are very uncertain: {results} rated with GRADE {verb} very low certainty evidence."
    return (
        f"{len(rated)} outcomes were rated with GRADE ({counts} certainty); "
        f"the best-rated evidence has {best.lower()} certainty."
    )


#: the stages that write a conclusion.json, and how the report names their rules
CONCLUSION_STAGES: dict[str, str] = {META: "pooled results and GRADE, stage 03", MR: "triangulation, stage 04"}


def _conclusion_for(results: ResultSet, question_id: str, text: str) -> tuple[str, dict | None]:
    """The stage and conclusion.json that answer a question (matched by ``question_id``, else by its text)."""
    for stage in CONCLUSION_STAGES:
        conclusion = results.json.get((stage, "conclusion"))
        if isinstance(conclusion, dict) and (
            conclusion.get("question_id") == question_id or conclusion.get("question") == text
        ):
            return stage, conclusion
    return "", None


#: what the report says when no stage answered a question and none said why
NO_ANSWER = (
    "No stage wrote an answer to this question (no conclusion.json names it): "
    "its evidence streams have no studies in the data, or the stage that answers it did not run."
)


def _no_answer(results: ResultSet, text: str) -> str:
    """Why a question has no answer: the note of the stage that ran and could not answer it
    (``no answer to '<question>': ...`` in its notes.json), else :data:`NO_ANSWER`."""
    for stage, label in CONCLUSION_STAGES.items():
        notes = results.json.get((stage, "notes"))
        for note in notes.get("notes", []) if isinstance(notes, dict) else []:
            if str(note).startswith(f"no answer to '{text}'"):
                return f"N{str(note)[1:]} ({label})."
    return NO_ANSWER


#: pooled results quoted in a key message (the rest are in the question's Summary of findings)
KEY_STATEMENTS = 2


def best_certainty(lines: list[dict]) -> str:
    """The best GRADE level among ``lines`` (:func:`_certainty_lines`), "" when none is rated."""
    rated = [line["certainty"] for line in lines if line["certainty"] in CERTAINTY_ORDER]
    return min(rated, key=CERTAINTY_ORDER.index) if rated else ""


def key_message(answer: str, lead: str, statements: list[str], lines: list[dict]) -> str:
    """A question's key message: the answer's lead and its first :data:`KEY_STATEMENTS` informative
    statements (each carries its certainty); without statements, the lead (else the answer) and the
    best certainty of the question's GRADE ratings."""
    if statements:
        shown = statements[:KEY_STATEMENTS]
        more = len(statements) - len(shown)
        tail = f" {more} more pooled {'result' if more == 1 else 'results'} below." if more else ""
        return " ".join([lead, *(f"{s}." for s in shown)]).strip() + tail
    first = lead or answer
    best = best_certainty(lines)
    if best:
        return f"{first} Best certainty of the evidence (GRADE): {best.lower()}."
    return f"{first} Certainty of the evidence: not rated with GRADE."


def reported_outcomes(results: ResultSet) -> dict[str, int]:
    """outcome -> number of studies with any row on it in the trial data (arm-level or printed effects)."""
    frames = [results.table(INGEST, name) for name in ("rct_effects", "dichotomous_outcomes", "continuous_outcomes")]
    rows = [f[["study_id", "outcome"]] for f in frames if f is not None and {"study_id", "outcome"} <= set(f.columns)]
    if not rows:
        return {}
    both = pd.concat(rows).drop_duplicates()
    return {str(k): int(v) for k, v in both.groupby("outcome")["study_id"].nunique().items()}


def main_answer(lead: str, statements: list[str]) -> str:
    """The answer by the stated rules: its lead and every informative statement (stage 03's conclusion.json)."""
    return " ".join([lead, *(f"{s}." for s in statements)])


#: what a question that asks (``Question.asks``) looks for, in words
ASKS_WORDS: dict[str, str] = {"benefit": "benefits", "harm": "harms", "effect": "effects"}


def asked(review: Review, question: Question) -> str:
    """What a question asks, in plain words from the declaration."""
    if question.id == "risk":
        return f"Whether {review.exposure} changes the risk of {review.condition}."
    population = f" in {question.population}" if question.population else ""
    what = ASKS_WORDS.get(question.asks, "effects")
    if len(review.comparisons) > 1:
        compared = "; ".join(f"{c.intervention} compared with {c.comparator}" for c in review.comparisons)
        return f"The {what}{population}, in {len(review.comparisons)} comparisons: {compared}."
    return f"The {what} of {review.intervention} compared with {review.comparator}{population}."


def meta_parameters(results: ResultSet) -> dict:
    """The parameters stage 03 ran with (its ``methods`` record), ``{}`` when it did not run."""
    methods = results.json.get((META, "methods"))
    parameters = methods.get("parameters", {}) if isinstance(methods, dict) else {}
    return parameters if isinstance(parameters, dict) else {}


def _question_views(results: ResultSet, meter: pd.DataFrame, review: Review) -> list[dict]:
    sof = _sof_by_question(results, [q.id for q in review.questions])
    meter_labels = consensus.conclusion_labels(review.intervention, review.condition, review.exposure)
    views = []
    for question in review.questions:
        key, text = question.id, question.text
        stage, conclusion = _conclusion_for(results, key, text)
        answer, reasons, safety, lead, statements = "", [], "", "", []
        if conclusion is not None:
            answer = str(conclusion.get("answer", ""))
            reasons = [str(r) for r in conclusion.get("reasons", [])]
            safety = str(conclusion.get("safety") or "")
            lead = str(conclusion.get("lead") or "")
            statements = [str(s) for s in conclusion.get("statements", [])]
        certainty = _certainty_lines(sof[key])
        views.append(
            {
                "key": key,
                "question": text,
                "answer": answer,
                # the answer by the rules (lead and statements) apart from what the stage appended after it
                "answer_main": main_answer(lead, statements) if lead else answer,
                "answer_extra": answer[len(main_answer(lead, statements)) :].strip()
                if lead and answer.startswith(main_answer(lead, statements))
                else "",
                "asked": asked(review, question),
                "key_message": key_message(answer, lead, statements, certainty) if answer else "",
                "lead": lead,
                "statements": statements,
                "reasons": reasons,
                "reasons_by": CONCLUSION_STAGES.get(stage, ""),
                "no_answer": _no_answer(results, text) if conclusion is None else "",
                "certainty_summary": certainty_summary(certainty),
                "safety": safety,
                "meter": _meter_view(meter, key, meter_labels, stream_texts(review)),
                "certainty": certainty,
                "sof_missing": sof[key] is None,
                # one table per comparison of the treatment question (one for a review of one comparison)
                "sof_tables": [
                    sof_table(
                        question,
                        review,
                        results.table(META, "summary_of_findings"),
                        results.table(META, "pooled"),
                        results.table(META, "study_effects"),
                        _events_with_roles(results),
                        safety,
                        reported_outcomes(results),
                        level=float(meta_parameters(results).get("level", DEFAULT_CI_LEVEL)),
                        comparison_of=comparison,
                    )
                    for comparison in (review.comparisons if key != "risk" else (None,))
                ],
            }
        )
    return views


def _stream_labelled(triangulation: pd.DataFrame | None) -> pd.DataFrame | None:
    """Triangulation rows with stage 04's readable ``stream_label`` shown as the stream, when present."""
    if triangulation is None or "stream_label" not in triangulation.columns:
        return triangulation
    return triangulation.assign(stream=triangulation["stream_label"].fillna(triangulation["stream"]))


#: a figure drawn in both risk-of-bias palettes is shown once, in the colour-blind safe one
PALETTE_SUFFIXES = ("_cochrane", "_colourblind")


def preferred_palette(figures: list[Figure]) -> list[Figure]:
    """Drop ``<name>_cochrane`` when ``<name>_colourblind`` exists (the same figure, other colours)."""
    names = {f.name for f in figures}
    cochrane, colourblind = PALETTE_SUFFIXES
    return [f for f in figures if not (f.name.endswith(cochrane) and f.name[: -len(cochrane)] + colourblind in names)]


def _figures_for(figures: list[Figure], analysis_ids: list[str]) -> tuple[list[Figure], list[Figure]]:
    """Split figures into those whose name contains one of ``analysis_ids`` and the rest."""
    matched = [f for f in figures if any(a and a in f.name for a in analysis_ids)]
    return matched, [f for f in figures if f not in matched]


#: what the pooled results of each question role pool, in a table's caption
POOLED_WHAT: dict[str, str] = {"treatment": "intervention trials", "risk": "observational studies"}


def _pooled_view(pooled: pd.DataFrame | None, question: str) -> tuple[dict, list[str]]:
    what = POOLED_WHAT.get(question, question)
    methods = set() if pooled is None else set(pooled["method"].astype(str))
    # RevMan's fixed-effect pooling ("MH FE") is declared per outcome; every other method is random effects
    model = "meta-analysis" if any(fixed_effect(m) for m in methods) else "random-effects meta-analysis"
    caption = f"Pooled results ({model}; the method column names each row's), {what}"
    if pooled is None:
        return table_view(
            None, caption=caption, anchor=f"table-pooled-{question}", missing=_missing(META, "pooled")
        ), []
    rows = pooled[pooled["question"] == question] if "question" in pooled.columns else pooled
    if "outcome_label" in rows.columns:
        rows = rows.assign(outcome=rows["outcome_label"].fillna(rows["outcome"]))
    if "analysis_set_label" in rows.columns:
        rows = rows.assign(analysis_set=rows["analysis_set_label"].fillna(rows["analysis_set"]))
    shown = rows.assign(
        effect_ci=[interval(r.estimate, r.ci_low, r.ci_high) for r in rows.itertuples()],
        prediction_interval=[bounds(r.pi_low, r.pi_high) for r in rows.itertuples()],
        # a pooled interval from two studies carries its explanation where it is shown
        notes=[
            "; ".join(filter(None, [r.notes if isinstance(r.notes, str) else "", k2_note(r.k, r.method)]))
            for r in rows.itertuples()
        ],
    )
    view = table_view(
        shown,
        [
            "outcome",
            "subgroup",
            "analysis_set",
            "measure",
            "k",
            "participants",
            "effect_ci",
            "prediction_interval",
            "i2",
            "pval",
            "method",
            "test",
            "notes",
        ],
        caption=caption,
        anchor=f"table-pooled-{question}",
        labels={"effect_ci": "estimate (CI)", "i2": "I² (%)", "pval": "p", "k": "studies"},
        empty="Nothing could be pooled: no outcome has at least two comparable studies with usable numbers. "
        "Single-study results are shown instead; the coverage table under Limitations lists what is missing.",
    )
    return view, [str(a) for a in rows["analysis_id"]]


#: figures of stage 03's set with stated assumptions start with this name
ASSUMPTION_FIGURE_PREFIX = "forest-assumptions-"


def _set_result(row: pd.Series, prefix: str) -> str:
    """One analysis set's result of an ``assumption_comparison`` row as text, or '' when not pooled."""
    if pd.isna(row[f"{prefix}_estimate"]):
        return ""
    certainty = row[f"{prefix}_certainty"]
    return (
        f"{row['measure']} {interval(row[f'{prefix}_estimate'], row[f'{prefix}_ci_low'], row[f'{prefix}_ci_high'])}, "
        f"k = {format_value(row[f'{prefix}_k'])}, p = {format_value(row[f'{prefix}_pval'])}"
        + (f", GRADE {str(certainty).lower()}" if pd.notna(certainty) else "")
    )


def _differs(row: pd.Series) -> str:
    if pd.isna(row["direction_differs"]):
        return "Direction and significance cannot be compared: there is no pooled result from printed numbers."
    direction = "differs" if bool(row["direction_differs"]) else "is the same"
    significance = "differs" if bool(row["significance_differs"]) else "is the same"
    return f"The direction {direction} and the significance {significance} in the two sets."


def _assumptions(results: ResultSet) -> dict:
    """The set with stated assumptions: per outcome, both results and the assumptions they rest on;
    the ledger, the rejected assumptions, the marked forest plots and the agreement with the reviews."""
    comparison = results.table(META, "assumption_comparison")
    applied = results.table(META, "assumptions_applied")
    ledger = results.table(INGEST, "assumptions")
    rejected = results.table(INGEST, "assumptions_rejected")
    methods = results.json.get((META, "methods"))
    parameters = methods.get("parameters", {}) if isinstance(methods, dict) else {}
    switched_off = parameters.get("use_assumptions") is False
    figures = [f for f in results.figures.get(META, []) if f.name.startswith(ASSUMPTION_FIGURE_PREFIX)]
    has_ledger = ledger is not None and not ledger.empty
    if ledger is None or ledger.empty:
        lead = (
            "This review states no assumptions (its data package has no assumption ledger, assumptions.csv): "
            "every result uses printed numbers only."
        )
    elif switched_off:
        lead = (
            f"The assumption ledger ({len(ledger)} stated assumptions, listed below) was switched off for this run "
            "(use_assumptions = False): every result uses printed numbers only."
        )
    else:
        lead = (
            "A sensitivity analysis (Cochrane Handbook 10.14): the same analyses run again with the stated "
            "assumptions of the ledger (Handbook 6.5.2), one assumption per number, each derived by code and "
            "justified below. The answers above use printed numbers only."
        )
    kinds: dict[str, tuple[str, str]] = {}
    if ledger is not None:
        kinds = {str(r.assumption_id): (str(r.kind), str(r.justification)) for r in ledger.itertuples()}
    outcomes = []
    if comparison is not None and not switched_off:
        for _, row in comparison.iterrows():
            ids = [i for i in str(row["assumption_ids"]).split("; ") if i and i != "nan"]
            outcomes.append(
                {
                    "label": str(row["outcome_label"]),
                    "printed": _set_result(row, "printed") or str(row["notes"]),
                    "assumed": _set_result(row, "with_assumptions") or "not pooled",
                    "grade": "" if pd.isna(row["grade_assumptions"]) else str(row["grade_assumptions"]),
                    "differs": _differs(row),
                    "assumptions": [
                        {"id": i, "kind": kinds.get(i, ("", ""))[0], "justification": kinds.get(i, ("", ""))[1]}
                        for i in ids
                    ],
                }
            )
    shown_ledger = applied if applied is not None and not applied.empty else ledger
    agreement = results.table(META, "review_agreement")
    if agreement is not None:
        agreement = agreement.assign(
            primary=[_agreement_text(r, "primary") for _, r in agreement.iterrows()],
            with_assumptions=[_agreement_text(r, "sensitivity") for _, r in agreement.iterrows()],
        )
    return {
        "has_ledger": has_ledger,
        "lead": lead,
        "outcomes": outcomes,
        "figures": figures,
        "ledger": table_view(
            shown_ledger if has_ledger else None,
            [
                "assumption_id",
                "study_id",
                "kind",
                "column",
                "value_before",
                "value_after",
                "derivation",
                "analysis_ids",
                "justification",
                "method_source",
                "source_id",
                "locator",
            ],
            caption="The assumption ledger: every stated assumption, the cell it fills and why",
            anchor="table-assumption-ledger",
            missing="No assumption ledger in the data package.",
        ),
        "rejected": table_view(
            rejected,
            ["rejection_id", "study_id", "kind", "target", "reason", "method_source"],
            caption="Assumptions considered and rejected, with the reason",
            anchor="table-assumptions-rejected",
            missing="No list of rejected assumptions in the data package.",
        ),
        "agreement": table_view(
            agreement,
            [
                "review",
                "outcome_label",
                "review_result",
                "review_significant",
                "primary",
                "with_assumptions",
                "reasons",
            ],
            caption="Agreement in direction and significance (p < 0.05) with each published review: our result "
            "from printed numbers and our result with the stated assumptions",
            anchor="table-review-agreement",
            missing=_missing(META, "review_agreement"),
            labels={"review_significant": "significant in the review", "primary": "ours, printed numbers"},
        ),
    }


def _agreement_text(row: pd.Series, prefix: str) -> str:
    if pd.isna(row[f"{prefix}_estimate"]):
        return "not pooled"
    agrees = row[f"{prefix}_agrees"]
    verdict = "not comparable" if pd.isna(agrees) else ("agrees" if bool(agrees) else "differs")
    return (
        f"{interval(row[f'{prefix}_estimate'], row[f'{prefix}_ci_low'], row[f'{prefix}_ci_high'])}, "
        f"p = {format_value(row[f'{prefix}_pval'])}, {row[f'{prefix}_direction']}: {verdict}"
    )


def _revman(results: ResultSet) -> dict:
    """RevMan's stored results beside ours, for a review imported from a RevMan 5 file or data package
    (stage 03's ``revman_agreement`` and ``revman_sensitivity``); ``shown`` False for any other review."""
    from compendium.cochrane.agreement import reproduction_sentence

    agreement = results.table(META, "revman_agreement")
    sensitivity = results.table(META, "revman_sensitivity")
    if agreement is None or agreement.empty:
        return {"shown": False}

    def analysis(row: pd.Series) -> str:
        number = f"{row['comparison']}.{row['outcome']}"
        if pd.isna(row["subgroup_number"]):
            return f"{number} {row['name']}"
        return f"{number}.{int(row['subgroup_number'])} {row['subgroup']}"

    agreement = agreement.assign(
        analysis=agreement.apply(analysis, axis=1),
        settings=[f"{r.measure}, {r.pooling}, {r.model}" for r in agreement.itertuples()],
        reproduced=[interval(r.estimate, r.ci_low, r.ci_high) for r in agreement.itertuples()],
        stored=[interval(r.stored_estimate, r.stored_ci_low, r.stored_ci_high) for r in agreement.itertuples()],
        reproduced_i2=agreement["i2"],
        stored_i2=agreement["stored_i2"],
    )
    view = {"shown": True, "sentence": reproduction_sentence(agreement)}
    view["agreement"] = table_view(
        agreement,
        ["analysis", "settings", "k", "reproduced", "stored", "reproduced_i2", "stored_i2", "agrees", "reason"],
        caption="RevMan's stored results and ours, computed with the file's own settings, for every analysis and "
        "subgroup (all quantities in tables/revman_agreement.csv)",
        anchor="table-revman-agreement",
        labels={"reproduced_i2": "I² reproduced (%)", "stored_i2": "I² stored (%)", "k": "studies"},
    )
    if sensitivity is not None:
        sensitivity = sensitivity.assign(
            analysis=sensitivity.apply(analysis, axis=1),
            revman=[interval(r.revman_estimate, r.revman_ci_low, r.revman_ci_high) for r in sensitivity.itertuples()],
            defaults=[interval(r.estimate, r.ci_low, r.ci_high) for r in sensitivity.itertuples()],
            prediction=[bounds(r.pi_low, r.pi_high) for r in sensitivity.itertuples()],
        )
    view["sensitivity"] = table_view(
        sensitivity,
        ["analysis", "measure", "revman_method", "revman", "k", "defaults", "prediction", "tau2", "note"],
        caption="Sensitivity analysis: RevMan's stored method beside today's Cochrane defaults (random effects, "
        "REML tau², Knapp-Hartung confidence interval, prediction interval)",
        anchor="table-revman-sensitivity",
        missing=_missing(META, "revman_sensitivity"),
        labels={
            "revman_method": "RevMan's method",
            "revman": "RevMan's method: estimate (CI)",
            "defaults": "REML, Knapp-Hartung: estimate (CI)",
            "prediction": "prediction interval",
        },
    )
    return view


def _findings(results: ResultSet, review: Review) -> dict:
    pooled = results.table(META, "pooled")
    meta_figures = [f for f in results.figures.get(META, []) if not f.name.startswith(ASSUMPTION_FIGURE_PREFIX)]
    sections = {}
    leftover = meta_figures
    for question in ("treatment", "risk"):
        view, ids = _pooled_view(pooled, question)
        matched, leftover = _figures_for(leftover, ids)
        sections[question] = {
            "pooled": view,
            "figures": matched,
            "question": review.question_texts.get(question, ""),
            "trail": _provenance_trail(results, question),
        }
    single = results.table(META, "single_trial_results")
    sensitivity = results.table(META, "sensitivity")
    mr_estimates = results.table(MR, "mr_estimates")
    triangulation = results.table(MR, "triangulation")
    preclinical = results.table(INGEST, "preclinical")
    mouse_intensity = None
    if preclinical is not None:
        mouse_intensity = (
            preclinical.groupby(["intensity", "direction"])
            .size()
            .unstack(fill_value=0)
            .reindex(columns=list(vocabulary.PRECLINICAL_DIRECTIONS), fill_value=0)
            .reset_index()
        )
    conclusion = results.json.get((MR, "conclusion"))
    return {
        "treatment": sections["treatment"],
        "risk": sections["risk"],
        "single": table_view(
            None
            if single is None
            else single.assign(
                outcome=single["outcome"].map(review.outcome_label),
                effect_ci=[
                    interval(r.get("estimate"), r.get("ci_low"), r.get("ci_high")) for r in single.to_dict("records")
                ],
            ),
            [
                "study",
                "outcome",
                "outcome_measure",
                "value_type",
                "window",
                "analysis_set",
                "measure",
                "effect_ci",
                "participants",
                "notes",
            ],
            caption="Outcomes reported by a single trial (shown, not pooled)",
            anchor="table-single-trial",
            missing=_missing(META, "single_trial_results"),
            labels={
                "outcome_measure": "as the trial reported it",
                "value_type": "kind of value",
                "window": "time window",
                "analysis_set": "analysis set",
                "effect_ci": f"effect, {review.intervention} minus {review.comparator} (CI)",
            },
        ),
        "sensitivity": table_view(
            _sensitivity_view(sensitivity, results.table(META, "pooled")),
            ["analysis", "variant", "estimate_ci", "prediction", "tau2", "i2", "k", "method", "test", "notes"],
            caption="Sensitivity analyses",
            anchor="table-sensitivity",
            missing=_missing(META, "sensitivity"),
        ),
        "meta_other_figures": leftover,
        "mr_estimates": table_view(
            mr_estimates,
            ["study", "year", "role", "exposure", "method", "effect", "direction", "notes"],
            caption="Mendelian randomization estimates",
            anchor="table-mr-estimates",
            missing=_missing(MR, "mr_estimates"),
        ),
        "triangulation": table_view(
            _stream_labelled(triangulation),
            ["stream", "evidence", "direction", "strength", "main_bias"],
            caption="Triangulation across evidence streams",
            anchor="table-triangulation",
            missing=_missing(MR, "triangulation"),
        ),
        "mr_figures": results.figures.get(MR, []),
        "mr_conclusion": conclusion if isinstance(conclusion, dict) else None,
        "mouse": table_view(
            mouse_intensity,
            caption=f"Animal results by {review.intervention} intensity and direction of effect (number of results)",
            anchor="table-mouse-intensity",
            missing=_missing(INGEST, "preclinical"),
        ),
    }


def _sex_differences(results: ResultSet, tables: dict[str, pd.DataFrame]) -> dict:
    preclinical = results.table(INGEST, "preclinical")
    studies = results.required(INGEST, "studies").set_index("study_id")["label"]
    mouse_rows = None
    if preclinical is not None:
        chosen = preclinical[preclinical["sex"].isin(["female", "male"])]
        mouse_rows = chosen.assign(study=chosen["study_id"].map(studies))
    observational = results.table(INGEST, "observational")
    human_rows, human_note = None, "Not available: stage 01 did not write observational."
    if observational is not None:
        by_sex = observational[observational["sex"].isin(["male", "female"])]
        human_rows = by_sex.assign(
            study=by_sex["study_id"].map(studies),
            estimate_ci=[interval(r.estimate, r.ci_low, r.ci_high) for r in by_sex.itertuples()],
        )
        sexes = sorted(set(by_sex["sex"]))
        if sexes == ["male"]:
            human_note = (
                f"{by_sex['study_id'].nunique()} human observational studies report results for men only (mostly male "
                "athletes); none reports women separately, so no human study in the data compares the sexes."
            )
        elif not sexes:
            human_note = "No human study in the data reports results separately by sex."
        else:
            human_note = "Human observational results reported for one sex:"
    triangulation = results.table(MR, "triangulation")
    return {
        "mouse_counts": table_view(
            tables.get("sex_differences_mouse"),
            caption="Animal results by sex and direction of effect",
            anchor="table-sex-mouse",
            missing=_missing(INGEST, "preclinical"),
        ),
        "mouse_rows": table_view(
            mouse_rows,
            ["study", "sex", "intensity", "intervention", "outcome", "direction", "notes"],
            caption="Animal results reported for one sex",
            anchor="table-sex-mouse-rows",
            missing=_missing(INGEST, "preclinical"),
        ),
        "human_note": human_note,
        "human_rows": table_view(
            human_rows,
            ["study", "sex", "population", "exposure", "measure", "estimate_ci"],
            caption="Human results reported for one sex",
            anchor="table-sex-human",
            labels={"estimate_ci": "estimate (CI)"},
            missing=_missing(INGEST, "observational"),
        ),
        "triangulation": table_view(
            _stream_labelled(triangulation),
            ["stream", "sex_differences"],
            caption="Sex differences noted per stream (triangulation)",
            anchor="table-sex-triangulation",
            missing=_missing(MR, "triangulation"),
        ),
    }


def _guidance(results: ResultSet, review: Review) -> list[dict]:
    labels = results.required(INGEST, "studies").set_index("study_id")["label"]
    every = guidance_data.statements(results.table(INGEST, "guidance"))
    titles = {t.id: t.title for t in review.report.guidance_topics}
    titles.update({s.topic: s.topic.replace("_", " ").capitalize() for s in every if s.topic not in titles})
    topics = []
    for topic, title in titles.items():
        statements = []
        for statement in (s for s in every if s.topic == topic):
            links, seen = [], set()
            for evidence in statement.evidence:
                key = evidence.study_id or evidence.table
                if key in seen:
                    continue
                seen.add(key)
                if evidence.study_id:
                    known = evidence.study_id in labels.index
                    links.append(
                        {
                            "href": f"#study-{evidence.study_id}" if known else "",
                            "text": str(labels[evidence.study_id]) if known else evidence.study_id,
                            "title": evidence.describe(),
                        }
                    )
                else:
                    links.append(
                        {
                            "href": f"#{TABLE_ANCHORS.get(evidence.table, 'limitations')}",
                            "text": evidence.table,
                            "title": evidence.describe(),
                        }
                    )
            statements.append(
                {
                    "id": statement.id,
                    "status": statement.status,
                    "status_label": guidance_data.STATUSES[statement.status],
                    "text": statement.text,
                    "links": links,
                }
            )
        if statements:
            topics.append({"title": title, "statements": statements})
    return topics


#: where in the report a whole stage table is shown (guidance links to it)
TABLE_ANCHORS: dict[str, str] = {
    "03_meta_analysis/summary_of_findings": "table-sof",
    "03_meta_analysis/pooled": "table-pooled-treatment",
    "03_meta_analysis/review_comparison": "table-review-comparison",
    "01_ingest/coverage": "table-coverage",
    "01_ingest/trials": "table-trials",
    "01_ingest/reported_checks": "table-reported-checks",
}


def _methods(results: ResultSet) -> dict:
    from compendium.analysis.pooling import older_review_settings
    from compendium.bias import grade
    from compendium.meta import DEFAULTS as META_DEFAULTS
    from compendium.meta.settings import MetaSettings
    from compendium.mr.defaults import DEFAULTS as MR_DEFAULTS
    from compendium.mr.defaults import MIN_SNPS

    weights = pd.DataFrame(
        [(j, w) for j, w in consensus.QUALITY_WEIGHTS.items()]
        + [(consensus.NOT_ASSESSED, consensus.NOT_ASSESSED_WEIGHT)],
        columns=["overall judgement", "weight"],
    )
    # the settings as stage 03 ran them (its parameters), so every level and label is the run's
    meta_methods = results.json.get((META, "methods"))
    as_run = meta_parameters(results)
    primary = MetaSettings(
        method=as_run.get("tau2_method", META_DEFAULTS.method),
        test=as_run.get("test", META_DEFAULTS.test),
        level=as_run.get("level", META_DEFAULTS.level),
    )
    older = older_review_settings(primary.level)
    model_record = meta_methods.get("model", {}) if isinstance(meta_methods, dict) else {}
    declared = model_record.get("declared_pooling", {}) if isinstance(model_record, dict) else {}
    declared = declared if isinstance(declared, dict) else {}
    meta = pd.DataFrame(
        [(k, str(v), str(older.to_dict()[k])) for k, v in primary.to_dict().items()],
        columns=["setting", "primary analysis", "sensitivity analysis"],
    )
    mr = pd.DataFrame(
        [(k, str(v)) for k, v in asdict(MR_DEFAULTS).items()]
        + [(f"minimum SNPs: {k}", str(v)) for k, v in MIN_SNPS.items()],
        columns=["setting", "value"],
    )
    grade_rows = pd.DataFrame(list(grade.THRESHOLDS.items()), columns=["threshold", "value"])
    stage_methods = None
    if isinstance(meta_methods, dict):
        stage_methods = pd.DataFrame(flatten(meta_methods), columns=["setting", "value"])
    stage_params = pd.DataFrame(
        [
            (stage, name, repr(value))
            for stage, values in sorted(results.parameters.items())
            for name, value in values.items()
        ],
        columns=["stage", "parameter", "value as run"],
    )
    return {
        "weights": table_view(weights, caption="Quality weights of the consensus meter", anchor="table-weights"),
        "meta": table_view(
            meta,
            caption=f"Meta-analysis settings as run (compendium.meta): {primary.describe()}"
            + (
                f"; {len(declared)} outcome(s) pooled instead with their declared settings (review.yaml "
                "outcomes[].pooling, RevMan 5's methods): " + "; ".join(f"{k} {v}" for k, v in declared.items())
                if declared
                else ""
            ),
            anchor="table-meta-defaults",
        ),
        "mr": table_view(
            mr, caption="Mendelian randomization engine defaults (compendium.mr.DEFAULTS)", anchor="table-mr-defaults"
        ),
        "grade": table_view(
            grade_rows, caption="GRADE rule thresholds (compendium.bias.grade)", anchor="table-grade-thresholds"
        ),
        "meta_methods": table_view(
            stage_methods,
            caption="Methods recorded by the meta-analysis stage (03_meta_analysis methods.json)",
            anchor="table-meta-methods",
            missing=_missing(META, "methods.json"),
        ),
        "stage_parameters": table_view(
            stage_params if not stage_params.empty else None,
            caption="Parameters each stage ran with (from its executed notebook)",
            anchor="table-stage-parameters",
            missing="No executed stage notebooks were found.",
        ),
        "float_format": FLOAT_FORMAT,
    }


def flatten(value: object, prefix: str = "") -> list[tuple[str, str]]:
    """Nested JSON as ``(dotted.key, text)`` rows; lists are joined with ``; ``."""
    if isinstance(value, dict):
        return [row for key, item in value.items() for row in flatten(item, f"{prefix}.{key}" if prefix else str(key))]
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        return [(prefix, "; ".join(format_value(v) for v in value))]
    if isinstance(value, list):
        return [row for i, item in enumerate(value) for row in flatten(item, f"{prefix}[{i}]")]
    return [(prefix, format_value(value))]


def _evidence_index(results: ResultSet, review: Review) -> list[dict]:
    studies = results.required(INGEST, "studies")
    sources = results.required(INGEST, "sources").set_index("source_id")
    order = {s: i for i, s in enumerate(STREAM_ORDER)}
    stream_words = stream_texts(review)
    studies = studies.assign(order=studies["stream"].map(order).fillna(len(order))).sort_values(
        ["question", "order", "year", "study_id"]
    )
    index = []
    for row in studies.itertuples():
        index.append(
            {
                "id": row.study_id,
                "label": row.label,
                "year": format_value(row.year),
                "question": row.question,
                "stream": stream_words.get(str(row.stream), str(row.stream)),
                "design": row.design,
                **_source_view(sources, row.source_id),
            }
        )
    return index


def source_links(source: Mapping[Any, object]) -> list[dict[str, str | None]]:
    """The links of one row of ``sources.csv``: each identifier as text with its address (a DOI as
    ``https://doi.org/...``, a PMID to PubMed, a PMCID to PMC, a registration to its registry), then
    the canonical ``url`` when no identifier already links there. Only http(s) addresses with a host
    name are shown, never a bare IP address; where the text was read (``read_at``, perhaps a mirror)
    is never shown. ``href`` is None for a registration number whose registry address is not known."""
    links: list[dict[str, str | None]] = [{"text": text, "href": href} for text, href in identifier_links(source)]
    url = source.get("url")
    url = url.strip() if isinstance(url, str) else ""
    if is_web_address(url) and not is_ip_address(url) and url not in {link["href"] for link in links}:
        links.append({"text": urlsplit(url).hostname, "href": url})
    return links


def _source_view(sources: pd.DataFrame, source_id: object) -> dict:
    """Citation, links and whether only an abstract was read, for one source id of ``sources``
    (indexed by ``source_id``); empty when the id is unknown."""
    if not isinstance(source_id, str) or source_id not in sources.index:
        return {"citation": "", "links": [], "abstract": False}
    source = sources.loc[source_id]
    return {
        "citation": format_value(source["citation"]),
        "links": source_links(source.to_dict()),
        "abstract": source.get("source_type") == "abstract",
    }


def _provenance_trail(results: ResultSet, question: str) -> list[dict]:
    """Per pooled analysis of ``question``: the studies it pools and the source each study's numbers
    were read in (``study_effects.source_id``, else the study's primary source), with links."""
    pooled = results.table(META, "pooled")
    effects = results.table(META, "study_effects")
    if pooled is None or effects is None or "question" not in pooled.columns:
        return []
    sources = results.required(INGEST, "sources").set_index("source_id")
    primary = results.required(INGEST, "studies").set_index("study_id")["source_id"]
    rows = pooled[pooled["question"] == question]
    trail = []
    for analysis_id, group in rows.groupby("analysis_id", sort=False):
        first = group.iloc[0]
        outcome = first.get("outcome_label") if pd.notna(first.get("outcome_label")) else first["outcome"]
        analysis_set = (
            first.get("analysis_set_label") if pd.notna(first.get("analysis_set_label")) else first["analysis_set"]
        )
        used = effects[effects["analysis_id"] == analysis_id]
        read_in = used["source_id"] if "source_id" in used.columns else pd.Series(pd.NA, index=used.index)
        used = used.assign(read_in=read_in.fillna(used["study_id"].map(primary)))
        studies = [
            {"study": str(row.study), **_source_view(sources, row.read_in)}
            for row in used.drop_duplicates(["study_id", "read_in"]).itertuples()
        ]
        if studies:
            trail.append({"label": f"{format_value(outcome)} ({format_value(analysis_set)})", "studies": studies})
    return trail


def _rob1_view(summary: pd.DataFrame | None) -> dict | None:
    """The Cochrane RoB 1 judgements an imported review file gave (stage 02's ``rob1_summary``), in RoB 1's
    words; None when there are none (the section then shows no RoB 1 table)."""
    if summary is None or summary.empty:
        return None
    shown = summary.drop(columns=["study_id"]).copy()
    for column in shown.columns.drop(["study", "notes"], errors="ignore"):
        shown[column] = shown[column].fillna("").map(lambda j: ROB1_LABELS.get(str(j), str(j)))
    return table_view(
        shown,
        caption="Cochrane RoB 1 judgements as given in the review file, per study and domain, with each study's "
        "summary across key domains (Cochrane Handbook 5.1, Table 8.7.a); never converted to RoB 2",
        anchor="table-rob1",
        labels={"overall": "summary (key domains)"},
    )


def _has_rows(table: pd.DataFrame | None) -> bool:
    return table is not None and not table.empty


def _shown_sections(results: ResultSet, guidance: list[dict]) -> tuple[dict[str, bool], list[str]]:
    """Which optional sections have results (the template renders only those) and a phrase for each absent one."""
    studies = results.required(INGEST, "studies")
    streams = set(studies["stream"].astype(str)) if studies is not None else set()
    pooled = results.table(META, "pooled")
    risk_pooled = pooled is not None and "question" in pooled.columns and (pooled["question"] == "risk").any()
    observational = _has_rows(results.table(INGEST, "observational"))
    flags = {
        "trials": bool(streams & {"rct", "non_randomised"}) or _has_rows(results.table(INGEST, "trials")),
        "observational": observational or risk_pooled,
        "mr": bool(streams & {"mendelian_randomization", "mr_meta_analysis"})
        or _has_rows(results.table(MR, "mr_estimates")),
        "mouse": _has_rows(results.table(INGEST, "preclinical")),
        "reviews": _has_rows(results.table(META, "review_comparison")),
        "guidance": bool(guidance),
    }
    shown: dict[str, bool] = {key: bool(value) for key, value in flags.items()}
    shown["stage04"] = MR in results.parameters or results.table(MR, "mr_estimates") is not None
    shown["sex"] = shown["mouse"] or observational
    absent = {
        "trials": "intervention trials",
        "observational": "observational studies",
        "mr": "Mendelian randomization studies",
        "mouse": "animal studies",
        "reviews": "published reviews to compare with",
        "guidance": "practical guidance statements",
    }
    return shown, [text for key, text in absent.items() if not shown[key]]


def trial_pooling(results: ResultSet) -> str:
    """How many intervention trials entered a pooled analysis, as a clause ("" without trials)."""
    trials = results.table(INGEST, "trials")
    effects = results.table(META, "study_effects")
    if trials is None or trials.empty:
        return ""
    pooled = set() if effects is None else set(effects["study_id"].astype(str)) & set(trials["study_id"].astype(str))
    return f"{len(pooled)} of {len(trials)} intervention trials gave numbers that entered a pooled analysis"


def _lead_sentence(text: str) -> tuple[str, str] | None:
    """A notice split into its first sentence (shown in bold) and the rest; None when empty."""
    if not text:
        return None
    first, stop, rest = text.partition(". ")
    return (first + stop.strip(), rest) if stop else (text, "")


def _events_with_roles(results: ResultSet) -> pd.DataFrame | None:
    """Stage 01's arm-level events with each arm's role (arms are named freely: ``placebo``), for the
    Summary of findings' comparator risk."""
    events, arms = results.table(INGEST, "dichotomous_outcomes"), results.table(INGEST, "arms")
    if events is None or events.empty or arms is None:
        return events
    return with_arm_roles(events, arms)


def build_context(results: ResultSet, provenance: Provenance, tables: dict[str, pd.DataFrame], review: Review) -> dict:
    """Everything the template shows, as plain values."""
    meter = tables["consensus_meter"]
    rob2 = results.table(RISK_OF_BIAS, "rob2_judgements")
    obs_rob = results.table(RISK_OF_BIAS, "observational_rob")
    weights = tables["study_weights"]
    labels = results.required(INGEST, "studies").set_index("study_id")["label"]
    guidance = _guidance(results, review)
    shown, absent = _shown_sections(results, guidance)
    count = len(review.questions)
    return {
        "left_out": left_out_sentence(results, study_labels(results.required(INGEST, "studies"))),
        "trial_pooling": trial_pooling(results),
        "evidence_searched": review.evidence_searched,
        "title": review.title,
        "description": review.description,
        "notice": _lead_sentence(review.report.notice),
        "guidance_notice": _lead_sentence(review.report.guidance_notice),
        "review_limitations": list(review.report.limitations),
        "questions_heading": "The question"
        if count == 1
        else ("The two questions" if count == 2 else f"The {count} questions"),
        "no_studies": results.required(INGEST, "studies").empty,
        "shown": shown,
        "absent": absent,
        "questions": _question_views(results, meter, review),
        "evidence_base": {
            "figures": results.figures.get(INGEST, []),
            "flow": table_view(
                results.table(INGEST, "evidence_flow"),
                caption="Evidence flow: which studies reach which analysis",
                anchor="table-evidence-flow",
                missing=_missing(INGEST, "evidence_flow"),
            ),
            "trials": table_view(
                results.table(INGEST, "trials"),
                [
                    "study_id",
                    "randomised",
                    "intervention_type",
                    "intervention",
                    "comparator",
                    "duration_weeks",
                    "n_randomised_total",
                ],
                caption="Intervention studies: what was tested",
                anchor="table-trials",
                missing=_missing(INGEST, "trials"),
            ),
        },
        "findings": _findings(results, review),
        "sof": table_view(
            results.table(META, "summary_of_findings"),
            ["outcome", "effect", "participants_studies", "certainty", "certainty_symbols", "footnotes"],
            caption="Every GRADE rating of stage 03 (all pooled and single-study results, with their footnotes)",
            anchor="table-sof",
            missing=_missing(META, "summary_of_findings"),
            labels={"participants_studies": "participants (studies)", "certainty_symbols": "certainty (symbols)"},
        ),
        "certainty_meanings": CERTAINTY_MEANINGS,
        "rob": {
            "figures": preferred_palette(results.figures.get(RISK_OF_BIAS, [])),
            "rob2": table_view(
                rob2,
                ["study", "outcome", "d1", "d2", "d3", "d4", "d5", "overall"],
                caption="RoB 2 judgements per trial result (D1 randomisation, D2 deviations, D3 missing data, "
                "D4 measurement, D5 selection of the reported result)",
                anchor="table-rob2",
                missing=_missing(RISK_OF_BIAS, "rob2_judgements"),
                labels=domain_labels(ROB2),
            ),
            "rob1": _rob1_view(results.table(RISK_OF_BIAS, "rob1_summary")),
            "observational": table_view(
                obs_rob,
                ["study", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "overall"],
                caption="Risk of bias in observational studies (ROBINS-E domains D1-D7)",
                anchor="table-observational-rob",
                missing=_missing(RISK_OF_BIAS, "observational_rob"),
                labels=domain_labels(ROBINS_E),
            ),
            "weights": table_view(
                weights.assign(study=weights["study_id"].map(labels)),
                ["study", "stream", "rob_tool", "rob_overall", "weight"],
                caption="Quality weight of each study in the consensus meter",
                anchor="table-study-weights",
            ),
        },
        "sex": _sex_differences(results, tables)
        | {"animal_heading": f"In {review.stream_label(vocabulary.PRECLINICAL).text}"},
        "assumptions": _assumptions(results),
        "revman": _revman(results),
        "comparison": table_view(
            results.table(META, "review_comparison"),
            ["outcome", "ours", "review", "theirs", "reasons"],
            caption="Our pooled results beside the published reviews'",
            anchor="table-review-comparison",
            missing=_missing(META, "review_comparison"),
        ),
        "guidance": guidance,
        "guidance_statuses": guidance_data.STATUSES,
        "limitations": {
            "coverage": table_view(
                results.table(INGEST, "coverage"),
                labels=review.outcome_labels,
                caption="Coverage: what outcome data each trial provides",
                anchor="table-coverage",
                missing=_missing(INGEST, "coverage"),
            ),
            "reported_checks": table_view(
                results.table(INGEST, "reported_checks"),
                ["file", "row", "study_id", "field", "reason", "details"],
                caption="Published statistics that contradict themselves (compendium check-reported)",
                anchor="table-reported-checks",
                missing=_missing(INGEST, "reported_checks"),
            ),
            "missing": results.missing,
        },
        "methods": _methods(results),
        "provenance": provenance,
        "notebooks": results.notebooks,
        "evidence_index": _evidence_index(results, review),
    }


def render_html(context: dict) -> str:
    """Render the report template (autoescape on: every value from the data appears as text)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    environment = Environment(
        loader=PackageLoader("compendium.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["letter"] = lambda index: chr(ord("a") + int(index))
    return environment.get_template(TEMPLATE).render(**context)


def write_report(
    raw_dir: str | Path, results_dir: str | Path, output_dir: str | Path, review: Review | None = None
) -> Path:
    """Stage 05: write the report's own tables to ``output_dir/tables`` and the report to
    ``output_dir/publish/consensus_report.html`` (the runner moves it up to ``results_dir``).
    ``review`` defaults to the declaration that governs ``raw_dir``. Returns the report's path."""
    review = review or review_for(raw_dir)
    results = load_results(results_dir)
    final = final_folder(output_dir, results_dir)
    if final is not None:  # run by the runner: this stage's own notebook lands beside the others
        results.notebooks.append(f"{Path(results_dir).name}/{final.name}/{final.name}.ipynb")
    tables = report_tables(results)
    for name, table in tables.items():
        write_table(table, output_dir, name)
    html = render_html(build_context(results, collect(raw_dir), tables, review))
    path = Path(output_dir) / "publish" / REPORT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8", newline="\n")
    return path
