"""The ALS review's declaration (review.yaml) loads and carries what the shipped report relies on."""

from __future__ import annotations

from compendium.paths import ROOT
from compendium.review import load_review


def test_the_als_declaration_loads():
    review = load_review(ROOT / "review.yaml")
    assert review.title == "Exercise and ALS: consensus report" and review.vs == "exercise vs control"
    assert [q.id for q in review.questions] == ["risk", "treatment"]
    assert [w.label for w in review.time_windows] == ["0-4 months", "5-8 months", "9-12 months", "over 12 months"]
    assert set(review.surrogates) == {"mep", "mip", "fvc", "pef", "snip", "mvv"}
    assert review.outcome("alsfrs_r").range == (0.0, 48.0)  # 12 items scored 0-4 (Cedarbaum et al. 1999)
    assert review.rob_summary_outcomes == ("alsfrs_r", "alsfrs") and review.subgroup == "intervention_type"
