"""Stage 02 (risk of bias): joins of the assessments with the trial tables and the stage's
contract tables (CONTRIBUTING.md, "Stage outputs").

The engine (:mod:`compendium.bias.rob2`, :mod:`compendium.bias.observational`) works on study
identifiers; this module adds what the stage needs around it:

* **labels**: ``study`` in the contract tables is the short label of ``studies`` (e.g. "Braga 2018"),
  next to ``study_id``;
* **weights** for the weighted summary plot: the trial's total number randomised, the sum of
  ``arms.n_randomised`` when every arm has it, else ``trials.n_randomised_total``; a trial with
  neither weighs 0 (drawn in the traffic-light plot, absent from the weighted bars) and
  ``weight_source`` says so;
* **one result per trial** for the robvis file and figures (robvis needs unique studies): the
  first outcome of ``outcomes`` in preference order (the review's ``rob_summary_outcomes``; in the
  ALS review ALSFRS-R, then ALSFRS, the function outcome).

Tested in ``tests/test_rob_stage.py`` on synthetic tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from compendium.bias import observational, rob2
from compendium.bias.robvis import to_robvis
from compendium.bias.tables import cell
from compendium.bias.vocabulary import NO_INFORMATION, ROB2, TOOL_DOMAINS, TOOL_JUDGEMENTS
from compendium.errors import CompendiumError
from compendium.shared import study_labels

WEIGHT_FROM_ARMS = "sum of arms.n_randomised"
WEIGHT_FROM_TRIALS = "trials.n_randomised_total"
WEIGHT_MISSING = "number randomised not reported: weight 0"


def _label(labels: Mapping[str, str], study_id: str) -> str:
    if study_id not in labels:
        raise CompendiumError(f"study {study_id!r} is assessed for risk of bias but is not in the studies table")
    return labels[study_id]


def rob2_wide(answers: pd.DataFrame, overrides: pd.DataFrame | None = None) -> pd.DataFrame:
    """Wide answers table (with override columns when ``overrides`` has rows) from the curated
    long tables ``rob2_answers`` and ``rob2_overrides``; ready for :func:`rob2.assess`."""
    wide = rob2.pivot_answers(answers, source="rob2_answers")
    if overrides is not None and len(overrides):
        wide = rob2.pivot_overrides(wide, overrides, source="rob2_overrides")
    return wide


def trial_weights(arms: pd.DataFrame, trials: pd.DataFrame, study_ids: Sequence[str]) -> pd.DataFrame:
    """Total number randomised per trial (rule in the module docstring).

    Columns: ``study_id, n_randomised`` (nullable integer), ``weight`` (float, 0 when unknown),
    ``weight_source``.
    """
    rows = []
    for study_id in study_ids:
        arm_n = pd.to_numeric(arms.loc[arms["study_id"] == study_id, "n_randomised"], errors="coerce")
        total = pd.to_numeric(
            trials.loc[trials["study_id"] == study_id, "n_randomised_total"], errors="coerce"
        ).dropna()
        if len(arm_n) and arm_n.notna().all():
            n, source = int(arm_n.sum()), WEIGHT_FROM_ARMS
        elif len(total):
            n, source = int(total.iloc[0]), WEIGHT_FROM_TRIALS
        else:
            n, source = None, WEIGHT_MISSING
        rows.append({"study_id": study_id, "n_randomised": n, "weight": float(n or 0), "weight_source": source})
    frame = pd.DataFrame(rows, columns=["study_id", "n_randomised", "weight", "weight_source"])
    frame["n_randomised"] = frame["n_randomised"].astype("Int64")
    return frame


def rob2_judgements(assessments: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """The ``rob2_judgements`` contract table: ``study_id, study, outcome, d1 .. d5, overall``
    (final judgements), then ``<x>_proposed`` and ``<x>_override_reason`` for each."""
    labels = study_labels(studies)
    targets = rob2.OVERRIDE_TARGETS
    frame = pd.DataFrame(
        {
            "study_id": assessments["study"],
            "study": [_label(labels, s) for s in assessments["study"]],
            "outcome": assessments["outcome"],
        }
    )
    for target in targets:
        frame[target] = assessments[f"{target}_final"].to_numpy()
    for target in targets:
        frame[f"{target}_proposed"] = assessments[f"{target}_proposed"].to_numpy()
        frame[f"{target}_override_reason"] = assessments[f"{target}_override_reason"].to_numpy()
    return frame


def overrides_shown(judgements: pd.DataFrame) -> pd.DataFrame:
    """One row per overridden judgement: ``study, outcome, target, proposed, final, reason``."""
    rows = [
        {
            "study": row["study"],
            "outcome": row["outcome"],
            "target": target,
            "proposed": row[f"{target}_proposed"],
            "final": row[target],
            "reason": row[f"{target}_override_reason"],
        }
        for row in judgements.to_dict(orient="records")
        for target in rob2.OVERRIDE_TARGETS
        if cell(row[f"{target}_override_reason"])
    ]
    return pd.DataFrame(rows, columns=["study", "outcome", "target", "proposed", "final", "reason"])


def one_result_per_study(judgements: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Rows of ``judgements`` for one outcome per study: the first of ``outcomes`` the study has
    (studies with none of them are left out), in the order of ``judgements``."""
    rank = {outcome: i for i, outcome in enumerate(outcomes)}
    eligible = judgements[judgements["outcome"].isin(rank)]
    best = eligible.assign(_rank=eligible["outcome"].map(rank)).sort_values(["_rank"], kind="stable")
    keep = best.drop_duplicates(subset="study_id", keep="first").index
    return judgements.loc[judgements.index.isin(keep)]


