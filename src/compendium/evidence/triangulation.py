"""Triangulation of the evidence on the review's risk question (stage 04; in the ALS review "does
exercise cause ALS?"), and the stage's conclusion.

Triangulation (Lawlor, Tilling & Davey Smith, Int J Epidemiol 2016;45:1866-1886) sets evidence
streams with different key sources of bias side by side: a conclusion is stronger when streams
whose biases differ point the same way. Nothing is pooled here (stage 03 pools).

Streams (:data:`STREAMS`): primary MR studies; the MR meta-analysis (shown, never counted as
separate support: it reuses the primary studies); observational studies of athletes and of the
general population; animal (preclinical) experiments. A user-supplied SNP table never enters.

**Units.** Every result row gets a direction (:mod:`compendium.evidence.direction`): MR rows from
their CI, else their stated conclusion (only each study's main row per exposure counts; other
methods are sensitivity analyses of it); observational rows from their CI, else estimate with
p-value (rows whose ``exposure_category`` is in :data:`EXCLUDED_OBSERVATIONAL_EXPOSURES` are
listed but not counted: they do not measure activity); mouse rows from ``direction`` (harm,
no_effect -> null, benefit, mixed -> both). A study's direction combines its counted rows
(:func:`~compendium.evidence.direction.combine_directions`).

**Direction and strength of a stream** (:func:`stream_judgement`), from its studies' directions
(h harm, b benefit, n null, x both ways within a study):

* direction: ``not estimable`` if no study has a usable direction; ``both directions`` if
  x > 0 or (h > 0 and b > 0); ``harm`` if h > 0; ``benefit`` if b > 0; else ``null``;
* strength: ``insufficient`` if fewer than 2 studies have a usable direction; ``inconsistent``
  for both directions; ``consistent`` if the studies pointing the stream's way number at
  least 2 and at least as many as the null studies (for a null stream: n >= 2); otherwise
  ``weak``.

**Conclusion rules** (:func:`conclusion`), first match wins. "MR" is the primary-MR stream;
"critical items" are :data:`compendium.evidence.published_mr.CRITICAL_ITEMS` (instrument strength,
pleiotropy checked, sample overlap) of the STROBE-MR appraisal:

* R1 insufficient: MR strength ``insufficient`` and no observational stream with a direction
  -> the question cannot be answered from these data.
* R2 probably yes: MR direction ``harm``, strength ``consistent``, no null or benefit MR study,
  at least 2 MR studies with a CI entirely above 1, every critical item ``Yes`` for every MR
  study pointing to harm, at least one observational stream ``harm`` and none ``benefit``.
* R3 probably protective: R2 with harm and benefit exchanged.
* R4 probably not: MR direction ``null`` with strength ``consistent``.
* R5 not established, leaning to harm: MR direction ``harm`` (R2 not met; reasons list each
  unmet condition).
* R6 not established, leaning to benefit: MR direction ``benefit`` (R3 not met).
* R7 not established, inconsistent: anything else.

MR carries the conclusion because it is the only stream here designed to escape confounding and
reverse causation; the other streams can support or question it but cannot establish cause.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from compendium.errors import CompendiumError
from compendium.evidence.direction import (
    CATEGORY_DIRECTION,
    CI_ABOVE,
    CI_BELOW,
    CI_INCLUDES,
    NO_ESTIMATE,
    P_ABOVE,
    P_BELOW,
    P_NS,
    P_UNCLEAR,
    STATED_DECREASE,
    STATED_INCREASE,
    STATED_NULL,
    classify_frame,
    combine_directions,
)
from compendium.evidence.published_mr import CRITICAL_ITEMS, YES
from compendium.review import Question
from compendium.shared import labels_of
from compendium.vocabulary import (
    BENEFIT,
    BOTH,
    DIRECTIONS,
    HARM,
    MOUSE_SEX_ORDER,
    MR_META_ANALYSIS,
    MR_PRIMARY,
    MR_ROLE_META_ANALYSIS,
    MR_ROLE_PRIMARY,
    NONE,
    NULL,
    OBSERVATIONAL_ATHLETES,
    OBSERVATIONAL_GENERAL,
    PRECLINICAL,
    PRECLINICAL_DIRECTIONS,
    STREAM_LABELS,
    TRIANGULATION_STREAMS,
    direction_texts,
    exposure_label,
)

MR, MR_META = MR_PRIMARY, MR_META_ANALYSIS
ATHLETES, GENERAL = OBSERVATIONAL_ATHLETES, OBSERVATIONAL_GENERAL
#: streams in display order (their labels: :data:`compendium.vocabulary.STREAM_LABELS`, or the review's)
STREAMS = TRIANGULATION_STREAMS
OBSERVATIONAL = (ATHLETES, GENERAL)
#: observational exposure categories that are not a measure of physical activity, sport or fitness
EXCLUDED_OBSERVATIONAL_EXPOSURES: tuple[str, ...] = ("other",)

#: the main bias of each stream: our stated judgement, not computed; ``{intervention}`` and
#: ``{condition}`` are filled with the review's nouns (:func:`main_bias`)
MAIN_BIAS: dict[str, str] = {
    MR: (
        "horizontal pleiotropy (variants for {intervention} may act on {condition} through other traits) and "
        "weak instruments; self-reported {intervention} GWAS also capture correlated behaviours; sample overlap "
        "and winner's curse bias towards the observational estimate; several results known only from abstracts"
    ),
    MR_META: (
        "not independent of the primary MR studies (same GWAS, overlapping analyses), so it inherits "
        "their pleiotropy and instrument problems and cannot corroborate them"
    ),
    ATHLETES: (
        "reverse causation and confounding; athletes differ from the general population in many ways "
        "(head injury, drugs and supplements, body build, genetics); SMR/SIR against general-population "
        "rates; few cases and wide CIs; overlapping cohorts"
    ),
    GENERAL: (
        "recall bias ({intervention} recalled after diagnosis in case-control studies), reverse causation "
        "through pre-diagnostic changes, confounding; exposures defined and scaled differently, so "
        "per-unit and per-category estimates are not comparable"
    ),
    PRECLINICAL: (
        "mouse models carry a disease-causing mutation, so they model the course of {condition}, not its "
        "onset in people; small groups, different protocols and intensities; several results known only "
        "through citing articles or a review"
    ),
}


def main_bias(stream: str, intervention: str, condition: str) -> str:
    """The stated main bias of ``stream`` (:data:`MAIN_BIAS`) in the review's words.

    Examples
    --------
    >>> main_bias(MR, "coffee", "gout").startswith("horizontal pleiotropy (variants for coffee may act on gout")
    True
    """
    return MAIN_BIAS[stream].format(intervention=intervention, condition=condition)


CONSISTENT, WEAK, INCONSISTENT, INSUFFICIENT = "consistent", "weak", "inconsistent", "insufficient"

ROW_COLUMNS = [
    "stream",
    "study_id",
    "study",
    "label",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "category",
    "direction",
    "counted",
    "sex",
    "intensity",
    "secondary_source",
    "notes",
]
STUDY_COLUMNS = ["stream", "study_id", "study", "direction", "rows_counted"]
TRIANGULATION_COLUMNS = [
    "stream",
    "evidence",
    "direction",
    "strength",
    "main_bias",
    "sex_differences",
    "stream_label",
    "studies",
    "studies_harm",
    "studies_benefit",
    "studies_null",
    "studies_both",
    "studies_none",
    "rows",
    "rows_counted",
    "rows_ci_above",
    "rows_ci_below",
    "rows_ci_includes",
    "rows_p_only",
    "rows_stated_only",
    "rows_no_estimate",
    "estimate_min",
    "estimate_max",
]
PRECLINICAL_COUNT_COLUMNS = ["sex", "intensity", "direction", "results"]
PRECLINICAL_INTENSITY_ORDER = ("voluntary", "moderate", "high", "mixed", "not_reported")

#: the answer of each rule; ``{intervention}`` and ``{condition}`` are filled with the review's nouns
ANSWERS: dict[str, str] = {
    "R1": "Cannot be answered from these data: too few studies give a usable result.",
    "R2": "Probably yes: genetically predicted {intervention} raises {condition} risk, and the other streams agree.",
    "R3": "No: if anything, genetically predicted {intervention} lowers {condition} risk.",
    "R4": "Probably not: Mendelian randomization studies consistently find no causal effect.",
    "R5": (
        "Not established. The Mendelian randomization evidence leans towards higher {condition} risk with "
        "genetically predicted {intervention}, but it falls short of showing cause."
    ),
    "R6": (
        "Not established. The Mendelian randomization evidence leans towards lower {condition} risk with "
        "genetically predicted {intervention}, but it falls short of showing cause."
    ),
    "R7": "Not established: the evidence points in different directions.",
}


def _label(studies: pd.DataFrame, ids: pd.Series) -> pd.Series:
    return pd.Series(labels_of(studies, ids, source="triangulation"), index=ids.index)


def evidence_rows(
    mr_estimates: pd.DataFrame,
    observational: pd.DataFrame,
    preclinical: pd.DataFrame,
    studies: pd.DataFrame,
    *,
    intervention: str,
    exposure_labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Every result row of the risk question with its stream, category, direction and whether it
    counts (module docstring); columns :data:`ROW_COLUMNS`. ``intervention`` is the review's
    ``intervention.noun`` (the note on rows that are not counted); ``exposure_labels`` the display
    labels of the exposure categories (:func:`compendium.evidence.published_mr.exposure_label`).

    ``mr_estimates`` is the stage's MR summary (:func:`compendium.evidence.published_mr.published_estimates`;
    user-supplied rows are dropped here); the others are the stage-01 tables.
    """
    mr = mr_estimates[mr_estimates["role"].isin([MR_ROLE_PRIMARY, MR_ROLE_META_ANALYSIS])]
    mr_rows = pd.DataFrame(
        {
            "stream": mr["role"].map({MR_ROLE_PRIMARY: MR, MR_ROLE_META_ANALYSIS: MR_META}),
            "study_id": mr["study_id"],
            "study": mr["study"],
            "label": mr["exposure_category"].map(lambda c: exposure_label(c, exposure_labels)) + ", " + mr["method"],
            "measure": mr["measure"],
            "estimate": mr["estimate"],
            "ci_low": mr["ci_low"],
            "ci_high": mr["ci_high"],
            "category": mr["category"],
            "direction": mr["direction_code"],
            "counted": mr["main"].astype(bool),
            "notes": mr["main"].map({True: "", False: "sensitivity analysis of the same exposure (not counted)"}),
        }
    )
    stream_of = studies.set_index("study_id")["stream"]
    obs = observational.reset_index(drop=True)
    excluded = obs["exposure_category"].isin(EXCLUDED_OBSERVATIONAL_EXPOSURES)
    category = classify_frame(obs)
    obs_rows = pd.DataFrame(
        {
            "stream": obs["study_id"].map(stream_of),
            "study_id": obs["study_id"],
            "study": _label(studies, obs["study_id"]),
            "label": obs["estimate_label"],
            "measure": obs["measure"],
            "estimate": obs["estimate"],
            "ci_low": obs["ci_low"],
            "ci_high": obs["ci_high"],
            "category": category,
            "direction": category.map(CATEGORY_DIRECTION),
            "counted": ~excluded,
            "sex": obs["sex"],
            "secondary_source": obs["secondary_source"],
            "notes": excluded.map({True: f"exposure is not a measure of {intervention} (not counted)", False: ""}),
        }
    )
    wrong = sorted(set(obs_rows.loc[~obs_rows["stream"].isin(OBSERVATIONAL), "study_id"]))
    if wrong:
        raise CompendiumError(
            f"observational: study_id {', '.join(wrong)} is not in an observational stream in studies"
        )
    pre = preclinical.reset_index(drop=True)
    pre_rows = pd.DataFrame(
        {
            "stream": PRECLINICAL,
            "study_id": pre["study_id"],
            "study": _label(studies, pre["study_id"]),
            "label": pre["outcome"],
            "category": pre["direction"],
            "direction": pre["direction"].map(PRECLINICAL_DIRECTIONS),
            "counted": True,
            "sex": pre["sex"],
            "intensity": pre["intensity"],
            "secondary_source": pre["secondary_source"],
            "notes": "",
        }
    )
    rows = pd.concat([mr_rows, obs_rows, pre_rows], ignore_index=True).reindex(columns=ROW_COLUMNS)
    rows["counted"] = rows["counted"].astype(bool)
    order = rows["stream"].map({stream: i for i, stream in enumerate(STREAMS)})
    return (
        rows.assign(_order=order).sort_values("_order", kind="mergesort").drop(columns="_order").reset_index(drop=True)
    )


