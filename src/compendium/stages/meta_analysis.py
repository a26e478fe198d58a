"""Stage 03, meta-analysis: trial effects from the arm-level and trial-reported rows, pooled
analyses of comparable trials (random effects, :mod:`compendium.meta`), observational estimates of
risk, sensitivity analyses, forest and funnel plots, our results beside the published reviews,
GRADE, and the answer to the review's trial question by stated rules
(:mod:`compendium.analysis.conclusion`).

Every input row is either used or listed in ``excluded_data`` with its reason; the accounting is
checked (:func:`compendium.stages.account`) and written to ``tables/notes.json``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from compendium.analysis.assumption_set import build_assumption_set
from compendium.analysis.conclusion import assumption_sentence, treatment_conclusion
from compendium.analysis.figures import assumption_forest_figures, forest_figures, funnel_figures
from compendium.analysis.grading import grade_tables
from compendium.analysis.inputs import ROB_ABSENT, leave_out, load_inputs
from compendium.analysis.methods import methods_record
from compendium.analysis.pooling import (
    TreatmentAnalyses,
    build_risk_analyses,
    build_treatment_analyses,
    fit_analysis,
    pooled_table,
    sensitivity_table,
    study_table,
)
from compendium.analysis.reviews import review_agreement, review_comparison
from compendium.analysis.risk import risk_estimates
from compendium.analysis.rob import RobLookup
from compendium.analysis.treatment import EXCLUDED_COLUMNS, NOT_ESTIMABLE_FOR_RATIO, trial_effects, with_arm_roles
from compendium.review import Review
from compendium.stages import StageResult, account

STAGE = "03_meta_analysis"
#: columns that identify one trial effect across the pooled, shown and excluded tables
EFFECT_KEY = ["study_id", "outcome", "outcome_measure", "value_type", "timepoint_weeks"]


def run(
    review: Review,
    raw_dir: str | Path,
    results_dir: str | Path,
    output_dir: str | Path,
    *,
    tau2_method: str = "REML",
    test: str = "knha",
    level: float = 95.0,
    outcomes: list[str] | None = None,
    subgroup: str | None = None,
    exclude_high_rob: bool = False,
    include_active_comparators: bool = False,
    use_assumptions: bool = True,
    exclude_studies: list[str] | None = None,
) -> StageResult:
    """Stage 03 (module docstring). ``subgroup`` None uses the review's declared subgroup variable;
    ``exclude_studies``: study ids left out of every analysis of this stage (the notes and the methods
    say which, with the rows left out; unknown ids are refused by name);
    ``use_assumptions`` False switches the assumption ledger off (no set with stated assumptions:
    its tables are written empty and every other output is what it is without a ledger)."""
    result = StageResult()
    subgroup = review.subgroup if subgroup is None else subgroup
    inputs = load_inputs(results_dir, review, raw_dir=raw_dir)
    left_out: list[str] = []
    if exclude_studies:
        inputs, left_out = leave_out(inputs, exclude_studies)
        result.notes += [f"left out by the reviewer (exclude_studies): {line}" for line in left_out]
    rob = RobLookup(inputs)
    result.notes.append("risk of bias: " + ("stage 02 judgements used" if rob.available else ROB_ABSENT))

    trial = trial_effects(inputs)
    result.accounting += [
        account(
            STAGE,
            "continuous_outcomes",
            len(inputs.tables["continuous_outcomes"]),
            2 * len(trial.arm),
            len(trial.arm_excluded),
        ),
        account(
            STAGE,
            "dichotomous_outcomes",
            len(inputs.tables["dichotomous_outcomes"]),
            2 * len(trial.events),
            len(trial.events_excluded),
        ),
        account(
            STAGE, "rct_effects", len(inputs.tables["rct_effects"]), len(trial.reported), len(trial.reported_excluded)
        ),
    ]
    double_zero = trial.events_excluded[
        trial.events_excluded["reason"].astype(str).str.contains(NOT_ESTIMABLE_FOR_RATIO, regex=False)
    ]
    if len(double_zero):
        result.notes.append(
            f"{review.dichotomous_measure}: {double_zero['study_id'].nunique()} trial(s) with no events (or only "
            "events) in both arms left out of the ratio analyses, not estimable (Cochrane Handbook 10.4.4.2): "
            + "; ".join(sorted({f"{s} ({o})" for s, o in zip(double_zero["study"], double_zero["outcome"])}))
        )
    effects, unusable = trial.effects, trial.unusable
    treatment = build_treatment_analyses(
        effects,
        rob,
        include_active_comparators=include_active_comparators,
        exclude_high_rob=exclude_high_rob,
        outcomes=outcomes,
        unusable=unusable,
        intervention=review.intervention,
        continuous_measure=review.continuous_measure,
        level=level,
    )
    chosen = effects if outcomes is None else effects[effects["outcome"].isin(outcomes)]
    result.accounting.append(effects_accounting(chosen, treatment))
    excluded = (
        pd.concat([unusable, treatment.excluded], ignore_index=True)
        if len(unusable) or len(treatment.excluded)
        else pd.DataFrame(columns=EXCLUDED_COLUMNS)
    )
    excluded = excluded.sort_values(
        ["study_id", "outcome", "source_table", "timepoint_weeks", "reason"], kind="mergesort"
    )
    if outcomes is not None:
        excluded = excluded[excluded["outcome"].isin(outcomes)]
    result.table(output_dir, "excluded_data", excluded.reset_index(drop=True))
    if effects.empty:
        result.notes.append("trials: no arm-level or trial-reported result with usable numbers; nothing to pool")

    risk = risk_estimates(inputs)
    result.table(
        output_dir,
        "risk_estimates",
        risk.sort_values(["analysis_key", "study_id", "estimate_label"], kind="mergesort").reset_index(drop=True),
    )
    if risk.empty:
        result.notes.append("observational estimates: none in the data (observational.csv has no rows)")

    analyses = treatment.analyses + build_risk_analyses(
        risk, outcomes, condition=review.condition, exposure_labels=review.exposure_labels
    )
    fits = [fit_analysis(a, method=tau2_method, test=test, level=level, subgroup=subgroup) for a in analyses]
    result.objects["fits"] = fits
    pooled = result.table(output_dir, "pooled", pooled_table(fits, review.intervention))
    result.table(output_dir, "study_effects", study_table(fits, rob, level))
    result.table(output_dir, "single_trial_results", treatment.singles)
    if not fits:
        result.notes.append("pooled: no outcome has at least two comparable studies with usable numbers")
    result.table(
        output_dir,
        "sensitivity",
        sensitivity_table(
            fits,
            rob,
            test=test,
            level=level,
            with_active=treatment.with_active,
            include_active_comparators=include_active_comparators,
        ),
    )
    result.figures += forest_figures(fits, rob, output_dir, review.intervention)
    funnel_lines = funnel_figures(fits, output_dir, review.intervention)
    comparison = review_comparison(inputs, pooled, treatment.singles, risk, excluded, level)
    result.table(output_dir, "review_comparison", comparison)
    sof, domains = grade_tables(
        fits,
        treatment.singles,
        rob,
        review.surrogates,
        indirect_exposures=review.indirect_exposure_reasons,
        mids=review.mids,
        level=level,
    )
    result.table(output_dir, "summary_of_findings", sof)
    result.table(output_dir, "grade_domains", domains)

    assumed = build_assumption_set(
        inputs,
        rob,
        pooled,
        treatment.singles,
        sof,
        enabled=use_assumptions,
        tau2_method=tau2_method,
        test=test,
        level=level,
        subgroup=subgroup,
        outcomes=outcomes,
        exclude_high_rob=exclude_high_rob,
        include_active_comparators=include_active_comparators,
    )
    for name, table in assumed.tables.items():
        result.table(output_dir, name, table)
    if use_assumptions:
        result.notes += assumed.notes
    result.figures += assumption_forest_figures(assumed.fits, assumed.marks, rob, output_dir, review.intervention)
    treatment_question = review.question_for_role("treatment")
    result.table(
        output_dir,
        "review_agreement",
        review_agreement(
            inputs,
            pooled,
            assumed.tables["pooled_with_assumptions"],
            treatment_question.id if treatment_question else "treatment",
        ),
    )
    if treatment_question is not None:
        events = inputs.tables.get("dichotomous_outcomes", pd.DataFrame())
        conclusion = treatment_conclusion(
            pooled,
            treatment.singles,
            sof,
            inputs.tables["rct_effects"],
            inputs.tables["trials"],
            review,
            arm_events=None if events.empty else with_arm_roles(events, inputs.tables["arms"]),
            level=level,
        )
        sentence = assumption_sentence(assumed.tables["assumption_comparison"], review.intervention, level)
        if sentence:
            conclusion["answer"] = f"{conclusion['answer']} {sentence}"
        result.record(output_dir, "conclusion", conclusion)
    else:
        result.notes.append("no declared question has the rct stream: stage 03 writes no answer (conclusion.json)")
    methods = methods_record(
        method=tau2_method,
        test=test,
        level=level,
        subgroup=subgroup,
        exclude_high_rob=exclude_high_rob,
        include_active_comparators=include_active_comparators,
        outcomes=outcomes,
        rob_available=rob.available,
        review=review,
        use_assumptions=use_assumptions,
        ledger_rows=0 if inputs.ledger is None else len(inputs.ledger),
        left_out=left_out,
        exclude_studies=exclude_studies,
    )
    methods["funnel_plots_done"] = funnel_lines
    result.record(output_dir, "methods", methods)
    result.objects["treatment"] = treatment
    result.objects["with_assumptions"] = assumed
    return result.finish(output_dir)


def effects_accounting(effects: pd.DataFrame, treatment: TreatmentAnalyses) -> dict:
    """Every trial effect is pooled, shown (``single_trial_results``) or excluded with a reason."""

    def keys(frame: pd.DataFrame) -> set[tuple]:
        if frame.empty:
            return set()
        return set(frame[EFFECT_KEY].astype(str).itertuples(index=False, name=None))

    pooled = set().union(*(keys(a.data) for a in treatment.analyses)) if treatment.analyses else set()
    used = pooled | keys(treatment.singles)
    excluded = keys(treatment.excluded) - used
    every = keys(effects)
    return account(STAGE, "trial effects", len(every), len(every & used), len(every & excluded))