def robvis_table(judgements: pd.DataFrame, weights: pd.DataFrame | None = None, *, tool: str = ROB2) -> pd.DataFrame:
    """robvis table (``Study, D1 .. Dk, Overall, Weight``) from contract-style judgements with one
    row per study (``study`` label, lower-case domain columns, ``overall``); ``weights`` is a
    :func:`trial_weights` table (else every study weighs 1)."""
    domains = [key.lower() for key in TOOL_DOMAINS[tool]]
    frame = pd.DataFrame({"study": judgements["study"], "outcome": judgements["outcome"]})
    for column in [*domains, "overall"]:
        frame[f"{column}_final"] = judgements[column].to_numpy()
    mapping = None
    if weights is not None:
        by_id = dict(zip(weights["study_id"], weights["weight"]))
        mapping = {label: by_id[s] for label, s in zip(judgements["study"], judgements["study_id"])}
    return to_robvis(frame, tool=tool, weights=mapping)


def no_information(counts: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """The ``rob_no_information`` contract table: :func:`rob2.count_no_information` per result with
    ``study_id`` and the study label first."""
    labels = study_labels(studies)
    frame = counts.rename(columns={"study": "study_id"})
    frame.insert(1, "study", [_label(labels, s) for s in frame["study_id"]])
    return frame


def observational_judgements(assessments: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """The ``observational_rob`` contract table: ``study_id, study, d1 .. d7, overall`` (final
    judgements), then outcome, design, tool note, proposed overall, override reason and the
    domain justifications."""
    labels = study_labels(studies)
    domains = observational.DOMAINS
    frame = pd.DataFrame({"study_id": assessments["study"], "study": [_label(labels, s) for s in assessments["study"]]})
    for domain in domains:
        frame[domain] = assessments[f"{domain}_final"].to_numpy()
    frame["overall"] = assessments["overall_final"].to_numpy()
    for column in ("outcome", "design", "tool_note", "overall_proposed", "overall_override_reason"):
        frame[column] = assessments[column].to_numpy()
    for domain in domains:
        frame[f"{domain}_justification"] = assessments[f"{domain}_justification"].to_numpy()
    return frame


def rob1_summary(summary: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """The ``rob1_summary`` table: :func:`compendium.bias.rob1.summarise`'s table with the study label
    after ``study_id`` (``study_id, study, overall, notes``, then one column per RoB 1 domain)."""
    labels = study_labels(studies)
    frame = summary.copy()
    frame.insert(1, "study", [_label(labels, s) for s in frame["study_id"]])
    return frame


def describe_judgements(frame: pd.DataFrame, *, tool: str = ROB2) -> str:
    """Plain-language summary of a robvis table for alt text: studies per overall judgement (named)
    and, per domain, how many studies have each judgement."""
    order = (*TOOL_JUDGEMENTS[tool], NO_INFORMATION)
    overall = "; ".join(
        f"{judgement} for {len(names)} ({', '.join(names)})"
        for judgement in order
        for names in [frame.loc[frame["Overall"] == judgement, "Study"].tolist()]
        if names
    )
    domains = "; ".join(
        f"{key} {name.lower()}: "
        + ", ".join(
            f"{int((frame[key] == judgement).sum())} {judgement}"
            for judgement in order
            if (frame[key] == judgement).any()
        )
        for key, name in TOOL_DOMAINS[tool].items()
    )
    return f"{len(frame)} studies. Overall risk of bias: {overall}. By domain: {domains}."