def study_directions(rows: pd.DataFrame) -> pd.DataFrame:
    """One direction per study from its counted rows (``combine_directions``); :data:`STUDY_COLUMNS`."""
    counted = rows[rows["counted"]]
    grouped = counted.groupby(["stream", "study_id"], sort=False)
    out = grouped.agg(
        study=("study", "first"),
        direction=("direction", lambda d: combine_directions(list(d))),
        rows_counted=("direction", "size"),
    ).reset_index()
    return out[STUDY_COLUMNS]


def stream_judgement(harm: int, benefit: int, null: int, both: int) -> tuple[str, str]:
    """``(direction, strength)`` of a stream from its studies' directions (module docstring rules)."""
    usable = harm + benefit + null + both
    if usable == 0:
        direction = NONE
    elif both > 0 or (harm > 0 and benefit > 0):
        direction = BOTH
    elif harm > 0:
        direction = HARM
    elif benefit > 0:
        direction = BENEFIT
    else:
        direction = NULL
    if usable < 2:
        strength = INSUFFICIENT
    elif direction == BOTH:
        strength = INCONSISTENT
    elif direction == NULL:
        strength = CONSISTENT
    else:
        agreeing = harm if direction == HARM else benefit
        strength = CONSISTENT if agreeing >= 2 and agreeing >= null else WEAK
    return direction, strength


