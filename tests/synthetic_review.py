"""A SYNTHETIC review declaration for the engine and pipeline tests (a test fixture, not a review):
the same shape as a real ``review.yaml``, with the time windows of the shipped example
(0-4, 5-8, 9-12, over 12 months in weeks) so the window rules can be tested, and a small outcome
vocabulary. Tests of one review's curated data live in ``tests/review/``."""

from __future__ import annotations

from compendium.review import Review, parse_review

DECLARATION: dict = {
    "title": "Synthetic review (test fixture)",
    "intervention": {"noun": "exercise"},
    "comparator": {"noun": "control"},
    "questions": [
        {
            "id": "risk",
            "text": "Synthetic risk question?",
            "streams": [
                "observational_athletes",
                "observational_general",
                "mendelian_randomization",
                "mr_meta_analysis",
                "preclinical",
            ],
        },
        {"id": "treatment", "text": "Synthetic treatment question?", "streams": ["rct", "non_randomised", "review"]},
    ],
    "intervention_types": ["resistance", "aerobic", "combined", "respiratory_muscle_training", "other", "unclear"],
    "outcomes": [
        {"id": "alsfrs_r", "label": "ALSFRS-R", "unit": "points", "higher_is_better": True},
        {"id": "alsfrs", "label": "ALSFRS", "unit": "points", "higher_is_better": True},
        {
            "id": "mep",
            "label": "MEP",
            "unit": "cmH2O",
            "higher_is_better": True,
            "surrogate": True,
            "surrogate_note": "respiratory-muscle or lung-function measure",
        },
        {"id": "mip", "label": "MIP", "unit": "cmH2O", "higher_is_better": True, "surrogate": True},
        {"id": "fatigue", "label": "fatigue"},
        {"id": "quality_of_life", "label": "quality of life"},
        {"id": "adverse_events", "label": "adverse events", "safety": True},
        {"id": "all_outcomes", "label": "all outcomes"},
        {"id": "other", "label": "other"},
    ],
    "time_windows": [
        {"label": "0-4 months", "upper_weeks": 17.4},
        {"label": "5-8 months", "upper_weeks": 34.8},
        {"label": "9-12 months", "upper_weeks": 52.2},
        {"label": "over 12 months"},
    ],
    "subgroup": "intervention_type",
}


def synthetic_review(**changes: object) -> Review:
    """The synthetic declaration, with top-level fields replaced by ``changes``."""
    return parse_review({**DECLARATION, **changes}, source="synthetic review (test fixture)")


SYNTHETIC_REVIEW = synthetic_review()
