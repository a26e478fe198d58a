"""Stage 03's trial pipeline, one sequence for both analysis sets.

:func:`run_trial_pipeline` turns the evidence tables of :class:`~compendium.analysis.inputs.StageInputs`
into trial effects (:func:`~compendium.analysis.treatment.trial_effects`), groups them into pooled
analyses (:func:`~compendium.analysis.pooling.build_treatment_analyses`), fits them
(:func:`~compendium.analysis.pooling.fit_analysis`) and writes their ``pooled`` and ``study_effects``
rows (:func:`~compendium.analysis.pooling.pooled_table`, :func:`~compendium.analysis.pooling.study_table`)
and GRADE (:func:`~compendium.analysis.grading.grade_tables`). Stage 03 runs it on the printed
numbers (with the risk analyses fitted beside the trials' ones); the set with stated assumptions
(:mod:`~compendium.analysis.assumption_set`) runs it on the tables with the ledger applied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from compendium.analysis.grading import grade_tables
from compendium.analysis.inputs import StageInputs
from compendium.analysis.pooling import (
    Analysis,
    AnalysisFit,
    TreatmentAnalyses,
    build_treatment_analyses,
    fit_analysis,
    pooled_table,
    study_table,
)
from compendium.analysis.rob import RobLookup
from compendium.analysis.treatment import TrialEffects, trial_effects
from compendium.review import DICHOTOMOUS_MEASURES, POOLING_METHOD_MEASURES, Pooling

#: analysis_id -> (levels, reason) added to GRADE's risk-of-bias domain, from the fits and their
#: ``pooled`` table (:func:`compendium.analysis.grading.grade_tables`, ``extra_rob``)
ExtraRob = Callable[[list[AnalysisFit], pd.DataFrame], dict[str, tuple[int, str]]]


@dataclass(frozen=True)
class PoolingSettings:
    """The stage-03 parameters the pipeline uses (:func:`compendium.stages.meta_analysis.run`)."""

    tau2_method: str = "REML"
    test: str = "knha"
    level: float = 95.0
    subgroup: str | None = None
    outcomes: list[str] | None = None
    exclude_high_rob: bool = False
    include_active_comparators: bool = False
    #: outcome id -> its declared pooling settings, used instead of ``tau2_method`` and ``test`` for the
    #: outcome's trial analyses (empty when the stage's parameters were given explicitly)
    declared: Mapping[str, Pooling] = field(default_factory=dict)

    def pooling_for(self, analysis: Analysis) -> Pooling | None:
        """The declared pooling settings an analysis is pooled with (None: the stage's parameters).

        An analysis of the outcome's events in another of the review's measures (shown beside the
        declared one) keeps the declared method and model when the method pools that measure, else
        inverse variance (a Peto OR's outcome shown as RR or RD)."""
        pooling = self.declared.get(analysis.outcome) if analysis.question == "treatment" else None
        if pooling is None or analysis.measure not in DICHOTOMOUS_MEASURES:
            return pooling
        if analysis.measure == pooling.events_measure:
            return pooling
        if analysis.measure in POOLING_METHOD_MEASURES[pooling.method]:
            return replace(pooling, measure=analysis.measure)
        return replace(pooling, method="IV", measure=analysis.measure)


@dataclass(frozen=True, eq=False)
class TrialPipeline:
    """What one run of :func:`run_trial_pipeline` produced."""

    effects: TrialEffects
    treatment: TreatmentAnalyses
    #: the fits of the trial analyses, then of ``other_analyses``
    fits: list[AnalysisFit]
    pooled: pd.DataFrame
    studies: pd.DataFrame
    summary_of_findings: pd.DataFrame
    grade_domains: pd.DataFrame


def run_trial_pipeline(
    inputs: StageInputs,
    rob: RobLookup,
    settings: PoolingSettings,
    *,
    other_analyses: Sequence[Analysis] = (),
    shown_analyses: Sequence[Analysis] = (),
    singles: pd.DataFrame | None = None,
    extra_rob: ExtraRob | None = None,
) -> TrialPipeline:
    """Trial effects, pooled analyses, fits, ``pooled`` / ``study_effects`` tables and GRADE of ``inputs``.

    Parameters
    ----------
    inputs : StageInputs
        The evidence tables (printed numbers, or the ledger's assumptions applied) and the review.
    rob : RobLookup
        Stage 02's judgements.
    settings : PoolingSettings
        The stage's pooling parameters.
    other_analyses : sequence of Analysis
        Analyses fitted, tabulated and rated after the trials' ones (stage 03: the risk analyses).
    shown_analyses : sequence of Analysis
        Analyses fitted and tabulated right after the trials' ones but left out of GRADE (stage 03:
        the review's other dichotomous measures, shown beside the first, which answers).
    singles : DataFrame, optional
        The single-trial results GRADE rates besides the pooled analyses; by default the ones this
        run shows but does not pool (``treatment.singles``).
    extra_rob : callable, optional
        Levels added to the risk-of-bias domain, from the fits and the ``pooled`` table.

    Returns
    -------
    TrialPipeline
    """
    review = inputs.review
    effects = trial_effects(inputs)
    treatment = build_treatment_analyses(
        effects.effects,
        rob,
        include_active_comparators=settings.include_active_comparators,
        exclude_high_rob=settings.exclude_high_rob,
        outcomes=settings.outcomes,
        unusable=effects.unusable,
        intervention=review.intervention,
        comparator=review.comparator,
        outcome_labels=review.outcome_labels,
        continuous_measure=review.continuous_measure,
        level=settings.level,
        repeated_studies=tuple(settings.declared),
    )
    fits = [
        fit_analysis(
            a,
            method=settings.tau2_method,
            test=settings.test,
            level=settings.level,
            subgroup=settings.subgroup,
            pooling=settings.pooling_for(a),
        )
        for a in [*treatment.analyses, *shown_analyses, *other_analyses]
    ]
    pooled = pooled_table(fits, review.intervention)
    studies = study_table(fits, rob, settings.level)
    rated = [fit for fit in fits if fit.analysis not in shown_analyses]
    sof, domains = grade_tables(
        rated,
        treatment.singles if singles is None else singles,
        rob,
        review.surrogates,
        indirect_exposures=review.indirect_exposure_reasons,
        extra_rob=extra_rob(rated, pooled) if extra_rob else None,
        mids=review.mids,
        level=settings.level,
    )
    return TrialPipeline(effects, treatment, fits, pooled, studies, sof, domains)