def _counts_text(counts: pd.Series, names: dict[str, str]) -> str:
    return ", ".join(f"{names.get(str(key), key)} {int(n)}" for key, n in counts.items() if n) or "none"


def preclinical_counts(preclinical: pd.DataFrame) -> pd.DataFrame:
    """Number of mouse results per sex, intensity and direction (all combinations that occur)."""
    counts = preclinical.groupby(["sex", "intensity", "direction"]).size().rename("results").reset_index()
    keys = pd.DataFrame(
        {
            "sex": counts["sex"].map({s: i for i, s in enumerate(MOUSE_SEX_ORDER)}),
            "intensity": counts["intensity"].map({s: i for i, s in enumerate(PRECLINICAL_INTENSITY_ORDER)}),
            "direction": counts["direction"].map({d: i for i, d in enumerate(PRECLINICAL_DIRECTIONS)}),
        }
    )
    order = keys.sort_values(list(keys.columns), kind="mergesort").index
    return counts.loc[order, PRECLINICAL_COUNT_COLUMNS].reset_index(drop=True)


def _sex_differences(stream: str, rows: pd.DataFrame) -> str:
    if stream in (MR, MR_META):
        return "not reported: no sex-specific MR estimates in the data"
    counted = rows[rows["counted"]]
    names = {"harm": "harm", "benefit": "benefit", "null": "no effect", "both": "mixed"}
    if stream == PRECLINICAL:
        parts = []
        for sex in MOUSE_SEX_ORDER:
            group = counted[counted["sex"] == sex]
            if len(group):
                counts = group["direction"].value_counts().reindex(DIRECTIONS, fill_value=0)
                parts.append(f"{sex.replace('_', ' ')}: {_counts_text(counts, names)}")
        return "; ".join(parts)
    sexes = counted["sex"].fillna("not_reported").replace({"both": "both sexes together"})
    parts = []
    for sex, group in counted.groupby(sexes, sort=True):
        above = int((group["direction"] == HARM).sum())
        parts.append(f"{str(sex).replace('_', ' ')}: {len(group)} estimates ({above} higher risk)")
    text = "; ".join(parts)
    if "female" not in set(sexes):
        text += ". No estimates for women alone"
    return text


