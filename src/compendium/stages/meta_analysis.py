"""Stage 03, meta-analysis: trial effects from the arm-level and trial-reported rows, pooled
analyses of comparable trials (random effects, :mod:`compendium.meta`), observational estimates of
risk, sensitivity analyses, forest and funnel plots, our results beside the published reviews,
GRADE, and the answer to the review's trial question by stated rules
(:mod:`compendium.analysis.conclusion`). A review imported from a RevMan 5 file or Cochrane data package
(``compendium init --from``, which keeps the file in ``data/raw/cochrane/``) is also re-analysed with the
file's own settings and compared with its stored results (``revman_agreement``), beside today's Cochrane
defaults (``revman_sensitivity``); other reviews write both tables empty.

Every input row is either used or listed in ``excluded_data`` with its reason; the accounting is
checked (:func:`compendium.stages.account`) and written to ``tables/notes.json``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from compendium.analysis.assumption_set import build_assumption_set
from compendium.analysis.conclusion import assumption_sentence, treatment_conclusion
from compendium.analysis.figures import assumption_forest_figures, forest_figures, funnel_figures
from compendium.analysis.inputs import LEFT_OUT_NOTE, ROB_ABSENT, leave_out, load_inputs
from compendium.analysis.methods import methods_record
from compendium.analysis.pooling import (
    TreatmentAnalyses,
    build_risk_analyses,
    build_treatment_analyses,
    sensitivity_table,
)
from compendium.analysis.reviews import review_agreement, review_comparison
from compendium.analysis.risk import risk_estimates
from compendium.analysis.rob import RobLookup
from compendium.analysis.treatment import (
    EXCLUDED_COLUMNS,
    NOT_ESTIMABLE_FOR_RATIO,
    dichotomous_effects,
    with_arm_roles,
)
from compendium.analysis.trial_pipeline import PoolingSettings, run_trial_pipeline
from compendium.meta import DEFAULTS
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
    tau2_method: str | None = None,
    test: str | None = None,
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
    its tables are written empty and every other output is what it is without a ledger).

    ``tau2_method`` and ``test`` None: metafor's defaults of the stage (:data:`compendium.meta.DEFAULTS`,
    REML and Knapp-Hartung) for outcomes without declared pooling settings, the declared settings
    (``outcomes[].pooling``, RevMan's) for the others; either given explicitly pools every outcome with
    the parameters."""
    result = StageResult()
    explicit = tau2_method is not None or test is not None
    tau2_method = tau2_method or DEFAULTS.method
    test = test or DEFAULTS.test
    declared = {} if explicit else review.declared_pooling()
    if declared:
        result.notes.append(
            f"pooling: {len(declared)} outcome(s) with their declared settings (review.yaml outcomes[].pooling): "
            + "; ".join(f"{outcome} {pooling.describe()}" for outcome, pooling in declared.items())
            + "; give tau2_method or test to pool them with the stage's parameters instead"
        )
    elif explicit and review.declared_pooling():
        result.notes.append(
            f"pooling: tau2_method {tau2_method} and test {test} given explicitly; they replace the declared "
            "settings of every outcome (review.yaml outcomes[].pooling)"
        )
    subgroup = review.subgroup if subgroup is None else subgroup
    inputs = load_inputs(results_dir, review, raw_dir=raw_dir)
    left_out: list[str] = []
    if exclude_studies:
        inputs, left_out = leave_out(inputs, exclude_studies)
        result.notes += [f"{LEFT_OUT_NOTE}: {line}" for line in left_out]
    rob = RobLookup(inputs)
    result.notes.append("risk of bias: " + ("stage 02 judgements used" if rob.available else ROB_ABSENT))

    risk = risk_estimates(inputs)
    settings = PoolingSettings(
        tau2_method=tau2_method,
        test=test,
        level=level,
        subgroup=subgroup,
        outcomes=outcomes,
        exclude_high_rob=exclude_high_rob,
        include_active_comparators=include_active_comparators,
        declared=declared,
    )
    risk_analyses = build_risk_analyses(
        risk, outcomes, condition=review.condition, exposure_labels=review.exposure_labels
    )
    # the review's other dichotomous measures of each outcome: pooled and shown, never in GRADE, the SoF or
    # the answer (an outcome's own measure is its declared pooling's, else the first declared measure)
    also_measures = [
        analysis
        for measure in review.dichotomous_measures
        for analysis in build_treatment_analyses(
            dichotomous_effects(inputs, measure)[0],
            rob,
            exclude_high_rob=exclude_high_rob,
            outcomes=outcomes,
            intervention=review.intervention,
            comparator=review.comparator,
            outcome_labels=review.outcome_labels,
            level=level,
            repeated_studies=tuple(declared),
        ).analyses
        if review.dichotomous_measure_for(analysis.outcome) != measure
    ]
    primary = run_trial_pipeline(inputs, rob, settings, other_analyses=risk_analyses, shown_analyses=also_measures)
    trial, treatment, fits = primary.effects, primary.treatment, primary.fits
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
            f"{'/'.join(sorted({review.dichotomous_measure_for(str(o)) for o in double_zero['outcome']}))}: "
            f"{double_zero['study_id'].nunique()} trial(s) with no events (or only "
            "events) in both arms left out of the ratio analyses, not estimable (Cochrane Handbook 10.4.4.2): "
            + "; ".join(sorted({f"{s} ({o})" for s, o in zip(double_zero["study"], double_zero["outcome"])}))
        )
    effects, unusable = trial.effects, trial.unusable
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

    result.table(
        output_dir,
        "risk_estimates",
        risk.sort_values(["analysis_key", "study_id", "estimate_label"], kind="mergesort").reset_index(drop=True),
    )
    if risk.empty:
        result.notes.append("observational estimates: none in the data (observational.csv has no rows)")

    result.objects["fits"] = fits
    pooled = result.table(output_dir, "pooled", primary.pooled)
    result.table(output_dir, "study_effects", primary.studies)
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
    comparisons = {o.id: review.comparison_of(o.id) for o in review.outcomes}
    result.figures += forest_figures(fits, rob, output_dir, review.intervention, review.comparator, comparisons)
    funnel_lines = funnel_figures(fits, output_dir, review.intervention, review.comparator)
    comparison = review_comparison(inputs, pooled, treatment.singles, risk, excluded, level)
    result.table(output_dir, "review_comparison", comparison)
    # the first declared dichotomous measure answers: the other measures' rows stay out of the answer
    answered = pooled[~pooled["analysis_id"].isin([a.analysis_id for a in also_measures])]
    sof, domains = primary.summary_of_findings, primary.grade_domains
    result.table(output_dir, "summary_of_findings", sof)
    result.table(output_dir, "grade_domains", domains)

    assumed = build_assumption_set(
        inputs, rob, answered, treatment.singles, sof, enabled=use_assumptions, settings=settings
    )
    for name, table in assumed.tables.items():
        result.table(output_dir, name, table)
    if use_assumptions:
        result.notes += assumed.notes
    result.figures += assumption_forest_figures(
        assumed.fits, assumed.marks, rob, output_dir, review.intervention, review.comparator
    )
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
            answered,
            treatment.singles,
            sof,
            inputs.tables["rct_effects"],
            inputs.tables["trials"],
            review,
            arm_events=None if events.empty else with_arm_roles(events, inputs.tables["arms"]),
            level=level,
        )
        sentence = assumption_sentence(
            assumed.tables["assumption_comparison"], review.intervention, review.comparator, level
        )
        if sentence:
            conclusion["answer"] = f"{conclusion['answer']} {sentence}"
        result.record(output_dir, "conclusion", conclusion)
    else:
        result.notes.append("no declared question has the rct stream: stage 03 writes no answer (conclusion.json)")
    revman_tables(raw_dir, output_dir, result)
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
        declared=declared,
    )
    methods["funnel_plots_done"] = funnel_lines
    result.record(output_dir, "methods", methods)
    result.objects["treatment"] = treatment
    result.objects["with_assumptions"] = assumed
    return result.finish(output_dir)


def revman_tables(raw_dir: str | Path, output_dir: str | Path, result: StageResult) -> None:
    """``revman_agreement`` and ``revman_sensitivity`` of the review file kept by the import (empty without one),
    and forest plots of its analyses that the data package's tables do not hold."""
    from compendium.cochrane import read_review
    from compendium.cochrane.agreement import (
        AGREEMENT_COLUMNS,
        SENSITIVITY_COLUMNS,
        agreement_table,
        forest_figures,
        reproduction_sentence,
        sensitivity_table,
    )
    from compendium.cochrane.importer import original_file

    original = original_file(raw_dir)
    if original is None:
        result.table(output_dir, "revman_agreement", pd.DataFrame(columns=list(AGREEMENT_COLUMNS)))
        result.table(output_dir, "revman_sensitivity", pd.DataFrame(columns=list(SENSITIVITY_COLUMNS)))
        return
    cochrane = read_review(original)
    agreement = result.table(output_dir, "revman_agreement", agreement_table(cochrane))
    result.table(output_dir, "revman_sensitivity", sensitivity_table(cochrane))
    result.figures += forest_figures(cochrane, output_dir)
    result.notes.append(f"{original.name}: {reproduction_sentence(agreement)}")


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
