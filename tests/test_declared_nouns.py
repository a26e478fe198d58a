"""Pooled labels, notes and forest-plot axes use the review's declared nouns and outcome labels
(issue 21 item 7), on a SYNTHETIC review (test fixture) whose comparator is "usual care" and whose
outcome label differs from the trials' instrument text."""

from __future__ import annotations

from compendium.analysis import pooling
from compendium.analysis.figures import axis_label
from compendium.analysis.rob import RobLookup
from synthetic_review import DECLARATION, synthetic_review
from test_analysis import ALS, _effects, two_trial_inputs

REVIEW = synthetic_review(
    intervention={"noun": "education"},
    comparator={"noun": "usual care"},
    outcomes=[
        {**o, "label": "Daily function (ALSFRS-R)"} if o["id"] == "alsfrs_r" else o for o in DECLARATION["outcomes"]
    ],
)


def _fit() -> pooling.AnalysisFit:
    inputs = two_trial_inputs(review=REVIEW)
    effects, excluded = _effects(inputs)
    built = pooling.build_treatment_analyses(
        effects,
        RobLookup(inputs),
        unusable=excluded,
        intervention=REVIEW.intervention,
        comparator=REVIEW.comparator,
        outcome_labels=REVIEW.outcome_labels,
    )
    return pooling.fit_analysis(built.analyses[0], method="FE", test="z", level=95.0, subgroup=None)


def test_pooled_label_and_notes_use_the_declared_label_and_comparator():
    fit = _fit()
    row = pooling.pooled_table([fit], REVIEW.intervention).iloc[0]
    assert row["outcome_label"] == f"Daily function (ALSFRS-R) ({ALS}), final, 5-8 months (MD)"
    assert "MD education minus usual care on one instrument" in row["notes"]
    assert "minus control" not in row["notes"]


def test_forest_axis_names_the_comparator():
    label = axis_label(_fit(), REVIEW.intervention, REVIEW.comparator)
    assert label == f"Mean difference, education minus usual care ({ALS})"


def test_the_label_names_the_instrument_only_when_it_differs_from_the_declared_label():
    inputs = two_trial_inputs()
    effects, _ = _effects(inputs)
    built = pooling.build_treatment_analyses(effects, RobLookup(inputs), outcome_labels={"alsfrs_r": ALS.upper()})
    assert built.analyses[0].label == f"{ALS.upper()}, final, 5-8 months (MD)"