def _evidence_text(stream: str, rows: pd.DataFrame, studies: pd.DataFrame, condition: str) -> str:
    counted = rows[rows["counted"]]
    counts = studies["direction"].value_counts()
    names = direction_texts(condition)["mouse" if stream == PRECLINICAL else "human"]
    counts_text = _counts_text(counts.reindex(DIRECTIONS, fill_value=0), names)
    study_text = f"{len(studies)} {'study' if len(studies) == 1 else 'studies'} ({counts_text})"
    if stream == PRECLINICAL:
        by_intensity = []
        for intensity in PRECLINICAL_INTENSITY_ORDER:
            group = counted[counted["intensity"] == intensity]
            if len(group):
                tally = group["category"].value_counts().reindex(list(PRECLINICAL_DIRECTIONS), fill_value=0)
                by_intensity.append(f"{intensity.replace('_', ' ')}: {_counts_text(tally, {'no_effect': 'no effect'})}")
        secondary = int(counted["secondary_source"].astype("boolean").fillna(False).sum())
        return (
            f"{study_text}; {len(counted)} results by intensity: {'; '.join(by_intensity)}; "
            f"{secondary} results known only through a citing article or a review"
        )
    cat = counted["category"]
    parts = [
        f"{len(counted)} estimates counted: CI above 1 {int((cat == CI_ABOVE).sum())}, "
        f"CI below 1 {int((cat == CI_BELOW).sum())}, CI including 1 {int((cat == CI_INCLUDES).sum())}",
    ]
    p_only = cat.isin([P_ABOVE, P_BELOW, P_NS, P_UNCLEAR])
    if p_only.any():
        parts.append(
            f"no CI but estimate and p-value {int(p_only.sum())} "
            f"(p < 0.05 above 1: {int((cat == P_ABOVE).sum())}, below 1: {int((cat == P_BELOW).sum())})"
        )
    stated = cat.isin([STATED_INCREASE, STATED_NULL, STATED_DECREASE])
    if stated.any():
        parts.append(
            f"no estimate, stated conclusion (with or without a p-value) {int(stated.sum())} "
            f"(increase {int((cat == STATED_INCREASE).sum())}, "
            f"no effect {int((cat == STATED_NULL).sum())}, decrease {int((cat == STATED_DECREASE).sum())})"
        )
    if (cat == NO_ESTIMATE).any():
        parts.append(f"no estimate printed {int((cat == NO_ESTIMATE).sum())}")
    with_ci = counted.dropna(subset=["estimate"])
    if len(with_ci):
        measures = ", ".join(sorted(set(with_ci["measure"].dropna()))) or "ratio"
        parts.append(f"point estimates {with_ci['estimate'].min():.3g} to {with_ci['estimate'].max():.3g} ({measures})")
    not_counted = len(rows) - len(counted)
    if not_counted:
        parts.append(f"{not_counted} further rows shown but not counted")
    return f"{study_text}; " + "; ".join(parts)


