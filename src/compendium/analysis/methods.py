"""Every default and rule of stage 03 in one JSON-ready record (``tables/methods.json``)."""

from __future__ import annotations

from collections.abc import Mapping

from compendium import assumptions
from compendium.analysis import figures, grading, pooling, risk, treatment
from compendium.analysis.inputs import ROB_ABSENT
from compendium.analysis.windows import window_rule
from compendium.bias import grade
from compendium.meta.effects import DEFAULT_CI_LEVEL, SD_METHODS, SMALL_SAMPLE_N, ZERO_CELL_ADD
from compendium.meta.settings import METHODS, MetaSettings
from compendium.review import Pooling, Review


def methods_record(
    *,
    method: str,
    test: str,
    level: float,
    subgroup: str | None,
    exclude_high_rob: bool,
    include_active_comparators: bool,
    outcomes: list[str] | None,
    rob_available: bool,
    review: Review,
    use_assumptions: bool = True,
    ledger_rows: int = 0,
    left_out: list[str] | None = None,
    exclude_studies: list[str] | None = None,
    declared: Mapping[str, Pooling] | None = None,
) -> dict:
    """The methods as run (parameters) and every rule, with the module that implements it.
    ``use_assumptions`` / ``ledger_rows``: the ledger switch and how many ledger rows the data has;
    ``exclude_studies`` / ``left_out``: the ids of the studies the reviewer left out, and one line
    each saying which rows (stage 05 leaves the same studies out of what it counts); ``declared``: the
    outcomes pooled with their declared settings instead of ``method`` and ``test``."""
    settings = MetaSettings(method=method, test=test, level=level)
    noun = review.intervention
    return {
        "parameters": {
            "tau2_method": method,
            "test": test,
            "level": level,
            "subgroup": subgroup,
            "exclude_high_rob": exclude_high_rob,
            "include_active_comparators": include_active_comparators,
            "outcomes": outcomes,
            "use_assumptions": use_assumptions,
            "exclude_studies": list(exclude_studies or []),
            "studies_left_out_by_the_reviewer": "; ".join(left_out or []) or "none",
        },
        "model": {
            "description": settings.describe(),
            "tau2_estimator": method,
            "ci_method": {
                "knha": "Hartung-Knapp-Sidik-Jonkman (t with k - 1 df)",
                "z": "normal (Wald)",
                "adhoc": "knha never narrower than z",
            }.get(test, test),
            "level_percent": level,
            "prediction_interval": "estimate +/- t(k-1) (knha) or z * sqrt(se^2 + tau2), as metafor predict.rma",
            "i2": settings.i2_definition,
            "tau2_ci": settings.tau2_ci,
            "engine": "compendium.meta.rma (metafor 3.8 rma.uni, tested against metafor)",
            # outcomes pooled with their declared settings instead (review.yaml outcomes[].pooling), unless
            # tau2_method or test was given explicitly
            "declared_pooling": {outcome: p.describe() for outcome, p in (declared or {}).items()},
            "ratio_measures": "pooled on the log scale; estimates, CIs and prediction intervals shown "
            "back-transformed; yi, vi and tau2 on the log scale",
            "ci_level_not_printed": f"a source CI printed without its level is taken as a {DEFAULT_CI_LEVEL:g}% CI",
            "zero_cell_correction": f"{ZERO_CELL_ADD} added to every cell of a 2x2 table with a zero cell "
            "(escalc add=1/2, to='only0'; RevMan's declared pooling: the same, also in the Mantel-Haenszel sums)",
        },
        "effect_sizes": {
            "md": f"{noun} minus {review.comparator}, escalc 'MD' (vi = sd1^2/n1 + sd2^2/n2)",
            "smd": "Hedges' g, escalc 'SMD' with the exact small-sample correction; used when trials of one "
            f"analysis use different instruments; oriented so that positive favours {noun}",
            "continuous_measure": f"{review.continuous_measure} (review.yaml: auto = MD on one instrument, else SMD)",
            "sd_derivation": {
                "order": list(SD_METHODS),
                "se": "SD = SE sqrt(n)",
                "ci": f"SD = sqrt(n) (upper - lower) / (2 crit), t with n - 1 df when n < {SMALL_SAMPLE_N} (ci_t), "
                "else z (ci_z) (Cochrane Handbook 6.5.2.2)",
                "median": "Wan et al. 2014 (BMC Med Res Methodol 14:135) from median with IQR and/or range",
                "plus_minus": "a value printed after '±' whose type is not stated is never used as an SD "
                "(primary set; the set with stated assumptions reads it as an SD or SE only by a ledger row)",
                "missing_n": "arms without n are not pooled; n is never filled in "
                "(primary set; the set with stated assumptions takes n randomised only by a ledger row)",
            },
            "trial_reported": "between-group MD/SMD with a CI (or SE) by generic inverse variance (Cochrane "
            "Handbook 6.3.2); pooled only with results of the same outcome, measure and outcome_measure in one time "
            "window; per-protocol results dropped when an ITT result exists",
        },
        "time_windows": {
            "rule": window_rule(review.time_windows),
            "windows_weeks": [
                [w.label, w.upper_weeks if w.upper_weeks != float("inf") else None] for w in review.time_windows
            ],
        },
        "trial_sets": {
            "primary": treatment.set_label(treatment.PRIMARY, noun),
            "excluded_from_primary": [
                treatment.set_label(treatment.ACTIVE_COMPARATOR, noun),
                treatment.set_label(treatment.NON_RANDOMISED, noun),
            ],
            "include_active_comparators": "adds active-comparator trials as a sensitivity analysis",
            "multi_arm": f"a trial with more than one {noun} arm reporting the same outcome is shown, not pooled",
        },
        "pooling": {
            "min_k": pooling.MIN_POOLED_K,
            "subgroups": f"by {subgroup}: separate models per subgroup and Q-between (G - 1 df) when at least 2 "
            f"subgroups have k >= {pooling.MIN_SUBGROUP_K}",
            "single_trial": "outcomes with one trial are shown (single_trial_results), not pooled",
        },
        "sensitivity": {
            "tau2_estimators": list(METHODS),
            "older_review_variant": pooling.older_review_settings(level).describe(),
            "leave_one_out_min_k": pooling.MIN_LEAVE_ONE_OUT_K,
            "excluding_high_risk_of_bias": "refit without studies judged High (or Very high) by stage 02"
            if rob_available
            else f"not done: {ROB_ABSENT}",
            "including_active_comparators": include_active_comparators,
        },
        "risk_question": {
            "rules": risk.__doc__.split("Rules (ours, stated in ``methods.json``):")[1].strip(),
            "overlapping_populations": {name: list(ids) for name, ids in review.population_groups.items()},
        },
        "risk_of_bias": "stage 02 judgements used" if rob_available else ROB_ABSENT,
        "grade": {
            "engine": "compendium.bias.grade (rules in its docstring)",
            "thresholds": dict(grade.THRESHOLDS),
            "indirectness": {
                "surrogate_outcomes": list(review.surrogates),
                "indirect_exposures": list(review.indirect_exposure_reasons),
                "secondary_source_share": grading.SECONDARY_SOURCE_SHARE,
            },
            "publication_bias": f"Egger's test when k >= {grade.PUBLICATION_BIAS_MIN_K}; otherwise not assessed",
        },
        "assumptions": {
            "ledger": f"{ledger_rows} stated assumption(s) in the data package (assumptions.csv)"
            + ("" if use_assumptions else "; switched off (use_assumptions=False): no set with stated assumptions"),
            "sets": "primary: printed numbers only (every answer rule and the primary tables); with_assumptions: "
            "the same effect, pooling and GRADE code on the tables with the ledger applied "
            "(compendium.assumptions.apply_ledger; Cochrane Handbook 6.5.2, 10.14), trial analyses only",
            "derivations": "values are derived by code from the cells named in derive_from, never typed in",
            "grade": "with_assumptions results (compendium.assumptions.assumption_downgrade, after GRADE guidance 17, "
            "Guyatt GH et al. J Clin Epidemiol 2017;87:14-22): not rated down when no study rests on an assumption "
            "or when the result from printed numbers exists and agrees in direction and significance; otherwise "
            f"rated down {assumptions.ASSUMPTION_DOWNGRADE_LEVELS} level, added to the risk-of-bias domain "
            "(at most two levels in all); the reason is in the footnotes of summary_of_findings_with_assumptions",
            "forest_plots": f"forest-assumptions-<analysis_id>: studies that rest on an assumption are marked "
            f"{figures.ASSUMPTION_MARK} and the footnote names the assumption ids",
        },
        "funnel_plots": f"contour-enhanced (p 0.10/0.05/0.01) when k >= {grade.PUBLICATION_BIAS_MIN_K}",
    }