def triangulation_table(
    rows: pd.DataFrame, *, intervention: str, condition: str, stream_labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """One row per stream (:data:`TRIANGULATION_COLUMNS`): evidence in words with its counts,
    direction and strength by :func:`stream_judgement`, the stated main bias, sex differences,
    then the counts themselves. Point estimates are described, never pooled. ``intervention`` and
    ``condition`` are the review's nouns (the words of the directions and main biases);
    ``stream_labels`` the streams' table labels (``stream_label``; default
    :data:`compendium.vocabulary.STREAM_LABELS`)."""
    texts = direction_texts(condition)
    per_study = study_directions(rows)
    labels = {**STREAM_LABELS, **(stream_labels or {})}
    out = []
    for stream in STREAMS:
        stream_rows = rows[rows["stream"] == stream]
        if not len(stream_rows):
            continue
        stream_studies = per_study[per_study["stream"] == stream]
        n = stream_studies["direction"].value_counts()
        harm, benefit, null, both = (int(n.get(d, 0)) for d in (HARM, BENEFIT, NULL, BOTH))
        direction, strength = stream_judgement(harm, benefit, null, both)
        counted = stream_rows[stream_rows["counted"]]
        cat = counted["category"]
        estimates = counted["estimate"].dropna()
        out.append(
            {
                "stream": stream,
                "evidence": _evidence_text(stream, stream_rows, stream_studies, condition),
                "direction": texts["mouse" if stream == PRECLINICAL else "human"][direction],
                "strength": strength,
                "main_bias": main_bias(stream, intervention, condition),
                "sex_differences": _sex_differences(stream, stream_rows),
                "stream_label": labels[stream],
                "studies": len(stream_studies),
                "studies_harm": harm,
                "studies_benefit": benefit,
                "studies_null": null,
                "studies_both": both,
                "studies_none": int(n.get(NONE, 0)),
                "rows": len(stream_rows),
                "rows_counted": len(counted),
                "rows_ci_above": int((cat == CI_ABOVE).sum()),
                "rows_ci_below": int((cat == CI_BELOW).sum()),
                "rows_ci_includes": int((cat == CI_INCLUDES).sum()),
                "rows_p_only": int(cat.isin([P_ABOVE, P_BELOW, P_NS, P_UNCLEAR]).sum()),
                "rows_stated_only": int(cat.isin([STATED_INCREASE, STATED_NULL, STATED_DECREASE]).sum()),
                "rows_no_estimate": int((cat == NO_ESTIMATE).sum()),
                "estimate_min": estimates.min() if len(estimates) else None,
                "estimate_max": estimates.max() if len(estimates) else None,
            }
        )
    return pd.DataFrame(out, columns=TRIANGULATION_COLUMNS)


def _stream(triangulation: pd.DataFrame, stream: str) -> pd.Series | None:
    found = triangulation[triangulation["stream"] == stream]
    return found.iloc[0] if len(found) else None


def _direction_code(row: pd.Series | None, condition: str) -> str:
    if row is None:
        return NONE
    texts = direction_texts(condition)["mouse" if row["stream"] == PRECLINICAL else "human"]
    return {text: code for code, text in texts.items()}[row["direction"]]


def _unmet(
    way: str,
    mr: pd.Series,
    mr_studies: pd.DataFrame,
    rows: pd.DataFrame,
    appraisal: pd.DataFrame,
    observational: list[pd.Series],
    condition: str,
) -> list[str]:
    """The conditions of R2 (``way`` harm) or R3 (``way`` benefit) that the evidence does not meet."""
    human = direction_texts(condition)["human"]
    other = BENEFIT if way == HARM else HARM
    ci_category = CI_ABOVE if way == HARM else CI_BELOW
    pointing = mr_studies[mr_studies["direction"] == way]
    with_ci = rows[(rows["stream"] == MR) & rows["counted"] & (rows["category"] == ci_category)]["study_id"].nunique()
    unmet = []
    if mr["strength"] != CONSISTENT:
        unmet.append(f"the MR stream is {mr['strength']}, not consistent")
    others = mr_studies[mr_studies["direction"].isin([NULL, other, BOTH])]
    if len(others):
        listed = "; ".join(f"{s.study}: {human[str(s.direction)]}" for s in others.itertuples())
        unmet.append(f"{len(others)} of {len(mr_studies)} primary MR studies do not point the same way ({listed})")
    if with_ci < 2:
        unmet.append(
            f"only {with_ci} primary MR study(ies) give an estimate whose CI lies entirely "
            f"{'above' if way == HARM else 'below'} 1"
        )
    if len(pointing):
        items = appraisal[appraisal["study_id"].isin(pointing["study_id"]) & appraisal["item"].isin(CRITICAL_ITEMS)]
        gaps = items[items["judgement"] != YES]
        if len(gaps):
            tally = gaps.groupby(["item", "judgement"], sort=False).size()
            listed = "; ".join(f"{item} {judgement} for {n}" for (item, judgement), n in zip(tally.index, tally))
            unmet.append(
                f"critical STROBE-MR items are not all Yes for the {len(pointing)} MR studies pointing "
                f"to {human[way]} ({listed})"
            )
    codes = [_direction_code(row, condition) for row in observational]
    if way not in codes:
        unmet.append(f"no observational stream points to {human[way]}")
    if other in codes:
        unmet.append(f"an observational stream points to {human[other]}")
    return unmet


def conclusion(
    triangulation: pd.DataFrame,
    rows: pd.DataFrame,
    appraisal: pd.DataFrame,
    question: Question | None = None,
    *,
    intervention: str,
    condition: str,
) -> dict[str, object]:
    """The stage's answer to the review's risk question (the ALS review: "does exercise cause ALS?")
    by rules R1-R7 (module docstring).

    ``triangulation`` from :func:`triangulation_table` (with the same ``condition``), ``rows`` from
    :func:`evidence_rows`, ``appraisal`` from :func:`compendium.evidence.published_mr.strobe_mr_appraisal`,
    ``question`` the declared question (:meth:`compendium.review.Review.question_for_role`);
    ``intervention`` and ``condition`` the review's nouns (the words of the answer). Returns
    ``{"question_id", "question", "answer", "rule", "reasons"}``; the reasons state the counts behind the rule.
    """
    mr = _stream(triangulation, MR)
    if mr is None:
        raise CompendiumError("conclusion: no primary Mendelian randomization study in the evidence rows")
    per_study = study_directions(rows)
    mr_studies = per_study[per_study["stream"] == MR]
    observational = [row for row in (_stream(triangulation, s) for s in OBSERVATIONAL) if row is not None]
    human = direction_texts(condition)["human"]
    direction = _direction_code(mr, condition)
    obs_codes = [_direction_code(row, condition) for row in observational]
    unmet: list[str] = []
    if mr["strength"] == INSUFFICIENT and all(code == NONE for code in obs_codes):
        rule = "R1"
    elif direction in (HARM, BENEFIT):
        unmet = _unmet(direction, mr, mr_studies, rows, appraisal, observational, condition)
        rule = ("R5" if unmet else "R2") if direction == HARM else ("R6" if unmet else "R3")
    elif direction == NULL and mr["strength"] == CONSISTENT:
        rule = "R4"
    else:
        rule = "R7"

    reasons = [f"Primary MR studies: {mr['evidence']}; direction {mr['direction']}, {mr['strength']}."]
    by_exposure = rows[(rows["stream"] == MR) & rows["counted"]]
    if len(by_exposure):
        reasons.append(
            "MR results by exposure: "
            + "; ".join(
                f"{row.study} ({str(row.label).rsplit(', ', 1)[0]}): {human[str(row.direction)]}"
                for row in by_exposure.itertuples()
            )
            + "."
        )
    reasons += [f"Not met for a causal conclusion: {text}." for text in unmet]
    for stream in (MR_META, ATHLETES, GENERAL, PRECLINICAL):
        row = _stream(triangulation, stream)
        if row is not None:
            reasons.append(
                f"{row['stream_label']}: {row['evidence']}; direction {row['direction']}, "
                f"{row['strength']}. Main bias: {row['main_bias']}."
            )
    reasons.append(
        "MR is the only stream here designed to avoid confounding and reverse causation, so it carries the "
        "conclusion; the observational and animal evidence is set beside it, not pooled with it "
        f"(rule {rule} of compendium.evidence.triangulation)."
    )
    return {
        "question_id": question.id if question else "",
        "question": question.text if question else "",
        "answer": ANSWERS[rule].format(intervention=intervention, condition=condition),
        "rule": rule,
        "reasons": reasons,
    }
